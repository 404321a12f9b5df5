"""Letters: the invito bonario, the formal notification of the verbale, the ultimo avviso and
the ingiunzione fiscale, as PDFs in the recipient's language (with the Italian original of the
formal acts for foreign recipients), from per-Ente templates, archived with their SHA-256 and
verification code; then printed and posted.

* :mod:`.templates` — per-Ente template data (logo, office, signatory, footer, payment data,
  postal products …) with documented defaults;
* :mod:`.selection` — which verbali are due which letter (SQL pre-filter + engine check);
* :mod:`.service` — producing one letter (idempotent per verbale, kind and sequence);
* :mod:`.content`, :mod:`.compose`, :mod:`.render`, :mod:`.pdfmerge` — the text as data, its
  wording in five languages, the PDF, and appending the pagoPA notice pages;
* :mod:`.codes` — verification codes and access codes;
* :mod:`.batch` — resumable letter runs (``flask letters generate``);
* :mod:`.postal` — print batches: PDFs + manifest CSV, national and international products;
* :mod:`.tracking` — the postal operator's tracking file;
* :mod:`.returns` — return-receipt scans (Strasbourg convention and national A/R);
* :mod:`.timeline` — the contact center's view of a verbale's letters and events;
* :mod:`.cli` — the ``flask letters`` commands.
"""

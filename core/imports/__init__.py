"""Import of verbali from the police software's export and from automatic devices.

The formats are documented in ``docs/import-format.md``. The pieces:

* :mod:`.sources` — streamed readers for CSV, JSON Lines and JSON arrays that can start again
  from a byte offset (the batch cursor), so a million rows never sit in memory and a killed
  worker resumes where the last committed chunk ended;
* :mod:`.records` — one record (a CSV row or a JSON object) checked field by field into a
  draft verbale, or a list of ``(column, reason)`` problems in the operator's language;
* :mod:`.writer` — one chunk of drafts written with set-based look-ups (no query per row) and
  bulk inserts (``COPY`` on PostgreSQL);
* :mod:`.service` — the import as a :class:`~core.models.BatchRun`: the file's SHA-256 record,
  the chunk function driven by :func:`core.batches.drive`, the rejected-rows report and the
  summary; :mod:`.jobs` runs it on a worker, :mod:`.cli` from the command line.
"""

"""Reconciliation of collected money: pagoPA reporting flows (FlussoRiversamento XML and
FdR 3 JSON) and bank statements (CSV and ISO 20022 camt.053) matched against the notices and
the ledger.

* parsers — :mod:`.flusso`, :mod:`.fdr3`, :mod:`.bank_csv`, :mod:`.camt053`: streaming, typed
  rows with :class:`~decimal.Decimal` amounts (:mod:`.rows`), a translatable
  :class:`~.errors.ParseError` naming the line or element of bad input, header totals checked;
* :mod:`.service` — :func:`~.service.import_file`: one atomic, idempotent import of a file
  (the CLI ``flask --app wsgi reconcile import`` and the contact center's upload both call it);
* :mod:`.matching` — set-based matching by IUV, IUR and transfer index, new payments through
  the ledger, exceptions into the work queue, bank transfers against the flows' regulations;
* :mod:`.items` — the contact center's work queue: listing and resolving exception items.
"""

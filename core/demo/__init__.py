"""Demo data: ``flask --app wsgi demo load [--reset] [--verbali N]``.

Layout (services first, the CLI only parses options and prints):

* :mod:`core.demo.generate` — :func:`~core.demo.generate.load_demo`, the base demo (two Enti,
  catalogue, staff, ~330 verbali in every state, photos, documents, access codes); idempotent.
* :mod:`core.demo.bulk` — :func:`~core.demo.bulk.generate_bulk`, benchmark volumes streamed in
  batches (Core ``executemany``, or ``COPY`` on PostgreSQL).
* :mod:`core.demo.reset` — :func:`~core.demo.reset.wipe_demo`, removes demo rows (through the
  foreign keys of the reflected schema) and files.
* :mod:`core.demo.data` — fixed identities: ``DEMO_SIGN_INS``, staff accounts, personas.
* :mod:`core.demo.enti`, :mod:`core.demo.catalogue`, :mod:`core.demo.people` — the Enti with
  costs and devices, the violation catalogue, name/address pools.
* :mod:`core.demo.plan`, :mod:`core.demo.states`, :mod:`core.demo.pricing` — dates relative to
  today, notification steps, state classification, amounts (via :mod:`core.fines`).
* :mod:`core.demo.files`, :mod:`core.demo.identity` — generated images/PDFs and valid
  identifiers (codice fiscale, partita IVA, IBAN, foreign ids, plates).
* :mod:`core.demo.cli` — the ``demo`` command group.
"""

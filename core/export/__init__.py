"""Export of one Ente's data at the end of the contract (Rho tender, art. 10), and its restore.

The tables to export are found in the SQLAlchemy metadata, not listed in code: a table belongs
to an Ente when a chain of foreign keys leads from it to ``ente`` (:mod:`.scope`), so tables
added later are exported without changes here. Tables with no such chain are either global
reference data exported in full, staff records exported only where the Ente's rows point at
them and without their credentials, or excluded with a documented reason; a new table in none
of these groups is reported in the manifest (and fails ``tests/core/export``).

* :mod:`.archive` — ``flask export ente CODE OUT.zip``: one JSON Lines file per table, the
  stored files (evidence, letters, attachments …), the data dictionary, a manifest with row
  counts and a ``SHA256SUMS`` file; streamed (``yield_per``), constant memory;
* :mod:`.restore` — ``flask export restore IN.zip``: checks every checksum first, then loads
  the archive into a fresh database migrated to head, keeping ids and relationships;
* :mod:`.dictionary` — every table and column with type, nullability, keys and description.
"""

"""Wiping the demo: every row that belongs to a demo Ente or a demo staff account, and the
demo's files.

The rows to delete are found by walking the foreign keys of the *reflected* schema, so tables
added later by other modules (cases, messages, …) that point at a demo Ente, person, verbale
or staff account are wiped too, children first. The violation catalogue stays (it is shared);
the next load brings it up to date.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import MetaData, Table, delete, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core import pagecache
from core.demo.data import DEMO_EMAIL_DOMAIN
from core.demo.enti import DEMO_ENTE_CODES
from core.demo.files import Storage


def _root_conditions(tables: dict[str, Table]) -> dict[str, ColumnElement[bool]]:
    roots: dict[str, ColumnElement[bool]] = {}
    if "ente" in tables:
        roots["ente"] = tables["ente"].c.code.in_(DEMO_ENTE_CODES)
    if "staff_user" in tables:
        roots["staff_user"] = tables["staff_user"].c.email.like(f"%@{DEMO_EMAIL_DOMAIN}")
    return roots


def demo_row_conditions(metadata: MetaData) -> list[tuple[Table, ColumnElement[bool]]]:
    """``(table, condition)`` for every table holding demo rows, parents before children."""
    tables = {t.name: t for t in metadata.sorted_tables}
    conditions = _root_conditions(tables)
    ordered: list[tuple[Table, ColumnElement[bool]]] = []
    for table in metadata.sorted_tables:
        clauses = [conditions[table.name]] if table.name in conditions else []
        for fk in table.foreign_key_constraints:
            parent = fk.referred_table
            if parent.name == table.name or parent.name not in conditions:
                continue
            if len(fk.columns) != 1:
                continue
            local = list(fk.columns)[0]
            remote = fk.elements[0].column
            clauses.append(local.in_(select(remote).where(conditions[parent.name])
                                     .scalar_subquery()))
        if clauses:
            conditions[table.name] = or_(*clauses)
            ordered.append((table, conditions[table.name]))
    return ordered


def wipe_demo(session: Session, storage_dir: str | Path | None = None) -> dict[str, int]:
    """Delete every demo row (children first) and the demo's files. Returns rows per table."""
    session.flush()
    connection = session.connection()
    metadata = MetaData()
    metadata.reflect(bind=connection)
    deleted: dict[str, int] = {}
    # Children first: each condition selects through its parents, which still exist.
    for table, condition in reversed(demo_row_conditions(metadata)):
        count = connection.execute(delete(table).where(condition)).rowcount
        if count:
            deleted[table.name] = count
    session.expire_all()
    pagecache.note_everyone(session)  # the rows went without the ORM noticing
    if storage_dir is not None:
        storage = Storage(storage_dir)
        shutil.rmtree(storage.path("demo"), ignore_errors=True)
        for code in DEMO_ENTE_CODES:
            storage.path(f"logos/{code}.png").unlink(missing_ok=True)
    return deleted

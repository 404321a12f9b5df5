"""A scratch database for tests whose data must be visible outside the test's transaction
(other processes) or that need a second, fresh database: a temporary SQLite file, or — when
``TEST_DATABASE_URL`` is set — a new PostgreSQL database on the same server, created and dropped
here. Migrated to head with ``core.migrate.upgrade``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from core.migrate import upgrade


@contextmanager
def scratch_database(folder: Path, prefix: str = "multe_scratch") -> Iterator[tuple[str, Engine]]:
    base = os.environ.get("TEST_DATABASE_URL")
    admin = None
    if base:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{folder / f'{prefix}_{uuid.uuid4().hex[:8]}.sqlite3'}"
    engine = create_engine(url)
    if url.startswith("sqlite"):
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _foreign_keys(dbapi_conn, _record):
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

    try:
        upgrade(engine)
        yield url, engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

"""Migrations: one head, the models equal the head, every migration goes up and down."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from core.db import Base
from core.migrate import alembic_config, downgrade, upgrade


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, heads


def test_models_match_head(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], diff


@pytest.fixture()
def scratch_engine(database_url, tmp_path):
    """A database of its own: a fresh SQLite file, or a fresh schema on PostgreSQL."""
    if database_url.startswith("sqlite"):
        eng = create_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
        yield eng
        eng.dispose()
        return
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = create_engine(database_url, connect_args={"options": f"-csearch_path={schema}"})
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_every_migration_up_and_down(scratch_engine):
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    previous = "base"
    for revision in revisions:
        upgrade(scratch_engine, revision)
        downgrade(scratch_engine, previous)
        upgrade(scratch_engine, revision)
        previous = revision
    downgrade(scratch_engine, "base")
    tables = set(inspect(scratch_engine).get_table_names()) - {"alembic_version"}
    assert tables == set()

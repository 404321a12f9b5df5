"""Which tables belong to an Ente is read from the metadata: a table added later with a
foreign-key chain to ``ente`` is exported without code changes; every table of the schema is
classified; the data dictionary describes every table and column."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from core.export import dictionary, scope
from core.models import Base


def test_every_table_of_the_schema_is_classified():
    plans = scope.plan()
    assert {p.name for p in plans} == set(Base.metadata.tables)
    unclassified = [p.name for p in plans if p.category == "unclassified"]
    assert unclassified == [], (
        "classify these tables in core/export/scope.py (reference, referenced-only or excluded, "
        f"with the reason): {unclassified}")
    by_name = {p.name: p for p in plans}
    assert by_name["verbale"].category == "ente"
    assert by_name["verbale_violation"].scope_text() == "verbale_violation.verbale_id → verbale.ente_id → ente.id"
    assert by_name["violation_type"].category == "reference"
    assert by_name["staff_user"].category == "referenced"
    assert by_name["staff_ente"].category == "excluded"  # listed: wins over its chain to ente


def test_a_new_table_is_picked_up_by_its_foreign_keys():
    meta = MetaData()
    Table("ente", meta, Column("id", Integer, primary_key=True))
    Table("parcel", meta, Column("id", Integer, primary_key=True),
          Column("ente_id", ForeignKey("ente.id"), nullable=False))
    Table("parcel_note", meta, Column("id", Integer, primary_key=True),
          Column("parcel_id", ForeignKey("parcel.id"), nullable=False),
          Column("shortcut_ente_id", ForeignKey("ente.id"), nullable=True))
    Table("lookup", meta, Column("id", Integer, primary_key=True), Column("name", String(10)))
    plans = {p.name: p for p in scope.plan(meta)}
    assert plans["parcel"].category == "ente"
    # the non-nullable chain wins over the shorter nullable one (it would drop rows)
    assert plans["parcel_note"].scope_text() == "parcel_note.parcel_id → parcel.ente_id → ente.id"
    assert plans["lookup"].category == "unclassified"


def test_the_data_dictionary_describes_every_table_and_column():
    described = dictionary.describe()
    tables = {t["name"]: t for t in described["tables"]}
    assert set(tables) == set(Base.metadata.tables)
    for name, table in tables.items():
        assert [c["name"] for c in table["columns"]] == [c.name for c in Base.metadata.tables[name].columns]
    verbale = {c["name"]: c for c in tables["verbale"]["columns"]}
    assert verbale["notified_on"]["description"].startswith("Day 0 of the amount windows")
    assert verbale["offender_id"]["foreign_key"] == "person.id" and not verbale["offender_id"]["nullable"]
    assert verbale["status"]["type"].startswith("varchar(32), one of: assessed, notified")
    assert tables["payment"]["columns"][5]["type"] == "decimal(14,2), euro"
    assert tables["verbale"]["description"].startswith("Verbali")
    assert tables["staff_ente"]["category"] == "excluded" and tables["staff_ente"]["file"] is None
    text = dictionary.markdown(described)
    assert "## `verbale`" in text and "| `notified_on` | date | yes |" in text

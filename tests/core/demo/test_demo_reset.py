"""``--reset`` wipes the demo (rows found through the foreign keys, files) and reloads the same
identities, whatever the day."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, select

from core import db
from core.demo.enti import DEMO_ENTE_CODES
from core.demo.generate import load_demo
from core.demo.plan import rome_today
from core.demo.reset import demo_row_conditions
from core.models import AccessCredential, Base, Ente, Evidence, Person


def _counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}


def _identities() -> dict[str, tuple]:
    demo = select(Ente.id).where(Ente.code.in_(DEMO_ENTE_CODES)).scalar_subquery()
    return {c.username: (c.person.display_name, c.person.fiscal_code, c.person.foreign_id,
                         c.person.birth_date)
            for c in db.session.scalars(select(AccessCredential).join(Person).where(
                Person.ente_id.in_(demo)))}


def test_reset_reloads_the_same_people_on_another_day(engine, db_session, tmp_path):
    storage = tmp_path / "storage"
    today = rome_today()
    load_demo(db.session, storage, today=today)
    before, identities = _counts(), _identities()
    # a file that is not the demo's stays
    (storage / "other.txt").write_text("keep")

    result = load_demo(db.session, storage, today=today + timedelta(days=3), reset=True)

    assert not result.already_loaded
    after = _counts()
    for table in ("ente", "ente_cost", "person", "access_credential", "verbale",
                  "verbale_violation", "evidence", "staff_user", "staff_ente",
                  "violation_type", "violation_amount"):
        assert after[table] == before[table], table
    assert _identities() == identities
    assert all(Path(storage, e.storage_key).exists() for e in db.session.scalars(
        select(Evidence).where(Evidence.storage_key.like("demo/%"))))
    assert (storage / "other.txt").read_text() == "keep"


def test_reset_follows_foreign_keys_of_tables_it_does_not_know():
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table("case_note", metadata, Column("id", Integer, primary_key=True),
          Column("person_id", ForeignKey("person.id")))
    Table("unrelated", metadata, Column("id", Integer, primary_key=True))
    names = [table.name for table, _ in demo_row_conditions(metadata)]
    assert {"ente", "person", "verbale", "payment", "evidence", "access_credential",
            "staff_user", "staff_ente", "case_note", "audit_event"} <= set(names)
    assert "unrelated" not in names and "violation_type" not in names
    assert names.index("person") < names.index("case_note")
    assert Person.__tablename__ == "person"

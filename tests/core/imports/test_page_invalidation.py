"""Imports write with COPY, past the ORM: a verbale imported for someone who already has one
still shows on their cached position page at once."""

from __future__ import annotations

from sqlalchemy import select

from core import db
from core.models import Person
from tests import factories
from tests.core.imports import builders
from tests.core.imports.test_police_import import run


def test_an_imported_verbale_shows_on_the_cached_page_of_a_known_person(ente, portal,
                                                                       tmp_path):
    first = builders.write_csv(tmp_path / "first.csv", [builders.police_row(1, ente.code)])
    assert run(ente, first)["imported"] == 1
    person = db.session.scalars(select(Person).where(
        Person.fiscal_code == builders.fiscal_code(1))).one()
    factories.sign_in_citizen(portal, person)
    portal.get("/my-position/")
    page = portal.get("/my-position/").get_data(as_text=True)  # from the cache
    assert f"{ente.code}/2025/0000001" in page and f"{ente.code}/2025/0000002" not in page

    second = builders.write_csv(tmp_path / "second.csv", [
        builders.police_row(2, ente.code, offender_fiscal_code=builders.fiscal_code(1))])
    assert run(ente, second)["imported"] == 1
    page = portal.get("/my-position/").get_data(as_text=True)
    assert f"{ente.code}/2025/0000002" in page

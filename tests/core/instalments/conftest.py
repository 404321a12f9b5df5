"""Instalment tests run their services inside a portal request context (translations, config,
audit with an address)."""

from __future__ import annotations

import pytest


@pytest.fixture()
def ctx(portal_app, db_session):
    # English, so the assertions read the source wording (catalogues are checked elsewhere)
    with portal_app.test_request_context(headers={"Accept-Language": "en"}):
        yield portal_app

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture()
def app_ctx(cc_app, db_session):
    with cc_app.app_context():
        yield cc_app


@pytest.fixture()
def ente(app_ctx):
    factories.import_catalogue()
    return factories.ente()

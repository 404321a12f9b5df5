"""The reconciliation services word their errors in the active language; outside a request
that is the default locale, set to English here so the assertions read the source wording
(the Italian catalogue is checked by tests/core/test_i18n_catalogues.py)."""

import pytest


@pytest.fixture(autouse=True)
def _english_messages(request, monkeypatch):
    for name in ("cc_app", "portal_app"):
        if name in request.fixturenames:
            monkeypatch.setitem(request.getfixturevalue(name).config, "BABEL_DEFAULT_LOCALE", "en")

"""Error pages 400/403/404/429/500 render in all five languages, never as a bare traceback."""

import pytest
from werkzeug.exceptions import (
    BadRequest,
    Forbidden,
    InternalServerError,
    NotFound,
    TooManyRequests,
)

from core.factory import ERROR_TEXTS

LANGS = ["it", "en", "fr", "de", "es"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("exc", [BadRequest, Forbidden, NotFound, TooManyRequests, InternalServerError])
@pytest.mark.parametrize("app_fixture", ["portal_app", "cc_app"])
def test_error_page_in_language(request, app_fixture, exc, lang):
    app = request.getfixturevalue(app_fixture)
    with app.test_request_context(f"/?lang={lang}"):
        response = app.make_response(app.handle_user_exception(exc()))
    html = response.get_data(as_text=True)
    assert response.status_code == exc.code
    assert f'<html lang="{lang}">' in html
    title = ERROR_TEXTS[exc.code][0]
    with app.test_request_context(f"/?lang={lang}"):
        assert str(title) in html  # the lazy string rendered in the request's language


def test_unknown_url_is_a_translated_404(portal):
    response = portal.get("/no-such-page?lang=de")
    assert response.status_code == 404
    assert '<html lang="de">' in response.get_data(as_text=True)


def test_unexpected_exception_becomes_500_page(portal_app):
    with portal_app.test_request_context("/?lang=fr"):
        response = portal_app.make_response(portal_app.handle_user_exception(RuntimeError("boom")))
    assert response.status_code == 500
    assert "boom" not in response.get_data(as_text=True)

"""Smoke test in the real browser: the portal home in five languages and the staff sign-in,
each with zero serious or critical axe-core (WCAG 2.1 AA) violations."""

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["it", "en", "fr", "de", "es"])
def test_portal_home_accessible_in_every_language(live_servers, axe_page, axe, lang):
    response = axe_page.goto(f"{live_servers['portal']}/?lang={lang}")
    assert response.status == 200
    assert axe_page.get_attribute("html", "lang") == lang
    assert axe_page.locator("h1").count() == 1
    assert axe(axe_page) == []


def test_staff_sign_in_accessible(live_servers, axe_page, axe):
    response = axe_page.goto(f"{live_servers['cc']}/")
    assert response.status == 200
    assert axe_page.locator("input[type=password]").count() == 1
    assert axe(axe_page) == []


def test_pages_have_no_csp_violations(live_servers, page):
    """With the CSP enforced, nothing on the page is blocked (no inline script or style)."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_servers['portal']}/?lang=en")
    page.goto(f"{live_servers['cc']}/")
    assert [e for e in errors if "Content Security Policy" in e] == []

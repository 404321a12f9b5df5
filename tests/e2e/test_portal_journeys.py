"""Citizen journeys in the real browser (Debian's Chromium driven by Playwright) against the
demo served by core.devserver with its Stripe and pagoPA stand-ins, on a 360-px-wide phone."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

LANGS = ["it", "en", "fr", "de", "es"]
DETAIL_LINK = "a.btn[href*='/my-position/verbale/']"


def _open_first_payable(page) -> None:
    links = page.locator(DETAIL_LINK)
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        page.goto(href if href.startswith("http") else page.url.split("/my-position")[0] + href)
        if page.locator("section.app-pay").count():
            return
        page.go_back()
    raise AssertionError("no payable verbale in this position")


def test_german_driver_pays_by_card_and_downloads_the_receipt(live_servers, page, login):
    portal = live_servers["portal"]
    login(page, portal, "SR-DEMO-DE", "Demo-Lukas-2026!", "de")
    assert page.get_attribute("html", "lang") == "de"
    assert "/my-position" in page.url
    _open_first_payable(page)
    amount_text = page.locator(".app-due-total strong").inner_text()
    assert "€" in amount_text and "," in amount_text  # German number format
    page.click("form.app-pay-card button[type=submit]")
    page.wait_for_url(re.compile(r".*/pay/cs_"))
    if page.locator("#email").count():
        page.fill("#email", "lukas@example.de")
    page.fill("#card_number", "4242 4242 4242 4242")
    page.fill("#expiry", "12 / 30")
    page.fill("#cvc", "123")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/payments/card/return.*"))
    receipt = page.locator("a[href*='/my-position/receipts/']")
    for _ in range(30):  # the page refreshes itself until the webhook has confirmed
        if receipt.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert receipt.count() == 1, page.content()[:2000]
    with page.expect_download() as download_info:
        receipt.first.click()
    path = download_info.value.path()
    assert open(path, "rb").read(4) == b"%PDF"


def test_french_driver_pays_with_pagopa_through_the_simulated_node(live_servers, page, login):
    portal = live_servers["portal"]
    login(page, portal, "SR-DEMO-FR", "Demo-Camille-2026!", "fr")
    assert page.get_attribute("html", "lang") == "fr"
    _open_first_payable(page)
    detail_url = page.url
    page.click("a[href*='/pagopa/pay/']")
    page.wait_for_url(re.compile(r".*/checkout.*"))
    page.click("form[action='/checkout/pay'] button[type=submit]")
    page.wait_for_url(re.compile(re.escape(portal) + r".*"))
    page.goto(detail_url)
    assert page.locator("a[href*='/my-position/receipts/']").count() >= 1
    assert page.locator("section.app-pay").count() == 0  # nothing left to pay


def test_five_wrong_passwords_lock_the_account(live_servers, live_env, page, login):
    portal = live_servers["portal"]
    for _ in range(5):
        login(page, portal, "RHO-DEMO-AZ", "wrong-password", "en")
        assert page.locator(".alert-danger").count() == 1
    login(page, portal, "RHO-DEMO-AZ", "Demo-Azienda-2026!", "en")
    assert "/my-position" not in page.url
    assert page.locator(".alert-danger").count() == 1
    # The served demo is shared by the session's tests: lift the lock for those that sign in
    # as the company later (as the lock's expiry would).
    from sqlalchemy import create_engine, text

    engine = create_engine(live_env["DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE access_credential SET failed_attempts = 0, locked_until = NULL "
                          "WHERE username = 'RHO-DEMO-AZ'"))
    engine.dispose()


def test_another_persons_verbale_is_404(live_servers, browser, login):
    portal = live_servers["portal"]
    ctx = browser.new_context()
    page = ctx.new_page()
    login(page, portal, "RHO-DEMO-EN", "Demo-Oliver-2026!", "en")
    theirs = page.locator(DETAIL_LINK).first.get_attribute("href")
    page.context.clear_cookies()
    login(page, portal, "RHO-DEMO-IT", "Demo-Giulia-2026!", "it")
    assert "/my-position" in page.url, page.url
    response = page.goto(portal + theirs)
    assert response.status == 404, (theirs, response.status, page.url)
    ctx.close()


def test_position_works_without_javascript(live_servers, browser, login):
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = ctx.new_page()
    login(page, live_servers["portal"], "RHO-DEMO-IT", "Demo-Giulia-2026!", "it")
    assert "/my-position" in page.url
    page.click(DETAIL_LINK)
    assert page.locator(".app-due-total").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ctx.close()


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_position_and_payment_pages_accessible(live_servers, axe_page, axe, login, lang):
    portal = live_servers["portal"]
    axe_page.goto(f"{portal}/sign-in?lang={lang}")
    assert axe(axe_page) == [], "sign-in"
    login(axe_page, portal, "RHO-DEMO-IT", "Demo-Giulia-2026!", lang)
    axe_page.goto(f"{portal}/my-position/?lang={lang}")
    assert axe_page.get_attribute("html", "lang") == lang
    assert axe(axe_page) == [], "position"
    axe_page.click(DETAIL_LINK)
    assert axe(axe_page) == [], "verbale with amount, payment and receipts"


@pytest.mark.parametrize("lang", LANGS)
def test_payment_status_and_cancel_pages_accessible(live_servers, axe_page, axe, login, lang):
    """The card payment's own pages: the status page ("being confirmed" until the webhook,
    then the receipt) and the cancel page, in every language."""
    portal = live_servers["portal"]
    login(axe_page, portal, "SR-DEMO-ES", "Demo-Javier-2026!", lang)
    _open_first_payable(axe_page)
    verbale_id = axe_page.url.rstrip("/").split("/")[-1].split("?")[0]
    axe_page.click("form.app-pay-card button[type=submit]")
    axe_page.wait_for_url(re.compile(r".*/pay/cs_"))
    session_id = axe_page.url.split("/pay/")[1].split("?")[0]
    axe_page.goto(f"{portal}/payments/card/return?session_id={session_id}&lang={lang}")
    assert axe_page.get_attribute("html", "lang") == lang
    assert axe(axe_page) == [], "payment status page"
    axe_page.goto(f"{portal}/payments/card/cancel/{verbale_id}?lang={lang}")
    assert axe(axe_page) == [], "cancel page"

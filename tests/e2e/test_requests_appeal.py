"""Appeal (ricorso) and driver identification (art. 126-bis) in the real browser, on a
360-px-wide phone, in two languages each, with axe-core (WCAG 2.1 AA) on every step.

Demo citizens used (chosen so that the other browser tests keep their verbali): the appeal by
Javier (SR-DEMO-ES, in German, prepared for the post) and Oliver (RHO-DEMO-EN, in English,
filed online); the driver by Lukas (SR-DEMO-DE, in German) and the company (RHO-DEMO-AZ, in
English)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

DETAIL_LINK = "a.btn[href*='/my-position/verbale/']"
PNG = {"name": "beleg.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64}
STEP_SUBMIT = "form[novalidate] button[type=submit].btn-primary"


@pytest.fixture()
def phone(browser):
    """A 360-px phone whose CSP is bypassed only so that axe-core can be injected."""
    context = browser.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def _check(page, axe, what: str) -> None:
    assert axe(page) == [], what
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, what


def _open_verbale_with(page, portal: str, lang: str, link: str) -> None:
    page.goto(f"{portal}/my-position/?lang={lang}")
    hrefs = [page.locator(DETAIL_LINK).nth(i).get_attribute("href")
             for i in range(page.locator(DETAIL_LINK).count())]
    for href in hrefs:
        page.goto(portal + href if href.startswith("/") else href)
        if page.locator(link).count():
            page.click(link)
            return
    raise AssertionError(f"no verbale with {link} in this position")


def _appeal(page, axe, portal: str, lang: str, filing: str) -> str:
    _open_verbale_with(page, portal, lang, "a[href*='/appeals/verbale/']")
    page.wait_for_url(re.compile(r".*/appeals/verbale/\d+/step/1.*"))
    assert page.get_attribute("html", "lang") == lang
    assert page.locator(".steppers li[aria-current=step]").count() == 1
    _check(page, axe, "step 1")
    page.click(STEP_SUBMIT)  # nothing chosen: the error summary links to the field
    assert page.locator("#error-summary a[href='#route']").count() == 1
    _check(page, axe, "step 1 with errors")
    page.click("label[for=route-prefetto]")
    page.click(STEP_SUBMIT)
    page.wait_for_url(re.compile(r".*/step/2.*"))
    page.fill("#text", "Das Fahrzeug war zu diesem Zeitpunkt bereits verkauft.")
    page.click(STEP_SUBMIT)  # no reason ticked
    assert page.locator("#error-summary a[href='#grounds']").count() == 1
    assert page.input_value("#text").startswith("Das Fahrzeug")  # what was typed is kept
    _check(page, axe, "step 2 with errors")
    page.click("label[for=grounds-vehicle_sold]")
    page.click(STEP_SUBMIT)
    page.wait_for_url(re.compile(r".*/step/3.*"))
    _check(page, axe, "step 3")
    page.set_input_files("#attachments", files=[PNG])
    page.click("button[value=next]")
    page.wait_for_url(re.compile(r".*/step/4.*"))
    assert "beleg.png" in page.inner_text("main")
    _check(page, axe, "step 4 summary")
    page.click(f"label[for=filing-{filing}]")
    page.click("label[for=truthful]")
    page.click(STEP_SUBMIT)
    page.wait_for_url(re.compile(r".*/appeals/\d+(\?.*)?$"))
    _check(page, axe, "appeal page")
    with page.expect_download() as download:
        page.click("a[href$='/ricorso.pdf']")
    assert open(download.value.path(), "rb").read(4) == b"%PDF"
    return page.url


def test_appeal_in_german_prepared_for_the_post(live_servers, phone, axe, login):
    portal = live_servers["portal"]
    login(phone, portal, "SR-DEMO-ES", "Demo-Javier-2026!", "de")
    _appeal(phone, axe, portal, "de", "post")
    assert phone.locator("form[action$='/file-online']").count() == 1  # may still file online


def test_appeal_in_english_filed_online(live_servers, phone, axe, login):
    portal = live_servers["portal"]
    login(phone, portal, "RHO-DEMO-EN", "Demo-Oliver-2026!", "en")
    _appeal(phone, axe, portal, "en", "online")
    assert re.search(r"[A-Z0-9]+-\d{4}-\d{6}", phone.inner_text("main"))  # protocol number
    phone.click("main a[href*='/my-position/verbale/']")
    assert phone.locator(".app-appeal").count() == 1
    assert phone.locator("section.app-pay").count() == 0  # payment suspended
    _check(phone, axe, "position with the appeal")


def _driver(page, axe, portal: str, lang: str, owner_signature: str) -> None:
    _open_verbale_with(page, portal, lang, "a[href*='/driver/verbale/']")
    page.wait_for_url(re.compile(r".*/driver/verbale/\d+.*"))
    assert page.get_attribute("html", "lang") == lang
    _check(page, axe, "driver form")
    page.click("label[for=driver_is_me-no]")
    for selector, value in (("#first_name", "Anna"), ("#last_name", "Weber"),
                            ("#birth_date", "1985-06-02"), ("#birth_place", "Graz"),
                            ("#address_line", "Herrengasse 16"), ("#postal_code", "8010"),
                            ("#city", "Graz"), ("#province", "Steiermark"),
                            ("#licence_number", "12345678"),
                            ("#licence_authority", "BH Graz-Umgebung"),
                            ("#licence_issued_on", "2005-04-01"),
                            ("#licence_expires_on", "2004-04-01"),  # wrong on purpose
                            ("#driver_signature", "Anna Weber"),
                            ("#owner_signature", owner_signature)):
        page.fill(selector, value)
    for selector in ("#birth_country", "#country", "#licence_country"):
        page.select_option(selector, "AT")
    page.click("label[for=licence_categories-B]")
    for key in ("truthful", "driver_at_time", "licence_valid", "privacy"):
        page.click(f"label[for=declarations-{key}]")
    page.set_input_files("#licence_copy", files=[{**PNG, "name": "fuehrerschein.png"}])
    page.click("main form[enctype] button[type=submit]")
    assert page.locator("#error-summary a[href='#licence_expires_on']").count() == 1
    assert page.input_value("#licence_authority") == "BH Graz-Umgebung"  # kept
    _check(page, axe, "driver form with errors")
    page.fill("#licence_expires_on", "2035-04-01")
    page.click("main form[enctype] button[type=submit]")  # the copy was kept with the draft
    page.wait_for_url(re.compile(r".*/driver/verbale/\d+/confirm.*"))
    assert "Anna Weber" in page.inner_text("main")
    _check(page, axe, "driver summary")
    page.click(STEP_SUBMIT)
    page.wait_for_url(re.compile(r".*/driver/\d+(\?.*)?$"))
    assert re.search(r"[A-Z0-9]+-\d{4}-\d{6}", page.inner_text("main"))
    _check(page, axe, "driver sent")


def test_driver_identification_in_german(live_servers, phone, axe, login):
    portal = live_servers["portal"]
    login(phone, portal, "SR-DEMO-DE", "Demo-Lukas-2026!", "de")
    _driver(phone, axe, portal, "de", "Lukas Müller")


def test_driver_identification_in_english_for_a_company(live_servers, phone, axe, login):
    portal = live_servers["portal"]
    login(phone, portal, "RHO-DEMO-AZ", "Demo-Azienda-2026!", "en")
    _driver(phone, axe, portal, "en", "Giovanni Ferri")

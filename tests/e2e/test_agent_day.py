"""An agent's day in the real browser: a German driver asks for help in the portal, the
foreign-driver agent signs in with password and TOTP, takes the case from the team queue,
replies in German from a template, closes it, and the driver answers the satisfaction survey
linked in the e-mail (read from the demo's mail catcher)."""

from __future__ import annotations

import re
import time
from email import message_from_bytes, policy
from pathlib import Path

import pyotp
import pytest

from core.demo.data import demo_totp_secret

pytestmark = pytest.mark.e2e
AGENT = "agente.esteri@demo.multe.example.org"


def _mails(live_env) -> list:
    directory = Path(live_env["INSTANCE_PATH"]) / "mail"
    return [message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(directory.glob("*.eml"))] if directory.exists() else []


def _wait_for_mail(live_env, predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in _mails(live_env) if predicate(m)]
        if found:
            return found[-1]
        time.sleep(0.3)
    raise AssertionError("expected e-mail not received")


def test_claim_reply_in_german_close_and_survey(live_servers, live_env, browser, axe):
    portal, cc = live_servers["portal"], live_servers["cc"]
    citizen = browser.new_context(viewport={"width": 360, "height": 800})
    page = citizen.new_page()
    page.goto(f"{portal}/lost-codes?lang=de")
    page.select_option("#ente", label="Comune di Siracusa")
    page.fill("#name", "Jonas Becker")
    page.fill("#email", "jonas.becker@example.de")
    page.fill("#plate", "M AB 1234")
    page.fill("#message", "Ich habe den Brief verloren.")
    page.click("form.app-form button[type=submit]")
    protocol = re.search(r"SIRACUSA-\d{4}-\d{6}", page.content()).group(0)
    _wait_for_mail(live_env, lambda m: protocol in m["Subject"])

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    desk.goto(f"{cc}/sign-in?lang=de")
    desk.fill("#email", AGENT)
    desk.fill("#password", "Demo-Agente-2026!")
    desk.click("form.app-form button[type=submit]")
    desk.fill("#code", pyotp.TOTP(demo_totp_secret(AGENT)).now())
    desk.click("form.app-form button[type=submit]")
    desk.goto(f"{cc}/cases/?view=queues&q={protocol}&lang=de")
    desk.click(f"text={protocol}")
    desk.click("form[action$='/claim'] button")
    desk.select_option("#template", "received")
    desk.click("form[method=get] button[type=submit]")
    body = desk.input_value("#body")
    assert "Jonas Becker" in body and protocol in body
    assert "thank you for your message" not in body  # written in the case language, German
    desk.click("form[action$='/reply'] button[type=submit]")
    reply = _wait_for_mail(live_env, lambda m: protocol in m["Subject"] and "Jonas" in m.get_content())
    assert reply["To"] == "jonas.becker@example.de"
    desk.select_option("form[action$='/status'] select", "closed")
    desk.click("form[action$='/status'] button[type=submit]")
    survey = _wait_for_mail(live_env, lambda m: protocol in m["Subject"] and "/requests/survey/" in m.get_content())
    link = re.search(r"https?://\S+/requests/survey/\S+", survey.get_content()).group(0)

    page.goto(link)
    assert page.get_attribute("html", "lang") in ("de", "it")
    page.click("label[for='score-0']")  # Bootstrap Italia draws the radio on the label
    page.click("main form button[type=submit]")
    assert page.locator(".alert-success").count() == 1
    citizen.close()
    staff.close()


def test_console_pages_accessible(live_servers, browser, axe):
    cc = live_servers["cc"]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    desk = ctx.new_page()
    email = "supervisore@demo.multe.example.org"
    desk.goto(f"{cc}/sign-in?lang=it")
    desk.fill("#email", email)
    desk.fill("#password", "Demo-Supervisore-2026!")
    desk.click("form.app-form button[type=submit]")
    desk.fill("#code", pyotp.TOTP(demo_totp_secret(email)).now())
    desk.click("form.app-form button[type=submit]")
    for path in ("/", "/cases/?view=all"):
        desk.goto(cc + path)
        assert axe(desk) == [], path
    desk.click("table a[href*='/cases/']")
    assert axe(desk) == [], "case page"
    ctx.close()

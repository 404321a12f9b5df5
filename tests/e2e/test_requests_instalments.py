"""Asking to pay a fine in instalments in the real browser (Debian's Chromium driven by
Playwright) against the demo served by core.devserver, in French and in Italian: the three
steps, the appeal waiver that must be ticked, the plan page with the protocol number, and
axe-core on every page (no serious or critical WCAG 2.1 AA violation)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

# The demo's personas all owe less than the €200 threshold: give the driver a fine above it,
# notified 10 days ago, in the served database (same environment as the servers).
_ADD_FINE = """
import sys
from datetime import timedelta
from decimal import Decimal
from sqlalchemy import select
from core import db
from core.factory import create_app
from core.models import AccessCredential, Verbale, VerbaleStatus, VerbaleViolation
from core.positions import local_today

app = create_app("portal")
with app.app_context():
    cred = db.session.scalars(select(AccessCredential).where(
        AccessCredential.username == sys.argv[1])).one()
    base = db.session.scalars(select(Verbale).where(Verbale.offender_id == cred.person_id)
                              .order_by(Verbale.id)).first()
    notified = local_today(base.ente) - timedelta(days=10)
    verbale = Verbale(ente_id=base.ente_id, number=f"{base.number}-R{sys.argv[2]}",
                      violation_at=base.violation_at, place=base.place, plate=base.plate,
                      registration_country=base.registration_country, vehicle=base.vehicle,
                      assessed_on=notified - timedelta(days=5), notified_on=notified,
                      notification_channel=base.notification_channel,
                      status=VerbaleStatus.NOTIFIED, offender_id=cred.person_id)
    verbale.violations.append(VerbaleViolation(
        violation_type_id=base.violations[0].violation_type_id,
        min_amount=Decimal("430.00"), max_amount=Decimal("1720.00")))
    db.session.add(verbale)
    db.session.commit()
    print(verbale.id)
"""


def _fine_above_threshold(live_env, username: str, lang: str) -> int:
    done = subprocess.run([sys.executable, "-c", _ADD_FINE, username, lang], cwd=ROOT,
                          env=live_env, check=True, capture_output=True, text=True, timeout=120)
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("lang", "username", "password"), [
    ("fr", "SR-DEMO-FR", "Demo-Camille-2026!"),
    ("it", "RHO-DEMO-IT", "Demo-Giulia-2026!"),
])
def test_request_instalments(live_servers, live_env, axe_page, axe, login, lang, username,
                             password):
    portal = live_servers["portal"]
    verbale_id = _fine_above_threshold(live_env, username, lang)
    page = axe_page
    login(page, portal, username, password, lang)
    assert "/my-position" in page.url, page.url

    page.goto(f"{portal}/instalments/verbale/{verbale_id}?lang={lang}")
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("[aria-current=step]").count() == 1
    assert axe(page) == [], "step 1: eligibility"
    page.fill("#taxable_income", "11000")  # above the single-person limit
    page.fill("#family_members", "0")
    page.click("form.app-form button[type=submit]")
    assert page.locator(".alert-warning[role=alert]").count() == 1
    assert page.input_value("#taxable_income") == "11000"  # nothing typed is lost
    assert axe(page) == [], "step 1 with the refusal"
    page.fill("#family_members", "1")  # one family member raises the limit
    page.click("form.app-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/instalments/verbale/{verbale_id}/plan.*"))
    assert axe(page) == [], "step 2: plan"
    page.select_option("#count", "3")
    page.click("button[value=preview]")
    assert page.locator("table.app-instalments tbody tr").count() == 3
    page.click("button[value=continue]")
    page.wait_for_url(re.compile(rf".*/instalments/verbale/{verbale_id}/confirm.*"))
    assert page.locator(".app-waiver").is_visible()
    assert axe(page) == [], "step 3: summary with the waiver"
    page.check("#declaration", force=True)  # Bootstrap Italia draws the box on the label
    page.click("form.app-form button[type=submit]")  # the waiver is not ticked
    assert page.locator("#error-summary a[href='#waiver']").count() == 1
    assert axe(page) == [], "step 3 with the error summary"
    page.check("#waiver", force=True)
    page.check("#declaration", force=True)  # Bootstrap Italia draws the box on the label
    page.click("form.app-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/instalments/\d+(\?.*)?$"))
    assert page.get_attribute("html", "lang") == lang
    assert page.locator(".alert-success").count() == 1  # the protocol number
    assert page.locator("table.app-instalments tbody tr").count() == 3
    assert axe(page) == [], "plan page"
    # back on step 1, the request leads to the plan: it cannot be made twice
    page.goto(f"{portal}/instalments/verbale/{verbale_id}?lang={lang}")
    assert re.search(r"/instalments/\d+", page.url) and "/verbale/" not in page.url

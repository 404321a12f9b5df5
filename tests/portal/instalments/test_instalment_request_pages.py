"""The portal's instalment request over HTTP: the three steps with the engine's amount, the
household income rule, the plan preview, the appeal waiver that must be ticked, the case and
plan created, drafts that keep what was typed, the plan page and the verbale-page partial,
and 404 for anything that is not the signed-in person's."""

from __future__ import annotations

import re
from decimal import Decimal

from flask import render_template
from sqlalchemy import select

from core import db, drafts
from core.db import utcnow
from core.models import Case, CaseType, InstalmentPlan, PlanStatus
from core.positions import position_of_verbale
from tests import factories
from tests.core.payments.stripe_support import sign_in


def _driver(portal, amount="600.00", language="fr"):
    ente = factories.ente()
    factories.queue(ente, "verbali")
    person = factories.person(ente, language=language, email="d@example.org",
                              email_verified_at=utcnow())
    verbale = factories.instalment_verbale(ente, person, min_amount=amount)
    sign_in(portal, person)
    return ente, person, verbale


def _text(response):
    return response.get_data(as_text=True)


def test_request_in_three_steps(portal):
    _ente, person, verbale, = _driver(portal)
    base = f"/instalments/verbale/{verbale.id}"
    page = portal.get(base + "?lang=en")
    assert page.status_code == 200
    html = _text(page)
    assert "€600.00" in html and 'aria-current="step"' in html
    # too much income for one person, fine for a household of three
    refused = portal.post(base, data={"taxable_income": "11.000,00", "family_members": "0"})
    assert refused.status_code == 200 and "above the limit" in _text(refused)
    typed = drafts.load(drafts.person_owner(person.id), "instalments", str(verbale.id))
    assert typed.data["taxable_income"] == "11.000,00"  # kept, even when refused
    step2 = portal.post(base, data={"taxable_income": "11.000,00", "family_members": "1"})
    assert step2.status_code == 302 and step2.headers["Location"].endswith(f"{base}/plan")
    plan_page = _text(portal.get(base + "/plan"))
    assert "6 monthly instalments" in plan_page and "7 monthly" not in plan_page  # €100 floor
    preview = portal.post(base + "/plan", data={"count": "4", "action": "preview"})
    assert preview.status_code == 200 and "Preview: 4 instalments" in _text(preview)
    assert portal.post(base + "/plan", data={"count": "4", "action": "continue"}).status_code == 302
    summary = _text(portal.get(base + "/confirm"))
    assert "give up the right to appeal" in summary and "Confirm and send" in summary
    # without the waiver nothing is filed
    missing = portal.post(base + "/confirm", data={"declaration": "y"})
    assert missing.status_code == 200 and 'href="#waiver"' in _text(missing)
    assert db.session.scalar(select(InstalmentPlan).where(InstalmentPlan.verbale_id == verbale.id)) is None
    sent = portal.post(base + "/confirm", data={"waiver": "y", "declaration": "y"})
    assert sent.status_code == 302
    plan = db.session.scalars(select(InstalmentPlan).where(InstalmentPlan.verbale_id == verbale.id)).one()
    assert sent.headers["Location"].endswith(f"/instalments/{plan.id}")
    assert plan.status == PlanStatus.REQUESTED and plan.count == 4 and plan.family_members == 1
    assert plan.taxable_income == Decimal("11000.00") and plan.language == "en"
    case = db.session.get(Case, plan.case_id)
    assert case.type == CaseType.INSTALMENTS and case.resolution_due is not None
    shown = _text(portal.get(f"/instalments/{plan.id}"))
    assert case.protocol in shown and "Requested: waiting for the decision" in shown
    # the request cannot be made twice: the steps lead to the plan
    again = portal.get(base)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/instalments/{plan.id}")
    assert not drafts.exists(drafts.person_owner(person.id), "instalments", str(verbale.id))


def test_steps_cannot_be_skipped_and_bad_input_is_explained(portal):
    _ente, _person, verbale = _driver(portal)
    base = f"/instalments/verbale/{verbale.id}"
    assert portal.get(base + "/plan").headers["Location"].endswith(base)
    assert portal.get(base + "/confirm").headers["Location"].endswith(base)
    bad = portal.post(base + "?lang=en", data={"taxable_income": "lots", "family_members": "-1"})
    html = _text(bad)
    assert bad.status_code == 200 and "Enter an amount in euro" in html
    assert "Enter a whole number from 0 to" in html and 'id="error-summary"' in html
    portal.post(base, data={"taxable_income": "5000", "family_members": "0"})
    wrong = portal.post(base + "/plan", data={"count": "99", "action": "continue"})
    assert wrong.status_code == 200 and "Choose one of the numbers" in _text(wrong)


def test_amount_not_above_200_cannot_be_paid_in_instalments(portal):
    _ente, _person, verbale = _driver(portal, amount="200.00")
    response = portal.post(f"/instalments/verbale/{verbale.id}?lang=en",
                           data={"taxable_income": "100", "family_members": "0"})
    assert response.status_code == 200 and "only for amounts above" in _text(response)


def test_another_persons_verbale_and_plan_are_404(portal, portal_app):
    ente, person, verbale = _driver(portal)
    other_id = factories.instalment_verbale(ente, factories.person(ente)).id
    ente_id = ente.id
    for path in ("", "/plan", "/confirm"):
        assert portal.get(f"/instalments/verbale/{other_id}{path}").status_code == 404
        assert portal.post(f"/instalments/verbale/{other_id}{path}").status_code == 404
    with portal_app.test_request_context():
        ente = db.session.get(type(ente), ente_id)
        stranger = factories.person(ente)
        theirs = factories.instalment_verbale(ente, stranger)
        plan = factories.approved_instalment_plan(theirs, stranger, count=2)
    plan_id = plan.id
    assert portal.get(f"/instalments/{plan_id}").status_code == 404
    assert portal.post(f"/instalments/{plan_id}/1/card").status_code == 404
    assert portal.get(f"/instalments/{plan_id}/1/pagopa").status_code == 404
    assert portal.get(f"/instalments/{plan_id}/1/avviso.pdf").status_code == 404


def test_plan_page_pagopa_and_notice_of_an_approved_plan(portal, portal_app):
    _ente, person, verbale = _driver(portal)
    with portal_app.test_request_context():
        plan = factories.approved_instalment_plan(verbale, person, count=3)
    plan_id, second = plan.id, plan.instalments[1]
    number, notice_number = second.number, second.notice.notice_number
    html = _text(portal.get(f"/instalments/{plan_id}?lang=it"))
    assert " ".join(re.findall(".{4}|.+", notice_number)[:2]) in html  # grouped by four
    assert f"/instalments/{plan_id}/{number}/card" in html
    pay = portal.get(f"/instalments/{plan_id}/{number}/pagopa")
    assert pay.status_code == 302 and f"notice={notice_number}" in pay.headers["Location"]
    pdf = portal.get(f"/instalments/{plan_id}/{number}/avviso.pdf")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"


def test_partial_for_the_verbale_page(portal, portal_app):
    _ente, person, verbale = _driver(portal)
    with portal_app.test_request_context("/?lang=en"):
        p = position_of_verbale(verbale.id, person.id)
        offer = render_template("portal/instalments/_plan_summary.html", p=p)
        assert f"/instalments/verbale/{verbale.id}" in offer
        plan = factories.approved_instalment_plan(verbale, person, count=2)
        p = position_of_verbale(verbale.id, person.id)
        shown = render_template("portal/instalments/_plan_summary.html", p=p)
        assert f"/instalments/{plan.id}" in shown and "Next instalment" in shown
        assert f"/instalments/{plan.id}/1/card" in shown

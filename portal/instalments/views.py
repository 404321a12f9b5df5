"""Paying a fine in instalments (art. 202-bis): a three-step request (eligibility, plan,
summary with the appeal waiver and "Confirm and send"), the plan's page, and paying each
instalment by card or pagoPA. Everything is looked up through the signed-in person: another
person's verbale or plan is a 404. The rules live in :mod:`core.instalments`."""

import io
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.i18n import current_language
from core.instalments import (
    instalment_of_person,
    plan_of_person,
    plan_summary,
    request_offer,
    requests,
    summarise,
    texts,
)
from core.instalments.avviso import instalment_avviso_pdf
from core.instalments.payments import payable, start_card_checkout
from core.payments.card import CheckoutUnavailable
from core.positions import verbale_of_person

from .forms import ConfirmForm, EligibilityForm, PlanForm

bp = Blueprint("instalments", __name__, url_prefix="/instalments")
# For the position pages' partial templates/portal/instalments/_plan_summary.html.
bp.add_app_template_global(plan_summary, "instalment_plan_summary")
bp.add_app_template_global(request_offer, "instalment_request_offer")
bp.add_app_template_global(texts, "instalment_texts")
bp.add_app_template_global(texts.rate_text, "instalment_rate")


def _start(verbale_id: int):
    """The verbale (the person's own, else 404), its quote, and the draft so far."""
    verbale = verbale_of_person(verbale_id, current_user.person_id) or abort(404)
    quote = requests.request_quote(verbale)
    return verbale, quote, requests.answers(current_user.person_id, verbale.id)


def _existing(verbale_id: int):
    plan = requests.existing_plan(verbale_id)
    return redirect(url_for(".show", plan_id=plan.id))


@bp.route("/verbale/<int:verbale_id>", methods=["GET", "POST"])
@login_required
def eligibility(verbale_id: int):
    verbale, quote, typed = _start(verbale_id)
    if quote.blocked == "already_requested":
        return _existing(verbale.id)
    form = EligibilityForm(data={"taxable_income": typed.income_text,
                                 "family_members": typed.members_text})
    result = None
    if request.method == "POST" and not quote.blocked:
        requests.remember(current_user.person_id, verbale.id, 1, taxable_income=form.taxable_income.data,
                          family_members=form.family_members.data)
        if form.validate_on_submit():
            result = requests.check(quote, form.taxable_income.amount, form.family_members.number)
            if result.eligible:
                return redirect(url_for(".plan", verbale_id=verbale.id))
    reasons = requests.reasons_text(quote, result, form.taxable_income.amount) if result else []
    return render_template("portal/instalments/eligibility.html", quote=quote, form=form,
                           reasons=reasons)


@bp.route("/verbale/<int:verbale_id>/plan", methods=["GET", "POST"])
@login_required
def plan(verbale_id: int):
    verbale, quote, typed = _start(verbale_id)
    result = requests.eligibility_of(quote, typed)
    if quote.blocked == "already_requested":
        return _existing(verbale.id)
    if result is None or not result.eligible:
        return redirect(url_for(".eligibility", verbale_id=verbale.id))
    options = requests.options(quote, result.max_instalments)
    form = PlanForm(data={"count": typed.count or result.max_instalments})
    form.count.choices = [(o.count, requests.option_label(o)) for o in options]
    if form.validate_on_submit():
        requests.remember(current_user.person_id, verbale.id, 2, count=form.count.data)
        if request.form.get("action") != "preview":
            return redirect(url_for(".confirm", verbale_id=verbale.id))
    shown = form.count.data if form.count.data in dict(form.count.choices) else options[-1].count
    return render_template("portal/instalments/plan.html", quote=quote, form=form,
                           preview=requests.preview(quote, shown))


@bp.route("/verbale/<int:verbale_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(verbale_id: int):
    verbale, quote, typed = _start(verbale_id)
    result = requests.eligibility_of(quote, typed)
    if quote.blocked == "already_requested":
        return _existing(verbale.id)
    if result is None or not result.eligible or typed.count is None \
            or not 2 <= typed.count <= result.max_instalments:
        return redirect(url_for(".eligibility", verbale_id=verbale.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            created = requests.submit(
                verbale.id, current_user.person_id, taxable_income=typed.taxable_income,
                family_members=typed.family_members, count=typed.count,
                waiver=form.waiver.data, language=current_language())
        except requests.RequestError as error:
            flash(str(error), "danger")
        else:
            flash(_("Your request has been sent with protocol number %(protocol)s.",
                    protocol=created.case.protocol), "success")
            return redirect(url_for(".show", plan_id=created.id))
    return render_template("portal/instalments/confirm.html", quote=quote, form=form,
                           typed=typed, result=result, preview=requests.preview(quote, typed.count))


@bp.get("/<int:plan_id>")
@login_required
def show(plan_id: int):
    found = plan_of_person(plan_id, current_user.person_id) or abort(404)
    return render_template("portal/instalments/show.html", s=summarise(found))


@bp.post("/<int:plan_id>/<int:number>/card")
@login_required
def card(plan_id: int, number: int):
    instalment = instalment_of_person(plan_id, number, current_user.person_id) or abort(404)
    try:
        url = start_card_checkout(instalment, current_user.person_id, lang=current_language())
    except CheckoutUnavailable:
        flash(_("Card payment is not available at the moment and nothing was charged. "
                "Please try again in a few minutes, or pay with pagoPA."), "danger")
        url = None
    else:
        if url is None:
            flash(_("This instalment cannot be paid now."), "warning")
    return redirect(url, 303) if url else redirect(url_for(".show", plan_id=plan_id))


@bp.get("/<int:plan_id>/<int:number>/pagopa")
@login_required
def pagopa(plan_id: int, number: int):
    instalment = instalment_of_person(plan_id, number, current_user.person_id) or abort(404)
    if not payable(instalment) or instalment.notice is None:
        flash(_("This instalment cannot be paid now."), "warning")
        return redirect(url_for(".show", plan_id=plan_id))
    back = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for(".show", plan_id=plan_id)
    query = urlencode({"notice": instalment.notice.notice_number,
                       "fiscal_code": instalment.plan.ente.fiscal_code, "return_url": back})
    return redirect(f"{current_app.config['PAGOPA_NODE_URL'].rstrip('/')}/checkout?{query}")


@bp.get("/<int:plan_id>/<int:number>/avviso.pdf")
@login_required
def avviso(plan_id: int, number: int):
    instalment = instalment_of_person(plan_id, number, current_user.person_id) or abort(404)
    if not payable(instalment) or instalment.notice is None:
        flash(_("This instalment cannot be paid now."), "warning")
        return redirect(url_for(".show", plan_id=plan_id))
    pdf = instalment_avviso_pdf(instalment, current_language())
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", max_age=0,
                     download_name=f"avviso-pagopa-{instalment.notice.notice_number}.pdf")

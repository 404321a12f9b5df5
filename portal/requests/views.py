"""The citizen's requests: their cases and replies, status by protocol, survey."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.contact import citizen
from core.contact.notify import case_from_survey_token
from core.extensions import enforce_limits

from .forms import MessageForm, StatusLookupForm, SurveyForm

bp = Blueprint("requests", __name__)


@bp.get("/my-requests/")
@login_required
def mine():
    return render_template("portal/requests/mine.html", cases=citizen.cases_of_person(current_user.person_id))


@bp.route("/my-requests/<protocol>", methods=["GET", "POST"])
@login_required
def show(protocol: str):
    case = citizen.case_of_person(protocol, current_user.person_id) or abort(404)
    form = MessageForm()
    if form.validate_on_submit():
        citizen.citizen_reply(case, current_user.person_id, form.body.data)
        flash(_("Your message has been sent."), "success")
        return redirect(url_for("requests.show", protocol=protocol))
    return render_template("portal/requests/show.html", case=case, form=form,
                           messages=citizen.public_messages(case))


@bp.route("/requests/status", methods=["GET", "POST"])
def status():
    form = StatusLookupForm()
    case = None
    if form.validate_on_submit():
        enforce_limits("case-status", "10 per minute;30 per hour", f"ip:{request.remote_addr}")
        case = citizen.case_by_protocol_and_email(form.protocol.data, form.email.data)
        if case is None:
            form.protocol.errors.append(_("No request matches this protocol number and e-mail address."))
    return render_template("portal/requests/status.html", form=form, case=case,
                           messages=citizen.public_messages(case) if case else [])


@bp.route("/requests/survey/<token>", methods=["GET", "POST"])
def survey(token: str):
    case_id = case_from_survey_token(token) or abort(404)
    form = SurveyForm()
    if form.validate_on_submit():
        if citizen.record_survey(case_id, int(form.score.data), form.comment.data or ""):
            flash(_("Thank you for your answer."), "success")
        else:
            flash(_("This survey has already been answered."), "info")
        return redirect(url_for("home.index"))
    return render_template("portal/requests/survey.html", form=form)

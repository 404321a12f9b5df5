"""The citizen's requests: the public forms (complaint, information, access to documents, civic
access) held until the e-mail address is confirmed, their cases and replies, status by
protocol, survey."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import drafts
from core.contact import citizen
from core.contact.notify import case_from_survey_token
from core.extensions import csrf, enforce_limits
from core.i18n import current_language
from core.models import RequestKind
from core.requests import public
from core.requests_service import enti_choices, profile_of
from core.uploads import UploadError

from . import drafting
from .forms import (
    AccessForm,
    CivicGeneralisedForm,
    CivicSimpleForm,
    ComplaintForm,
    ConfirmForm,
    InformationForm,
    MessageForm,
    StatusLookupForm,
    SurveyForm,
)

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


# -- public requests: complaint, information, access to documents, civic access ---------------

KINDS = {
    "complaint": RequestKind.COMPLAINT,
    "information": RequestKind.INFORMATION,
    "access": RequestKind.ACCESS,
    "civic-simple": RequestKind.CIVIC_SIMPLE,
    "civic-generalised": RequestKind.CIVIC_GENERALISED,
}
FORMS = {
    RequestKind.COMPLAINT: ComplaintForm,
    RequestKind.INFORMATION: InformationForm,
    RequestKind.ACCESS: AccessForm,
    RequestKind.CIVIC_SIMPLE: CivicSimpleForm,
    RequestKind.CIVIC_GENERALISED: CivicGeneralisedForm,
}
COMMON = ("ente", "name", "email", "verbale_number")


def _draft_kind(kind: RequestKind) -> str:
    return f"request:{kind}"


def _limits(name: str, default: str) -> str:
    return current_app.config.get(name, default)


@bp.get("/requests/")
def index():
    return render_template("portal/requests/index.html", kinds=KINDS, labels=public.KIND_LABELS)


@csrf.exempt  # the form checks its own CSRF token: an expired session keeps what was typed
@bp.route("/requests/new/<any(complaint, information, access, 'civic-simple', 'civic-generalised'):slug>",
          methods=["GET", "POST"])
def new(slug: str):
    kind = KINDS[slug]
    key, fresh = drafting.owner()
    prefill = (drafting.load(_draft_kind(kind)) or _profile()) if request.method == "GET" else None
    form = FORMS[kind](data=prefill)
    form.ente.choices = [("", _("Choose…"))] + enti_choices()
    if request.method == "POST":
        enforce_limits("request-form", _limits("REQUEST_FORM_RATE_LIMIT", "30 per minute;300 per day"),
                       f"ip:{request.remote_addr}")
        if "save" not in request.form and form.validate_on_submit():
            done = _submit(kind, form)
            if done is not None:
                drafting.discard(_draft_kind(kind))
                return done
        if drafting.csrf_expired(form):
            flash(_("Your session had expired. We kept what you typed: check it and send it again."), "warning")
        if drafting.same_site():
            drafts.save(key, _draft_kind(kind), "", drafting.fields(form, (*COMMON, *public.FIELDS[kind])))
            if "save" in request.form:
                flash(_("Draft saved. You can come back to this page from this browser within "
                        "30 days and go on."), "success")
    return drafting.remember(make_response(render_template(
        "portal/requests/new.html", form=form, kind=kind, slug=slug, labels=public.KIND_LABELS)), fresh)


def _profile() -> dict | None:
    """A signed-in driver's form starts with their name, e-mail and Municipality."""
    if not current_user.is_authenticated:
        return None
    return profile_of(current_user.person_id)


def _submit(kind: RequestKind, form):
    enforce_limits("request-submit", _limits("REQUEST_SUBMIT_RATE_LIMIT", "20 per hour;50 per day"),
                   f"ip:{request.remote_addr}")
    enforce_limits("request-submit-email", _limits("REQUEST_EMAIL_RATE_LIMIT", "5 per hour;10 per day"),
                   "email:" + form.email.data.strip().lower())  # no mail-bombing an address
    person_id = current_user.person_id if current_user.is_authenticated else None
    try:
        result = public.submit(kind, form.data, request.files.getlist(form.attachments.name),
                               current_language(), person_id)
    except public.RequestError as exc:
        getattr(form, exc.field, form.ente).errors.append(exc.message)
        return None
    except UploadError as exc:
        form.attachments.errors.append(str(exc))
        return None
    if result.case is not None:
        return render_template("portal/requests/received.html", case=result.case)
    flash(_("We have sent an e-mail to %(email)s. Open the link in it within %(hours)s hours to "
            "confirm and send your request.", email=result.pending.email,
            hours=current_app.config.get("REQUEST_VERIFY_HOURS", public.DEFAULT_VERIFY_HOURS)), "success")
    return redirect(url_for("requests.sent"))


@bp.get("/requests/sent")
def sent():
    return render_template("portal/requests/sent.html")


@bp.route("/requests/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    enforce_limits("request-confirm", _limits("REQUEST_CONFIRM_RATE_LIMIT", "30 per minute;120 per hour"),
                   f"ip:{request.remote_addr}")
    form = ConfirmForm()
    try:
        if form.validate_on_submit():
            return render_template("portal/requests/received.html", case=public.confirm(token))
        pending = public.pending_for_token(token)
    except public.VerifyError as exc:
        codes = {"invalid": 404, "expired": 410, "used": 409}
        return render_template("portal/requests/link_error.html", reason=exc.reason), codes[exc.reason]
    return render_template("portal/requests/confirm.html", form=form, pending=pending,
                           labels=public.KIND_LABELS)

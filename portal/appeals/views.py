"""The appeal (ricorso) in four steps — route, grounds, attachments, summary — each saving the
draft, then the appeal page with the Italian PDF. Every lookup goes through the signed-in
person (404 for anyone else's verbale, appeal or file)."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import storage
from core.appeals import service
from core.appeals import texts as appeal_texts
from core.appeals.texts import BLOCKED
from core.i18n import current_language
from core.uploads import UploadError

from .forms import AttachmentsForm, ConfirmForm, GroundsForm, RouteForm

bp = Blueprint("appeals", __name__, url_prefix="/appeals")
bp.add_app_template_global(appeal_texts, "texts_appeal")
STEPS = 4

ERRORS = {
    "route_closed": BLOCKED["window_closed"],
    "route_missing": BLOCKED["window_closed"],
}


def _options(verbale_id: int):
    return service.options_for(verbale_id, current_user.person_id) or abort(404)


def _blocked(options):
    return render_template("portal/appeals/blocked.html", o=options, reason=options.blocked,
                           appeals=service.appeals_of_verbale(options.position.verbale.id,
                                                              current_user.person_id))


def _render(n: int, options, form, draft: dict):
    return render_template(f"portal/appeals/step{n}.html", o=options, form=form, draft=draft,
                           n=n, steps=STEPS, v=options.position.verbale)


@bp.get("/verbale/<int:verbale_id>")
@login_required
def start(verbale_id: int):
    options = _options(verbale_id)
    if options.blocked:
        return _blocked(options)
    draft = service.load_draft(current_user.person_id, verbale_id)
    return redirect(url_for(".step", verbale_id=verbale_id, n=draft.step if draft else 1))


@bp.route("/verbale/<int:verbale_id>/step/<int:n>", methods=["GET", "POST"])
@login_required
def step(verbale_id: int, n: int):
    options = _options(verbale_id)
    if n < 1 or n > STEPS:
        abort(404)
    if options.blocked:
        return _blocked(options)
    pid = current_user.person_id
    draft = service.load_draft(pid, verbale_id)
    reached = draft.step if draft else 1
    if n > reached:
        return redirect(url_for(".step", verbale_id=verbale_id, n=reached))
    data = dict(draft.data or {}) if draft else {}
    return STEP_VIEWS[n](options, data, pid, verbale_id)


def _step1(options, data, pid, verbale_id):
    form = RouteForm(data=data, open_routes=options.open_routes())
    if request.method == "POST":
        service.save_step(pid, verbale_id, {"route": form.route.data})
        if form.validate():
            service.save_step(pid, verbale_id, {}, reached=2)
            return redirect(url_for(".step", verbale_id=verbale_id, n=2))
    return _render(1, options, form, data)


def _step2(options, data, pid, verbale_id):
    form = GroundsForm(data=data)
    if request.method == "POST":
        service.save_step(pid, verbale_id, {
            "grounds": [g for g in (form.grounds.data or []) if g in dict(form.grounds.choices)],
            "text": form.text.data or "", "hearing": bool(form.hearing.data)})
        if form.validate():
            service.save_step(pid, verbale_id, {}, reached=3)
            return redirect(url_for(".step", verbale_id=verbale_id, n=3))
    return _render(2, options, form, data)


def _step3(options, data, pid, verbale_id):
    form = AttachmentsForm()
    if request.method == "POST" and form.validate():
        action = request.form.get("action", "next")
        if action.startswith("remove-") and action[7:].isdigit():
            service.remove_attachment(pid, verbale_id, int(action[7:]))
            return redirect(url_for(".step", verbale_id=verbale_id, n=3))
        try:
            service.add_attachments(pid, verbale_id, request.files.getlist("attachments"))
        except UploadError as error:
            form.attachments.errors = [str(error)]
            return _render(3, options, form, service.draft_data(pid, verbale_id))
        if action == "upload":
            flash(_("The files have been attached."), "success")
            return redirect(url_for(".step", verbale_id=verbale_id, n=3))
        service.save_step(pid, verbale_id, {}, reached=4)
        return redirect(url_for(".step", verbale_id=verbale_id, n=4))
    return _render(3, options, form, data)


def _step4(options, data, pid, verbale_id):
    route = options.routes.get(data.get("route"))
    form = ConfirmForm(online=bool(route and route.online))
    if request.method == "POST" and form.validate():
        try:
            appeal = service.submit(pid, verbale_id, online=form.filing.data == "online",
                                    language=current_language())
        except service.AppealError as error:
            flash(str(ERRORS.get(error.key) or BLOCKED.get(error.key)
                      or _("Some answers are missing: please check the previous steps.")),
                  "danger")
            return redirect(url_for(".step", verbale_id=verbale_id, n=1 if error.key.startswith("route") else 2))
        return redirect(url_for(".show", appeal_id=appeal.id))
    return _render(4, options, form, data)


STEP_VIEWS = {1: _step1, 2: _step2, 3: _step3, 4: _step4}


@bp.post("/verbale/<int:verbale_id>/discard")
@login_required
def discard(verbale_id: int):
    _options(verbale_id)
    service.discard_draft(current_user.person_id, verbale_id)
    flash(_("The draft appeal has been deleted."), "info")
    return redirect(url_for("position.verbale", verbale_id=verbale_id))


@bp.get("/verbale/<int:verbale_id>/draft-files/<int:index>")
@login_required
def draft_file(verbale_id: int, index: int):
    _options(verbale_id)
    item = service.draft_attachment(current_user.person_id, verbale_id, index) or abort(404)
    return _send(item["key"], item["content_type"], item["filename"])


@bp.get("/<int:appeal_id>")
@login_required
def show(appeal_id: int):
    appeal = service.appeal_of_person(appeal_id, current_user.person_id) or abort(404)
    options = service.options_for(appeal.verbale_id, current_user.person_id) or abort(404)
    return render_template("portal/appeals/show.html", a=appeal, o=options,
                           route=options.routes.get(str(appeal.route)), v=appeal.verbale)


@bp.post("/<int:appeal_id>/file-online")
@login_required
def file_online(appeal_id: int):
    try:
        service.file_online(appeal_id, current_user.person_id)
    except service.AppealError as error:
        if error.key == "not_found":
            abort(404)
        flash(str(ERRORS.get(error.key) or BLOCKED.get(error.key)
                  or _("This appeal cannot be filed online.")), "danger")
    return redirect(url_for(".show", appeal_id=appeal_id))


@bp.get("/<int:appeal_id>/ricorso.pdf")
@login_required
def pdf(appeal_id: int):
    appeal = service.appeal_of_person(appeal_id, current_user.person_id) or abort(404)
    return _send(appeal.pdf_key, "application/pdf", service.pdf_filename(appeal), True)


@bp.get("/<int:appeal_id>/files/<int:index>")
@login_required
def attachment(appeal_id: int, index: int):
    appeal = service.appeal_of_person(appeal_id, current_user.person_id) or abort(404)
    if not 0 <= index < len(appeal.attachments):
        abort(404)
    item = appeal.attachments[index]
    return _send(item["key"], item["content_type"], item["filename"])


def _send(key: str, mimetype: str, name: str, download: bool = False):
    try:
        path = storage.path_for(key)
    except storage.StorageError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=mimetype, download_name=name,
                     as_attachment=download or request.args.get("download") == "1", max_age=0)


# -- the warning before a payment (used by the card and pagoPA views) ------------------------


def payment_warning_response(verbale_id: int, action: str, method: str = "post"):
    """A page that asks for confirmation before paying while an appeal draft or a pending
    appeal exists for the verbale; ``None`` when there is nothing to warn about or the citizen
    already confirmed (``confirm_appeal_warning=1``)."""
    if request.values.get("confirm_appeal_warning") == "1":
        return None
    kind = service.payment_warning(verbale_id, current_user.person_id)
    if kind is None:
        return None
    return render_template("portal/appeals/pay_warning.html", kind=kind, action=action,
                           method=method, verbale_id=verbale_id), 200

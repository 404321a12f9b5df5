"""Naming the driver (art. 126-bis CdS): one form saved as a draft on every submission (the
licence copy stored as soon as it is uploaded), a summary with "Confirm and send", then the
declaration page. Only the signed-in person's verbali and files (404 otherwise)."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import storage
from core.appeals import driver
from core.appeals.countries import country_choices, country_name
from core.appeals.texts import DRIVER_BLOCKED
from core.i18n import current_language
from core.models import PersonKind
from core.uploads import UploadError

from .forms import ConfirmDriverForm, DriverForm

bp = Blueprint("driver", __name__, url_prefix="/driver")
bp.add_app_template_global(country_name, "country_name")

DATE_FIELDS = ("birth_date", "licence_issued_on", "licence_expires_on")
MULTI_FIELDS = ("licence_categories", "declarations")
TEXT_FIELDS = ("driver_is_me", "first_name", "last_name", "birth_date", "birth_place",
               "birth_country", "fiscal_code", "address_line", "postal_code", "city", "province",
               "country", "email", "licence_number", "licence_authority", "licence_country",
               "licence_issued_on", "licence_expires_on", "driver_signature", "owner_signature")


def _options(verbale_id: int):
    return driver.driver_options(verbale_id, current_user.person_id) or abort(404)


def _blocked(options):
    return render_template("portal/driver/blocked.html", o=options, v=options.position.verbale,
                           reason=options.blocked)


def _from_draft(data: dict) -> dict:
    values = dict(data)
    for name in DATE_FIELDS:
        try:
            values[name] = date.fromisoformat(values.get(name) or "")
        except ValueError:
            values[name] = None
    return values


def _typed() -> dict:
    """What was typed, as the draft keeps it (strings; nothing dropped on errors)."""
    values = {n: request.form.get(n, "").strip()[:300] for n in TEXT_FIELDS if n in request.form}
    values.update({n: request.form.getlist(n) for n in MULTI_FIELDS})
    return values


def _form(options, draft: dict, **kw) -> DriverForm:
    person = driver.person_of(options, current_user.person_id)
    return DriverForm(countries=country_choices(current_language()),
                      violation_date=options.violation_date, today=options.today,
                      declarant_name=None if person.kind == PersonKind.LEGAL else person.display_name,
                      has_copy=bool(draft.get("licence_copy")), **kw)


@bp.route("/verbale/<int:verbale_id>", methods=["GET", "POST"])
@login_required
def form(verbale_id: int):
    options = _options(verbale_id)
    if options.blocked:
        return _blocked(options)
    pid = current_user.person_id
    data = driver.draft_data(pid, verbale_id)
    if request.method == "GET":
        return _render(options, _form(options, data, data=_prefill(options, data)), data)
    driver.save_draft(pid, verbale_id, {**_typed(), "complete": False})
    upload_error = None
    try:
        driver.add_licence_copy(pid, verbale_id, request.files.getlist("licence_copy"))
    except UploadError as error:
        upload_error = str(error)
    data = driver.draft_data(pid, verbale_id)
    form = _form(options, data)
    valid = form.validate()
    if upload_error:
        form.licence_copy.errors = [upload_error]
    if valid and not upload_error:
        driver.save_draft(pid, verbale_id, {"complete": True}, reached=2)
        return redirect(url_for(".confirm", verbale_id=verbale_id))
    return _render(options, form, data)


def _prefill(options, data: dict) -> dict:
    if data:
        return _from_draft(data)
    return {"country": "", "birth_country": "", "licence_country": ""}


def _render(options, form, data):
    return render_template("portal/driver/form.html", o=options, v=options.position.verbale,
                           form=form, draft=data)


@bp.route("/verbale/<int:verbale_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(verbale_id: int):
    options = _options(verbale_id)
    if options.blocked:
        return _blocked(options)
    pid = current_user.person_id
    data = driver.draft_data(pid, verbale_id)
    if not data.get("complete"):
        return redirect(url_for(".form", verbale_id=verbale_id))
    form = ConfirmDriverForm()
    if request.method == "POST" and form.validate():
        try:
            declaration = driver.submit(pid, verbale_id, language=current_language())
        except driver.DriverError as error:
            flash(str(DRIVER_BLOCKED.get(error.key)
                      or _("Some answers are missing or no longer valid: please check them.")),
                  "danger")
            return redirect(url_for(".form", verbale_id=verbale_id))
        return redirect(url_for(".show", declaration_id=declaration.id))
    return render_template("portal/driver/confirm.html", o=options, v=options.position.verbale,
                           form=form, d=_from_draft(data))


@bp.post("/verbale/<int:verbale_id>/discard")
@login_required
def discard(verbale_id: int):
    _options(verbale_id)
    driver.discard_draft(current_user.person_id, verbale_id)
    flash(_("The draft has been deleted."), "info")
    return redirect(url_for("position.verbale", verbale_id=verbale_id))


@bp.get("/verbale/<int:verbale_id>/draft-licence")
@login_required
def draft_licence(verbale_id: int):
    _options(verbale_id)
    copy = driver.draft_data(current_user.person_id, verbale_id).get("licence_copy") or abort(404)
    return _send(copy)


@bp.get("/<int:declaration_id>")
@login_required
def show(declaration_id: int):
    d = driver.declaration_of_person(declaration_id, current_user.person_id) or abort(404)
    return render_template("portal/driver/show.html", d=d, v=d.verbale)


@bp.get("/<int:declaration_id>/licence")
@login_required
def licence(declaration_id: int):
    d = driver.declaration_of_person(declaration_id, current_user.person_id) or abort(404)
    return _send(d.licence_copy or {})


def _send(copy: dict):
    try:
        path = storage.path_for(copy.get("key", ""))
    except storage.StorageError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=copy["content_type"], download_name=copy["filename"],
                     as_attachment=request.args.get("download") == "1", max_age=0)

"""Reconciliation work queue: the exceptions of imported pagoPA flows and bank statements,
the imports themselves, the upload of a new file, and the resolution of an item.

Supervisors and administrators, for the Enti they manage (another Ente's item or import
answers 404). The upload and the resolutions call :mod:`core.reconciliation`."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from contact_center.auth.guards import roles_required
from core.contact.cases import Actor
from core.models import StaffRole
from core.reconciliation import items
from core.reconciliation.errors import ReconciliationError
from core.reconciliation.service import import_file

from .forms import (
    KIND_LABELS,
    REASON_LABELS,
    RESOLUTION_LABELS,
    STATUS_LABELS,
    ItemFilterForm,
    ResolveForm,
    UploadForm,
)

bp = Blueprint("reconciliation", __name__, url_prefix="/reconciliation")
MANAGERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)
LABELS = {"reason_labels": REASON_LABELS, "kind_labels": KIND_LABELS,
          "resolution_labels": RESOLUTION_LABELS, "status_labels": STATUS_LABELS}


def _ente_choices() -> list[tuple[str, str]]:
    return [(e.code, f"{e.code} – {e.name}") for e in items.visible_enti(current_user)]


def _index(upload: UploadForm, status: int = 200):
    choices = _ente_choices()
    flt_form = ItemFilterForm(formdata=request.args, ente_choices=choices)
    flt = items.ItemFilter()
    if flt_form.validate():
        ente_ids = {e.code: e.id for e in items.visible_enti(current_user)}
        flt = items.ItemFilter(status="" if flt_form.status.data == "all" else flt_form.status.data or "open",
                               reason=flt_form.reason.data or "",
                               ente_id=ente_ids.get(flt_form.ente.data))
    page = items.list_items(current_user, flt, request.args.get("page", 1, type=int))
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("contact_center/reconciliation/index.html", page=page, filters=flt_form,
                           upload=upload, imports=items.recent_imports(current_user),
                           counts=items.open_counts(current_user), query=query, **LABELS), status


@bp.get("/")
@roles_required(*MANAGERS)
def index():
    return _index(UploadForm(ente_choices=_ente_choices()))


@bp.post("/import")
@roles_required(*MANAGERS)
def upload():
    form = UploadForm(ente_choices=_ente_choices())
    if not form.validate_on_submit():
        return _index(form, 400)
    uploaded = form.file.data
    try:
        summary = import_file(uploaded.stream, filename=secure_filename(uploaded.filename or "") or "upload",
                              ente_code=form.ente.data or None, kind=form.kind.data,
                              decimal=form.decimal.data, actor=Actor.staff(current_user),
                              allowed_ente_ids=items.allowed_ente_ids(current_user))
    except ReconciliationError as error:
        form.file.errors = [str(error)]
        return _index(form, 400)
    if summary.status == "duplicate":
        flash(_("This file was already imported: nothing changed."), "info")
    else:
        flash(_("File imported: %(matched)s payments confirmed, %(new)s recorded, %(exceptions)s "
                "to check.", matched=summary.matched, new=summary.new,
                exceptions=summary.exceptions), "success")
    return redirect(url_for("reconciliation.show_import", import_id=summary.import_id))


@bp.get("/imports/<int:import_id>")
@roles_required(*MANAGERS)
def show_import(import_id: int):
    imp = items.visible_import(import_id, current_user) or abort(404)
    page = items.list_items(current_user, items.ItemFilter(status="", import_id=imp.id),
                            request.args.get("page", 1, type=int))
    return render_template("contact_center/reconciliation/import.html", imp=imp, page=page, **LABELS)


@bp.get("/items/<int:item_id>")
@roles_required(*MANAGERS)
def show_item(item_id: int):
    item = items.open_item(item_id, current_user) or abort(404)
    return render_template("contact_center/reconciliation/item.html", item=item, form=ResolveForm(),
                           **LABELS)


@bp.post("/items/<int:item_id>/resolve")
@roles_required(*MANAGERS)
def resolve(item_id: int):
    item = items.visible_item(item_id, current_user) or abort(404)
    form = ResolveForm()
    if not form.validate_on_submit():
        return render_template("contact_center/reconciliation/item.html", item=item, form=form,
                               **LABELS), 400
    try:
        items.resolve(item, current_user, form.action.data, note=form.note.data,
                      reference=form.reference.data or "")
    except ReconciliationError as error:
        form.reference.errors = [str(error)]
        return render_template("contact_center/reconciliation/item.html", item=item, form=form,
                               **LABELS), 400
    flash(_("The item is resolved."), "success")
    return redirect(url_for("reconciliation.show_item", item_id=item.id))

"""A verbale's letters and notification events for agents (with links to the PDFs and the
return-receipt scans), and the form that records a return receipt. Scoped to the staff
member's Enti (404 otherwise) and audited by :mod:`core.letters.timeline`."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contact_center.auth.guards import roles_required
from core import storage
from core.letters import returns, timeline
from core.models import StaffRole
from core.uploads import UploadError

from .forms import (
    CHANNEL_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    PRODUCT_LABELS,
    FindForm,
    ReceiptForm,
)

bp = Blueprint("letters", __name__, url_prefix="/letters")
ANY_STAFF = (StaffRole.AGENT, StaffRole.SUPERVISOR, StaffRole.ADMIN, StaffRole.ENTE_VIEWER)
WRITERS = (StaffRole.AGENT, StaffRole.SUPERVISOR, StaffRole.ADMIN)


def _labels() -> dict:
    return {"outcome_labels": OUTCOME_LABELS, "channel_labels": CHANNEL_LABELS,
            "kind_labels": KIND_LABELS, "product_labels": PRODUCT_LABELS}


@bp.get("/")
@roles_required(*ANY_STAFF)
def find():
    form = FindForm(request.args)
    if request.args and form.validate():
        verbale = timeline.find_verbale(form.number.data, current_user)
        if verbale is not None:
            return redirect(url_for(".show", verbale_id=verbale.id))
        form.number.errors.append(_("No verbale with this number among those you can see."))
    return render_template("contact_center/letters/find.html", form=form)


@bp.get("/verbali/<int:verbale_id>")
@roles_required(*ANY_STAFF)
def show(verbale_id: int):
    view = timeline.timeline(verbale_id, current_user) or abort(404)
    form = _receipt_form(view)
    return render_template("contact_center/letters/show.html", t=view, form=form, **_labels())


def _receipt_form(view, **kw) -> ReceiptForm:
    form = ReceiptForm(**kw)
    form.item.choices = [(i.id, f"{KIND_LABELS.get(str(i.letter.kind), i.letter.kind)} · {i.barcode}"
                          + (f" · {i.tracking_number}" if i.tracking_number else ""))
                         for i in view.awaiting_receipt]
    return form


@bp.get("/verbali/<int:verbale_id>/letters/<int:letter_id>")
@roles_required(*ANY_STAFF)
def letter_pdf(verbale_id: int, letter_id: int):
    letter = timeline.letter_for_download(verbale_id, letter_id, current_user) or abort(404)
    return _send(letter.storage_key, "application/pdf",
                 f"{letter.kind}-{letter.verification_code}.pdf")


@bp.get("/verbali/<int:verbale_id>/receipts/<int:item_id>")
@roles_required(*ANY_STAFF)
def receipt_scan(verbale_id: int, item_id: int):
    item = timeline.receipt_for_download(verbale_id, item_id, current_user) or abort(404)
    name = item.receipt_storage_key.rsplit("/", 1)[-1]
    mimetype = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}.get(
        name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    return _send(item.receipt_storage_key, mimetype, f"return-receipt-{item.barcode}.{name.rsplit('.', 1)[-1]}")


def _send(key: str, mimetype: str, name: str):
    try:
        path = storage.path_for(key)
    except storage.StorageError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.post("/verbali/<int:verbale_id>/receipt")
@roles_required(*WRITERS)
def record_receipt(verbale_id: int):
    view = timeline.timeline(verbale_id, current_user) or abort(404)
    form = _receipt_form(view)
    if form.validate_on_submit():
        try:
            returns.record_return_receipt(view.verbale, request.files.getlist("scan"), form.delivered_on.data,
                                          actor_type="staff", actor_id=current_user.id, item_id=form.item.data)
        except UploadError as error:
            form.scan.errors = [str(error)]
        except returns.ReceiptError as error:
            form.delivered_on.errors = [str(error)]
        else:
            flash(_("Return receipt recorded."), "success")
            return redirect(url_for(".show", verbale_id=verbale_id))
    return render_template("contact_center/letters/show.html", t=view, form=form, **_labels()), 400

"""The signed-in citizen's position: their verbali, amounts due today, timeline, deadlines,
evidence and receipts. Every object is looked up through the person, so anything that is not
theirs is a 404 whatever id is typed."""

import io
from datetime import date

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import pagecache, storage
from core.appeals.summary import verbale_requests
from core.collection.receipts import receipt_pdf
from core.i18n import current_language
from core.positions import (
    evidence_of_person,
    position_of_person,
    position_of_verbale,
    receipt_of_person,
)

bp = Blueprint("position", __name__, url_prefix="/my-position")


@bp.get("/")
@login_required
def index():
    # The landing page after sign-in, read far more often than the position changes: served
    # from the page cache, which every committed write about the person invalidates.
    day = pagecache.local_day()
    return pagecache.cached_page(
        "position.index", current_user.person_id, day,
        lambda: render_template("portal/position/index.html",
                                positions=position_of_person(current_user.person_id,
                                                             date.fromisoformat(day)),
                                breadcrumbs=[(_("Home"), "/"), (_("My position"), None)]))


pagecache.register("position.index")


@bp.get("/verbale/<int:verbale_id>")
@login_required
def verbale(verbale_id: int):
    position = position_of_verbale(verbale_id, current_user.person_id) or abort(404)
    return render_template("portal/position/verbale.html", p=position,
                           req=verbale_requests(position, current_user.person_id))


@bp.get("/evidence/<int:evidence_id>")
@login_required
def evidence(evidence_id: int):
    item = evidence_of_person(evidence_id, current_user.person_id) or abort(404)
    try:
        path = storage.path_for(item.storage_key)
    except storage.StorageError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=item.content_type, download_name=item.filename,
                     as_attachment=request.args.get("download") == "1", max_age=0)


@bp.get("/receipts/<int:payment_id>.pdf")
@login_required
def receipt(payment_id: int):
    payment = receipt_of_person(payment_id, current_user.person_id) or abort(404)
    data = receipt_pdf(payment, current_language())
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{payment.receipt_number}.pdf", max_age=0)

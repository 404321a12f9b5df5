"""Monthly report to the Ente (rendicontazione): payments by channel and source, saldo /
acconto / eccedenza, notifications, the amount to remit by the 10th — on screen and as CSV,
XLSX and PDF. Ente viewers, supervisors and administrators; another Ente's code answers 404;
every download is audited (the worksheet lists verbali and receipts)."""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from contact_center.auth.guards import roles_required
from core.contact import metrics
from core.db import utcnow
from core.models import StaffRole
from core.reporting import formats, monthly, service

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN, StaffRole.ENTE_VIEWER)


def _previous_month() -> str:
    first = utcnow().astimezone(monthly.ROME).date().replace(day=1)
    year, month = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@bp.get("")
@roles_required(*READERS)
def index():
    enti = metrics.visible_enti(current_user)
    month = request.args.get("month") or _previous_month()
    code = request.args.get("ente") or (enti[0].code if enti else "")
    try:
        report = service.visible_report(current_user, code, month) if enti else None
    except service.NotFound:
        abort(404)
    return render_template("contact_center/reports/index.html", enti=enti, report=report,
                           month=month, formats=formats, files=list(service.FILES))


@bp.get("/<ente_code>/<month>/<name>")
@roles_required(*READERS)
def download(ente_code: str, month: str, name: str):
    try:
        body, mimetype, filename = service.download(current_user, ente_code, month, name)
    except service.NotFound:
        abort(404)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

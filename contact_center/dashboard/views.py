"""Supervisor dashboard: charter compliance per channel and type, breaches, response times,
backlog, workload and satisfaction for a period and the Enti the reader may see, beside the
phone line's call figures (service level, average speed of answer, abandonment, calls per queue
and language); CSV exports of each case table; the monthly charter report of one Ente as PDF or
CSV.

Supervisors, administrators and Ente viewers; Ente-bound readers see only their Enti (another
Ente's code answers 404). Agents get 403."""

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from contact_center.auth.guards import roles_required
from core.contact import metrics, reports
from core.contact.sla_service import policies_for
from core.ivr import metrics as ivr_metrics
from core.models import StaffRole

from .charts import call_charts, dashboard_charts
from .forms import DashboardFilterForm

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
READERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN, StaffRole.ENTE_VIEWER)
TEMPLATE = "contact_center/dashboard/index.html"


def _filters() -> tuple[DashboardFilterForm, metrics.Scope | None, list]:
    """Bind the query string to the form and the principal's scope (404 for a hidden Ente)."""
    choices = [(e.code, f"{e.code} – {e.name}") for e in metrics.visible_enti(current_user)]
    form = DashboardFilterForm(formdata=request.args, ente_choices=choices)
    if not form.validate():
        return form, None, []
    try:
        scope, enti = metrics.scope_for(current_user, ente_code=form.ente.data or None,
                                        date_from=form.date_from.data, date_to=form.date_to.data)
    except metrics.NotVisible:
        abort(404)
    return form, scope, enti


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@bp.get("")
@roles_required(*READERS)
def index():
    form, scope, enti = _filters()
    if scope is None:
        return render_template(TEMPLATE, form=form, data=None, reports=reports), 400
    data = metrics.dashboard(scope)
    calls = ivr_metrics.call_report(scope, int(current_app.config.get(
        "IVR_SERVICE_LEVEL_SECONDS", ivr_metrics.DEFAULT_SERVICE_LEVEL_SECONDS)))
    return render_template(TEMPLATE, form=form, data=data, enti=enti, reports=reports,
                           metrics=metrics, calls=calls, ivr_metrics=ivr_metrics,
                           charts={**dashboard_charts(data), **call_charts(calls)},
                           policy_sets=[policies_for(e) for e in enti],
                           query={k: v for k, v in request.args.items() if v})


@bp.get("/export/<table>.csv")
@roles_required(*READERS)
def export(table: str):
    if table not in reports.DASHBOARD_TABLES:
        abort(404)
    _, scope, enti = _filters()
    if scope is None:
        abort(400)
    header, rows = reports.dashboard_table(table, scope, [policies_for(e) for e in enti])
    return _download(reports.to_csv(header, rows), "text/csv",
                     f"{table}-{scope.date_from}-{scope.date_to}.csv")


def _report(ente_code: str, month: str) -> reports.CharterReport:
    try:
        ente = metrics.visible_ente(current_user, ente_code)
        year, number = reports.parse_month(month)
    except (metrics.NotVisible, ValueError):
        abort(404)
    return reports.charter_report(ente, year, number)


@bp.get("/report/<ente_code>/<month>.pdf")
@roles_required(*READERS)
def report_pdf(ente_code: str, month: str):
    report = _report(ente_code, month)
    return _download(reports.report_pdf(report), "application/pdf",
                     f"charter-report-{report.ente.code}-{month}.pdf")


@bp.get("/report/<ente_code>/<month>.csv")
@roles_required(*READERS)
def report_csv(ente_code: str, month: str):
    report = _report(ente_code, month)
    return _download(reports.report_csv(report), "text/csv",
                     f"charter-report-{report.ente.code}-{month}.csv")

"""The audit log: who did what to which record, when and from where. Supervisors and
administrators only; Ente-bound readers see the events of their Enti."""

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from contact_center.auth.guards import roles_required
from core.db import utcnow
from core.models import StaffRole

from . import service
from .forms import AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/audit")

READERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)


def _filters() -> tuple[AuditFilterForm, service.AuditFilters | None]:
    """Bind the query string; ``None`` filters when it does not validate."""
    enti = service.visible_enti(current_user)
    form = AuditFilterForm(formdata=request.args, ente_choices=[(str(e.id), f"{e.code} – {e.name}") for e in enti])
    if not form.validate():
        return form, None
    return form, service.AuditFilters(
        date_from=form.date_from.data, date_to=form.date_to.data, actor_type=form.actor_type.data or "",
        actor=form.actor.data or "", action=form.action.data or "", object_type=form.object_type.data or "",
        object_id=form.object_id.data or "", ente_id=int(form.ente.data) if form.ente.data else None)


@bp.get("")
@roles_required(*READERS)
def index():
    form, filters = _filters()
    page = None
    if filters is not None:
        page = service.list_events(current_user, filters,
                                   before=service.Cursor.decode(request.args.get("before")),
                                   after=service.Cursor.decode(request.args.get("after")),
                                   limit=current_app.config.get("AUDIT_PAGE_SIZE", service.PAGE_SIZE))
    query = {k: v for k, v in request.args.items() if k not in ("before", "after") and v}
    return render_template("contact_center/audit/index.html", form=form, page=page, query=query)


@bp.get("/export.csv")
@roles_required(*READERS)
def export_csv():
    form, filters = _filters()
    if filters is None:
        return render_template("contact_center/audit/index.html", form=form, page=None, query={}), 400
    lines = service.export_events(current_user, filters)
    filename = f"audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

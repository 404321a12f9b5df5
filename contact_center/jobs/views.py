"""Jobs: the batch runs (imports, letters, notifications, reminders …) with their progress,
counters, errors and reports. No auto-refresh: a "Refresh" link reloads the page, and
``status.json`` lets a script poll a run."""

from flask import Blueprint, abort, jsonify, render_template, send_file
from flask_login import current_user

from contact_center.auth.guards import roles_required
from core.models import StaffRole

from . import service

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
READERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN, StaffRole.ENTE_VIEWER)


@bp.get("/")
@roles_required(*READERS)
def index():
    return render_template("contact_center/jobs/index.html", jobs=service.list_jobs(current_user))


@bp.get("/<int:run_id>")
@roles_required(*READERS)
def show(run_id: int):
    run = service.visible_run(run_id, current_user) or abort(404)
    return render_template("contact_center/jobs/show.html", job=service.row(run),
                           items=service.result_items(run), errors=service.errors_of(run))


@bp.get("/<int:run_id>/status.json")
@roles_required(*READERS)
def status(run_id: int):
    run = service.visible_run(run_id, current_user) or abort(404)
    response = jsonify(service.status_payload(run))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:run_id>/report.csv")
@roles_required(*READERS)
def report(run_id: int):
    run = service.visible_run(run_id, current_user) or abort(404)
    found = service.report_of(run) or abort(404)
    service.record_download(run, current_user)
    path, name = found
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=name, max_age=0)

"""Agent console: my cases and team queues sorted by time to breach, the case page with its
thread, SLA due times and the person's position, and the actions on a case."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from contact_center.auth.guards import roles_required
from core import db, storage
from core.contact import cases as case_service
from core.contact import console, replies
from core.contact.sla_service import clocks
from core.ivr import metrics as ivr_metrics
from core.models import Case, StaffRole

from .forms import (
    PRIORITY_LABELS,
    STATUS_LABELS,
    AssignForm,
    MergeForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
)

bp = Blueprint("cases", __name__, url_prefix="/cases")
ANY_STAFF = (StaffRole.AGENT, StaffRole.SUPERVISOR, StaffRole.ADMIN, StaffRole.ENTE_VIEWER)
WRITERS = (StaffRole.AGENT, StaffRole.SUPERVISOR, StaffRole.ADMIN)


def _case_or_404(case_id: int) -> Case:
    return case_service.visible_case(case_id, current_user) or abort(404)


@bp.get("/")
@roles_required(*ANY_STAFF)
def index():
    flt = console.CaseFilter(view=request.args.get("view", "mine" if not current_user.read_only else "all"),
                             queue_id=request.args.get("queue", type=int),
                             status=request.args.get("status") or None, q=request.args.get("q", ""))
    waiting = ivr_metrics.waiting_calls(current_user, stale_seconds=int(current_app.config.get(
        "IVR_QUEUE_STALE_SECONDS", ivr_metrics.DEFAULT_QUEUE_STALE_SECONDS)))
    return render_template("contact_center/cases/index.html", cases=console.list_cases(current_user, flt),
                           flt=flt, queues=console.queue_counts(current_user), status_labels=STATUS_LABELS,
                           priority_labels=PRIORITY_LABELS, waiting_calls=waiting, ivr_metrics=ivr_metrics)


@bp.get("/<int:case_id>")
@roles_required(*ANY_STAFF)
def show(case_id: int):
    case = console.load_case(case_id, current_user) or abort(404)
    reply_form = ReplyForm()
    reply_form.template.choices = [("", _("No template"))] + [(k, str(v)) for k, v in replies.TEMPLATES.items()]
    template = request.args.get("template")
    if template in replies.TEMPLATES and not reply_form.body.data:
        reply_form.body.data = replies.render(template, str(case.language), protocol=case.protocol,
                                              name=case.requester_name or (case.person.display_name if case.person else ""))
    assign = AssignForm(assignee=case.assignee_id or "", queue=case.queue_id or "")
    assign.assignee.choices = [("", _("Nobody"))] + [(str(s.id), s.name) for s in console.colleagues(current_user, case.ente_id)]
    assign.queue.choices = [(str(q.id), q.name_for("it")) for q in console.queues_of(case.ente_id)]
    person, positions = (console.person_position(case.person_id, current_user) if case.person_id else (None, []))
    return render_template(
        "contact_center/cases/show.html", case=case, clocks=clocks(case), reply_form=reply_form,
        note_form=NoteForm(), status_form=StatusForm(status=str(case.status)),
        priority_form=PriorityForm(priority=str(case.priority)), assign_form=assign, merge_form=MergeForm(),
        person=person, positions=positions, status_labels=STATUS_LABELS, priority_labels=PRIORITY_LABELS)


@bp.get("/<int:case_id>/attachments/<int:attachment_id>")
@roles_required(*ANY_STAFF)
def attachment(case_id: int, attachment_id: int):
    item = console.attachment_of_case(case_id, attachment_id, current_user) or abort(404)
    try:
        path = storage.path_for(item.storage_key)
    except storage.StorageError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename, max_age=0)


@bp.post("/<int:case_id>/claim")
@roles_required(*WRITERS)
def claim(case_id: int):
    case_service.claim(_case_or_404(case_id), current_user)
    flash(_("The case is now assigned to you."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/reply")
@roles_required(*WRITERS)
def reply(case_id: int):
    case, form = _case_or_404(case_id), ReplyForm()
    if not form.validate_on_submit():
        flash(_("The reply was not sent: write the message."), "danger")
        return redirect(url_for("cases.show", case_id=case_id))
    case_service.reply(case, case_service.Actor.staff(current_user), form.body.data)
    flash(_("Reply sent to the citizen."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/note")
@roles_required(*WRITERS)
def note(case_id: int):
    case, form = _case_or_404(case_id), NoteForm()
    if form.validate_on_submit():
        case_service.reply(case, case_service.Actor.staff(current_user), form.body.data, internal=True)
        flash(_("Internal note added."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/status")
@roles_required(*WRITERS)
def status(case_id: int):
    case, form = _case_or_404(case_id), StatusForm()
    if form.validate_on_submit():
        case_service.set_status(case, case_service.Actor.staff(current_user), form.status.data)
        flash(_("Status changed."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/priority")
@roles_required(*WRITERS)
def priority(case_id: int):
    case, form = _case_or_404(case_id), PriorityForm()
    if form.validate_on_submit():
        case_service.change_priority(case, current_user, form.priority.data)
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/assign")
@roles_required(*WRITERS)
def assign(case_id: int):
    case, form = _case_or_404(case_id), AssignForm()
    if not form.validate_on_submit():
        abort(400)
    assignee = int(form.assignee.data) if (form.assignee.data or "").isdigit() else None
    queue = int(form.queue.data) if (form.queue.data or "").isdigit() else None
    if assignee and assignee not in {s.id for s in console.colleagues(current_user, case.ente_id)}:
        abort(400)
    try:
        case_service.reassign(case, current_user, assignee, queue)
    except case_service.CaseError:
        abort(400)
    flash(_("Assignment changed."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/merge")
@roles_required(*WRITERS)
def merge(case_id: int):
    case, form = _case_or_404(case_id), MergeForm()
    target = None
    if form.validate_on_submit():
        target = db.session.scalars(select(Case).where(Case.protocol == form.into.data.strip(),
                                                       case_service.staff_ente_filter(current_user))).first()
    if target is None or target.id == case.id or target.ente_id != case.ente_id:
        flash(_("No other case of the same Municipality has that protocol number."), "danger")
        return redirect(url_for("cases.show", case_id=case_id))
    case_service.merge(case, target, current_user)
    flash(_("Case merged into %(protocol)s.", protocol=target.protocol), "success")
    return redirect(url_for("cases.show", case_id=target.id))

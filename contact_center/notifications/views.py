"""Notification terms: the verbali of the reader's Enti approaching or past the art. 201 limit
(90 days, 360 abroad) and not yet handed over, and the verbali flagged
``late_notification_suspected`` waiting for review, with the audited "reviewed" action.

Supervisors and administrators; Ente-bound readers see only their Enti (another Ente's code,
or a verbale outside them, answers 404). Agents and Ente viewers get 403."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contact_center.auth.guards import roles_required
from core.models import StaffRole
from core.notification import alerts
from core.positions import local_today

from .forms import NotificationFilterForm, ReviewForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
READERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)


@bp.get("/")
@roles_required(*READERS)
def index():
    visible = alerts.visible_enti(current_user)
    form = NotificationFilterForm(formdata=request.args,
                                  ente_choices=[(e.code, f"{e.code} – {e.name}") for e in visible])
    try:
        enti = alerts.enti_for(current_user, form.ente.data or None)
    except alerts.NotVisible:
        abort(404)
    today = local_today()
    return render_template("contact_center/notifications/index.html", form=form, today=today,
                           alerts=alerts.alerts(enti, today), late=alerts.late_to_review(enti),
                           review_form=ReviewForm())


@bp.post("/late/<int:verbale_id>/reviewed")
@roles_required(*READERS)
def reviewed(verbale_id: int):
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("The review note is too long."), "danger")
        return redirect(url_for("notifications.index"))
    try:
        alerts.review_late(verbale_id, current_user, form.note.data or "")
    except alerts.NotVisible:
        abort(404)
    flash(_("Marked as reviewed."), "success")
    return redirect(url_for("notifications.index", ente=request.args.get("ente") or None))

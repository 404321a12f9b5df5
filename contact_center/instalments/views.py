"""Instalment requests in the contact center: the list for the staff's Enti, a request's page
(declared income and household, the plan, the case), and the supervisor's decision. Another
Ente's plan is a 404; only supervisors and administrators decide (the rules and the audit are
in :mod:`core.instalments.decisions`)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contact_center.auth.guards import roles_required
from core.instalments import decisions, summarise, texts
from core.models import StaffRole

from .forms import ApproveForm, RejectForm

bp = Blueprint("instalments", __name__, url_prefix="/instalments")
ANY_STAFF = (StaffRole.AGENT, StaffRole.SUPERVISOR, StaffRole.ADMIN, StaffRole.ENTE_VIEWER)
DECIDERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)
bp.add_app_template_global(texts.rate_text, "instalment_rate")


def _plan_or_404(plan_id: int):
    return decisions.visible_plan(plan_id, current_user) or abort(404)


@bp.get("/")
@roles_required(*ANY_STAFF)
def index():
    status = request.args.get("status", "requested")
    return render_template("contact_center/instalments/index.html", status=status,
                           plans=decisions.plans_for_staff(current_user, status or None),
                           labels=texts.PLAN_STATUS)


def _page(plan, reject_form=None):
    return render_template("contact_center/instalments/show.html", s=summarise(plan),
                           approve_form=ApproveForm(), reject_form=reject_form or RejectForm(),
                           labels=texts.PLAN_STATUS, instalment_labels=texts.INSTALMENT_STATUS,
                           can_decide=current_user.role in DECIDERS)


@bp.get("/<int:plan_id>")
@roles_required(*ANY_STAFF)
def show(plan_id: int):
    plan = _plan_or_404(plan_id)
    decisions.record_view(plan, current_user)
    return _page(plan)


@bp.get("/case/<int:case_id>")
@roles_required(*ANY_STAFF)
def of_case(case_id: int):
    plan = decisions.plan_of_case(case_id, current_user) or abort(404)
    return redirect(url_for(".show", plan_id=plan.id))


@bp.post("/<int:plan_id>/approve")
@roles_required(*DECIDERS)
def approve(plan_id: int):
    plan, form = _plan_or_404(plan_id), ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decisions.approve(plan, current_user)
    except decisions.DecisionError as error:
        flash(str(error), "danger")
    else:
        flash(_("Plan approved: the citizen has been told and the instalments can be paid."),
              "success")
    return redirect(url_for(".show", plan_id=plan_id))


@bp.post("/<int:plan_id>/reject")
@roles_required(*DECIDERS)
def reject(plan_id: int):
    plan, form = _plan_or_404(plan_id), RejectForm()
    if not form.validate_on_submit():
        return _page(plan, form), 400
    try:
        decisions.reject(plan, current_user, form.reason.data)
    except decisions.DecisionError as error:
        flash(str(error), "danger")
    else:
        flash(_("Request rejected: the citizen has been told the reason."), "success")
    return redirect(url_for(".show", plan_id=plan_id))

"""Enforcement desk: the provisional rolls of the reader's Enti (the Ente's officer approves
them or excludes entries with a reason; supervisors prepare them) and the prescription watch.
Another Ente's roll answers 404; agents get 403."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contact_center.auth.guards import roles_required
from core.contact import metrics
from core.enforcement import desk
from core.enforcement.service import EnforcementError
from core.models import StaffRole

from .forms import DecisionForm, ExcludeForm, PrepareForm

bp = Blueprint("enforcement", __name__, url_prefix="/enforcement")
READERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN, StaffRole.ENTE_VIEWER)


@bp.get("")
@roles_required(*READERS)
def index():
    enti = metrics.visible_enti(current_user)
    return render_template("contact_center/enforcement/index.html", enti=enti,
                           rolls=desk.rolls_for(current_user), form=PrepareForm())


@bp.post("/prepare/<ente_code>")
@roles_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def prepare(ente_code: str):
    if not PrepareForm().validate_on_submit():
        abort(400)
    try:
        roll = desk.prepare(current_user, ente_code)
    except desk.NotVisible:
        abort(404)
    if roll is None:
        flash(_("No verbale is due for the roll today."), "info")
        return redirect(url_for(".index"))
    flash(_("Provisional roll %(number)s prepared.", number=roll.number), "success")
    return redirect(url_for(".roll", roll_id=roll.id))


@bp.route("/rolls/<int:roll_id>", methods=["GET", "POST"])
@roles_required(*READERS)
def roll(roll_id: int):
    found = desk.visible_roll(current_user, roll_id)
    if found is None:
        abort(404)
    decision, exclude = DecisionForm(prefix="d"), ExcludeForm(prefix="x")
    try:
        if "d-decision" in request.form and decision.validate_on_submit():
            desk.decide(current_user, found, decision.decision.data == "approve", decision.note.data or "")
            flash(_("Decision recorded."), "success")
            return redirect(url_for(".roll", roll_id=roll_id))
        if "x-entry_id" in request.form and exclude.validate_on_submit():
            desk.exclude(current_user, found, int(exclude.entry_id.data), exclude.reason.data)
            flash(_("The verbale was excluded from the roll."), "success")
            return redirect(url_for(".roll", roll_id=roll_id))
    except EnforcementError as error:
        flash(str(error), "danger")
    except (LookupError, ValueError):
        abort(404)
    status = 400 if request.method == "POST" else 200
    return render_template("contact_center/enforcement/roll.html", roll=found, decision=decision,
                           exclude=exclude, page=desk.entries_page(found, request.args.get("after", type=int))), status


@bp.get("/prescription")
@roles_required(*READERS)
def prescription():
    enti = metrics.visible_enti(current_user)
    code = request.args.get("ente") or (enti[0].code if enti else "")
    try:
        ente, lines = desk.watch(current_user, code) if enti else (None, [])
    except desk.NotVisible:
        abort(404)
    return render_template("contact_center/enforcement/prescription.html", enti=enti, ente=ente,
                           lines=lines)

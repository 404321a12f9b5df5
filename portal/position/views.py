"""The signed-in citizen's position: their verbali, amounts due today and deadlines."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from core.positions import verbali_of_person

bp = Blueprint("position", __name__, url_prefix="/my-position")


@bp.get("/")
@login_required
def index():
    verbali = verbali_of_person(current_user.person_id)
    return render_template("portal/position/index.html", verbali=verbali)

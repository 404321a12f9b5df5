from flask import Blueprint, current_app, render_template
from flask_login import current_user

from contact_center.auth.views import sign_in

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """The staff home: the sign-in page until signed in, then the desk."""
    if not current_user.is_authenticated:
        return sign_in()
    endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    return render_template("contact_center/home/index.html", url_endpoints=endpoints)

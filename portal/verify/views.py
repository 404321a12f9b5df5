"""Is this letter genuine? Anyone types the verification code printed on a letter and sees
the Ente that sent it and who the creditor is — never whom it was sent to. Lookups are
rate-limited per address so codes cannot be enumerated."""

from flask import Blueprint, current_app, render_template, request

from core.extensions import enforce_limits
from core.requests import letters

from .forms import LetterCodeForm

bp = Blueprint("verify", __name__)


@bp.route("/verify", methods=["GET", "POST"])
def index():
    form = LetterCodeForm()
    result, typed = None, None
    if form.validate_on_submit():
        enforce_limits("letter-check", current_app.config.get(
            "LETTER_CHECK_RATE_LIMIT", "10 per minute;40 per hour;100 per day"), f"ip:{request.remote_addr}")
        result, typed = letters.check(form.code.data), letters.formatted(letters.normalise(form.code.data))
    return render_template("portal/verify/index.html", form=form, result=result, typed=typed)

"""Staff sign-in and sign-out."""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import accounts
from core.db import utcnow
from core.extensions import enforce_limits
from core.urls import safe_next
from core.web import end_session, start_session

from .forms import StaffSignInForm

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = StaffSignInForm()
    if request.args.get("expired") and request.method == "GET":
        flash(_("Your session expired after a period of inactivity. Please sign in again."), "info")
    if form.validate_on_submit():
        enforce_limits("staff-sign-in", current_app.config["LOGIN_RATE_LIMIT"],
                       f"ip:{request.remote_addr}", f"user:{form.email.data.strip().lower()}")
        policy = accounts.LockoutPolicy(current_app.config["LOGIN_MAX_FAILURES"],
                                        timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"]))
        principal = accounts.authenticate_staff(form.email.data, form.password.data, utcnow(), policy)
        if principal is None:
            flash(_("Sign-in failed. Check your e-mail address and password. "
                    "After 5 failed attempts the account is locked for 15 minutes."), "danger")
            return render_template("contact_center/auth/sign_in.html", form=form)
        start_session(principal)
        return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("contact_center/auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    accounts.sign_out_staff(current_user.id)
    end_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.sign_in"))

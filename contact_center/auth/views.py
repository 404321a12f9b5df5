"""Staff sign-in in two steps (password, then the authenticator code) and sign-out.

1. ``/sign-in``: the password. Right → a signed, 5-minute "half-authenticated" marker
   (:mod:`.pending`), never a login.
2. ``/sign-in/enrol`` (no authenticator yet: QR code + secret, confirm with a first code) or
   ``/sign-in/code`` (the 6-digit code). Right → :func:`core.web.start_session`.
"""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import accounts, staff
from core.db import utcnow
from core.extensions import enforce_limits
from core.urls import safe_next
from core.web import end_session, start_session

from . import pending
from .forms import StaffSignInForm, TotpCodeForm
from .guards import second_factor_pending
from .qr import qr_data_uri

bp = Blueprint("auth", __name__)


def _policy() -> accounts.LockoutPolicy:
    cfg = current_app.config
    return accounts.LockoutPolicy(cfg["LOGIN_MAX_FAILURES"], timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"]))


def _failed_message() -> str:
    cfg = current_app.config
    return _("Sign-in failed. After %(attempts)s failed attempts the account is locked for "
             "%(minutes)s minutes.", attempts=cfg["LOGIN_MAX_FAILURES"], minutes=cfg["LOGIN_LOCK_MINUTES"])


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = StaffSignInForm()
    if request.args.get("expired") and request.method == "GET":
        flash(_("Your session expired after a period of inactivity. Please sign in again."), "info")
    if form.validate_on_submit():
        enforce_limits("staff-sign-in", current_app.config["LOGIN_RATE_LIMIT"],
                       f"ip:{request.remote_addr}", f"user:{form.email.data.strip().lower()}")
        password_ok = accounts.authenticate_staff(form.email.data, form.password.data, utcnow(), _policy())
        if password_ok is None:
            flash(_("Sign-in failed. Check your e-mail address and password. "
                    "After 5 failed attempts the account is locked for 15 minutes."), "danger")
            return render_template("contact_center/auth/sign_in.html", form=form)
        pending.begin(password_ok, safe_next(request.args.get("next")))
        return redirect(url_for("auth.code" if password_ok.enrolled else "auth.enrol"))
    return render_template("contact_center/auth/sign_in.html", form=form)


def _complete(pending_sign_in: pending.PendingSignIn, form: TotpCodeForm):
    """Check the code; on success start the real session. ``None`` when the code was refused."""
    enforce_limits("staff-second-factor", current_app.config["LOGIN_RATE_LIMIT"],
                   f"ip:{request.remote_addr}", f"staff:{pending_sign_in.staff_id}")
    principal = staff.verify_second_factor(pending_sign_in.staff_id, pending_sign_in.session_token,
                                           form.code.data, utcnow(), _policy())
    if principal is None:
        flash(_failed_message(), "danger")
        return None
    start_session(principal)  # a fresh session: the marker is gone
    return redirect(safe_next(pending_sign_in.next_url) or url_for("home.index"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@second_factor_pending
def code(pending_sign_in: pending.PendingSignIn):
    status = staff.second_factor_status(pending_sign_in.staff_id, pending_sign_in.session_token)
    if status is None:
        pending.clear()
        return redirect(url_for("auth.sign_in"))
    if not status.enrolled:
        return redirect(url_for("auth.enrol"))
    form = TotpCodeForm()
    if form.validate_on_submit() and (done := _complete(pending_sign_in, form)):
        return done
    return render_template("contact_center/auth/code.html", form=form, issuer=staff.TOTP_ISSUER)


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
@second_factor_pending
def enrol(pending_sign_in: pending.PendingSignIn):
    status = staff.second_factor_status(pending_sign_in.staff_id, pending_sign_in.session_token)
    if status is None:
        pending.clear()
        return redirect(url_for("auth.sign_in"))
    if status.enrolled:
        return redirect(url_for("auth.code"))
    form = TotpCodeForm()
    if form.validate_on_submit() and (done := _complete(pending_sign_in, form)):
        return done
    return render_template("contact_center/auth/enrol.html", form=form, status=status,
                           qr_image=qr_data_uri(status.uri), issuer=staff.TOTP_ISSUER)


@bp.post("/sign-out")
@login_required
def sign_out():
    accounts.sign_out_staff(current_user.id)
    end_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.sign_in"))

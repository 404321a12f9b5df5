"""The citizen's account: add a verified e-mail address, change the password."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import accounts
from core.citizen_account import (
    AccountError,
    change_password,
    confirm_email,
    request_email_verification,
)
from core.extensions import enforce_limits
from core.web import start_session

from .forms import EmailForm, PasswordForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/email", methods=["GET", "POST"])
@login_required
def email():
    form = EmailForm()
    if form.validate_on_submit():
        enforce_limits("email-verify", "5 per hour", f"person:{current_user.person_id}")
        request_email_verification(current_user.person_id, form.email.data)
        flash(_("We sent a confirmation link to %(email)s. Open it within 48 hours.",
                email=form.email.data), "success")
        return redirect(url_for("position.index"))
    return render_template("portal/account/email.html", form=form)


@bp.get("/email/verify/<token>")
@login_required
def verify_email(token: str):
    try:
        address = confirm_email(token, current_user.person_id)
    except AccountError:
        flash(_("The confirmation link is not valid or has expired. Please ask for a new one."), "danger")
        return redirect(url_for("account.email"))
    flash(_("Your e-mail address %(email)s is confirmed.", email=address), "success")
    return redirect(url_for("position.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        enforce_limits("password-change", current_app.config["LOGIN_RATE_LIMIT"],
                       f"ip:{request.remote_addr}", f"cred:{current_user.credential_id}")
        try:
            credential = change_password(current_user.credential_id, form.current.data, form.new.data)
        except AccountError:
            form.current.errors.append(_("The current password is not correct."))
        else:
            start_session(accounts.CitizenPrincipal(credential))
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("position.index"))
    return render_template("portal/account/password.html", form=form)

"""Citizen sign-in with the access codes printed on the letter."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core import accounts
from core.db import utcnow
from core.extensions import enforce_limits
from core.i18n import current_language
from core.requests_service import enti_choices, open_lost_codes_case
from core.urls import safe_next
from core.web import end_session, start_session

from .forms import LostCodesForm, SignInForm

bp = Blueprint("auth", __name__)


def _policy() -> accounts.LockoutPolicy:
    from datetime import timedelta

    cfg = current_app.config
    return accounts.LockoutPolicy(cfg["LOGIN_MAX_FAILURES"], timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"]))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        enforce_limits("sign-in", current_app.config["LOGIN_RATE_LIMIT"],
                       f"ip:{request.remote_addr}", f"user:{form.username.data.strip().upper()}")
        principal = accounts.authenticate_citizen(form.username.data, form.password.data, utcnow(), _policy())
        if principal is None:
            flash(_("Sign-in failed. Check the username and password printed on your letter. "
                    "After 5 failed attempts access is suspended for 15 minutes."), "danger")
            return render_template("portal/auth/sign_in.html", form=form), 200
        start_session(principal)
        return redirect(safe_next(request.args.get("next")) or url_for("position.index"))
    return render_template("portal/auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    accounts.sign_out_citizen(current_user.credential_id)
    end_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("home.index"))


@bp.route("/lost-codes", methods=["GET", "POST"])
def lost_codes():
    form = LostCodesForm()
    form.ente.choices = [("", _("Choose…"))] + enti_choices()
    if form.validate_on_submit():
        enforce_limits("lost-codes", "5 per hour", f"ip:{request.remote_addr}")
        case = open_lost_codes_case(form.data, current_language())
        flash(_("Thank you: your request has been registered with protocol number %(protocol)s. "
                "An operator will write to you within 5 working days.", protocol=case.protocol), "success")
        return redirect(url_for("home.index"))
    return render_template("portal/auth/lost_codes.html", form=form)

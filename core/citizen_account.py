"""The citizen's account: a verified e-mail address and their own password.

The e-mail address is only stored once the citizen opens the link sent to it (a signed,
time-limited token carrying the person and the address), so nobody can attach an address
they do not control. Changing the password rotates the session token, ending other sessions.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core import audit, db, jobs, mail
from core.db import utcnow
from core.models import AccessCredential, Person, new_session_token
from core.security import hash_password, verify_password

EMAIL_TOKEN_MAX_AGE = 48 * 3600
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="citizen-email-verify")


def request_email_verification(person_id: int, email: str) -> None:
    token = _serializer().dumps({"p": person_id, "e": email.strip()})
    audit.record("citizen.email_verification_requested", actor_type="citizen", actor_id=person_id,
                 object_type="person", object_id=person_id)
    jobs.enqueue(send_verification_email, person_id, email.strip(), token)


def send_verification_email(person_id: int, email: str, token: str) -> None:
    person = db.session.get(Person, person_id)
    link = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for(
        "account.verify_email", token=token)
    with force_locale(str(person.language)):
        subject = _("Confirm your e-mail address")
        text = _("Dear %(name)s,\n\nto receive receipts and answers by e-mail, confirm this "
                 "address by opening the link below within 48 hours:\n\n%(link)s\n\nIf you did "
                 "not ask for this, ignore this message.\n\n%(sender)s",
                 name=person.display_name, link=link,
                 sender=current_app.config["CONCESSIONAIRE_NAME"])
    mail.send(mail.Mail(to=email, subject=subject, text=text))


def confirm_email(token: str, person_id: int) -> str:
    try:
        data = _serializer().loads(token, max_age=EMAIL_TOKEN_MAX_AGE)
    except SignatureExpired:
        raise AccountError("expired") from None
    except BadSignature:
        raise AccountError("invalid") from None
    if data.get("p") != person_id:
        raise AccountError("invalid")
    person = db.session.get(Person, person_id)
    person.email = data["e"]
    person.email_verified_at = utcnow()
    audit.record("citizen.email_verified", actor_type="citizen", actor_id=person_id,
                 object_type="person", object_id=person_id)
    return person.email


def change_password(credential_id: int, current: str, new: str) -> AccessCredential:
    credential = db.session.get(AccessCredential, credential_id)
    ok, _rehash = verify_password(credential.password_hash, current)
    if not ok:
        raise AccountError("wrong_current")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError("too_short")
    credential.password_hash = hash_password(new)
    credential.session_token = new_session_token()
    audit.record("citizen.password_changed", actor_type="citizen", actor_id=credential.person_id,
                 object_type="access_credential", object_id=credential.id)
    return credential

"""Staff account services: the TOTP second factor (enrolment, verification without replay,
reset by a supervisor or an administrator) and its command-line tool.

The password step is :func:`core.accounts.authenticate_staff`; a session starts only after
:func:`verify_second_factor` returns a principal. Wrong codes count towards the same lockout as
wrong passwords. Every outcome is recorded in the audit log in the caller's transaction.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import click
import pyotp
from flask.cli import AppGroup
from sqlalchemy import select

from core import audit, db
from core.accounts import LockoutPolicy, StaffPrincipal, _is_locked, _register_failure
from core.models import AuditEvent, StaffRole, StaffUser, new_session_token

TOTP_ISSUER = "Multe Chiare"
TOTP_DIGITS = 6
TOTP_INTERVAL = 30  # seconds per time step
TOTP_VALID_WINDOW = 1  # accept the previous and the next step too (clock drift)

# Audit actions whose details carry the TOTP time step used ("totp_step"): the last one is the
# newest step this account may never use again (RFC 6238 §5.2, no replay).
_STEP_ACTIONS = ("staff.login",)


class StaffAccountError(Exception):
    """The staff account does not exist or the actor may not change it."""


@dataclass(frozen=True)
class SecondFactorStatus:
    """Where a half-signed-in user stands: enrolled (asks for a code) or not (shows the secret
    to enrol). ``secret``/``uri`` are only set while enrolment is pending."""

    enrolled: bool
    email: str
    secret: str | None = None
    uri: str | None = None


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL, issuer=TOTP_ISSUER)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI authenticator apps read from the QR code."""
    return _totp(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def _pending_user(staff_id: int, session_token: str, *, lock: bool = False) -> StaffUser | None:
    """The account a half-authenticated session refers to, if still valid (active, and its
    session token unchanged since the password step: sign-out or a TOTP reset invalidates it)."""
    stmt = select(StaffUser).where(StaffUser.id == staff_id)
    if lock:  # serialise concurrent code checks for one account (FOR UPDATE on PostgreSQL)
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    user = db.session.scalars(stmt).one_or_none()
    if user is None or not user.active or not hmac.compare_digest(user.session_token, session_token):
        return None
    return user


def second_factor_status(staff_id: int, session_token: str) -> SecondFactorStatus | None:
    """``None`` when the half-authenticated session is stale. For an account without an
    enrolled authenticator, creates the pending secret once (kept until confirmed or reset)."""
    user = _pending_user(staff_id, session_token)
    if user is None:
        return None
    if user.totp_enrolled_at is not None:
        return SecondFactorStatus(enrolled=True, email=user.email)
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()  # 160 bits
        db.session.flush()
    return SecondFactorStatus(enrolled=False, email=user.email, secret=user.totp_secret,
                              uri=provisioning_uri(user.totp_secret, user.email))


def _normalise_code(code: str) -> str:
    return "".join(code.split())


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code equals ``code`` within the window, else ``None``."""
    code = _normalise_code(code)
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):  # no early exit: constant work
            found = step
    return found


def _last_used_step(user: StaffUser) -> int | None:
    """The newest TOTP step this account signed in with, read from its audit trail (the
    ``ix_audit_event_object`` index on object_type/object_id)."""
    details = db.session.scalars(
        select(AuditEvent.details)
        .where(AuditEvent.object_type == "staff_user", AuditEvent.object_id == str(user.id),
               AuditEvent.action.in_(_STEP_ACTIONS))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    step = (details or {}).get("totp_step")
    return int(step) if step is not None else None


def verify_second_factor(
    staff_id: int, session_token: str, code: str, now: datetime, policy: LockoutPolicy
) -> StaffPrincipal | None:
    """Check the 6-digit code (confirming the enrolment on first use) and complete the sign-in.

    ``None`` for any failure: stale half-session, locked account, wrong or replayed code. Wrong
    and replayed codes count towards the lockout. A code is accepted only for a time step newer
    than the last one used, so a code seen over a shoulder cannot be used again.
    """
    user = _pending_user(staff_id, session_token, lock=True)
    if user is None or not user.totp_secret:
        return None
    if _is_locked(user, now):
        audit.record("staff.login_locked", actor_type="staff", actor_id=user.id,
                     object_type="staff_user", object_id=user.id, factor="totp")
        return None
    step = _matching_step(user.totp_secret, code, now)
    last = _last_used_step(user)
    if step is None or (last is not None and step <= last):
        _register_failure(user, now, policy)
        audit.record("staff.login_failed", actor_type="staff", actor_id=user.id,
                     object_type="staff_user", object_id=user.id, factor="totp",
                     replayed=step is not None,
                     locked=user.locked_until is not None and user.locked_until > now)
        return None
    if user.totp_enrolled_at is None:
        user.totp_enrolled_at = now
        audit.record("staff.totp_enrolled", actor_type="staff", actor_id=user.id,
                     object_type="staff_user", object_id=user.id)
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("staff.login", actor_type="staff", actor_id=user.id,
                 object_type="staff_user", object_id=user.id, totp_step=step)
    db.session.flush()
    return StaffPrincipal(user)


def _may_reset(actor: StaffPrincipal, target: StaffUser) -> bool:
    if actor.id == target.id:
        return False  # a stolen session must not swap its own authenticator
    if actor.role == StaffRole.ADMIN and actor.all_enti:
        return True
    if actor.role not in (StaffRole.ADMIN, StaffRole.SUPERVISOR):
        return False
    if actor.role == StaffRole.SUPERVISOR and target.role not in (StaffRole.AGENT,
                                                                   StaffRole.ENTE_VIEWER):
        return False
    target_enti = {e.id for e in target.enti}
    return bool(target_enti) and target_enti <= actor.ente_ids


def reset_totp(email: str, *, actor: StaffPrincipal | None) -> StaffUser:
    """Forget someone's authenticator: the next sign-in shows a new QR code. Their sessions end
    (new session token). ``actor`` ``None`` means the command line (system).

    Admins without Enti may reset anyone but themselves; supervisors (and admins bound to
    Enti) only agents and Ente viewers all of whose Enti are theirs.
    """
    user = db.session.scalars(
        select(StaffUser).where(StaffUser.email == email.strip().lower())
    ).one_or_none()
    if user is None or (actor is not None and not _may_reset(actor, user)):
        raise StaffAccountError(email)
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.session_token = new_session_token()
    audit.record("staff.totp_reset", actor_type="staff" if actor else "system",
                 actor_id=actor.id if actor else None, object_type="staff_user",
                 object_id=user.id)
    db.session.flush()
    return user


staff_cli = AppGroup("staff", help="Staff accounts.")


@staff_cli.command("reset-totp")
@click.argument("email")
def reset_totp_command(email: str) -> None:
    """Forget EMAIL's authenticator app: the next sign-in asks to enrol again."""
    try:
        reset_totp(email, actor=None)
        db.session.commit()
    except StaffAccountError:
        db.session.rollback()
        raise click.ClickException(f"no staff account {email}") from None
    click.echo(f"TOTP reset for {email}: a new QR code is shown at the next sign-in.")

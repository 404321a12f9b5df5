"""Sign-in services for both apps: verification, lockout after repeated failures, rehash on
login, session tokens that sign-out revokes, and the principals Flask-Login carries.

Every failure returns the same outcome whatever the reason (unknown user, wrong password,
locked account), so a caller can never learn whether an account exists.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask_login import UserMixin
from sqlalchemy import select

from core import audit, db, pagecache
from core.models import (
    AccessCredential,
    Person,
    StaffRole,
    StaffUser,
    new_session_token,
)
from core.security import verify_password


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)


class CitizenPrincipal(UserMixin):
    """A signed-in citizen. Position pages depend only on ``person_id``/``ente_id``, so another
    identity provider (SPID, CIE, eIDAS) only needs to produce one of these."""

    def __init__(self, credential: AccessCredential, provider: str = "codes"):
        person = credential.person
        self._set(credential.id, credential.person_id, credential.session_token, person.ente_id,
                  str(person.language), person.display_name, provider)

    def _set(self, credential_id: int, person_id: int, token: str, ente_id: int,
             language: str, display_name: str, provider: str) -> None:
        self.credential_id = credential_id
        self.person_id = person_id
        self.ente_id = ente_id
        self.preferred_language = language
        self.display_name = display_name
        self.provider = provider
        self._token = token

    @classmethod
    def from_row(cls, row, provider: str = "codes") -> CitizenPrincipal:
        """From the columns :func:`load_citizen` selects (no ORM objects loaded)."""
        principal = cls.__new__(cls)
        name = Person.name_of(row.kind, row.first_name, row.last_name, row.company_name)
        principal._set(row.id, row.person_id, row.session_token, row.ente_id, str(row.language),
                       name, provider)
        return principal

    def get_id(self) -> str:
        # The person id rides along (the cookie is signed) so the cached check of the session
        # can be found before the database is asked (core.pagecache.cached_principal).
        return f"{self.provider}:{self.credential_id}:{self._token}:{self.person_id}"


class StaffPrincipal(UserMixin):
    def __init__(self, user: StaffUser):
        self.id = user.id
        self.name = user.name
        self.email = user.email
        self.role = StaffRole(user.role)
        self.ente_ids = frozenset(e.id for e in user.enti)
        self.preferred_language = (user.languages or ["it"])[0]
        self._token = user.session_token

    def get_id(self) -> str:
        return f"staff:{self.id}:{self._token}"

    @property
    def all_enti(self) -> bool:
        return self.role == StaffRole.ADMIN and not self.ente_ids

    @property
    def read_only(self) -> bool:
        return self.role == StaffRole.ENTE_VIEWER


def _normalise_username(username: str) -> str:
    return username.strip().upper()


def _is_locked(account, now: datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now


def _register_failure(account, now: datetime, policy: LockoutPolicy) -> None:
    account.failed_attempts += 1
    if account.failed_attempts >= policy.max_failures:
        account.locked_until = now + policy.lock_for
        account.failed_attempts = 0


def authenticate_citizen(
    username: str, password: str, now: datetime, policy: LockoutPolicy
) -> CitizenPrincipal | None:
    """Check the access codes printed on the letter. ``None`` for any failure."""
    credential = db.session.scalars(
        select(AccessCredential).where(AccessCredential.username == _normalise_username(username))
    ).one_or_none()
    if credential is None:
        verify_password(None, password)  # same work as a real check
        return None
    if _is_locked(credential, now):
        verify_password(None, password)
        audit.record("citizen.login_locked", actor_type="citizen", actor_id=credential.person_id,
                     object_type="access_credential", object_id=credential.id)
        return None
    ok, new_hash = verify_password(credential.password_hash, password)
    if not ok:
        _register_failure(credential, now, policy)
        audit.record("citizen.login_failed", actor_type="citizen", actor_id=credential.person_id,
                     object_type="access_credential", object_id=credential.id,
                     locked=credential.locked_until is not None and credential.locked_until > now)
        return None
    if new_hash:
        credential.password_hash = new_hash
    credential.failed_attempts = 0
    credential.locked_until = None
    credential.last_login_at = now
    audit.record("citizen.login", actor_type="citizen", actor_id=credential.person_id,
                 object_type="access_credential", object_id=credential.id,
                 ente_id=credential.person.ente_id)
    return CitizenPrincipal(credential)


_CITIZEN_COLUMNS = (
    select(AccessCredential.id, AccessCredential.person_id, AccessCredential.session_token,
           Person.ente_id, Person.language, Person.kind, Person.first_name, Person.last_name,
           Person.company_name)
    .join(Person, Person.id == AccessCredential.person_id)
)


def load_citizen(user_id: str) -> CitizenPrincipal | None:
    provider, cred_id, token, person_id = (user_id.split(":") + ["", "", ""])[:4]
    if provider != "codes" or not cred_id.isdigit():
        return None
    hint = int(person_id) if person_id.isdigit() else None
    if hint is not None:
        cached = pagecache.cached_principal(int(cred_id), token, hint)
        if cached is not None:
            return CitizenPrincipal.from_row(SimpleNamespace(**cached, session_token=token))
    # Runs on every signed-in request the cache cannot answer: one indexed query for just
    # the columns the principal needs, rather than the credential and person as ORM objects.
    row = db.session.execute(_CITIZEN_COLUMNS.where(AccessCredential.id == int(cred_id))).first()
    if row is None or not hmac.compare_digest(row.session_token, token):
        return None
    if hint is not None and row.person_id == hint:
        pagecache.store_principal(int(cred_id), token, {
            "id": row.id, "person_id": row.person_id, "ente_id": row.ente_id,
            "language": str(row.language), "kind": str(row.kind), "first_name": row.first_name,
            "last_name": row.last_name, "company_name": row.company_name})
    return CitizenPrincipal.from_row(row)


def sign_out_citizen(credential_id: int) -> None:
    credential = db.session.get(AccessCredential, credential_id)
    if credential is not None:
        credential.session_token = new_session_token()
        audit.record("citizen.logout", actor_type="citizen", actor_id=credential.person_id,
                     object_type="access_credential", object_id=credential.id)


@dataclass(frozen=True)
class StaffPasswordOk:
    """The first factor only: the password was right. Deliberately not a principal (it cannot
    be passed to ``login_user``); the sign-in completes in :mod:`core.staff` with the code."""

    staff_id: int
    session_token: str
    enrolled: bool


def authenticate_staff(
    email: str, password: str, now: datetime, policy: LockoutPolicy
) -> StaffPasswordOk | None:
    """Check the password (first factor). ``None`` for any failure.

    A right password does not clear the failure counter: only a complete sign-in does
    (:func:`core.staff.verify_second_factor`), so wrong codes and wrong passwords add up to the
    same lockout and re-entering the password never buys more code guesses.
    """
    user = db.session.scalars(
        select(StaffUser).where(StaffUser.email == email.strip().lower())
    ).one_or_none()
    if user is None or not user.active:
        verify_password(None, password)
        return None
    if _is_locked(user, now):
        verify_password(None, password)
        audit.record("staff.login_locked", actor_type="staff", actor_id=user.id,
                     object_type="staff_user", object_id=user.id)
        return None
    ok, new_hash = verify_password(user.password_hash, password)
    if not ok:
        _register_failure(user, now, policy)
        audit.record("staff.login_failed", actor_type="staff", actor_id=user.id,
                     object_type="staff_user", object_id=user.id, factor="password")
        return None
    if new_hash:
        user.password_hash = new_hash
    audit.record("staff.password_ok", actor_type="staff", actor_id=user.id,
                 object_type="staff_user", object_id=user.id)
    return StaffPasswordOk(user.id, user.session_token, user.totp_enrolled_at is not None)


def load_staff(user_id: str) -> StaffPrincipal | None:
    kind, _, rest = user_id.partition(":")
    staff_id, _, token = rest.partition(":")
    if kind != "staff" or not staff_id.isdigit():
        return None
    user = db.session.get(StaffUser, int(staff_id))
    if user is None or not user.active or user.session_token != token:
        return None
    if user.totp_enrolled_at is None:  # sessions start only after the second factor
        return None
    return StaffPrincipal(user)


def sign_out_staff(staff_id: int) -> None:
    user = db.session.get(StaffUser, staff_id)
    if user is not None:
        user.session_token = new_session_token()
        audit.record("staff.logout", actor_type="staff", actor_id=user.id,
                     object_type="staff_user", object_id=user.id)

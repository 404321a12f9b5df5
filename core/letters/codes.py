"""Codes printed on letters: the verification code of each letter and the personal access
codes (username and password) of the invito bonario.

All come from :mod:`secrets` and use an alphabet without look-alike characters (no 0/O, 1/I/L,
no lower-case), so a code read from paper and typed back is right the first time.

* Verification code: 12 characters grouped 4-4-4 (``K7QM-4TXP-9WDE``), unique across the
  archive (:func:`new_verification_code` checks the database; the column is unique as well).
* Username: ``<ENTE>-`` + 8 characters, unique (checked).
* Password: 12 characters grouped 4-4-4. It is printed once on the letter and stored only as an
  argon2 hash (:func:`core.security.hash_password`); nobody can print it again.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from core import db
from core.models import AccessCredential, Letter

#: 32 symbols: A–Z without I and O, digits 2–9.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_RE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")
_ATTEMPTS = 20


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def grouped(raw: str) -> str:
    """``"K7QM4TXP9WDE"`` → ``"K7QM-4TXP-9WDE"``."""
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalise(code: str) -> str:
    """What a person typed, as stored: upper case, separators put back (``k7qm 4txp 9wde``)."""
    compact = re.sub(r"[^0-9A-Za-z]", "", code or "").upper()
    return grouped(compact) if len(compact) == 12 else compact


def is_valid(code: str) -> bool:
    return bool(CODE_RE.match(code or ""))


def new_verification_code() -> str:
    for _ in range(_ATTEMPTS):
        code = grouped(_random(12))
        taken = db.session.scalar(select(Letter.id).where(Letter.verification_code == code))
        if taken is None:
            return code
    raise RuntimeError("could not find a free verification code")  # 32^12 codes: not reached


def new_username(prefix: str) -> str:
    prefix = re.sub(r"[^A-Z0-9]", "", (prefix or "").upper())[:8] or "MC"
    for _ in range(_ATTEMPTS):
        username = f"{prefix}-{_random(8)}"
        taken = db.session.scalar(select(AccessCredential.id)
                                  .where(AccessCredential.username == username))
        if taken is None:
            return username
    raise RuntimeError("could not find a free username")


def new_password() -> str:
    return grouped(_random(12))

"""Self-service on the phone: which Ente a called number belongs to, finding a verbale from the
digits typed on the keypad, checking its PIN and reading the amount due today.

The PIN is never stored in clear: ``Verbale.extra["ivr_pin_hash"]`` holds an argon2 hash
(:func:`core.security.hash_password`); a verbale without one cannot be reached by phone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from core import db
from core.fines.calendar import is_open, next_opening
from core.models import Ente, Verbale
from core.positions import ente_settings, local_today, quote_verbale
from core.security import hash_password, verify_password

PIN_KEY = "ivr_pin_hash"


def ente_for_number(called: str | None, numbers: Mapping[str, str]) -> Ente | None:
    """The Ente of the called number (``IVR_NUMBERS``), else the first Ente."""
    code = numbers.get((called or "").replace(" ", ""))
    if code:
        ente = db.session.scalar(select(Ente).where(Ente.code == code))
        if ente is not None:
            return ente
    return db.session.scalar(select(Ente).order_by(Ente.id).limit(1))


def ente_by_code(code: str | None) -> Ente | None:
    if not code:
        return None
    return db.session.scalar(select(Ente).where(Ente.code == code))


def office_open(ente: Ente, at: datetime) -> bool:
    return is_open(at, ente_settings(ente).calendar)


def reopens_at(ente: Ente, at: datetime) -> datetime:
    return next_opening(at, ente_settings(ente).calendar)


def digits_of(number: str) -> str:
    return re.sub(r"\D", "", number or "")


def find_verbale(ente: Ente, typed: str) -> Verbale | None:
    """The Ente's verbale whose number, digits only, equals the typed digits."""
    typed = digits_of(typed)
    if len(typed) < 4:
        return None
    candidates = db.session.scalars(select(Verbale).where(
        Verbale.ente_id == ente.id, Verbale.number.like(f"%{typed[-4:]}")))
    return next((v for v in candidates if digits_of(v.number) == typed), None)


def set_pin(verbale: Verbale, pin: str) -> None:
    """Store the argon2 hash of a PIN (for the demo data and the letters)."""
    verbale.extra = {**(verbale.extra or {}), PIN_KEY: hash_password(pin)}


def check_pin(verbale: Verbale | None, pin: str) -> bool:
    """Constant-shape check: a missing verbale or hash still costs one argon2 verification."""
    stored = (verbale.extra or {}).get(PIN_KEY) if verbale is not None else None
    ok, _ = verify_password(stored, pin or "")
    return ok


@dataclass(frozen=True)
class AmountInfo:
    total: Decimal
    next_change: date | None


def amount_due(verbale: Verbale, today: date | None = None) -> AmountInfo | None:
    """The amount due today and the date it next changes (``None`` before notification)."""
    today = today or local_today(verbale.ente)
    q = quote_verbale(verbale, today)
    if q is None:
        return None
    return AmountInfo(q.total, q.next_change)

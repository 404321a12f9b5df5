"""Is this letter genuine? The public check of the verification code printed on every letter
(:class:`core.models.Letter`).

The answer names the Ente that sent the letter and the creditor's payment details (the Ente's
name and fiscal code, its IBAN and pagoPA) — never the person the letter was sent to. What the
citizen types is normalised: case, spaces, dashes and dots do not matter, and the letters O,
I and L are read as the digits 0 and 1 where the printed code may have either (at most
:data:`MAX_VARIANTS` readings are tried). The view limits the lookups per address, so codes
cannot be enumerated.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.models import Letter, LetterKind

MIN_LENGTH, MAX_LENGTH = 8, 20
MAX_VARIANTS = 64
_CONFUSABLE = {"0": "0O", "O": "0O", "1": "1IL", "I": "1IL", "L": "1IL"}
_NOT_CODE = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True)
class LetterCheck:
    """What the public may know about a genuine letter."""

    code: str
    kind: LetterKind
    issued_on: date
    pages: int
    ente_name: str
    ente_fiscal_code: str
    ente_iban: str
    ente_address: str
    ente_email: str
    ente_pec: str
    ente_phone: str
    verbale_tail: str  # the last characters of the fine's number, to compare with the letter


def normalise(raw: str | None) -> str:
    """Upper case, letters and digits only: ``" k7qm 4txp-9wde "`` → ``"K7QM4TXP9WDE"``."""
    return _NOT_CODE.sub("", (raw or "").upper())[:MAX_LENGTH + 10]


def formatted(code: str) -> str:
    """Groups of four joined by dashes, as printed: ``K7QM-4TXP-9WDE``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def readings(code: str) -> list[str]:
    """The code as typed plus its O/0 and I/L/1 readings (typed one first), bounded."""
    choices = [_CONFUSABLE.get(ch, ch) for ch in code]
    count = 1
    for options in choices:
        count *= len(options)
    if count > MAX_VARIANTS:
        return [code]
    out = ["".join(chars) for chars in itertools.product(*choices)]
    out.sort(key=lambda c: c != code)
    return out


def check(raw: str | None) -> LetterCheck | None:
    """The facts of the letter with this verification code, or ``None`` when no letter has it
    (the lookup is audited either way, without the code)."""
    code = normalise(raw)
    if not MIN_LENGTH <= len(code) <= MAX_LENGTH:
        return None
    candidates = {variant: rank for rank, variant in enumerate(readings(code))}
    stored = [form for c in candidates for form in (c, formatted(c))]
    letters = db.session.scalars(
        select(Letter).where(Letter.verification_code.in_(stored))
        .options(selectinload(Letter.ente), selectinload(Letter.verbale))).all()
    if not letters:
        audit.record("letter.checked", actor_type="public", actor_id=None, object_type="letter",
                     object_id="", found=False)
        return None
    letter = min(letters, key=lambda item: candidates.get(normalise(item.verification_code), 99))
    audit.record("letter.checked", actor_type="public", actor_id=None, object_type="letter",
                 object_id=letter.id, ente_id=letter.ente_id, found=True)
    ente = letter.ente
    zone = ZoneInfo(ente.timezone or "Europe/Rome")
    number = letter.verbale.number if letter.verbale is not None else ""
    return LetterCheck(
        code=formatted(normalise(letter.verification_code)), kind=LetterKind(letter.kind),
        issued_on=letter.created_at.astimezone(zone).date(), pages=letter.pages or 1,
        ente_name=ente.name, ente_fiscal_code=ente.fiscal_code, ente_iban=ente.iban,
        ente_address=ente.address or "", ente_email=ente.email or "", ente_pec=ente.pec or "",
        ente_phone=ente.phone or "", verbale_tail=number[-4:] if len(number) > 4 else "",
    )

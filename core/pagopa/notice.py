"""Notice numbers (numero avviso) and IUVs for aux digit 3, and the QR code payload.

Layout (pagopa.md §1): ``3`` + segregation code (2) + IUV base (13) + check digits (2). The
check digits are the remainder modulo 93 of the first 16 digits, zero-padded. The IUV
(creditorReferenceId) is the notice number without the aux digit. IUVs are never reused: the
base comes from a per-Ente monotonic sequence (see :mod:`core.pagopa.service`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

AUX_DIGIT = "3"
RESERVED_SEGREGATION_CODES = frozenset({"99", "98", "97", "96", "85", "81", "47"})
MAX_BASE = 10**13 - 1


class NoticeNumberError(ValueError):
    pass


def check_digits(first16: str) -> str:
    """Remainder modulo 93 of the 16-digit prefix, digit by digit (no big integers needed)."""
    remainder = 0
    for digit in first16:
        remainder = (remainder * 10 + int(digit)) % 93
    return f"{remainder:02d}"


@dataclass(frozen=True)
class NoticeNumber:
    value: str  # 18 digits

    @property
    def iuv(self) -> str:
        return self.value[1:]

    @property
    def segregation_code(self) -> str:
        return self.value[1:3]

    def __str__(self) -> str:
        return self.value

    def formatted(self) -> str:
        """Groups of four as printed on the notice: ``3022 0240 0001 2345 79``."""
        return " ".join(self.value[i:i + 4] for i in range(0, 18, 4))


def make_notice_number(segregation_code: str, base: int) -> NoticeNumber:
    if len(segregation_code) != 2 or not segregation_code.isdigit():
        raise NoticeNumberError("segregation code must be two digits")
    if segregation_code in RESERVED_SEGREGATION_CODES or int(segregation_code) > 49:
        raise NoticeNumberError(f"segregation code {segregation_code} is not assignable")
    if not 0 <= base <= MAX_BASE:
        raise NoticeNumberError("IUV base out of range (13 digits)")
    first16 = f"{AUX_DIGIT}{segregation_code}{base:013d}"
    return NoticeNumber(first16 + check_digits(first16))


def parse_notice_number(value: str) -> NoticeNumber:
    """Validate an 18-digit aux-3 notice number (spaces allowed) and return it."""
    compact = value.replace(" ", "")
    if len(compact) != 18 or not compact.isdigit():
        raise NoticeNumberError("a notice number has 18 digits")
    if compact[0] != AUX_DIGIT:
        raise NoticeNumberError("only aux digit 3 notice numbers are issued here")
    if check_digits(compact[:16]) != compact[16:]:
        raise NoticeNumberError("wrong check digits")
    return NoticeNumber(compact)


def is_valid_check(value: str) -> bool:
    """Check digits of any aux 0/2/3 notice number (``int(nav[:16]) % 93 == int(nav[16:])``)."""
    return len(value) == 18 and value.isdigit() and check_digits(value[:16]) == value[16:]


def qr_payload(notice: NoticeNumber | str, creditor_fiscal_code: str, amount: Decimal) -> str:
    """``PAGOPA|002|<notice>|<creditor CF>|<cents>`` for the QR code on the notice."""
    cents = int((amount * 100).to_integral_value())
    if amount != Decimal(cents) / 100:
        raise ValueError("amount must have at most two decimals")
    return f"PAGOPA|002|{notice}|{creditor_fiscal_code}|{cents}"

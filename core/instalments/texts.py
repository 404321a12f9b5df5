"""The words for the instalment rules' keys (statuses, refusal reasons), translated. The rules
return stable keys; both apps show these labels."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.fines.instalments import (
    AMOUNT_NOT_ABOVE_THRESHOLD,
    INCOME_ABOVE_THRESHOLD,
    REQUEST_LATE,
    TOO_FEW_INSTALMENTS,
)
from core.i18n import long_date, money

PLAN_STATUS = {
    "requested": _l("Requested: waiting for the decision"),
    "approved": _l("Approved: pay the instalments by their due dates"),
    "rejected": _l("Not granted"),
    "forfeited": _l("Ended: instalments were missed"),
    "completed": _l("Completed: every instalment is paid"),
}

INSTALMENT_STATUS = {
    "due": _l("To be paid"),
    "paid": _l("Paid"),
    "missed": _l("Missed"),
}

#: Why a request cannot even start (before the income is asked).
BLOCKED = {
    "not_payable": _l("This fine cannot be paid in instalments: it is not payable now (already "
                      "paid, under appeal, cancelled or not yet notified)."),
    "already_requested": _l("Instalments have already been requested for this fine."),
}


def reason_text(key: str, *, amount: Decimal, income: Decimal | None = None,
                limit: Decimal | None = None, threshold: Decimal | None = None,
                request_by=None, minimum: Decimal | None = None) -> str:
    """A refusal reason of :func:`core.fines.instalments.eligibility`, in words."""
    if key == AMOUNT_NOT_ABOVE_THRESHOLD:
        return _("Instalments are possible only for amounts above %(threshold)s; the amount due "
                 "today is %(amount)s.", threshold=money(threshold), amount=money(amount))
    if key == INCOME_ABOVE_THRESHOLD:
        return _("The declared taxable income, %(income)s, is above the limit of %(limit)s for "
                 "your household.", income=money(income), limit=money(limit))
    if key == REQUEST_LATE:
        return _("Instalments had to be requested by %(date)s (30 days from the notification).",
                 date=long_date(request_by))
    if key == TOO_FEW_INSTALMENTS:
        return _("The amount is too low for at least two instalments of %(minimum)s each.",
                 minimum=money(minimum))
    return key


def rate_text(rate: Decimal | str) -> str:
    """An annual interest rate in the active locale: ``4,5 %`` / ``4.5%``."""
    return format_percent(Decimal(str(rate)), "#,##0.###%")

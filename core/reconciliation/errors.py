"""Errors of the reconciliation: every message is translatable (a lazy string with named
placeholders) and, for bad input, says where (line, element, payment number)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

#: untrusted values shown in messages are cut to this many characters
SHOW_MAX = 40


def show(value: Any) -> str:
    """An untrusted value as it may appear in a message: one line, at most ``SHOW_MAX``."""
    text = " ".join(str(value).split())
    return text if len(text) <= SHOW_MAX else text[: SHOW_MAX - 1] + "…"


class ReconciliationError(ValueError):
    """The file cannot be imported (nothing was written). ``str()`` gives the message in the
    current locale."""

    def __init__(self, message: Any, **context: Any):
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return str(self.message)


class ParseError(ReconciliationError):
    """Bad input: ``line`` (1-based, when known) and ``element`` locate it."""

    def __init__(self, message: Any, *, line: int | None = None, element: str | None = None,
                 **context: Any):
        super().__init__(message, line=line, element=element, **context)
        self.line = line
        self.element = element


class TotalsError(ParseError):
    """The header's count or total differs from the rows: the whole file is refused."""


def count_mismatch(declared: int, found: int, *, entries: bool = False) -> TotalsError:
    if entries:
        message = _l("The statement declares %(declared)s entries but contains %(found)s: "
                     "nothing was imported.", declared=declared, found=found)
    else:
        message = _l("The header declares %(declared)s payments but the file contains "
                     "%(found)s: nothing was imported.", declared=declared, found=found)
    return TotalsError(message, element="count", declared=declared, found=found)


def sum_mismatch(declared: Any, found: Any, *, entries: bool = False) -> TotalsError:
    if entries:
        message = _l("The statement declares entries for %(declared)s but they add up to "
                     "%(found)s: nothing was imported.", declared=declared, found=found)
    else:
        message = _l("The header declares a total of %(declared)s but the payments add up to "
                     "%(found)s: nothing was imported.", declared=declared, found=found)
    return TotalsError(message, element="total", declared=declared, found=found)

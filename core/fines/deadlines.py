"""Legal deadlines of a verbale (art. 201, 203, 204-bis, 126-bis, 202-bis, 209 CdS).

Each deadline is a :class:`Deadline`: the due date plus the rule that produced it — a stable
``rule`` key (the portal translates by key), the legal ``reference``, the ``base`` date and the
period (``days`` or ``years``). No translated text lives here.

Rules (:data:`DEADLINE_RULES`, one table, the single source):

========================  ===================================  ==========================
key                       period                               base
========================  ===================================  ==========================
cds_201_90_days           90 days (resident in Italy)          assessment, or the later
cds_201_360_days_abroad   360 days (resident abroad)           identification date
cds_203_60_days           60 days (appeal to the Prefetto)     notification
cds_204bis_30_days        30 days (Giudice di Pace)            notification
cds_204bis_60_days_abroad 60 days (Giudice di Pace, abroad)    notification
cds_126bis_60_days        60 days (driver data; only when      notification
                          licence points apply)
cds_202bis_30_days        30 days (instalment request)         notification
cds_209_5_years           5 years (prescription)               violation date (default:
                                                               the assessment date)
========================  ===================================  ==========================

Every due date is the nominal date (``base`` + period; years with the end-of-month clamp of
art. 2963 c.c.) rolled forward with :func:`core.fines.calendar.roll_forward` on the Ente's
calendar settings (Sunday/national holiday moves; Saturday only when configured).
The notification deadline is met on the date the act is handed to the postal operator
(fines-law §2): compare it with that date, see :func:`notification_is_late`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from core.fines.calendar import NATIONAL_CALENDAR, CalendarSettings, add_months, roll_forward

__all__ = [
    "DEADLINE_RULES",
    "Deadline",
    "DeadlineRule",
    "VerbaleDeadlines",
    "apply_rule",
    "notification_is_late",
    "verbale_deadlines",
]


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """A legal period: stable key, legal reference, and ``days`` or ``years``."""

    rule: str
    reference: str
    days: int = 0
    years: int = 0


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed deadline: ``due`` (rolled forward) and the rule behind it.

    ``nominal`` is ``base`` + period before the roll-forward.
    """

    rule: str
    reference: str
    base: date
    days: int
    years: int
    nominal: date
    due: date


DEADLINE_RULES: dict[str, DeadlineRule] = {
    r.rule: r
    for r in (
        DeadlineRule("cds_201_90_days", "art. 201 c.1 CdS", days=90),
        DeadlineRule("cds_201_360_days_abroad", "art. 201 c.1 CdS", days=360),
        DeadlineRule("cds_203_60_days", "art. 203 c.1 CdS", days=60),
        DeadlineRule("cds_204bis_30_days", "art. 204-bis c.1 CdS; art. 7 D.Lgs. 150/2011",
                     days=30),
        DeadlineRule("cds_204bis_60_days_abroad", "art. 204-bis c.1 CdS; art. 7 D.Lgs. 150/2011",
                     days=60),
        DeadlineRule("cds_126bis_60_days", "art. 126-bis c.2 CdS", days=60),
        DeadlineRule("cds_202bis_30_days", "art. 202-bis c.1 CdS", days=30),
        DeadlineRule("cds_209_5_years", "art. 209 CdS; art. 28 L. 689/1981", years=5),
    )
}


def apply_rule(
    rule: DeadlineRule | str, base: date, settings: CalendarSettings = NATIONAL_CALENDAR
) -> Deadline:
    """The :class:`Deadline` that ``rule`` (object or key) gives from ``base``."""
    if isinstance(rule, str):
        rule = DEADLINE_RULES[rule]
    nominal = add_months(base, 12 * rule.years) + timedelta(days=rule.days)
    return Deadline(rule.rule, rule.reference, base, rule.days, rule.years, nominal,
                    roll_forward(nominal, settings))


@dataclass(frozen=True, slots=True)
class VerbaleDeadlines:
    """The deadlines of one verbale. Those that need the notification date are ``None``
    until it is known; ``driver_data_by`` is ``None`` when no licence points apply."""

    notify_by: Deadline
    prefetto_appeal_by: Deadline | None
    gdp_appeal_by: Deadline | None
    driver_data_by: Deadline | None
    instalment_request_by: Deadline | None
    prescription: Deadline

    NAMES = (
        "notify_by",
        "prefetto_appeal_by",
        "gdp_appeal_by",
        "driver_data_by",
        "instalment_request_by",
        "prescription",
    )

    def items(self) -> Iterator[tuple[str, Deadline | None]]:
        """``(name, deadline)`` pairs in a stable order."""
        for name in self.NAMES:
            yield name, getattr(self, name)


def verbale_deadlines(
    assessed: date,
    notified: date | None = None,
    *,
    violation_date: date | None = None,
    identified: date | None = None,
    abroad: bool = False,
    points: bool = False,
    settings: CalendarSettings = NATIONAL_CALENDAR,
) -> VerbaleDeadlines:
    """All deadlines of a verbale.

    ``assessed``: date of the assessment (accertamento); ``notified``: the date notification
    was perfected (or of roadside contestation); ``identified``: when the liable person could
    be identified from the registers, if later than the assessment; ``abroad``: the offender
    lives abroad; ``points``: the violation costs licence points; ``violation_date`` defaults
    to ``assessed``.
    """
    if identified is not None and identified < assessed:
        raise ValueError("the identification date cannot precede the assessment")
    if notified is not None and notified < assessed:
        raise ValueError("the notification date cannot precede the assessment")
    violation = assessed if violation_date is None else violation_date
    if violation > assessed:
        raise ValueError("the violation date cannot follow the assessment")
    notify_base = identified if identified is not None else assessed
    notify_rule = "cds_201_360_days_abroad" if abroad else "cds_201_90_days"
    gdp_rule = "cds_204bis_60_days_abroad" if abroad else "cds_204bis_30_days"

    def from_notification(rule: str) -> Deadline | None:
        return None if notified is None else apply_rule(rule, notified, settings)

    return VerbaleDeadlines(
        notify_by=apply_rule(notify_rule, notify_base, settings),
        prefetto_appeal_by=from_notification("cds_203_60_days"),
        gdp_appeal_by=from_notification(gdp_rule),
        driver_data_by=from_notification("cds_126bis_60_days") if points else None,
        instalment_request_by=from_notification("cds_202bis_30_days"),
        prescription=apply_rule("cds_209_5_years", violation, settings),
    )


def notification_is_late(deadlines: VerbaleDeadlines, sent_on: date) -> bool:
    """True when the act was handed to the postal operator after ``notify_by``.

    This only flags ``late_notification_suspected`` for review; it never cancels anything.
    """
    return sent_on > deadlines.notify_by.due

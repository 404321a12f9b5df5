"""Fines engine: pure functions over plain values (no Flask, no database).

* :mod:`core.fines.calendar` — Ente calendar, legal roll-forward, working-time clocks.
* :mod:`core.fines.amounts` — amount due on any date, timeline, surcharge, special cases.
* :mod:`core.fines.deadlines` — legal deadlines of a verbale, each with its rule key.
* :mod:`core.fines.instalments` — art. 202-bis eligibility and plans.
* :mod:`core.fines.settings` — per-Ente settings from JSON overrides; loading an Ente
  (the database is imported lazily, only by :func:`load_ente_settings`).
* :mod:`core.fines.cli` — ``flask fines`` / ``flask calendar`` commands (imports Flask; not
  imported here).

The public API is re-exported below; each module's docstring documents its rules.
"""

from core.fines.amounts import (
    DISCOUNTED,
    HALF_MAXIMUM,
    MINIMUM,
    NATIONAL_RULES,
    TIERS,
    AppealRange,
    Cost,
    FineRules,
    Quote,
    Violation,
    Window,
    appeal_amount_range,
    next_change_date,
    quote,
    repeated_speeding,
    window_bounds,
)
from core.fines.calendar import (
    NATIONAL_CALENDAR,
    CalendarSettings,
    add_calendar_days,
    add_months,
    add_working_days,
    add_working_hours,
    add_working_time,
    is_deadline_day,
    is_open,
    is_working_day,
    national_holidays,
    next_opening,
    next_working_day,
    office_intervals,
    roll_forward,
    working_time_between,
)
from core.fines.deadlines import (
    DEADLINE_RULES,
    Deadline,
    DeadlineRule,
    VerbaleDeadlines,
    apply_rule,
    notification_is_late,
    verbale_deadlines,
)
from core.fines.instalments import (
    INSTALMENT_RULES,
    INSTALMENT_RULES_VERSIONS,
    Eligibility,
    Instalment,
    InstalmentPlan,
    InstalmentRules,
    eligibility,
    instalment_plan,
    instalment_rules_on,
    max_instalments,
)
from core.fines.settings import (
    EnteSettings,
    SettingsError,
    UnknownEnteError,
    calendar_settings_from,
    fine_rules_from,
    instalment_rules_from,
    load_ente_settings,
)

__all__ = [
    "DEADLINE_RULES",
    "DISCOUNTED",
    "HALF_MAXIMUM",
    "INSTALMENT_RULES",
    "INSTALMENT_RULES_VERSIONS",
    "MINIMUM",
    "NATIONAL_CALENDAR",
    "NATIONAL_RULES",
    "TIERS",
    "AppealRange",
    "CalendarSettings",
    "Cost",
    "Deadline",
    "DeadlineRule",
    "Eligibility",
    "EnteSettings",
    "FineRules",
    "Instalment",
    "InstalmentPlan",
    "InstalmentRules",
    "Quote",
    "SettingsError",
    "UnknownEnteError",
    "VerbaleDeadlines",
    "Violation",
    "Window",
    "add_calendar_days",
    "add_months",
    "add_working_days",
    "add_working_hours",
    "add_working_time",
    "appeal_amount_range",
    "apply_rule",
    "calendar_settings_from",
    "eligibility",
    "fine_rules_from",
    "instalment_plan",
    "instalment_rules_from",
    "instalment_rules_on",
    "is_deadline_day",
    "is_open",
    "is_working_day",
    "load_ente_settings",
    "max_instalments",
    "national_holidays",
    "next_change_date",
    "next_opening",
    "next_working_day",
    "notification_is_late",
    "office_intervals",
    "quote",
    "repeated_speeding",
    "roll_forward",
    "verbale_deadlines",
    "window_bounds",
    "working_time_between",
]

"""Words, exports and the monthly charter report of the contact-center metrics.

:mod:`core.contact.metrics` computes numbers; this module names them in the active language
(channel, case type and policy labels, charter terms), writes the dashboard tables as CSV and
builds the monthly charter report of one Ente: each charter target of its effective policies
(:func:`core.contact.sla_service.policies_for`), customer satisfaction (≥ 90 % positive) and
the e-mail/PEC mean response KPI (≤ 3 days), beside the measured value and whether it was met —
as CSV and as a PDF (:class:`core.pdf.Document`) in the reader's language.

CSV files carry stable English column names and numbers with a dot (spreadsheets and scripts
read them the same in every language); labels in the ``label``/``term`` columns follow the
active language. A byte-order mark lets spreadsheets detect UTF-8.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from flask import current_app
from flask_babel import format_date, format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contact import metrics, sla
from core.contact.metrics import Outcome, Scope
from core.contact.sla_service import policies_for
from core.db import utcnow
from core.i18n import long_date
from core.models import Ente
from core.pdf import Document

CHANNEL_LABELS = {
    "portal": _l("Portal"), "email": _l("E-mail"), "pec": _l("PEC (certified e-mail)"),
    "phone": _l("Phone"), "voicemail": _l("Voicemail"), "letter": _l("Letter"),
    "counter": _l("Counter"),
}
TYPE_LABELS = {
    "information": _l("Information request"), "complaint": _l("Complaint"),
    "appeal": _l("Appeal"), "access": _l("Access to documents"),
    "civic_access": _l("Civic access"), "driver_data": _l("Driver data"),
    "instalments": _l("Instalment request"), "refund": _l("Refund"),
    "lost_codes": _l("Lost access codes"), "incident_blocking": _l("Blocking incident"),
    "incident_minor": _l("Non-blocking incident"), "generic": _l("Generic instance"),
    "complex": _l("Complex instance"), "other": _l("Other"),
}
POLICY_LABELS = {
    "information": _l("Information and clarification requests"),
    "complaint": _l("Complaints"),
    "generic": _l("Generic instances and self-protection requests"),
    "complex": _l("Complex instances (reasoned extension notice)"),
    "access": _l("Access to documents"),
    "civic_access": _l("Civic access"),
    "appeal": _l("Appeals (forwarding to the Municipality, internal review)"),
    "instalments": _l("Instalment requests"),
    "incident_blocking": _l("Blocking software incidents"),
    "incident_minor": _l("Non-blocking software incidents"),
    "payment_registration": _l("Payment registration"),
    "pec": _l("PEC (certified e-mail)"),
    "email": _l("Ordinary e-mail"),
    "callback": _l("Phone and voicemail callbacks"),
    "portal": _l("Portal messages"),
    "letter": _l("Letters and counter requests"),
}
TARGET_LABELS = {"first_response": _l("First response"), "resolution": _l("Resolution")}
BUCKET_LABELS = {"0-1": _l("0–1 days"), "2-5": _l("2–5 days"), "6-10": _l("6–10 days"),
                 "11-30": _l("11–30 days"), "over-30": _l("over 30 days")}

#: The dashboard tables that can be exported (``/dashboard/export/<name>.csv``).
DASHBOARD_TABLES = ("on-time-by-channel", "on-time-by-type", "breaches", "response-times",
                    "backlog", "workload", "satisfaction")

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# -- labels and formats ----------------------------------------------------------------------


def channel_label(key: str) -> str:
    return str(CHANNEL_LABELS.get(key, key)) if key else _("All channels")


def type_label(key: str) -> str:
    return str(TYPE_LABELS.get(key, key)) if key else _("All types")


def policy_label(policy: sla.Policy) -> str:
    return str(POLICY_LABELS.get(policy.key, policy.key))


def target_label(name: str) -> str:
    return str(TARGET_LABELS[name])


def bucket_label(key: str) -> str:
    return str(BUCKET_LABELS[key])


def percent(value: Fraction | float | None) -> str:
    """``96,2 %`` / ``96.2%`` in the active locale; a dash when there is nothing to measure."""
    return "—" if value is None else format_percent(float(value), "#,##0.0%")


def hours(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0.0")


def duration(policy: sla.Policy, target: str) -> str:
    """The length of a charter term: "3 working days", "8 working hours", "48 hours"."""
    amount = policy.target(target)
    if policy.clock == sla.WORKING_DAYS:
        return ngettext("%(num)s working day", "%(num)s working days", int(amount))
    if policy.clock == sla.CALENDAR_DAYS:
        return ngettext("%(num)s calendar day", "%(num)s calendar days", int(amount))
    plural = 1 if amount == 1 else 2
    if policy.clock == sla.WORKING_HOURS:
        return ngettext("%(hours)s working hour", "%(hours)s working hours", plural,
                        hours=format_decimal(amount))
    return ngettext("%(hours)s hour", "%(hours)s hours", plural, hours=format_decimal(amount))


def term(policy: sla.Policy, target: str) -> str:
    if target == sla.FIRST_RESPONSE:
        return _("first response within %(duration)s", duration=duration(policy, target))
    return _("resolution within %(duration)s", duration=duration(policy, target))


def _policy_terms(policy: sla.Policy) -> str:
    return ", ".join(term(policy, t) for t in sla.TARGETS if policy.target(t) is not None)


def terms_for(policy_sets: Iterable[Sequence[sla.Policy]], *, channel: str | None = None,
              case_type: str | None = None) -> str:
    """The charter terms of a channel (its channel policies) or of a case type (its type
    policies), for the policies of each Ente measured; different terms are joined with " / "."""
    texts: list[str] = []
    for policies in policy_sets:
        if channel is not None:
            chosen = [p for p in policies
                      if channel in p.selector.channels and not p.selector.case_types]
        else:
            chosen = [p for p in policies if case_type in p.selector.case_types]
        text = "; ".join(_policy_terms(p) for p in chosen) or "—"
        if text not in texts:
            texts.append(text)
    return " / ".join(texts)


def compliance_label(compliant: bool | None) -> str:
    if compliant is None:
        return _("nothing to measure")
    return _("met") if compliant else _("not met")


# -- CSV --------------------------------------------------------------------------------------


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return "\ufeff" + buffer.getvalue()


def _pct(value: Fraction | None) -> str:
    return "" if value is None else f"{float(value) * 100:.1f}"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


_OUTCOME_HEADER = ("cases_with_target", "on_time", "late", "overdue", "pending",
                   "on_time_percent", "target_percent")


def _outcome_cells(outcome: Outcome) -> list[object]:
    return [outcome.cases, outcome.on_time, outcome.late, outcome.overdue, outcome.pending,
            _pct(outcome.share), _pct(metrics.TERM_TARGET)]


def dashboard_table(name: str, scope: Scope,
                    policy_sets: Sequence[Sequence[sla.Policy]]) -> tuple[list[str], list[list]]:
    """Header and rows of one dashboard table, running only the queries it needs."""
    if name in ("on-time-by-channel", "on-time-by-type", "breaches"):
        groups = metrics.outcomes(scope)
        if name == "breaches":
            header = ["target", "label", *_OUTCOME_HEADER, "breaches"]
            return header, [[t, target_label(t), *_outcome_cells(o), o.breaches]
                            for t, o in metrics.breaches(groups).items()]
        by_channel = name == "on-time-by-channel"
        shares = metrics.by_channel(groups) if by_channel else metrics.by_type(groups)
        header = ["channel" if by_channel else "type", "label", "charter_term", "received",
                  *_OUTCOME_HEADER]
        rows = [[r.key, channel_label(r.key) if by_channel else type_label(r.key),
                 terms_for(policy_sets, channel=r.key) if by_channel
                 else terms_for(policy_sets, case_type=r.key),
                 r.received, *_outcome_cells(r.outcome)] for r in shares]
        overall = metrics.total(groups)
        rows.append(["", _("Total"), "", overall.received, *_outcome_cells(overall.outcome)])
        return header, rows
    if name == "response-times":
        header = ["channel", "label", "first_responses", "first_response_mean_hours",
                  "first_response_p90_hours", "resolutions", "resolution_mean_hours",
                  "resolution_p90_hours"]
        return header, [[r.key, channel_label(r.key), r.first_response.count,
                         _num(r.first_response.mean_hours), _num(r.first_response.p90_hours),
                         r.resolution.count, _num(r.resolution.mean_hours),
                         _num(r.resolution.p90_hours)] for r in metrics.response_times(scope)]
    if name == "backlog":
        header = ["age_days", "label", "open_cases", "past_due"]
        return header, [[r.key, bucket_label(r.key), r.count, r.overdue]
                        for r in metrics.backlog(scope)]
    if name == "workload":
        header = ["staff_id", "name", "open_assigned", "resolved_in_period"]
        return header, [[r.staff_id, r.name, r.open_assigned, r.resolved_in_period]
                        for r in metrics.workload(scope)]
    if name == "satisfaction":
        header = ["channel", "label", "responses", "positive", "positive_percent",
                  "target_percent"]
        return header, [[r.key, channel_label(r.key), r.responses, r.positive, _pct(r.share),
                         _pct(metrics.SATISFACTION_TARGET)] for r in metrics.satisfaction(scope)]
    raise KeyError(name)


# -- the monthly charter report ---------------------------------------------------------------


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-03"`` → ``(2026, 3)``; :class:`ValueError` for anything else."""
    match = _MONTH.match(text or "")
    if not match or int(match.group(1)) < 2000:
        raise ValueError(f"bad month {text!r}: expected YYYY-MM")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class TermLine:
    policy: sla.Policy
    target: str
    outcome: Outcome


@dataclass(frozen=True)
class CharterReport:
    ente: Ente
    year: int
    month: int
    scope: Scope
    received: int
    resolved: int
    open_now: int
    breaches: dict[str, Outcome]
    terms: tuple[TermLine, ...]
    satisfaction: metrics.SatisfactionRow
    email_pec_answered: int
    email_pec_mean_hours: float | None

    @property
    def first_day(self) -> date:
        return self.scope.date_from


def charter_report(ente: Ente, year: int, month: int, now: datetime | None = None) -> CharterReport:
    """The numbers of the monthly charter report of ``ente`` (cases received in the month)."""
    first, last = metrics.month_bounds(year, month)
    scope = metrics.make_scope([ente.id], first, last, now)
    groups = metrics.outcomes(scope)
    times = metrics.response_times(scope)
    policies = policies_for(ente)
    lines = tuple(TermLine(p, t, o) for p, t, o in metrics.by_policy(groups, policies))
    return CharterReport(
        ente=ente, year=year, month=month, scope=scope,
        received=sum(g.received for g in groups), resolved=metrics.resolved_count(scope),
        open_now=sum(r.count for r in metrics.backlog(scope)),
        breaches=metrics.breaches(groups), terms=lines,
        satisfaction=metrics.satisfaction(scope)[0],
        email_pec_answered=sum(t.first_response.count for t in times if t.key in ("email", "pec")),
        email_pec_mean_hours=metrics.email_pec_mean_hours(times),
    )


@dataclass(frozen=True)
class ReportLine:
    """One charter target beside its measured value, worded in the active language."""

    key: str
    standard: str
    target: str
    cases: int
    measured: str
    measured_number: str  # for the CSV: percent or hours, dot decimal
    target_number: str
    compliant: bool | None


def report_lines(report: CharterReport) -> list[ReportLine]:
    lines = []
    for line in report.terms:
        o = line.outcome
        measured = (_("%(percent)s on time (%(on_time)s of %(decided)s)", percent=percent(o.share),
                      on_time=o.on_time, decided=o.decided) if o.decided else "—")
        lines.append(ReportLine(
            key=f"{line.policy.key}.{line.target}",
            standard=f"{policy_label(line.policy)} — {target_label(line.target)}",
            target=_("%(term)s, every case", term=term(line.policy, line.target)),
            cases=o.decided, measured=measured, measured_number=_pct(o.share),
            target_number=_pct(metrics.TERM_TARGET), compliant=o.compliant))
    s = report.satisfaction
    lines.append(ReportLine(
        key="satisfaction", standard=_("Customer satisfaction"),
        target=_("at least %(percent)s positive answers (4 or 5 out of 5)",
                 percent=percent(metrics.SATISFACTION_TARGET)),
        cases=s.responses,
        measured=(_("%(percent)s positive (%(positive)s of %(responses)s)", percent=percent(s.share),
                    positive=s.positive, responses=s.responses) if s.responses else "—"),
        measured_number=_pct(s.share), target_number=_pct(metrics.SATISFACTION_TARGET),
        compliant=s.compliant))
    mean = report.email_pec_mean_hours
    target_hours = metrics.EMAIL_PEC_MEAN_TARGET_HOURS
    lines.append(ReportLine(
        key="email_pec_mean_response", standard=_("Mean response time to e-mail and PEC"),
        target=_("at most %(days)s days (%(hours)s calendar hours)", days=target_hours // 24,
                 hours=target_hours),
        cases=report.email_pec_answered,
        measured=(_("%(hours)s calendar hours", hours=hours(mean)) if mean is not None else "—"),
        measured_number=_num(mean), target_number=str(target_hours),
        compliant=None if mean is None else mean <= target_hours))
    return lines


def _month_name(report: CharterReport) -> str:
    return format_date(report.first_day, "MMMM yyyy")


def report_csv(report: CharterReport) -> str:
    header = ["ente", "month", "key", "standard", "target", "cases", "measured", "target_value",
              "compliance"]
    month = f"{report.year:04d}-{report.month:02d}"
    rows = [[report.ente.code, month, line.key, line.standard, line.target, line.cases,
             line.measured_number, line.target_number,
             "" if line.compliant is None else ("met" if line.compliant else "not_met")]
            for line in report_lines(report)]
    for key, value in (("cases_received", report.received), ("cases_resolved", report.resolved),
                       ("cases_open_now", report.open_now),
                       ("breaches_first_response", report.breaches["first_response"].breaches),
                       ("breaches_resolution", report.breaches["resolution"].breaches)):
        rows.append([report.ente.code, month, key, "", "", value, "", "", ""])
    return to_csv(header, rows)


def report_pdf(report: CharterReport) -> bytes:
    """The report as a PDF in the active language (call inside ``force_locale`` if needed)."""
    title = _("Service charter report")
    month = _month_name(report)
    doc = Document(title, footer_text=f"{title} · {report.ente.name} · {month}")
    doc.heading(title)
    doc.para(_("%(ente)s — %(month)s", ente=report.ente.name, month=month), size=12, style="B")
    doc.rows([
        (_("Cases received in the month"), str(report.received)),
        (_("Cases resolved or closed in the month"), str(report.resolved)),
        (_("Cases open when the report was made"), str(report.open_now)),
        (_("Breached first-response terms"), str(report.breaches["first_response"].breaches)),
        (_("Breached resolution terms"), str(report.breaches["resolution"].breaches)),
        (_("Survey responses"), str(report.satisfaction.responses)),
    ])
    doc.set_font("Titillium", size=9)
    with doc.table(col_widths=(52, 46, 14, 40, 22), line_height=5,
                   text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "LEFT")) as table:
        heading = table.row()
        for text in (_("Standard"), _("Charter target"), _("Cases"), _("Measured"),
                     _("Result")):
            heading.cell(text)
        for line in report_lines(report):
            row = table.row()
            for text in (line.standard, line.target, str(line.cases), line.measured,
                         compliance_label(line.compliant)):
                row.cell(text)
    doc.ln(3)
    doc.para(_("Cases received in the month are measured against the due time of each of their "
               "terms, with the time waiting for the citizen excluded as the charter allows. "
               "Cases not yet answered whose term has not expired are not counted. Response "
               "times are in calendar hours from receipt."), size=8)
    doc.para(_("Made by %(name)s on %(when)s.", name=current_app.config["CONCESSIONAIRE_NAME"],
               when=long_date(utcnow())), size=8)
    return doc.output_bytes()

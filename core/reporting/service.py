"""What the contact center and the CLI ask of the monthly report: a report the principal may
read, and its files, each download audited."""

from __future__ import annotations

from core import audit
from core.contact import metrics
from core.models import Ente

from . import formats, monthly

FILES = {
    "summary.csv": ("text/csv; charset=utf-8", formats.summary_csv),
    "payments.csv": ("text/csv; charset=utf-8", formats.worksheet_csv),
    "report.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    formats.to_xlsx),
    "report.pdf": ("application/pdf", formats.to_pdf),
}


class NotFound(LookupError):
    """Unknown file, bad month or an Ente the principal may not see (the views answer 404)."""


def visible_report(principal, ente_code: str, month: str) -> monthly.MonthlyReport:
    try:
        ente = metrics.visible_ente(principal, ente_code)
        year, number = monthly.parse_month(month)
    except (metrics.NotVisible, ValueError) as exc:
        raise NotFound(ente_code) from exc
    return monthly.monthly_report(ente, year, number)


def build_file(report: monthly.MonthlyReport, name: str) -> tuple[bytes | str, str, str]:
    """``(body, mimetype, filename)`` of one of :data:`FILES`."""
    if name not in FILES:
        raise NotFound(name)
    mimetype, build = FILES[name]
    return build(report), mimetype, f"{report.ente.code}-{report.month_label}-{name}"


def download(principal, ente_code: str, month: str, name: str) -> tuple[bytes | str, str, str]:
    if name not in FILES:
        raise NotFound(name)
    report = visible_report(principal, ente_code, month)
    audit.record("report.download", actor_type="staff", actor_id=principal.id,
                 object_type="ente_report", object_id=f"{report.ente.code}/{month}/{name}",
                 ente_id=report.ente.id)
    return build_file(report, name)


def for_ente(ente: Ente, month: str) -> monthly.MonthlyReport:
    year, number = monthly.parse_month(month)
    return monthly.monthly_report(ente, year, number)

"""The monthly Ente report as CSV, XLSX and PDF, worded in the reader's language.

CSV and XLSX carry stable English column keys, numbers with a dot decimal and ISO dates, so spreadsheets and the Ente's accounting software
read them the same in every language; labels (channel, source, allocation) follow the active
language. XLSX is written in openpyxl's write-only mode and the worksheet lines are streamed,
so a month of a large city stays in constant memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.i18n import long_date, money
from core.pdf import Document

from .monthly import MonthlyReport, WorksheetLine, worksheet

CHANNELS = {
    "card": _l("Card (Stripe)"), "pagopa": _l("pagoPA"), "bank_transfer": _l("Bank transfer"),
    "postal": _l("Postal order"), "counter": _l("Counter"),
}
SOURCES = {
    "traffic_code": _l("Traffic code"), "other_administrative": _l("Other administrative violations"),
    "enforcement": _l("Enforcement"),
}
ALLOCATIONS = {
    "saldo": _l("Paid in full (saldo)"), "acconto": _l("Partial payment (acconto)"),
    "eccedenza": _l("Over-payment (eccedenza)"),
}
NOTIFICATION_CHANNELS = {
    "send": _l("SEND"), "pec": _l("PEC"), "post": _l("Registered post"),
    "international_mail": _l("International registered mail"),
    "friendly_letter": _l("Friendly letter"), "roadside": _l("On the spot"),
}
WORKSHEET_COLUMNS = (
    "verbale_number", "paid_at", "channel", "source", "allocation", "amount", "sanction",
    "notification_costs", "procedure_costs", "surcharge", "excess", "international",
    "receipt_number",
)


def label(table: dict, key: str) -> str:
    return str(table.get(key, key))


def _num(value: Decimal) -> str:
    return f"{value:.2f}"


def summary_rows(report: MonthlyReport) -> list[tuple[str, str, str, int | str, str]]:
    """``(section, key, label, count, amount)`` rows of the summary."""
    rows: list[tuple[str, str, str, int | str, str]] = [
        ("total", "collected", _("Collected in the month"), report.payments, _num(report.collected)),
        ("total", "excess", _("Excess held for refund"), "", _num(report.excess)),
        ("total", "to_remit", _("To remit to the Ente by %(date)s", date=report.remit_by.isoformat()),
         "", _num(report.to_remit)),
        ("verbali", "handled", _("Verbali registered in the month"), report.verbali_handled, ""),
        ("verbali", "paid", _("Verbali with a payment in the month"), report.verbali_paid, ""),
    ]
    rows += [("channel", line.key, label(CHANNELS, line.key), line.count, _num(line.amount))
             for line in report.by_channel]
    rows += [("source", line.key, label(SOURCES, line.key), line.count, _num(line.amount))
             for line in report.by_source]
    rows += [("allocation", line.key, label(ALLOCATIONS, line.key), line.count, _num(line.amount))
             for line in report.by_allocation]
    rows.append(("international", "international", _("International recovery (vehicles or "
                 "offenders abroad)"), report.international.count, _num(report.international.amount)))
    for n in report.notifications:
        name = label(NOTIFICATION_CHANNELS, n.channel)
        rows.append(("notifications", f"{n.channel}.sent", _("%(channel)s: sent", channel=name), n.sent, ""))
        rows.append(("notifications", f"{n.channel}.failed", _("%(channel)s: failed", channel=name),
                     n.failed, ""))
        rows.append(("notifications", f"{n.channel}.perfected",
                     _("%(channel)s: perfected", channel=name), n.perfected, ""))
    return rows


def _worksheet_cells(line: WorksheetLine) -> list[object]:
    return [line.verbale_number, line.paid_at.isoformat(), line.channel, line.source,
            line.allocation, _num(line.amount), _num(line.sanction), _num(line.notification_costs),
            _num(line.procedure_costs), _num(line.surcharge), _num(line.excess),
            "yes" if line.international else "no", line.receipt_number]


def _csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def summary_csv(report: MonthlyReport) -> str:
    return _csv(("section", "key", "label", "count", "amount"), summary_rows(report))


def worksheet_csv(report: MonthlyReport) -> str:
    return _csv(WORKSHEET_COLUMNS, (_worksheet_cells(line) for line in worksheet(report)))


def to_xlsx(report: MonthlyReport) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    summary = book.create_sheet(_("Summary"))
    summary.append([_("Monthly report"), report.ente.name, report.month_label])
    summary.append([])
    summary.append(["section", "key", "label", "count", "amount"])
    for section, key, text, count, amount in summary_rows(report):
        summary.append([section, key, text, count if count != "" else None,
                        Decimal(amount) if amount else None])
    sheet = book.create_sheet(_("Payments"))
    sheet.append(list(WORKSHEET_COLUMNS))
    for line in worksheet(report):
        sheet.append([line.verbale_number, line.paid_at.replace(tzinfo=None), line.channel,
                      line.source, line.allocation, line.amount, line.sanction,
                      line.notification_costs, line.procedure_costs, line.surcharge, line.excess,
                      line.international, line.receipt_number])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(report: MonthlyReport) -> bytes:
    title = _("Monthly report %(month)s — %(ente)s", month=report.month_label, ente=report.ente.name)
    doc = Document(title, footer_text=title)
    doc.heading(title)
    doc.para(_("Generated on %(date)s. Payments confirmed with a payment date in the month "
               "(Europe/Rome); the worksheet of every payment is in the CSV and XLSX files.",
               date=long_date(report.generated_at)))
    doc.heading(_("Totals"), size=12)
    doc.rows([
        (_("Collected in the month"), money(report.collected)),
        (_("Payments"), str(report.payments)),
        (_("Excess held for refund"), money(report.excess)),
        (_("To remit to the Ente"), money(report.to_remit)),
        (_("Remittance deadline"), long_date(report.remit_by)),
        (_("Verbali registered in the month"), str(report.verbali_handled)),
        (_("Verbali with a payment in the month"), str(report.verbali_paid)),
    ])
    for heading, lines, table in (
        (_("By payment channel"), report.by_channel, CHANNELS),
        (_("By source"), report.by_source, SOURCES),
        (_("Paid in full, in part, over"), report.by_allocation, ALLOCATIONS),
    ):
        doc.heading(heading, size=12)
        doc.rows([(label(table, line.key),
                   _("%(count)s payments, %(amount)s", count=line.count, amount=money(line.amount)))
                  for line in lines] or [(_("None"), "—")])
    doc.heading(_("International recovery"), size=12)
    doc.rows([(_("Vehicles or offenders abroad"),
               _("%(count)s payments, %(amount)s", count=report.international.count,
                 amount=money(report.international.amount)))])
    doc.heading(_("Notifications"), size=12)
    doc.rows([(label(NOTIFICATION_CHANNELS, n.channel),
               _("%(sent)s sent, %(failed)s failed, %(perfected)s perfected", sent=n.sent,
                 failed=n.failed, perfected=n.perfected)) for n in report.notifications]
             or [(_("None"), "—")])
    return doc.output_bytes()

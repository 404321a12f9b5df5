"""The monthly Ente report: totals, channels, sources, allocations, international,
notifications, the remittance date, the worksheet split and the three file formats."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from core.models import NotificationEvent, VerbaleCost
from core.reporting import formats, monthly
from tests import factories as f

OCT = (2026, 10)


def _at(day, hour=12):
    return datetime(2026, 10, day, hour, 0, tzinfo=UTC)


@pytest.fixture()
def data(portal_app, db_session):
    with portal_app.app_context():
        ente = f.ente()
        other = f.ente()
        traffic = f.violation_type(min_amount="42.00", max_amount="173.00")
        admin = f.violation_type(min_amount="100.00", max_amount="500.00", family="other_administrative")
        it = f.person(ente)
        de = f.person(ente, country="DE", language="de")
        v1 = f.verbale(ente, it, traffic, notified_on=date(2026, 9, 28))
        v1.costs.append(VerbaleCost(kind="notification", channel="post", amount=Decimal("10.00")))
        v2 = f.verbale(ente, de, admin, notified_on=date(2026, 9, 28), registration_country="DE")
        v3 = f.verbale(ente, it, traffic, status="enforcement", notified_on=date(2024, 1, 10))
        f._save(v1)
        f.payment(v1, "39.40", channel="pagopa", paid_at=_at(1), allocation="saldo")
        f.payment(v2, "50.00", channel="card", paid_at=_at(15), allocation="acconto")
        f.payment(v3, "400.00", channel="pagopa", paid_at=_at(31, 21), allocation="eccedenza",
                  excess=Decimal("20.00"))
        # outside the month (Rome time): 1 November 00:30 CET is 31 October 23:30 UTC
        f.payment(v2, "5.00", channel="card", paid_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
        f.payment(v2, "7.00", channel="card", paid_at=_at(3), status="pending")
        f.payment(f.verbale(other, f.person(other), traffic), "99.00", paid_at=_at(4))
        for outcome in ("sent", "sent", "failed", "perfected"):
            f._save(NotificationEvent(verbale_id=v1.id, person_id=it.id, channel="post",
                                      outcome=outcome, occurred_at=_at(5)))
        yield ente


def test_totals_channels_and_remittance(portal_app, data):
    with portal_app.app_context():
        report = monthly.monthly_report(data, *OCT)
    assert report.payments == 3
    assert report.collected == Decimal("489.40")
    assert report.excess == Decimal("20.00")
    assert report.to_remit == Decimal("469.40")
    assert report.remit_by == date(2026, 11, 10)
    assert report.verbali_paid == 3
    assert {(line.key, line.count, line.amount) for line in report.by_channel} == {
        ("card", 1, Decimal("50.00")), ("pagopa", 2, Decimal("439.40"))}


def test_sources_allocations_international_and_notifications(portal_app, data):
    with portal_app.app_context():
        report = monthly.monthly_report(data, *OCT)
    assert [(line.key, line.count, line.amount) for line in report.by_source] == [
        ("traffic_code", 1, Decimal("39.40")), ("other_administrative", 1, Decimal("50.00")),
        ("enforcement", 1, Decimal("400.00"))]
    assert [(line.key, line.count) for line in report.by_allocation] == [
        ("saldo", 1), ("acconto", 1), ("eccedenza", 1)]
    assert (report.international.count, report.international.amount) == (1, Decimal("50.00"))
    [post] = report.notifications
    assert (post.channel, post.sent, post.failed, post.perfected) == ("post", 3, 1, 1)


def test_month_bounds_follow_rome_time():
    start, end = monthly.month_bounds(2026, 10)
    assert start == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # CEST
    assert end == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # CET after the DST change
    assert monthly.remit_deadline(2026, 12) == date(2027, 1, 10)


@pytest.mark.parametrize("text", ["2026-13", "26-10", "2026/10", "", "abcd-ef"])
def test_bad_months_are_refused(text):
    with pytest.raises(ValueError):
        monthly.parse_month(text)


def test_split_is_cent_exact_and_proportional():
    parts = {"sanction": Decimal("29.40"), "notification_costs": Decimal("10.00"),
             "procedure_costs": Decimal("0.00"), "surcharge": Decimal("0.00")}
    assert monthly.split(Decimal("39.40"), parts) == parts
    half = monthly.split(Decimal("10.01"), {"a": Decimal("1"), "b": Decimal("1"), "c": Decimal("1")})
    assert sum(half.values()) == Decimal("10.01")
    assert monthly.split(Decimal("0"), parts) == {k: Decimal("0.00") for k in parts}


def test_worksheet_splits_each_payment_over_what_was_due(portal_app, data):
    with portal_app.app_context():
        report = monthly.monthly_report(data, *OCT)
        lines = list(monthly.worksheet(report, chunk=2))
    assert [line.amount for line in lines] == [Decimal("39.40"), Decimal("50.00"), Decimal("400.00")]
    first = lines[0]
    # paid on day 3 after notification: 30 % reduction of the minimum (29.40) + 10.00 post
    assert (first.sanction, first.notification_costs, first.surcharge) == (
        Decimal("29.40"), Decimal("10.00"), Decimal("0.00"))
    for line in lines:
        assert (line.sanction + line.notification_costs + line.procedure_costs + line.surcharge
                == line.amount - line.excess)
    assert lines[2].source == "enforcement" and lines[2].surcharge > 0
    assert lines[1].international and not lines[0].international


def test_files_in_three_formats(portal_app, data):
    with portal_app.test_request_context(), force_locale("en"):
        report = monthly.monthly_report(data, *OCT)
        summary = list(csv.reader(io.StringIO(formats.summary_csv(report).lstrip("\ufeff"))))
        sheet = list(csv.reader(io.StringIO(formats.worksheet_csv(report).lstrip("\ufeff"))))
        xlsx = formats.to_xlsx(report)
        pdf = formats.to_pdf(report)
    assert summary[0] == ["section", "key", "label", "count", "amount"]
    assert ["total", "to_remit", "To remit to the Ente by 2026-11-10", "", "469.40"] in summary
    assert sheet[0] == list(formats.WORKSHEET_COLUMNS) and len(sheet) == 4
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    assert book.sheetnames == ["Summary", "Payments"]
    assert len(list(book["Payments"].iter_rows())) == 4
    assert pdf.startswith(b"%PDF-")


def test_labels_follow_the_language(portal_app, data):
    with portal_app.test_request_context(), force_locale("it"):
        report = monthly.monthly_report(data, *OCT)
        text = formats.summary_csv(report)
    assert "Riscosso nel mese" in text

"""The payment notice PDF: QR payload with today's amount, every window of the timeline,
bilingual labels, and a PDF for each of the five languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from core.models import VerbaleStatus
from core.pagopa.avviso import Bilingual, avviso_for, qr_code, window_lines
from core.pagopa.service import NoticeError, notice_qr_payload
from core.positions import build_position
from tests import factories
from tests.core.pagopa.pagopa_support import fine, new_ente, today


def test_qr_payload_has_todays_amount_in_cents(portal_app, db_session):
    with portal_app.app_context():
        ente, _p, verbale, notice = fine(3)
        position = build_position(verbale, today())
        payload = notice_qr_payload(notice, position)
        assert payload == f"PAGOPA|002|{notice.notice_number}|{ente.fiscal_code}|2940"
        qr = qr_code(payload)
        assert qr.designator == "4-M"  # ISO/IEC 18004 version 4, error correction M
        # A much later day: the minimum, then half the maximum (86.50).
        assert notice_qr_payload(notice, build_position(verbale, today() + timedelta(days=30))) \
            .endswith("|4200")
        assert notice_qr_payload(notice, build_position(verbale, today() + timedelta(days=90))) \
            .endswith("|8650")


def test_every_window_is_listed_with_its_dates(portal_app, db_session):
    with portal_app.test_request_context():
        _e, _p, verbale, _n = fine(3)
        position = build_position(verbale, today())
        lines = window_lines(position, Bilingual("en"), today())
        windows = position.quote.windows
        assert len(lines) == len(windows) >= 3
        assert [line.current for line in lines].count(True) == 1 and lines[0].current
        assert lines[0].total == "€29.40" and lines[1].total == "€42.00"
        assert lines[2].total == "€86.50"
        assert lines[-1].last == "no end date" or windows[-1].last is not None
        assert "Reduced" in lines[0].option and "5" in lines[0].option


def test_bilingual_labels(portal_app):
    with portal_app.test_request_context():
        with force_locale("it"):
            italian = _("Amount")
        with force_locale("de"):
            german = _("Amount")
        assert Bilingual("it").label(lambda: _("Amount")) == italian
        expected = italian if german == italian else f"{italian} / {german}"
        assert Bilingual("de").label(lambda: _("Amount")) == expected
        assert Bilingual("xx").italian_only  # unknown languages fall back to Italian


@pytest.mark.parametrize("lang", ["it", "en", "fr", "de", "es"])
def test_pdf_in_every_language(portal_app, db_session, lang):
    with portal_app.test_request_context():
        ente = new_ente()
        person = factories.person(ente, fiscal_code=None, foreign_id="P1234567",
                                  foreign_id_country="DE", country="DE", first_name="Jürgen",
                                  last_name="Müßig-Łukasz", language=lang)
        _e, _p, verbale, notice = fine(3, ente, person=person)
        issued, pdf = avviso_for(verbale, lang, compress=False)
        assert issued.id == notice.id  # the existing notice, not a new one
        assert pdf.startswith(b"%PDF")
        assert notice.notice_number.encode() in pdf  # in the document's subject
        assert len(pdf) > 5000


def test_pdf_with_costs_partial_payment_and_surcharge(portal_app, db_session):
    with portal_app.test_request_context():
        _e, _p, verbale, _n = fine(400, notice=False, status=VerbaleStatus.ENFORCEMENT)
        factories.payment(verbale, "5.00")
        _notice, pdf = avviso_for(verbale, "en")
        assert pdf.startswith(b"%PDF")
        position = build_position(verbale, today())
        assert position.quote.paid == Decimal("5.00")
        assert any(w.surcharge > 0 for w in position.quote.windows)


def test_no_avviso_when_nothing_is_due(portal_app, db_session):
    with portal_app.test_request_context():
        _e, _p, verbale, _n = fine(3, notice=False, status=VerbaleStatus.PAID)
        with pytest.raises(NoticeError):
            avviso_for(verbale, "en")

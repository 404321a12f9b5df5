"""Issuing notices: aux digit 3, the Ente's segregation code, IUV bases from an atomic per-Ente
counter that never hands out a value twice."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from core import db
from core.models import Ente, IuvCounter, NoticeStatus, PaymentNotice, VerbaleStatus
from core.pagopa.notice import is_valid_check, make_notice_number, parse_notice_number
from core.pagopa.service import NoticeError, ensure_notice, next_iuv_base
from tests import factories
from tests.core.pagopa.pagopa_support import fine, today


def test_notice_layout_and_idempotence(portal_app, db_session):
    ente = factories.ente(segregation_code="07")
    _e, _p, verbale, notice = fine(3, ente)
    assert notice.notice_number[0] == "3" and notice.notice_number[1:3] == "07"
    assert is_valid_check(notice.notice_number)
    assert notice.iuv == notice.notice_number[1:] and len(notice.iuv) == 17
    assert parse_notice_number(notice.notice_number).value == notice.notice_number
    assert notice.status == NoticeStatus.ACTIVE
    assert ensure_notice(verbale).id == notice.id  # one active notice per verbale
    assert db_session.scalar(select(IuvCounter.last_base).where(IuvCounter.ente_id == ente.id)) == 1


def test_worked_example_from_the_counter(portal_app, db_session):
    ente = factories.ente(segregation_code="02")
    db_session.add(IuvCounter(ente_id=ente.id, last_base=2024000012344))
    db_session.commit()
    _e, _p, _v, notice = fine(3, ente)
    assert notice.notice_number == "302202400001234579"
    assert notice.iuv == "02202400001234579"


def test_sequence_per_ente_never_reused(portal_app, db_session):
    # Segregation codes no other test uses: the model makes notice_number unique across Enti.
    a, b = factories.ente(segregation_code="11"), factories.ente(segregation_code="12")
    n1 = fine(3, a)[3]
    n2 = fine(3, a)[3]
    m1 = fine(3, b)[3]
    assert [n1.notice_number[3:16], n2.notice_number[3:16]] == [f"{1:013d}", f"{2:013d}"]
    assert m1.notice_number[3:16] == f"{1:013d}"  # each Ente has its own sequence
    # A cancelled notice keeps its number: the replacement gets a new IUV.
    n2.status = NoticeStatus.CANCELLED
    db_session.commit()
    replacement = ensure_notice(n2.verbale)
    assert replacement.id != n2.id
    assert replacement.notice_number == make_notice_number("11", 3).value
    numbers = db_session.scalars(select(PaymentNotice.iuv).where(PaymentNotice.ente_id == a.id)).all()
    assert len(numbers) == len(set(numbers)) == 3


def test_not_payable_verbali_get_no_notice(portal_app, db_session):
    _e, _p, paid, _n = fine(3, notice=False, status=VerbaleStatus.PAID)
    with pytest.raises(NoticeError):
        ensure_notice(paid)
    ente = factories.ente()
    person = factories.person(ente)
    pending = factories.verbale(ente, person, notified_on=None, status=VerbaleStatus.ASSESSED)
    with pytest.raises(NoticeError):
        ensure_notice(pending)


def test_counter_is_one_atomic_update_returning(portal_app, db_session, engine):
    ente = factories.ente(segregation_code="13")
    fine(3, ente)  # the first base inserts the row
    seen: list[str] = []

    def capture(conn, cursor, statement, params, context, executemany):
        if "iuv_counter" in statement:
            seen.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert next_iuv_base(ente.id) == 2  # the first call inserted the row with 1
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) == 1
    assert seen[0].startswith("update iuv_counter set last_base=(iuv_counter.last_base +")
    assert " returning " in seen[0] and seen[0].endswith("last_base")


def test_concurrent_issuers_get_distinct_bases(engine):
    """Real concurrent transactions on separate connections (committed, then cleaned up)."""
    with Session(engine) as setup:
        ente = Ente(code="IUVCONC", name="Concurrency", fiscal_code="89999999999",
                    segregation_code="03", id_broker_pa="B", id_station="S",
                    iban="IT60X0542811101000000123456")
        setup.add(ente)
        setup.commit()
        ente_id = ente.id
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issue():
        try:
            for _ in range(5):
                with Session(engine) as session, session.begin():
                    base = next_iuv_base(ente_id, session)
                with lock:
                    results.append(base)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue) for _ in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert sorted(results) == list(range(1, 31))
    finally:
        with Session(engine) as cleanup, cleanup.begin():
            cleanup.execute(delete(IuvCounter).where(IuvCounter.ente_id == ente_id))
            cleanup.execute(delete(Ente).where(Ente.id == ente_id))


def test_notice_for_enforcement_and_partially_paid(portal_app, db_session):
    _e, _p, verbale, notice = fine(80, status=VerbaleStatus.ENFORCEMENT)
    assert notice is not None
    factories.payment(verbale, "10.00")
    db.session.expire_all()
    assert ensure_notice(verbale).id == notice.id  # still active while a balance is due
    assert verbale.notified_on == today() - timedelta(days=80)

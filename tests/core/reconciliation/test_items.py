"""Resolving reconciliation items: linking records the money through the ledger (over-payment
→ refund request), bank credits become bank payments, refunded / ignored need a note, only
supervisors and admins resolve, an item is resolved once, a refused link leaves nothing."""

from __future__ import annotations

import types
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import db
from core.models import (
    AuditEvent,
    BankEntry,
    BankEntryStatus,
    ItemReason,
    ItemStatus,
    Payment,
    PaymentChannel,
    ReconciliationItem,
    RefundRequest,
    StaffRole,
    Verbale,
    VerbaleStatus,
)
from core.reconciliation import items
from core.reconciliation.items import ResolutionError
from tests.core.reconciliation.recon_support import P, csv_statement, fine, flusso, run


@pytest.fixture()
def app(portal_app, db_session):
    with portal_app.app_context():
        yield portal_app


def _principal(role=StaffRole.SUPERVISOR, enti=(), staff_id=None):
    return types.SimpleNamespace(id=staff_id, role=role, ente_ids=frozenset(e.id for e in enti),
                                 all_enti=role == StaffRole.ADMIN and not enti)


def _only_item(summary) -> ReconciliationItem:
    return db.session.scalars(select(ReconciliationItem).where(
        ReconciliationItem.import_id == summary.import_id)).one()


def test_link_an_unknown_iuv_over_payment_opens_a_refund(app):
    ente, _, verbale, notice = fine(days_ago=10)
    item = _only_item(run(flusso(ente, [P("02444444444444444", "IUR-T1", "50.00")])))
    assert item.reason == ItemReason.UNKNOWN_IUV
    items.resolve(item, _principal(enti=[ente]), "linked", reference=verbale.number,
                  note="Checked with the PSP")
    payment = db.session.get(Payment, item.payment_id)
    assert (payment.channel, payment.allocation, payment.excess) == (
        PaymentChannel.PAGOPA, "eccedenza", Decimal("8.00"))
    assert db.session.scalars(select(RefundRequest).where(RefundRequest.payment_id == payment.id)).one()
    assert (item.status, item.verbale_id, item.notice_id) == (ItemStatus.RESOLVED, verbale.id, notice.id)
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.PAID
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "reconciliation.item_resolved", AuditEvent.object_id == str(item.id))).one()
    assert event.details["payment_id"] == payment.id


def test_link_an_unmatched_bank_credit(app):
    ente, _, verbale, notice = fine(days_ago=10)
    item = _only_item(run(csv_statement([("TRN-T2", "20,00", "multa di Mario")]), ente_code=ente.code))
    assert item.reason == ItemReason.UNMATCHED_CREDIT and item.bank_entry_id
    items.resolve(item, _principal(enti=[ente]), "linked", reference=notice.notice_number,
                  note="The payer called")
    payment = db.session.get(Payment, item.payment_id)
    assert payment.channel == PaymentChannel.BANK_TRANSFER and payment.allocation == "acconto"
    entry = db.session.get(BankEntry, item.bank_entry_id)
    assert entry.status == BankEntryStatus.PAYMENT and entry.payment_id == payment.id


def test_refunded_and_ignored_need_a_note(app):
    ente, _, verbale, notice = fine(days_ago=10)
    item = _only_item(run(flusso(ente, [P(notice.iuv, "IUR-T3", "-42.00", "3")])))
    with pytest.raises(ResolutionError, match="note"):
        items.resolve(item, _principal(enti=[ente]), "refunded", note=" ")
    items.resolve(item, _principal(enti=[ente]), "refunded", note="Revoked by the PSP, money returned")
    assert (item.status, item.resolution, item.payment_id) == (ItemStatus.RESOLVED, "refunded", None)
    with pytest.raises(ResolutionError, match="already been resolved"):
        items.resolve(item, _principal(enti=[ente]), "ignored", note="again")


def test_agents_do_not_resolve(app):
    ente, _, verbale, notice = fine(days_ago=10)
    item = _only_item(run(flusso(ente, [P("02333333333333333", "IUR-T4", "1.00")])))
    with pytest.raises(ResolutionError, match="Only supervisors"):
        items.resolve(item, _principal(StaffRole.AGENT, [ente]), "ignored", note="test payment")


def test_refused_link_leaves_nothing(app):
    ente, _, verbale, notice = fine(days_ago=10)
    _, _, cancelled, _ = fine(days_ago=10, ente=ente)
    db.session.get(Verbale, cancelled.id).status = VerbaleStatus.CANCELLED
    db.session.commit()
    item = _only_item(run(flusso(ente, [P("02333333333333334", "IUR-T5", "42.00")])))
    with pytest.raises(ResolutionError, match="is cancelled"):
        items.resolve(item, _principal(enti=[ente]), "linked", reference=cancelled.number, note="x y z")
    with pytest.raises(ResolutionError, match="No notice or verbale"):
        items.resolve(item, _principal(enti=[ente]), "linked", reference="NOPE/1", note="x y z")
    other_ente, _, foreign, _ = fine(days_ago=10)  # another Ente's verbale is not found
    with pytest.raises(ResolutionError, match="No notice or verbale"):
        items.resolve(item, _principal(enti=[ente]), "linked", reference=foreign.number, note="x y z")
    assert item.status == ItemStatus.OPEN
    assert db.session.scalar(select(func.count()).select_from(Payment).where(
        Payment.provider_ref == "IUR-T5")) == 0


def test_scoping(app):
    ente_a, _, _, _ = fine(days_ago=10)
    ente_b, _, _, _ = fine(days_ago=10)
    item_a = _only_item(run(flusso(ente_a, [P("02333333333333335", "IUR-T6", "1.00")])))
    item_b = _only_item(run(flusso(ente_b, [P("02333333333333336", "IUR-T7", "1.00")])))
    supervisor = _principal(enti=[ente_a])
    assert items.visible_item(item_a.id, supervisor) is not None
    assert items.visible_item(item_b.id, supervisor) is None
    assert items.visible_import(item_b.import_id, supervisor) is None
    listed = items.list_items(supervisor, items.ItemFilter()).rows
    assert item_a in listed and item_b not in listed
    admin = _principal(StaffRole.ADMIN)
    assert items.visible_item(item_b.id, admin) is not None
    assert items.open_counts(supervisor)["unknown_iuv"] >= 1

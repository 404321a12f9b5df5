"""The base demo, loaded into the test database inside the test's rolled-back transaction."""

import hashlib
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import func, select
from stdnum import iban
from stdnum.it import codicefiscale, iva

from core import db
from core.accounts import LockoutPolicy, authenticate_citizen, authenticate_staff
from core.demo import states
from core.demo.catalogue import BY_CODE
from core.demo.data import (
    DEMO_CITIZEN_PASSWORD,
    DEMO_EMAIL_DOMAIN,
    DEMO_SIGN_INS,
    PERSONAS,
    current_totp,
)
from core.demo.enti import DEMO_ENTE_CODES
from core.demo.generate import load_demo
from core.demo.plan import rome_today
from core.models import (
    AccessCredential,
    Base,
    Ente,
    EnteCost,
    Evidence,
    EvidenceKind,
    NotificationEvent,
    Payment,
    Person,
    StaffRole,
    StaffUser,
    Verbale,
    VerbaleCost,
    VerbaleViolation,
    ViolationType,
)

COUNTRIES = {"IT", "DE", "FR", "ES", "GB", "AT", "CH", "NL", "PL"}
LANGUAGE_OF = {"IT": {"it"}, "DE": {"de"}, "AT": {"de"}, "FR": {"fr"}, "CH": {"fr", "de", "it"},
               "ES": {"es"}, "GB": {"en"}, "NL": {"en"}, "PL": {"en"}}


def _demo_enti():
    return select(Ente.id).where(Ente.code.in_(DEMO_ENTE_CODES)).scalar_subquery()


def _demo_verbali():
    return select(Verbale).where(Verbale.ente_id.in_(_demo_enti()))


def _counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables if table.name != "audit_event"}


def _states(today) -> Counter:
    paid = defaultdict(Decimal)
    for verbale_id, amount in db.session.execute(
            select(Payment.verbale_id, Payment.amount).where(
                Payment.status == "confirmed", Payment.ente_id.in_(_demo_enti()))):
        paid[verbale_id] += amount
    return Counter(states.demo_state(v.status, v.notified_on, today, paid[v.id])
                   for v in db.session.scalars(_demo_verbali()))


@pytest.fixture(scope="module")
def loaded(engine, tmp_path_factory):
    """The demo, loaded once for this module in a transaction rolled back at its end."""
    connection = engine.connect()
    transaction = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    today = rome_today()
    storage = tmp_path_factory.mktemp("demo-storage")
    result = load_demo(db.session, storage, today=today)
    assert not result.already_loaded
    yield today, storage, result
    db.session.remove()
    transaction.rollback()
    connection.close()
    db.session.configure(bind=engine, join_transaction_mode="conditional_savepoint")


@pytest.fixture(autouse=True)
def _transaction(loaded):
    """Overrides the per-test transaction: the tests here read the module's loaded demo."""
    yield db.session


def test_enti_catalogue_and_staff(loaded):
    enti = {e.code: e for e in db.session.scalars(select(Ente))}
    assert set(enti) >= {"RHO", "SIRACUSA"}
    rho, sr = enti["RHO"], enti["SIRACUSA"]
    assert (rho.patron_saint, sr.patron_saint) == ("05-08", "12-13")
    for ente in (rho, sr):
        assert iva.is_valid(ente.fiscal_code) and iban.is_valid(ente.iban)
        assert ente.iban.startswith("IT") and ente.segregation_code in ("01", "02")
        assert iva.is_valid(ente.id_broker_pa) and ente.id_station.startswith(ente.id_broker_pa)
        assert ente.pec and ente.email and ente.phone and ente.address and ente.portal_url
        assert set(ente.contact_hours) == {"it", "en", "fr", "de", "es"}
        assert ente.charter_terms["complaint_working_days"] in (8, 10)
        logo = loaded[1] / ente.logo_path
        assert Image.open(logo).format == "PNG"
        channels = {c.channel for c in ente.costs}
        assert {"post", "pec", "send", "international_mail"} <= channels
    post_now = [c.amount for c in rho.costs if c.channel == "post" and c.kind == "notification"
                and c.valid_to is None]
    assert post_now and Decimal("12") <= post_now[0] <= Decimal("14.50")
    friendly = db.session.scalars(select(EnteCost).where(
        EnteCost.ente_id == sr.id, EnteCost.channel == "friendly_letter")).all()
    assert friendly and all(c.amount == 0 for c in friendly)

    types = {t.code: t for t in db.session.scalars(
        select(ViolationType).where(ViolationType.code.in_(BY_CODE)))}
    assert len(types) >= 15
    for vt in types.values():
        assert set(vt.description) == {"it", "en", "fr", "de", "es"}
        assert len(set(vt.description.values())) == 5  # really translated
        assert vt.amounts and vt.amounts[0].valid_from.year == 2019
        if {"licence_suspension", "vehicle_confiscation"} & set(vt.accessory_sanctions):
            assert not vt.discount_30_allowed
    assert types["142.8"].amounts[0].min_amount == Decimal("173.00")
    assert types["142.9"].discount_30_allowed is False and types["142.9"].licence_points == 6
    assert types["180.8"].reduced_payment_allowed is False
    assert len(types["173.2"].amounts) == 2
    assert sum(vt.cross_border for vt in types.values()) >= 7

    staff = db.session.scalars(select(StaffUser).where(
        StaffUser.email.like(f"%@{DEMO_EMAIL_DOMAIN}"))).all()
    assert {u.role for u in staff} == set(StaffRole)
    assert all(len(u.languages) >= 2 for u in staff if u.role == StaffRole.AGENT)


def test_verbali_in_every_state(loaded):
    today, _storage, result = loaded
    assert len(db.session.scalars(_demo_verbali()).all()) >= 300
    found = _states(today)
    assert set(found) == set(states.STATES), found
    assert found == Counter(result.states)
    notified = db.session.scalars(select(Verbale.notified_on).where(
        Verbale.status == "notified", Verbale.notified_on.is_not(None),
        Verbale.ente_id.in_(_demo_enti()))).all()
    assert today in notified  # just notified
    assert any(1 <= (today - d).days <= 4 for d in notified)
    assert any(6 <= (today - d).days <= 60 for d in notified)
    assert any((today - d).days > 60 for d in notified)
    # some verbali carry two violations
    per_verbale = Counter(db.session.scalars(select(VerbaleViolation.verbale_id).join(
        Verbale).where(Verbale.ente_id.in_(_demo_enti()))))
    assert any(n == 2 for n in per_verbale.values())
    # paid verbali are covered by a confirmed payment, partially paid ones miss their costs
    for verbale in db.session.scalars(_demo_verbali().where(Verbale.status == "paid")):
        total = sum(p.amount for p in db.session.scalars(
            select(Payment).where(Payment.verbale_id == verbale.id,
                                  Payment.status == "confirmed")))
        minimum_tier = sum(v.min_amount for v in verbale.violations) * Decimal("0.7")
        assert total >= minimum_tier.quantize(Decimal("0.01"))


def test_notifications_and_costs_match_the_state(loaded):
    today = loaded[0]
    costs = {(c.ente_id, c.channel, c.kind, c.valid_from): c for c in
             db.session.scalars(select(EnteCost))}
    for verbale in db.session.scalars(_demo_verbali()):
        events = db.session.scalars(select(NotificationEvent).where(
            NotificationEvent.verbale_id == verbale.id)).all()
        if verbale.status == "assessed":
            assert verbale.notified_on is None and all(e.outcome == "queued" for e in events)
            assert not verbale.costs
            continue
        own = [e for e in events if e.person_id == verbale.offender_id]
        assert own and own[-1].channel == verbale.notification_channel
        if verbale.notified_on is None:
            assert all(e.outcome != "perfected" for e in own)
            continue
        assert verbale.notified_on <= today
        if verbale.notification_channel == "friendly_letter":
            assert any(e.outcome == "delivered" for e in own)
            assert not verbale.costs
        else:
            assert [e.perfected_on for e in own if e.outcome == "perfected"] == \
                [verbale.notified_on]
        if verbale.notification_channel in ("post", "pec", "send", "international_mail"):
            mine = [c for c in verbale.costs if c.channel == verbale.notification_channel]
            assert {c.kind for c in mine} == {"notification", "procedure"}
            for cost in mine:
                assert any(key[:3] == (verbale.ente_id, cost.channel, cost.kind)
                           and c.amount == cost.amount for key, c in costs.items())
        for event in events:
            assert event.occurred_at <= datetime.now(UTC)
    assert db.session.scalar(select(func.count()).select_from(VerbaleCost).join(Verbale).where(
        Verbale.ente_id.in_(_demo_enti()))) > 300


def test_offenders_from_nine_countries(loaded):
    people = db.session.scalars(select(Person).where(Person.ente_id.in_(_demo_enti()))).all()
    assert {p.country for p in people} >= COUNTRIES
    for person in people:
        assert str(person.language) in LANGUAGE_OF[person.country]
        if person.country == "IT":
            if person.kind == "legal":
                assert iva.is_valid(person.fiscal_code)
            else:
                assert codicefiscale.is_valid(person.fiscal_code)
        else:
            assert person.foreign_id and person.foreign_id_country == person.country
    owners = db.session.scalars(select(Person).join(Verbale, Verbale.owner_id == Person.id).where(
        Verbale.ente_id.in_(_demo_enti()))).all()
    assert any(o.kind == "legal" for o in owners)
    assert sum(1 for p in people if p.email) > 50
    # every person has access codes
    assert db.session.scalar(select(func.count()).select_from(AccessCredential).join(
        Person).where(Person.ente_id.in_(_demo_enti()))) == len(people)


def test_photos_and_documents_are_real_files(loaded):
    storage = loaded[1]
    evidence = db.session.scalars(select(Evidence).join(Verbale).where(
        Verbale.ente_id.in_(_demo_enti()))).all()
    assert evidence
    seen: set[str] = set()
    for item in evidence:
        path = storage / item.storage_key
        if item.storage_key in seen:
            continue
        seen.add(item.storage_key)
        data = path.read_bytes()
        assert len(data) == item.size and hashlib.sha256(data).hexdigest() == item.sha256
        if item.kind == EvidenceKind.PHOTO:
            assert item.content_type == "image/jpeg"
            with Image.open(path) as img:
                assert img.format == "JPEG" and img.size == (960, 640)
                img.verify()
        else:
            assert item.content_type == "application/pdf"
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    # device documents are shared, photos are per verbale (two frames each)
    pdf_keys = {e.storage_key for e in evidence if e.kind != EvidenceKind.PHOTO}
    assert len(pdf_keys) <= 24
    photos = Counter(e.verbale_id for e in evidence if e.kind == EvidenceKind.PHOTO)
    assert photos and set(photos.values()) == {2}
    kinds = {e.kind for e in evidence}
    assert {EvidenceKind.DEVICE_APPROVAL, EvidenceKind.CALIBRATION,
            EvidenceKind.PREFECT_DECREE} <= kinds


def _second_factor(sign_in, now, policy) -> None:
    """Demo staff are enrolled with the published secret: its current code completes."""
    user = db.session.scalars(select(StaffUser).where(StaffUser.email == sign_in.username)).one()
    assert user.totp_secret == sign_in.totp_secret and user.totp_enrolled_at is not None
    staff = pytest.importorskip("core.staff")
    code = current_totp(sign_in.totp_secret)
    assert staff.verify_second_factor(user.id, user.session_token, code, now, policy)


def test_readme_sign_ins_work(loaded):
    today = loaded[0]
    now = datetime.now(UTC)
    policy = LockoutPolicy()
    for sign_in in DEMO_SIGN_INS:
        if sign_in.app == "portal":
            principal = authenticate_citizen(sign_in.username, sign_in.password, now, policy)
            assert principal is not None, sign_in
            assert principal.preferred_language == sign_in.language
        else:
            principal = authenticate_staff(sign_in.username, sign_in.password, now, policy)
            assert principal is not None, sign_in
            _second_factor(sign_in, now, policy)
    assert authenticate_citizen("RHO-DEMO-IT", "wrong", now, policy) is None
    # a citizen without a persona uses the shared demo password
    other = db.session.scalars(select(AccessCredential).join(Person).where(
        AccessCredential.username.not_like("%-DEMO-%"), Person.ente_id.in_(_demo_enti()))).first()
    assert authenticate_citizen(other.username, DEMO_CITIZEN_PASSWORD, now, policy)
    # the German driver's verbale is in the 5-day window and has its two photos
    german = next(p for p in PERSONAS if p.key == "de")
    cred = db.session.scalars(select(AccessCredential).where(
        AccessCredential.username == german.username)).one()
    verbale = db.session.scalars(select(Verbale).where(
        Verbale.offender_id == cred.person_id)).one()
    assert 1 <= (today - verbale.notified_on).days <= 5
    assert sum(e.kind == EvidenceKind.PHOTO for e in verbale.evidence) == 2


def test_loading_twice_changes_nothing(loaded):
    today, storage, _ = loaded
    before = _counts()
    again = load_demo(db.session, storage, today=today)
    assert again.already_loaded
    assert _counts() == before

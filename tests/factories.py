"""Plain factory functions for tests. Each adds to ``db.session`` and commits — inside the
test's outer transaction (``join_transaction_mode="create_savepoint"``) a commit only releases a
savepoint, so the rows survive the request's own commit or rollback and vanish after the test."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from core import db
from core.models import (
    AccessCredential,
    Ente,
    Evidence,
    Payment,
    Person,
    Queue,
    RoutingRule,
    StaffRole,
    StaffUser,
    Verbale,
    VerbaleStatus,
    VerbaleViolation,
    ViolationAmount,
    ViolationType,
)
from core.security import hash_password

_seq = itertools.count(1)


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def ente(code: str | None = None, **kw) -> Ente:
    n = next(_seq)
    obj = Ente(
        code=code or f"E{n}",
        name=kw.pop("name", f"Comune di Prova {n}"),
        fiscal_code=kw.pop("fiscal_code", f"{80000000000 + n:011d}"),
        segregation_code=kw.pop("segregation_code", "02"),
        id_broker_pa=kw.pop("id_broker_pa", "15376371009"),
        id_station=kw.pop("id_station", "15376371009_01"),
        iban=kw.pop("iban", "IT60X0542811101000000123456"),
        rules=kw.pop("rules", {}),
        **kw,
    )
    return _save(obj)


def person(ente_obj: Ente, **kw) -> Person:
    obj = Person(
        ente_id=ente_obj.id,
        first_name=kw.pop("first_name", "Mario"),
        last_name=kw.pop("last_name", f"Rossi{next(_seq)}"),
        country=kw.pop("country", "IT"),
        language=kw.pop("language", "it"),
        **kw,
    )
    return _save(obj)


def credential(person_obj: Person, username: str | None = None, password: str = "Secret-pass-1") -> AccessCredential:
    obj = AccessCredential(
        person_id=person_obj.id,
        username=(username or f"TEST-{next(_seq):06d}").upper(),
        password_hash=hash_password(password),
    )
    return _save(obj)


def violation_type(code: str | None = None, min_amount="42.00", max_amount="173.00", **kw) -> ViolationType:
    obj = ViolationType(
        code=code or f"V{next(_seq)}",
        article=kw.pop("article", "art. 7 c. 1 CdS"),
        description=kw.pop("description", {lang: f"Violation ({lang})" for lang in ("it", "en", "fr", "de", "es")}),
        **kw,
    )
    obj.amounts.append(ViolationAmount(min_amount=Decimal(min_amount), max_amount=Decimal(max_amount),
                                       valid_from=date(2019, 1, 1)))
    return _save(obj)


def verbale(ente_obj: Ente, offender: Person, vtype: ViolationType | None = None, **kw) -> Verbale:
    vtype = vtype or violation_type()
    amount = vtype.amounts[0]
    obj = Verbale(
        ente_id=ente_obj.id,
        number=kw.pop("number", f"{ente_obj.code}/2026/{next(_seq):06d}"),
        violation_at=kw.pop("violation_at", datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
        place=kw.pop("place", "Via Roma 1"),
        plate=kw.pop("plate", "AB123CD"),
        assessed_on=kw.pop("assessed_on", date(2026, 3, 1)),
        offender_id=offender.id,
        status=kw.pop("status", VerbaleStatus.NOTIFIED),
        notified_on=kw.pop("notified_on", date(2026, 3, 10)),
        **kw,
    )
    obj.violations.append(VerbaleViolation(violation_type_id=vtype.id, min_amount=amount.min_amount,
                                           max_amount=amount.max_amount))
    return _save(obj)


def staff(role: StaffRole = StaffRole.AGENT, enti: list[Ente] | None = None, password: str = "Staff-pass-123",
          enrolled: bool = False, **kw) -> StaffUser:
    """A staff member; ``enrolled`` gives them a TOTP secret already confirmed."""
    import pyotp

    obj = StaffUser(
        email=kw.pop("email", f"staff{next(_seq)}@example.org"),
        name=kw.pop("name", "Operatore"),
        role=role,
        password_hash=hash_password(password),
        languages=kw.pop("languages", ["it"]),
        totp_secret=kw.pop("totp_secret", pyotp.random_base32() if enrolled else None),
        totp_enrolled_at=kw.pop("totp_enrolled_at", datetime.now(UTC) if enrolled else None),
        **kw,
    )
    obj.enti = list(enti or [])
    return _save(obj)


def sign_in_citizen(client, person_obj: Person, password: str = "Secret-pass-1") -> AccessCredential:
    """Create codes for the person and sign in with them through the real form."""
    cred = credential(person_obj, password=password)
    response = client.post("/sign-in", data={"username": cred.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return cred


def evidence(verbale_obj: Verbale, storage_dir, kind: str = "photo", data: bytes = b"\xff\xd8\xff\xe0fakejpeg") -> Evidence:
    key = f"test/{verbale_obj.id}/{next(_seq)}.{'jpg' if kind == 'photo' else 'pdf'}"
    path = Path(storage_dir) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    obj = Evidence(verbale_id=verbale_obj.id, kind=kind, filename=path.name,
                   content_type="image/jpeg" if kind == "photo" else "application/pdf",
                   size=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key)
    return _save(obj)


def payment(verbale_obj: Verbale, amount: str, status: str = "confirmed", channel: str = "bank_transfer", **kw) -> Payment:
    obj = Payment(ente_id=verbale_obj.ente_id, verbale_id=verbale_obj.id, channel=channel,
                  status=status, amount=Decimal(amount), provider_ref=kw.pop("provider_ref", f"REF{next(_seq)}"),
                  paid_at=kw.pop("paid_at", datetime.now(UTC)),
                  receipt_number=kw.pop("receipt_number", f"R-TEST-{next(_seq)}"), **kw)
    return _save(obj)


def sign_in_staff(client, app, staff_obj: StaffUser) -> None:
    """Put a fully authenticated staff session in the client's cookie (the two-step sign-in
    itself is tested in tests/contact_center/auth). The staff member must be TOTP-enrolled."""
    from flask_login.utils import _create_identifier

    from core.db import utcnow

    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()  # same address and user agent as the client
    with client.session_transaction() as sess:
        sess["_user_id"] = f"staff:{staff_obj.id}:{staff_obj.session_token}"
        sess["_fresh"] = True
        sess["_id"] = identifier
        sess["seen_at"] = utcnow().timestamp()


def queue(ente_obj: Ente, code: str = "traffic_fines", languages=("it",)) -> Queue:
    return _save(Queue(ente_id=ente_obj.id, code=code, name={"it": code, "en": code},
                       languages=list(languages)))


def routing_rule(ente_obj: Ente, queue_obj, position: int, **match) -> RoutingRule:
    return _save(RoutingRule(ente_id=ente_obj.id, position=position, queue_id=queue_obj.id, **match))


def phone_call(ente_obj: Ente, started_at: datetime, *, queue: str | None = None,
               language: str | None = "it", outcome: str | None = None,
               wait: int | None = None, waiting: bool = False, **kw):
    """An IVR call (``core.models.Call``). With ``queue`` it entered that queue when it started;
    ``outcome`` answered/abandoned/callback/failed leave it after ``wait`` seconds (answered at
    that moment); ``waiting=True`` keeps it in queue (heartbeat at ``started_at``)."""
    from datetime import timedelta

    from core.models import Call

    obj = Call(call_sid=kw.pop("call_sid", f"CA{next(_seq):032d}"), ente_id=ente_obj.id,
               from_number=kw.pop("from_number", "+393330000000"), language=language,
               queue=queue, started_at=started_at, outcome=outcome,
               self_served=kw.pop("self_served", False), **kw)
    if queue:
        obj.enqueued_at = obj.last_in_queue_at = started_at
        if not waiting:
            left = started_at + timedelta(seconds=wait or 0)
            obj.dequeued_at, obj.wait_seconds = left, wait or 0
            if outcome == "answered":
                obj.answered_at, obj.queue_result = left, "bridged"
            else:
                obj.queue_result = "hangup"
    return _save(obj)


def letter(ente_obj: Ente, verbale_obj=None, code: str | None = None, kind: str = "verbale", **kw):
    """An archived letter (``core.models.Letter``) with its printed verification code."""
    from core.models import Letter

    n = next(_seq)
    obj = Letter(ente_id=ente_obj.id, verbale_id=verbale_obj.id if verbale_obj else None,
                 person_id=verbale_obj.offender_id if verbale_obj else None, kind=kind,
                 sequence=kw.pop("sequence", n), language=kw.pop("language", "it"),
                 verification_code=code or f"T{n:03d}-ABCD-EFGH"[:14],
                 storage_key=kw.pop("storage_key", f"letters/test/{n}.pdf"),
                 sha256=kw.pop("sha256", "0" * 64), pages=kw.pop("pages", 2), **kw)
    return _save(obj)


def verified_email(person_obj: Person, email: str) -> Person:
    """Give the person a verified e-mail address (as if they had opened the link)."""
    person_obj.email = email
    person_obj.email_verified_at = datetime.now(UTC)
    return _save(person_obj)


def ente_cost(ente_obj: Ente, channel: str, kind: str, amount: str, valid_from=date(2020, 1, 1), **kw):
    """A cost the Ente charges per notification channel (``core.models.EnteCost``)."""
    from core.models import EnteCost

    return _save(EnteCost(ente_id=ente_obj.id, channel=channel, kind=kind, amount=Decimal(amount),
                          valid_from=valid_from, **kw))


def letter_template(ente_obj: Ente, kind: str = "*", **settings):
    """Per-Ente letter template overrides (``core.models.LetterTemplate``)."""
    from core.models import LetterTemplate

    return _save(LetterTemplate(ente_id=ente_obj.id, kind=kind, settings=settings))


def foreign_person(ente_obj: Ente, country: str = "DE", language: str = "de", **kw) -> Person:
    """An offender living abroad, with a full postal address."""
    return person(ente_obj, country=country, language=language,
                  first_name=kw.pop("first_name", "Jürgen"), last_name=kw.pop("last_name", f"Müller{next(_seq)}"),
                  address_line=kw.pop("address_line", "Hauptstraße 5"), postal_code=kw.pop("postal_code", "80331"),
                  city=kw.pop("city", "München"), foreign_id=kw.pop("foreign_id", "C01X00T47"),
                  foreign_id_country=kw.pop("foreign_id_country", country), **kw)


def appeal_office(ente_obj: Ente, route: str = "prefetto", **kw):
    """Where an Ente's appeals go (``core.models.AppealOffice``)."""
    from core.models import AppealOffice

    defaults = {"prefetto": ("Prefetto di Milano", "Prefettura - UTG di Milano",
                             "Corso Monforte 31, 20122 Milano", "protocollo.prefmi@pec.interno.it"),
                "giudice_di_pace": ("Giudice di Pace di Milano", "Ufficio del Giudice di Pace",
                                    "Via Francesco Sforza 23, 20122 Milano", "")}[route]
    return _save(AppealOffice(ente_id=ente_obj.id, route=route,
                              addressee=kw.pop("addressee", defaults[0]),
                              office=kw.pop("office", defaults[1]),
                              address=kw.pop("address", defaults[2]),
                              pec=kw.pop("pec", defaults[3]), **kw))


def appeal(verbale_obj: Verbale, person_obj: Person, route: str = "prefetto",
           status: str = "downloaded", **kw):
    """An appeal row as the portal stores it after the summary step (``core.models.Appeal``)."""
    from core.models import Appeal

    return _save(Appeal(ente_id=verbale_obj.ente_id, verbale_id=verbale_obj.id,
                        person_id=person_obj.id, route=route, status=status,
                        grounds=kw.pop("grounds", ["other"]), text=kw.pop("text", "Testo"),
                        pdf_key=kw.pop("pdf_key", "appeals/test.pdf"),
                        pdf_sha256=kw.pop("pdf_sha256", "0" * 64),
                        attachments=kw.pop("attachments", []), **kw))


IMPORT_CODES = {"7.1": ("42.00", "173.00"), "142.7": ("42.00", "173.00"),
                "142.8": ("173.00", "694.00"), "142.9": ("543.00", "2170.00"),
                "142.9-bis": ("845.00", "3382.00"), "146.3": ("167.00", "665.00"),
                "7.14-ZTL": ("83.00", "332.00"), "7.14-BUS": ("83.00", "332.00"),
                "180.1": ("42.00", "173.00")}


def import_catalogue() -> dict[str, ViolationType]:
    """The violation codes the import tests use (get or create, amounts valid from 2019)."""
    from sqlalchemy import select

    out = {}
    for code, (low, high) in IMPORT_CODES.items():
        found = db.session.scalars(select(ViolationType).where(ViolationType.code == code)).first()
        out[code] = found or violation_type(code, min_amount=low, max_amount=high,
                                            article=f"art. {code} CdS")
    return out


def verbali_import(ente_obj: Ente, **kw):
    """A started import of verbali with its batch run (``core.models.VerbaliImport``)."""
    from core.models import BatchRun, VerbaliImport

    run = _save(BatchRun(kind="import", ente_id=ente_obj.id, label=kw.pop("filename", "verbali.csv"),
                         params=kw.pop("params", {}), total=kw.pop("total", 10),
                         done=kw.pop("done", 0), failed=kw.pop("failed", 0),
                         status=kw.pop("status", "running"), result=kw.pop("result", {}),
                         cursor={}))
    imp = _save(VerbaliImport(ente_id=ente_obj.id, sha256=kw.pop("sha256", f"{next(_seq):064x}"),
                              format=kw.pop("format", "csv"), filename=run.label,
                              size=kw.pop("size", 100), batch_run_id=run.id,
                              report_key=kw.pop("report_key", ""), **kw))
    run.params = {**run.params, "import_id": imp.id}
    return _save(imp)


# -- instalments (art. 202-bis) ---------------------------------------------------------------


def instalment_verbale(ente_obj: Ente, offender: Person, *, min_amount: str = "600.00",
                       max_amount: str = "2400.00", notified_days_ago: int = 10, **kw) -> Verbale:
    """A verbale above the €200 threshold, notified ``notified_days_ago`` days ago (10: the
    minimum is due, inside the 30-day instalment request term)."""
    from datetime import timedelta

    from core.positions import local_today

    vt = violation_type(min_amount=min_amount, max_amount=max_amount)
    notified = local_today() - timedelta(days=notified_days_ago)
    return verbale(ente_obj, offender, vt, notified_on=notified,
                   assessed_on=notified - timedelta(days=10), **kw)


def instalment_request(verbale_obj: Verbale, person_obj: Person, *, count: int = 3,
                       taxable_income: str = "9000.00", family_members: int = 0,
                       language: str = "it"):
    """A request filed through the service (needs an app context), committed."""
    from core.instalments import requests

    plan = requests.submit(verbale_obj.id, person_obj.id, taxable_income=Decimal(taxable_income),
                           family_members=family_members, count=count, waiver=True,
                           language=language)
    db.session.commit()
    return plan


def approved_instalment_plan(verbale_obj: Verbale, person_obj: Person, *, count: int = 3,
                             supervisor: StaffUser | None = None, **kw):
    """A request approved by a supervisor of the verbale's Ente (needs an app context)."""
    from core.accounts import StaffPrincipal
    from core.instalments import decisions

    plan = instalment_request(verbale_obj, person_obj, count=count, **kw)
    boss = supervisor or staff(StaffRole.SUPERVISOR, [db.session.get(Ente, verbale_obj.ente_id)])
    decisions.approve(plan, StaffPrincipal(boss))
    db.session.commit()
    return plan


TEST_PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def stored_letter(verbale_obj: Verbale, storage_dir, kind: str = "verbale", data: bytes = TEST_PDF, **kw):
    """An archived letter whose PDF really is in storage (``storage_dir`` of the app that reads
    it), with the matching SHA-256 — the act the notification channels send."""
    n = next(_seq)
    key = f"letters/{verbale_obj.id}/{kind}-{n}.pdf"
    path = Path(storage_dir) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return letter(verbale_obj.ente, verbale_obj, kind=kind, storage_key=key,
                  sha256=hashlib.sha256(data).hexdigest(), **kw)


def notification_settings(ente_obj: Ente, **kw):
    """Per-Ente notification settings (``core.models.NotificationSettings``)."""
    from core.models import NotificationSettings

    values = {"alert_margin_days": 15, "send_fee_policy": "DELIVERY_MODE", "send_pa_fee_cents": 100,
              "send_vat_percent": 22, "send_taxonomy_code": "010801N",
              "send_physical_type": "REGISTERED_LETTER_890", "pec_sender": ""}
    values.update(kw)
    return _save(NotificationSettings(ente_id=ente_obj.id, **values))

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

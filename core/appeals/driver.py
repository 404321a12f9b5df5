"""Driver identification (art. 126-bis c.2 CdS, fines-law §4): the owner communicates, within
60 days of notification, who was driving and their licence — foreign drivers, addresses and
licences accepted. Draft kind ``driver_data`` (ref = verbale id); the licence copy is stored
when uploaded, under a draft prefix; confirmation stores a :class:`DriverDeclaration` and opens
a ``driver_data`` case with the data and the licence copy attached.

:func:`driver_errors` holds the cross-field rules (the form calls it): expiry after issue, the
licence valid on the violation date, Italian licence numbers by pattern, foreign ones free but
bounded, the Italian fiscal code checked with python-stdnum, typed-name signatures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale

from core import audit, db, drafts, jobs, uploads
from core.appeals.texts import DECLARATIONS
from core.contact import cases
from core.contact.notify import acknowledge
from core.db import utcnow
from core.fines import Deadline
from core.models import (
    CaseAttachment,
    CaseChannel,
    CaseType,
    DriverDeclaration,
    DriverDeclarationStatus,
    FormDraft,
    PersonKind,
    VerbaleStatus,
)
from core.positions import VerbalePosition, local_today, position_of_verbale

DRAFT_KIND = "driver_data"
CATEGORIES = ("AM", "A1", "A2", "A", "B1", "B", "BE", "C1", "C1E", "C", "CE", "D1", "D1E", "D",
              "DE")
#: Italian licences: province code + 7 digits + check letter (older), or "U1" + 7 characters
#: + check letter (issued by the Motorizzazione's central office).
ITALIAN_LICENCE = re.compile(r"^(?:[A-Z]{2}\d{7}[A-Z]|U1[A-Z0-9]{7}[A-Z])$")
FOREIGN_LICENCE = re.compile(r"^[A-Z0-9][A-Z0-9 ./-]{2,29}$")
REQUIRED_DECLARATIONS = tuple(DECLARATIONS)
_ACTIVE = (DriverDeclarationStatus.FILED, DriverDeclarationStatus.REGISTERED)


class DriverError(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class DriverOptions:
    position: VerbalePosition
    today: date
    deadline: Deadline | None
    blocked: str | None
    existing: DriverDeclaration | None

    @property
    def allowed(self) -> bool:
        return self.blocked is None

    @property
    def late(self) -> bool:
        return self.deadline is not None and self.today > self.deadline.due

    @property
    def violation_date(self) -> date:
        verbale = self.position.verbale
        return verbale.violation_at.astimezone(ZoneInfo(verbale.ente.timezone)).date()


def declaration_of(verbale_id: int, person_id: int) -> DriverDeclaration | None:
    stmt = (select(DriverDeclaration)
            .where(DriverDeclaration.verbale_id == verbale_id,
                   DriverDeclaration.person_id == person_id,
                   DriverDeclaration.status.in_(_ACTIVE))
            .order_by(DriverDeclaration.id.desc()))
    return db.session.scalars(stmt).first()


def declaration_of_person(declaration_id: int, person_id: int) -> DriverDeclaration | None:
    stmt = select(DriverDeclaration).where(DriverDeclaration.id == declaration_id,
                                           DriverDeclaration.person_id == person_id)
    return db.session.scalars(stmt).one_or_none()


def driver_options(verbale_id: int, person_id: int, today: date | None = None) -> DriverOptions | None:
    position = position_of_verbale(verbale_id, person_id)
    return None if position is None else options_from_position(position, person_id, today)


def options_from_position(position: VerbalePosition, person_id: int,
                          today: date | None = None) -> DriverOptions:
    verbale, verbale_id = position.verbale, position.verbale.id
    today = today or local_today(verbale.ente)
    existing = declaration_of(verbale_id, person_id)
    blocked = None
    if verbale.status == VerbaleStatus.CANCELLED:
        blocked = "cancelled"
    elif position.licence_points <= 0:
        blocked = "no_points"
    elif verbale.notified_on is None:
        blocked = "not_notified"
    elif existing is not None:
        blocked = "already_declared"
    return DriverOptions(position, today, position.deadlines.driver_data_by, blocked, existing)


def person_of(options: DriverOptions, person_id: int):
    v = options.position.verbale
    return v.offender if v.offender_id == person_id else v.owner


# -- rules -----------------------------------------------------------------------------------


def normalise_name(value: str) -> str:
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().replace("'", " ").replace("-", " ").split())


def compact_licence(value: str) -> str:
    return re.sub(r"\s+", "", (value or "").upper())


def driver_errors(data: dict[str, Any], *, violation_date: date, today: date,
                  declarant_name: str | None) -> dict[str, str]:
    """Cross-field errors, field name → translated message (empty when all is well).

    ``data`` holds the cleaned values: dates as :class:`date`, countries as ISO codes.
    ``declarant_name`` is the signed-in owner's name when it must match the owner's signature
    (natural persons), ``None`` for companies (the legal representative signs)."""
    errors: dict[str, str] = {}
    issued, expires = data.get("licence_issued_on"), data.get("licence_expires_on")
    birth = data.get("birth_date")
    if birth and birth >= today:
        errors["birth_date"] = _("The date of birth must be in the past.")
    if issued and issued > today:
        errors["licence_issued_on"] = _("The issue date cannot be in the future.")
    elif issued and birth and issued <= birth:
        errors["licence_issued_on"] = _("The issue date must be after the date of birth.")
    elif issued and issued > violation_date:
        errors["licence_issued_on"] = _(
            "The licence was issued after the violation (%(date)s): name a driver whose licence "
            "was valid on that day.", date=violation_date.isoformat())
    if issued and expires and expires <= issued:
        errors["licence_expires_on"] = _("The expiry date must be after the issue date.")
    elif expires and expires < violation_date:
        errors["licence_expires_on"] = _(
            "The licence had expired on the day of the violation (%(date)s).",
            date=violation_date.isoformat())
    number = compact_licence(data.get("licence_number") or "")
    if number:
        if data.get("licence_country") == "IT":
            if not ITALIAN_LICENCE.match(number):
                errors["licence_number"] = _(
                    "An Italian licence number has 10 characters, such as MI1234567A or "
                    "U11234567A.")
        elif not FOREIGN_LICENCE.match(number):
            errors["licence_number"] = _(
                "Enter the licence number as printed (3 to 30 letters, digits, spaces, dots, "
                "slashes or hyphens).")
    fiscal = (data.get("fiscal_code") or "").strip().upper().replace(" ", "")
    if fiscal:
        try:
            codicefiscale.validate(fiscal)
        except StdnumError:
            errors["fiscal_code"] = _("This Italian fiscal code is not valid.")
    elif data.get("country") == "IT":
        errors["fiscal_code"] = _("Enter the fiscal code of a driver living in Italy.")
    driver_name = f"{data.get('first_name') or ''} {data.get('last_name') or ''}"
    signature = data.get("driver_signature") or ""
    if signature and normalise_name(signature) != normalise_name(driver_name):
        errors["driver_signature"] = _(
            "Type the driver's first and last name exactly as entered above.")
    if not data.get("driver_is_me"):
        owner = data.get("owner_signature") or ""
        if not owner.strip():
            errors["owner_signature"] = _("The owner must sign too: type their name.")
        elif declarant_name is not None and normalise_name(owner) != normalise_name(declarant_name):
            errors["owner_signature"] = _("Type your own first and last name: %(name)s.",
                                          name=declarant_name)
    missing = [k for k in REQUIRED_DECLARATIONS if k not in (data.get("declarations") or [])]
    if missing:
        errors["declarations"] = _("Tick every declaration to continue.")
    return errors


# -- drafts ----------------------------------------------------------------------------------


def _owner(person_id: int) -> str:
    return drafts.person_owner(person_id)


def load_draft(person_id: int, verbale_id: int) -> FormDraft | None:
    return drafts.load(_owner(person_id), DRAFT_KIND, str(verbale_id))


def draft_data(person_id: int, verbale_id: int) -> dict[str, Any]:
    draft = load_draft(person_id, verbale_id)
    return dict(draft.data or {}) if draft is not None else {}


def save_draft(person_id: int, verbale_id: int, data: dict[str, Any],
               reached: int | None = None) -> FormDraft:
    draft = load_draft(person_id, verbale_id)
    step = max(draft.step if draft else 1, reached or 1)
    return drafts.save(_owner(person_id), DRAFT_KIND, str(verbale_id), data, step=step)


def add_licence_copy(person_id: int, verbale_id: int, files: Iterable) -> dict[str, Any] | None:
    """Store the licence copy now (one file; a new one replaces the old). Raises
    :class:`core.uploads.UploadError` and stores nothing on a bad file."""
    accepted = uploads.check_files(files)
    if not accepted:
        return draft_data(person_id, verbale_id).get("licence_copy")
    if len(accepted) > 1:
        raise uploads.UploadError(_("Attach one file with the copy of the licence."))
    [(upload, saved)] = uploads.store(f"drafts/driver/{person_id}/{verbale_id}", accepted)
    previous = draft_data(person_id, verbale_id).get("licence_copy")
    copy = {"key": saved.key, "filename": upload.filename, "content_type": upload.content_type,
            "size": saved.size, "sha256": saved.sha256}
    save_draft(person_id, verbale_id, {"licence_copy": copy})
    if previous and previous.get("key") != saved.key:
        jobs.enqueue(_discard, [previous["key"]])
    audit.record("driver_data.licence_uploaded", actor_type="citizen", actor_id=person_id,
                 object_type="verbale", object_id=verbale_id)
    return copy


def discard_draft(person_id: int, verbale_id: int) -> None:
    copy = draft_data(person_id, verbale_id).get("licence_copy")
    drafts.discard(_owner(person_id), DRAFT_KIND, str(verbale_id))
    if copy:
        jobs.enqueue(_discard, [copy["key"]])


def _discard(keys: list[str]) -> None:
    uploads.discard(keys)


# -- confirmation ----------------------------------------------------------------------------


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def submit(person_id: int, verbale_id: int, *, language: str,
           now: datetime | None = None) -> DriverDeclaration:
    """Store the declaration and open the ``driver_data`` case (licence copy attached)."""
    options = driver_options(verbale_id, person_id)
    if options is None:
        raise DriverError("not_found")
    if options.blocked:
        raise DriverError(options.blocked)
    data = draft_data(person_id, verbale_id)
    copy = data.get("licence_copy")
    if not data.get("complete") or not copy:
        raise DriverError("incomplete")
    verbale = options.position.verbale
    person = person_of(options, person_id)
    me = data.get("driver_is_me") == "yes"
    cleaned = {**data, "driver_is_me": me, **{k: _date(data.get(k)) for k in
                                              ("birth_date", "licence_issued_on",
                                               "licence_expires_on")}}
    violation_day = options.violation_date
    declarant = None if person.kind == PersonKind.LEGAL else person.display_name
    if any(cleaned[k] is None for k in ("birth_date", "licence_issued_on", "licence_expires_on")) \
            or driver_errors(cleaned, violation_date=violation_day, today=options.today,
                             declarant_name=declarant):
        raise DriverError("incomplete")
    at = now or utcnow()
    declaration = DriverDeclaration(
        ente_id=verbale.ente_id, verbale_id=verbale.id, person_id=person_id,
        owner_is_driver=me, first_name=data["first_name"].strip(),
        last_name=data["last_name"].strip(), birth_date=cleaned["birth_date"],
        birth_place=data["birth_place"].strip(), birth_country=data["birth_country"],
        fiscal_code=(data.get("fiscal_code") or "").strip().upper().replace(" ", "") or None,
        address_line=data["address_line"].strip(), postal_code=(data.get("postal_code") or "").strip(),
        city=data["city"].strip(), province=(data.get("province") or "").strip(),
        country=data["country"], email=(data.get("email") or "").strip() or None,
        licence_number=compact_licence(data["licence_number"]),
        licence_categories=list(data.get("licence_categories") or []),
        licence_authority=data["licence_authority"].strip(),
        licence_country=data["licence_country"],
        licence_issued_on=cleaned["licence_issued_on"],
        licence_expires_on=cleaned["licence_expires_on"], licence_copy=copy,
        declarations=list(data.get("declarations") or []),
        driver_signature=data["driver_signature"].strip(), driver_signed_at=at,
        owner_signature="" if me else data.get("owner_signature", "").strip(),
        owner_signed_at=None if me else at, language=language,
        status=DriverDeclarationStatus.FILED, created_at=at,
    )
    db.session.add(declaration)
    db.session.flush()
    with force_locale("it"):
        subject = _("Driver details (art. 126-bis): verbale %(number)s", number=verbale.number)
    body = "\n".join([
        f"Comunicazione dati del conducente (art. 126-bis CdS) - verbale n. {verbale.number}",
        f"Conducente: {declaration.driver_name}, nato/a il {declaration.birth_date.isoformat()} "
        f"a {declaration.birth_place} ({declaration.birth_country})",
        f"Residenza: {declaration.address_line}, {declaration.postal_code} {declaration.city} "
        f"{declaration.province} ({declaration.country})",
        f"Patente n. {declaration.licence_number} ({declaration.licence_country}), categorie "
        f"{', '.join(declaration.licence_categories)}, rilasciata da "
        f"{declaration.licence_authority} il {declaration.licence_issued_on.isoformat()}, "
        f"scadenza {declaration.licence_expires_on.isoformat()}",
        "Il proprietario era alla guida." if me else
        f"Firma del proprietario: {declaration.owner_signature} ({at.isoformat()})",
        f"Firma del conducente: {declaration.driver_signature} ({at.isoformat()})",
    ])
    case = cases.open_case(
        ente_id=verbale.ente_id, channel=CaseChannel.PORTAL, case_type=CaseType.DRIVER_DATA,
        subject=subject, body=body, language=language,
        actor=cases.Actor("citizen", person_id), person_id=person_id,
        requester_name=person.display_name, verbale_ids=[verbale.id], opened_at=at,
        payload={"driver_declaration_id": declaration.id, "owner_is_driver": me,
                 "driver": {"first_name": declaration.first_name,
                            "last_name": declaration.last_name,
                            "birth_date": declaration.birth_date.isoformat(),
                            "birth_place": declaration.birth_place,
                            "birth_country": declaration.birth_country,
                            "fiscal_code": declaration.fiscal_code,
                            "address": {"line": declaration.address_line,
                                        "postal_code": declaration.postal_code,
                                        "city": declaration.city,
                                        "province": declaration.province,
                                        "country": declaration.country},
                            "email": declaration.email},
                 "licence": {"number": declaration.licence_number,
                             "categories": declaration.licence_categories,
                             "authority": declaration.licence_authority,
                             "country": declaration.licence_country,
                             "issued_on": declaration.licence_issued_on.isoformat(),
                             "expires_on": declaration.licence_expires_on.isoformat()},
                 "declarations": declaration.declarations,
                 "signatures": {"driver": declaration.driver_signature,
                                "owner": declaration.owner_signature or None,
                                "at": at.isoformat()},
                 "deadline": options.deadline.due.isoformat() if options.deadline else None,
                 "late": options.late},
    )
    db.session.add(CaseAttachment(case=case, filename=copy["filename"],
                                  content_type=copy["content_type"], size=copy["size"],
                                  sha256=copy["sha256"], storage_key=copy["key"], at=at))
    declaration.case_id = case.id
    drafts.discard(_owner(person_id), DRAFT_KIND, str(verbale_id))
    audit.record("driver_data.filed", actor_type="citizen", actor_id=person_id,
                 object_type="driver_declaration", object_id=declaration.id,
                 ente_id=verbale.ente_id, verbale_id=verbale.id, case_id=case.id,
                 protocol=case.protocol, late=options.late)
    acknowledge(case)
    return declaration

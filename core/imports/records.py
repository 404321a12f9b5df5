"""One record of an import file checked into a draft verbale.

Both the police software's export and the devices' events arrive as CSV rows or JSON objects.
A CSV row is first turned into the JSON shape (``offender_last_name`` → ``offender.last_name``,
``violation_2_code`` → ``violations[1].code`` …, see :func:`csv_to_record`); then one checker
per format reads every field and returns a :class:`VerbaleDraft` or the list of problems, each
with its field path (rendered as the CSV column or the JSON path of the file) and a reason in
the operator's language. What needs the database (the violation catalogue, verbali already
imported, payment references already recorded) is checked per chunk by :mod:`.writer`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from . import fields as f
from .fields import Invalid

Path = tuple[Any, ...]

VERBALE_FIELDS = (
    "number", "violation_at", "assessed_on", "place", "plate", "registration_country",
    "vehicle", "device", "contested_on_spot", "identified_on", "status", "notified_on",
    "notification_channel", "notification_reference", "late_notification_suspected",
)
DEVICE_FIELDS = (
    "device_id", "device_kind", "device_model", "approval_ref", "calibration_ref",
    "calibration_date", "prefect_decree", "event_at", "assessed_on", "place", "plate", "country",
    "vehicle", "violation_code", "measured_speed", "tolerated_speed", "speed_limit", "frames",
)
PERSON_FIELDS = (
    "kind", "first_name", "last_name", "company_name", "fiscal_code", "foreign_id",
    "foreign_id_type", "foreign_id_country", "birth_date", "address_line", "postal_code",
    "city", "province", "country", "language", "email", "pec", "phone",
)
VIOLATION_FIELDS = ("code", "min_amount", "max_amount", "measured_speed", "tolerated_speed",
                    "speed_limit")
PAYMENT_FIELDS = ("amount", "paid_at", "channel", "reference", "allocation")
COST_KINDS = ("notification", "procedure", "assessment")

STATUSES = {
    "assessed": "assessed", "accertato": "assessed", "notified": "notified",
    "notificato": "notified", "paid": "paid", "pagato": "paid", "appealed": "appealed",
    "ricorso": "appealed", "instalments": "instalments", "rateizzato": "instalments",
    "enforcement": "enforcement", "riscossione_coattiva": "enforcement",
    "ingiunzione": "enforcement", "cancelled": "cancelled", "archiviato": "cancelled",
    "annullato": "cancelled",
}
NOTIFIED_STATUSES = ("notified", "paid", "appealed", "instalments", "enforcement")
CHANNELS = {
    "roadside": "roadside", "contestazione": "roadside", "contestazione_immediata": "roadside",
    "friendly_letter": "friendly_letter", "invito_bonario": "friendly_letter",
    "post": "post", "posta": "post", "raccomandata": "post", "pec": "pec", "send": "send",
    "international_mail": "international_mail", "posta_internazionale": "international_mail",
}
PAYMENT_CHANNELS = {
    "card": "card", "carta": "card", "pagopa": "pagopa", "bank_transfer": "bank_transfer",
    "bonifico": "bank_transfer", "postal": "postal", "bollettino": "postal",
    "counter": "counter", "sportello": "counter", "contanti": "counter",
}
ALLOCATIONS = {"saldo": "saldo", "full": "saldo", "acconto": "acconto", "partial": "acconto",
               "eccedenza": "eccedenza", "overpaid": "eccedenza"}
PERSON_KINDS = {"natural": "natural", "fisica": "natural", "persona_fisica": "natural",
                "legal": "legal", "giuridica": "legal", "persona_giuridica": "legal"}
DEVICE_KINDS = {"speed": "speed", "velox": "speed", "autovelox": "speed",
                "red_light": "red_light", "semaforo": "red_light", "rosso": "red_light",
                "ztl": "ztl", "varco": "ztl", "bus_lane": "bus_lane", "corsia": "bus_lane"}
# Violation of a device event when the file does not name one (the national catalogue's codes).
DEFAULT_CODE = {"red_light": "146.3", "ztl": "7.14-ZTL", "bus_lane": "7.14-BUS"}
SPEED_CODES = ((Decimal(10), "142.7"), (Decimal(40), "142.8"), (Decimal(60), "142.9"))
SPEED_OVER_60 = "142.9-bis"
NOON = time(12, 0)


@dataclass
class Problem:
    path: Path  # () for the whole record
    reason: str


@dataclass
class PersonDraft:
    values: dict[str, Any]  # person columns, without id and ente_id

    @property
    def key(self) -> tuple | None:
        """What identifies the same person again within the Ente."""
        if self.values.get("fiscal_code"):
            return ("cf", self.values["fiscal_code"])
        if self.values.get("foreign_id"):
            return ("fid", self.values.get("foreign_id_country") or "", self.values["foreign_id"])
        return None


@dataclass
class ViolationDraft:
    code: str
    min_amount: Decimal | None = None  # None: from the catalogue on the day of the violation
    max_amount: Decimal | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    type_id: int | None = None  # set from the catalogue by the writer


@dataclass
class PaymentDraft:
    amount: Decimal
    paid_at: datetime
    channel: str
    reference: str | None
    allocation: str | None


@dataclass
class VerbaleDraft:
    line: int
    number: str | None  # None for a device event: numbered when written
    values: dict[str, Any]  # verbale columns except ids, number and people
    offender: PersonDraft | None  # None: a device event whose keeper is still to be identified
    owner: PersonDraft | None = None
    violations: list[ViolationDraft] = field(default_factory=list)
    costs: list[tuple[str, Decimal]] = field(default_factory=list)
    payments: list[PaymentDraft] = field(default_factory=list)
    notification_reference: str = ""
    device: dict[str, Any] | None = None  # device_id, device_kind, event_at, plate
    frames: list[str] = field(default_factory=list)

    @property
    def violation_day(self) -> date:
        return self.values["violation_day"]


# -- CSV rows into the JSON shape ----------------------------------------------------------

_GROUP = re.compile(r"^(violation|payment)_(\d{1,2})_([a-z_]+)$")
_FRAME = re.compile(r"^frame_(\d{1,2})$")


def csv_paths(header: list[str], device: bool) -> tuple[dict[str, Path], list[str]]:
    """The field path of every known column, and the columns that will be ignored."""
    scalars = DEVICE_FIELDS if device else VERBALE_FIELDS
    paths: dict[str, Path] = {}
    ignored: list[str] = []
    for name in header:
        path: Path | None = None
        if name in scalars:
            path = (name,)
        elif name.startswith(("offender_", "owner_")):
            who, _sep, rest = name.partition("_")
            if rest in PERSON_FIELDS and (who == "offender" or not device):
                path = (who, rest)
        elif (m := _GROUP.match(name)) and not device:
            group, index, key = m.group(1), int(m.group(2)), m.group(3)
            allowed = VIOLATION_FIELDS if group == "violation" else PAYMENT_FIELDS
            if index >= 1 and key in allowed:
                path = (group + "s", index - 1, key)
        elif name.startswith("cost_") and name[5:] in COST_KINDS and not device:
            path = ("costs", name[5:])
        elif (m := _FRAME.match(name)) and device and int(m.group(1)) >= 1:
            path = ("frames", int(m.group(1)) - 1)
        if path is None:
            if name:
                ignored.append(name)
        else:
            paths[name] = path
    return paths, ignored


def csv_to_record(row: dict[str, str], paths: dict[str, Path]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    lists: dict[str, dict[int, Any]] = {}
    for name, value in row.items():
        path = paths.get(name)
        if path is None or f.missing(value):
            continue
        if path[0] in ("violations", "payments"):
            lists.setdefault(path[0], {}).setdefault(path[1], {})[path[2]] = value
        elif path[0] == "frames" and len(path) == 2:
            lists.setdefault("frames", {})[path[1]] = value
        elif path == ("frames",):
            lists.setdefault("frames", {}).update(
                {1000 + i: part for i, part in enumerate(value.split("|")) if part.strip()})
        elif len(path) == 2:
            record.setdefault(path[0], {})[path[1]] = value
        else:
            record[path[0]] = value
    for name, items in lists.items():
        if name == "frames":
            record[name] = [items[i] for i in sorted(items)]
        else:  # keep the file's numbering: violation_2 stays the second even if 1 is empty
            top = max(items)
            record[name] = [items.get(i) for i in range(top + 1)]
    return record


def column_label(path: Path, container: str) -> str:
    """The column (CSV) or JSON path of a field, as the operator sees it in the file."""
    if not path:
        return ""
    if container == "csv":
        head = path[0]
        if head in ("offender", "owner"):
            return f"{head}_{path[1]}" if len(path) > 1 else f"{head}_last_name"
        if head in ("violations", "payments"):
            stem = head[:-1]
            if len(path) == 1:
                return f"{stem}_1_{'code' if stem == 'violation' else 'amount'}"
            return f"{stem}_{path[1] + 1}_{path[2] if len(path) > 2 else ''}".rstrip("_")
        if head == "costs":
            return f"cost_{path[1]}" if len(path) > 1 else "cost_notification"
        if head == "frames":
            return f"frame_{path[1] + 1}" if len(path) > 1 else "frames"
        return str(head)
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# -- checking ------------------------------------------------------------------------------


class _Checker:
    def __init__(self, record: dict[str, Any]):
        self.record = record
        self.problems: list[Problem] = []

    def raw(self, path: Path) -> Any:
        if len(path) == 1:
            return self.record.get(path[0])
        value: Any = self.record
        for part in path:
            if isinstance(part, int):
                value = value[part] if isinstance(value, list) and part < len(value) else None
            else:
                value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                return None
        return value

    def get(self, path: Path, parser: Callable[..., Any], *args: Any, required: bool = False,
            **kwargs: Any) -> Any:
        return self.parse(path, self.raw(path), parser, *args, required=required, **kwargs)

    def parse(self, path: Path, value: Any, parser: Callable[..., Any], *args: Any,
              required: bool = False, **kwargs: Any) -> Any:
        if value is None or value == "" or f.missing(value):
            if required:
                self.problems.append(Problem(path, _("Required.")))
            return None
        try:
            return parser(value, *args, **kwargs)
        except Invalid as error:
            self.problems.append(Problem(path, str(error)))
            return None

    def fail(self, path: Path, reason: str) -> None:
        self.problems.append(Problem(path, reason))


def _person(check: _Checker, who: str, today: date, required: bool,
            default_country: str = "IT") -> PersonDraft | None:
    group = check.raw((who,))
    if group is not None and not isinstance(group, dict):
        check.fail((who,), _("An object with the person's data is expected."))
        return None
    if not group or all(f.missing(v) for v in group.values()):
        if required:
            check.fail((who, "last_name"), _("Required."))
        return None

    def get(name: str, parser: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        value = group.get(name)
        if value is None or value == "":
            return None
        return check.parse((who, name), value, parser, *args, **kw)

    kind = get("kind", f.choice, PERSON_KINDS) or "natural"
    country = get("country", f.country) or default_country
    values: dict[str, Any] = {
        "kind": kind,
        "first_name": get("first_name", f.text, 100) or "",
        "last_name": get("last_name", f.text, 100) or "",
        "company_name": get("company_name", f.text, 200) or "",
        "fiscal_code": get("fiscal_code", f.fiscal_code),
        "foreign_id": get("foreign_id", f.text, 40),
        "foreign_id_type": get("foreign_id_type", f.text, 30),
        "foreign_id_country": get("foreign_id_country", f.country),
        "birth_date": get("birth_date", f.a_date),
        "address_line": get("address_line", f.text, 300) or "",
        "postal_code": get("postal_code", f.text, 20) or "",
        "city": get("city", f.text, 120) or "",
        "province": get("province", f.text, 60) or "",
        "country": country,
        "language": get("language", f.language) or f.LANGUAGE_OF_COUNTRY.get(country, "en"),
        "email": get("email", f.email),
        "pec": get("pec", f.email),
        "phone": get("phone", f.text, 40),
    }
    if kind == "natural" and not values["last_name"]:
        check.fail((who, "last_name"), _("Required for a natural person."))
    if kind == "legal" and not values["company_name"]:
        check.fail((who, "company_name"), _("Required for a company or body."))
    if values["foreign_id"] and not values["foreign_id_country"]:
        values["foreign_id_country"] = country
    if values["birth_date"] and values["birth_date"] > today:
        check.fail((who, "birth_date"), _("The date is in the future."))
    return PersonDraft(values)


def _local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _json_number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def _speed(check: _Checker, prefix: Path, measured: Decimal | None, limit: Decimal | None,
           tolerated: Decimal | None) -> tuple[str | None, dict[str, Any]]:
    """The speeding article from the excess after tolerance (art. 142 c. 7–9-bis CdS) and the
    detail stored on the violation. Tolerance: 5 % of the measured speed, at least 5 km/h
    (art. 345 reg. CdS), unless the device gives the tolerated speed itself."""
    if measured is None or limit is None:
        if measured is None:
            check.fail(prefix + ("measured_speed",), _("Required for a speed violation."))
        if limit is None:
            check.fail(prefix + ("speed_limit",), _("Required for a speed violation."))
        return None, {}
    if tolerated is None:
        tolerance = max(Decimal(5), measured * Decimal("0.05"))
        tolerated = (measured - tolerance).to_integral_value(rounding=ROUND_FLOOR)
    elif tolerated > measured:
        check.fail(prefix + ("tolerated_speed",),
                   _("The tolerated speed cannot exceed the measured speed."))
        return None, {}
    excess = tolerated - limit
    if excess <= 0:
        check.fail(prefix + ("measured_speed",),
                   _("After the tolerance the speed does not exceed the limit."))
        return None, {}
    code = next((c for top, c in SPEED_CODES if excess <= top), SPEED_OVER_60)
    detail = {"measured_speed": _json_number(measured), "tolerance": _json_number(measured - tolerated),
              "counted_speed": _json_number(tolerated), "limit": _json_number(limit),
              "unit": "km/h"}
    return code, detail


def police_record(line: int, record: dict[str, Any], tz: ZoneInfo,
                  today: date) -> VerbaleDraft | list[Problem]:
    """A verbale of the police software's export (or of the previous system's archive)."""
    check = _Checker(record)
    number = check.get(("number",), f.text, 40, required=True)
    violation_at = check.get(("violation_at",), f.instant, tz, required=True)
    place = check.get(("place",), f.text, 300, required=True)
    plate = check.get(("plate",), f.plate, required=True)
    registration_country = check.get(("registration_country",), f.country) or "IT"
    spot = check.get(("contested_on_spot",), f.boolean) or False
    assessed_on = check.get(("assessed_on",), f.a_date)
    identified_on = check.get(("identified_on",), f.a_date)
    notified_on = check.get(("notified_on",), f.a_date)
    channel = check.get(("notification_channel",), f.choice, CHANNELS)
    status = check.get(("status",), f.choice, STATUSES)
    violation_day = _local_day(violation_at, tz) if violation_at else None

    if violation_at is not None and violation_day and violation_day > today:
        check.fail(("violation_at",), _("The date is in the future."))
    if spot:
        channel = channel or "roadside"
        notified_on = notified_on or violation_day
    if notified_on and not channel:
        check.fail(("notification_channel",), _("Required when the notification date is given."))
    status = status or ("notified" if notified_on else "assessed")
    if status in NOTIFIED_STATUSES and not notified_on:
        check.fail(("notified_on",), _("Required for a verbale in status %(status)s.", status=status))
    if status == "assessed" and notified_on:
        check.fail(("status",), _("A notified verbale cannot be in status assessed."))
    if violation_day:
        assessed_on = assessed_on or violation_day
        for name, day in (("assessed_on", assessed_on), ("notified_on", notified_on),
                          ("identified_on", identified_on)):
            if day and day < violation_day:
                check.fail((name,), _("The date is before the violation."))
            elif day and day > today:
                check.fail((name,), _("The date is in the future."))

    offender = _person(check, "offender", today, required=True)
    owner = _person(check, "owner", today, required=False)

    violations: list[ViolationDraft] = []
    items = check.raw(("violations",))
    if items is not None and not isinstance(items, list):
        check.fail(("violations",), _("A list of violations is expected."))
        items = []
    for index, item in enumerate(items or []):
        if item is None:
            continue
        if isinstance(item, str):
            item = {"code": item}
        if not isinstance(item, dict):
            check.fail(("violations", index), _("A violation object is expected."))
            continue
        prefix: Path = ("violations", index)
        code = check.get(prefix + ("code",), f.text, 30, required=True)
        minimum = check.get(prefix + ("min_amount",), f.money)
        maximum = check.get(prefix + ("max_amount",), f.money)
        if (minimum is None) != (maximum is None):
            check.fail(prefix + ("max_amount" if maximum is None else "min_amount",),
                       _("Give both the minimum and the maximum, or neither."))
        elif minimum is not None and maximum is not None and (minimum <= 0 or maximum < minimum):
            check.fail(prefix + ("max_amount",), _("The maximum must not be below the minimum."))
        detail: dict[str, Any] = {}
        measured = check.get(prefix + ("measured_speed",), f.number)
        if measured is not None or (code or "").startswith("142."):
            limit = check.get(prefix + ("speed_limit",), f.number)
            tolerated = check.get(prefix + ("tolerated_speed",), f.number)
            if measured is not None or limit is not None:
                expected, detail = _speed(check, prefix, measured, limit, tolerated)
                if expected and code and code.startswith("142.") and code != expected:
                    check.fail(prefix + ("code",), _(
                        "The article does not match the excess speed (expected %(code)s).",
                        code=expected))
        if code:
            violations.append(ViolationDraft(code, minimum, maximum, detail))
    if not violations and not any(p.path[:1] == ("violations",) for p in check.problems):
        check.fail(("violations", 0, "code"), _("At least one violation is required."))

    costs: list[tuple[str, Decimal]] = []
    given = check.raw(("costs",))
    if isinstance(given, list):  # JSON may also give [{"kind": ..., "amount": ...}]
        given = {str(c.get("kind")): c.get("amount") for c in given if isinstance(c, dict)}
    if given is not None and not isinstance(given, dict):
        check.fail(("costs",), _("An object of costs by kind is expected."))
        given = {}
    for kind, _value in (given or {}).items():
        if kind not in COST_KINDS:
            check.fail(("costs", kind), _("Unknown cost kind: use notification, procedure or assessment."))
            continue
        amount = check.get(("costs", kind), f.money)
        if amount is not None and amount < 0:
            check.fail(("costs", kind), _("An amount cannot be negative."))
        elif amount:
            costs.append((kind, amount))

    payments: list[PaymentDraft] = []
    items = check.raw(("payments",))
    if items is not None and not isinstance(items, list):
        check.fail(("payments",), _("A list of payments is expected."))
        items = []
    for index, item in enumerate(items or []):
        if item is None:
            continue
        prefix = ("payments", index)
        if not isinstance(item, dict):
            check.fail(prefix, _("A payment object is expected."))
            continue
        amount = check.get(prefix + ("amount",), f.money, required=True)
        paid_at = check.get(prefix + ("paid_at",), _paid_at, tz, required=True)
        pchannel = check.get(prefix + ("channel",), f.choice, PAYMENT_CHANNELS, required=True)
        reference = check.get(prefix + ("reference",), f.text, 120)
        allocation = check.get(prefix + ("allocation",), f.choice, ALLOCATIONS)
        if amount is not None and amount <= 0:
            check.fail(prefix + ("amount",), _("A payment must be a positive amount."))
            continue
        if paid_at is not None and violation_day and _local_day(paid_at, tz) < violation_day:
            check.fail(prefix + ("paid_at",), _("The date is before the violation."))
        elif paid_at is not None and _local_day(paid_at, tz) > today:
            check.fail(prefix + ("paid_at",), _("The date is in the future."))
        if amount and paid_at and pchannel:
            payments.append(PaymentDraft(amount, paid_at, pchannel, reference, allocation))

    reference = check.get(("notification_reference",), f.text, 100) or ""
    values = {
        "violation_at": violation_at, "violation_day": violation_day, "place": place,
        "plate": plate, "registration_country": registration_country,
        "vehicle": check.get(("vehicle",), f.text, 100) or "",
        "device": check.get(("device",), f.text, 200) or "",
        "assessed_on": assessed_on, "identified_on": identified_on,
        "contested_on_spot": spot, "notified_on": notified_on,
        "notification_channel": channel if notified_on else None,
        "status": status,
        "late_notification_suspected": check.get(("late_notification_suspected",), f.boolean)
        or False,
    }
    extra = check.raw(("extra",))
    if extra is not None and not isinstance(extra, dict):
        check.fail(("extra",), _("An object is expected."))
    if check.problems:
        return check.problems
    values["extra"] = dict(extra or {})
    return VerbaleDraft(line=line, number=number, values=values, offender=offender, owner=owner,
                        violations=violations, costs=costs, payments=payments,
                        notification_reference=reference)


def _paid_at(value: Any, tz: ZoneInfo) -> datetime | None:
    """A payment's date (noon in the Ente's time zone) or instant."""
    raw = str(value).strip()
    if len(raw) <= 10:
        day = f.a_date(raw)
        return datetime.combine(day, NOON, tz) if day else None  # type: ignore[arg-type]
    return f.instant(raw, tz)


def device_record(line: int, record: dict[str, Any], tz: ZoneInfo,
                  today: date) -> VerbaleDraft | list[Problem]:
    """An event of an automatic device: becomes a verbale in state ASSESSED."""
    check = _Checker(record)
    device_id = check.get(("device_id",), f.text, 60, required=True)
    kind = check.get(("device_kind",), f.choice, DEVICE_KINDS, required=True)
    model = check.get(("device_model",), f.text, 100) or ""
    approval = check.get(("approval_ref",), f.text, 200, required=True)
    calibration = check.get(("calibration_ref",), f.text, 200, required=kind == "speed")
    calibration_date = check.get(("calibration_date",), f.a_date)
    event_at = check.get(("event_at",), f.instant, tz, require_offset=True, required=True)
    place = check.get(("place",), f.text, 300, required=True)
    plate = check.get(("plate",), f.plate, required=True)
    country = check.get(("country",), f.country) or "IT"
    code = check.get(("violation_code",), f.text, 30)
    assessed_on = check.get(("assessed_on",), f.a_date)
    day = _local_day(event_at, tz) if event_at else None
    if day and day > today:
        check.fail(("event_at",), _("The date is in the future."))
    if day and calibration_date and calibration_date > day:
        check.fail(("calibration_date",), _("The calibration is later than the event."))
    if day and assessed_on and (assessed_on < day or assessed_on > today):
        check.fail(("assessed_on",), _("The date must be between the event and today."))
    detail: dict[str, Any] = {}
    if kind == "speed":
        derived, detail = _speed(check, (), check.get(("measured_speed",), f.number),
                                 check.get(("speed_limit",), f.number),
                                 check.get(("tolerated_speed",), f.number))
        if code and derived and code.startswith("142.") and code != derived:
            check.fail(("violation_code",), _(
                "The article does not match the excess speed (expected %(code)s).", code=derived))
        code = code or derived
    elif kind:
        code = code or DEFAULT_CODE[kind]
    frames: list[str] = []
    items = check.raw(("frames",))
    if isinstance(items, str):
        items = [part for part in items.split("|") if part.strip()]
    if items is not None and not isinstance(items, list):
        check.fail(("frames",), _("A list of file names is expected."))
        items = []
    for index, _item in enumerate(items or []):
        name = check.get(("frames", index), f.filename)
        if name:
            frames.append(name)
    offender = _person(check, "offender", today, required=False, default_country=country)
    if check.problems:
        return check.problems
    assert event_at is not None and day is not None and kind and device_id and plate and code
    label = f"{model} matr. {device_id}" if model else device_id
    extra = {"device_event": {
        "device_id": device_id, "kind": kind, "model": model, "approval": approval,
        "calibration": calibration or "",
        "calibration_date": calibration_date.isoformat() if calibration_date else None,
        "prefect_decree": check.get(("prefect_decree",), f.text, 200) or "",
        "frames": frames, "offender_pending": offender is None,
    }}
    values = {
        "violation_at": event_at, "violation_day": day, "place": place, "plate": plate,
        "registration_country": country, "vehicle": check.get(("vehicle",), f.text, 100) or "",
        "device": label[:200], "assessed_on": assessed_on or day, "identified_on": None,
        "contested_on_spot": False, "notified_on": None, "notification_channel": None,
        "status": "assessed", "late_notification_suspected": False, "extra": extra,
    }
    if offender is None:  # the keeper is looked up later in the vehicle registers
        offender = PersonDraft({"kind": "natural", "first_name": "", "last_name": "",
                                "company_name": "", "fiscal_code": None, "foreign_id": None,
                                "foreign_id_type": None, "foreign_id_country": None,
                                "birth_date": None, "address_line": "", "postal_code": "",
                                "city": "", "province": "", "country": country,
                                "language": f.LANGUAGE_OF_COUNTRY.get(country, "en"),
                                "email": None, "pec": None, "phone": None})
    return VerbaleDraft(line=line, number=None, values=values, offender=offender,
                        violations=[ViolationDraft(code, detail=detail)],
                        device={"device_id": device_id, "device_kind": kind, "event_at": event_at,
                                "plate": plate},
                        frames=frames)

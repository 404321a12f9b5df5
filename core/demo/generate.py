"""The base demo: two Enti with their costs and devices, the violation catalogue, staff, and
a few hundred verbali in every state, with photos, documents, notifications, payments and
access codes.

:func:`load_demo` is a service: it adds to the given session and flushes, never commits (the
CLI commits). It is idempotent: when the demo Ente ``RHO`` exists it returns at once with
``already_loaded=True``; ``reset=True`` wipes the demo data first (see
:mod:`core.demo.reset`).

Dates are relative to *today* (``notified_on`` = today for "just notified", 1-4 days ago for
the reduced window, …) so every state exists whenever the demo is loaded; identities come from
seeded random streams and are the same on every load.
"""

from __future__ import annotations

import random
import time as _time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo import states
from core.demo.catalogue import BY_CODE, CATALOGUE, amount_on
from core.demo.data import (
    DEMO_CITIZEN_PASSWORD,
    DEMO_SEED,
    PERSONAS,
    STAFF,
    Persona,
)
from core.demo.enti import BROKER_FISCAL_CODE, ENTI, DemoEnte, Device, devices_of
from core.demo.files import (
    Frame,
    Storage,
    StoredFile,
    approval_pdf,
    calibration_pdf,
    camera_frame_jpeg,
    logo_png,
    prefect_decree_pdf,
)
from core.demo.identity import plate
from core.demo.people import IT_COMPANIES, IT_RESIDENCES, POOLS, make_company, make_person
from core.demo.plan import (
    COLOURS,
    FRIENDLY,
    INTL,
    MOTORCYCLES,
    NOTIFIED_AGO,
    PEC,
    POST,
    RENTAL_VEHICLES,
    ROADSIDE,
    ROME,
    SEND,
    VEHICLES,
    Step,
    costs_for,
    days_ago,
    instant,
    iuv,
    notification_steps,
    reference,
    rome_today,
    sent_steps,
    speed_detail,
)
from core.demo.pricing import Line, amount_due, ente_rules, sanction_due
from core.models import (
    AccessCredential,
    Ente,
    EnteCost,
    Evidence,
    EvidenceKind,
    NotificationEvent,
    Payment,
    Person,
    StaffUser,
    Verbale,
    VerbaleCost,
    VerbaleViolation,
    ViolationAmount,
    ViolationType,
)
from core.models.payments import Allocation
from core.security import hash_password

DEFAULT_PORTAL_URL = "http://127.0.0.1:5000"
_HASHES: dict[str, str] = {}

# How many verbali of each state every Ente gets, besides the personas' own.
PLAN: dict[str, dict[str, int]] = {
    "RHO": {
        states.ASSESSED: 10, states.SENT: 6, states.JUST_NOTIFIED: 8, states.REDUCED_WINDOW: 16,
        states.MINIMUM_WINDOW: 34, states.PAST_60_DAYS: 22, states.PARTIALLY_PAID: 8,
        states.PAID: 38, states.APPEALED: 8, states.INSTALMENTS: 5, states.ENFORCEMENT: 10,
        states.CANCELLED: 3,
    },
    "SIRACUSA": {
        states.ASSESSED: 10, states.SENT: 6, states.JUST_NOTIFIED: 8, states.REDUCED_WINDOW: 16,
        states.MINIMUM_WINDOW: 30, states.PAST_60_DAYS: 20, states.PARTIALLY_PAID: 7,
        states.PAID: 36, states.APPEALED: 7, states.INSTALMENTS: 4, states.ENFORCEMENT: 8,
        states.CANCELLED: 3,
    },
}
FOREIGN_SHARE = {"RHO": 0.25, "SIRACUSA": 0.55}
FOREIGN_WEIGHTS = {
    "RHO": {"DE": 25, "CH": 20, "FR": 15, "NL": 10, "PL": 10, "AT": 8, "GB": 7, "ES": 5},
    "SIRACUSA": {"DE": 22, "FR": 20, "GB": 15, "ES": 12, "NL": 9, "AT": 8, "CH": 7, "PL": 7},
}
ROADSIDE_CODES = ("172.1", "173.2", "180.1", "80.14", "141.8", "171.1", "186.2a", "193.2")
ROADSIDE_PAIRS = (("172.1", "173.2"), ("80.14", "180.1"), ("80.14", "193.2"),
                  ("141.8", "173.2"))
PARKING_CODES = ("7.15-SOSTA", "157.8", "158.2")
EXPENSIVE = (("193.2",), ("186.2a",), ("80.14", "193.2"), ("180.8",))
SPEED_WEIGHTS = {"142.7": 30, "142.8": 60, "142.9": 8, "142.9-bis": 2}
USERNAME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
STATUS_OF = {
    states.ASSESSED: "assessed", states.PAID: "paid", states.APPEALED: "appealed",
    states.INSTALMENTS: "instalments", states.ENFORCEMENT: "enforcement",
    states.CANCELLED: "cancelled",
}


@dataclass
class LoadResult:
    already_loaded: bool
    verbali: int = 0
    persons: int = 0
    files: int = 0
    states: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0


def demo_loaded(session: Session) -> bool:
    """Whether the demo is in the database (its first Ente exists)."""
    return session.scalar(select(Ente.id).where(Ente.code == ENTI[0].code)) is not None


def load_demo(session: Session, storage_dir: str | Path, *, today: date | None = None,
              portal_url: str = DEFAULT_PORTAL_URL, reset: bool = False) -> LoadResult:
    """Load the base demo into ``session`` (flushed, not committed). See the module docs."""
    started = _time.monotonic()
    if reset:
        from core.demo.reset import wipe_demo

        wipe_demo(session, storage_dir)
    elif demo_loaded(session):
        return LoadResult(already_loaded=True)
    loader = _Loader(session, Storage(storage_dir), today or rome_today(), portal_url)
    result = loader.run()
    from core.demo.cases import load_demo_cases, set_demo_pins

    load_demo_cases()
    set_demo_pins()
    from core.demo.calls import load_demo_calls

    load_demo_calls()
    from core.demo.extras import load_demo_extras

    load_demo_extras()
    result.elapsed = _time.monotonic() - started
    return result


def upsert_catalogue(session: Session) -> dict[str, ViolationType]:
    """Create the catalogue's violation types, or bring existing ones up to date."""
    existing = {vt.code: vt for vt in session.scalars(
        select(ViolationType).where(ViolationType.code.in_([e.code for e in CATALOGUE])))}
    for entry in CATALOGUE:
        vt = existing.get(entry.code)
        if vt is None:
            vt = ViolationType(code=entry.code)
            session.add(vt)
            existing[entry.code] = vt
        vt.article = entry.article
        vt.description = dict(entry.description)
        vt.licence_points = entry.licence_points
        vt.reduced_payment_allowed = entry.reduced_payment_allowed
        vt.discount_30_allowed = entry.discount_30_allowed
        vt.accessory_sanctions = list(entry.accessory_sanctions)
        vt.cross_border = entry.cross_border
        have = {a.valid_from: a for a in vt.amounts}
        for minimum, maximum, valid_from, valid_to in entry.amounts:
            amount = have.get(valid_from)
            if amount is None:
                vt.amounts.append(ViolationAmount(min_amount=minimum, max_amount=maximum,
                                                  valid_from=valid_from, valid_to=valid_to))
            else:
                amount.min_amount, amount.max_amount = minimum, maximum
                amount.valid_to = valid_to
    session.flush()
    return existing


def create_ente(session: Session, storage: Storage, spec: DemoEnte, portal_url: str) -> Ente:
    logo = storage.write(f"logos/{spec.code}.png", logo_png(spec), "image/png")
    ente = Ente(
        code=spec.code, name=spec.name, fiscal_code=spec.fiscal_code,
        segregation_code=spec.segregation_code, id_broker_pa=BROKER_FISCAL_CODE,
        id_station=spec.id_station, iban=spec.iban, address=spec.address, email=spec.email,
        pec=spec.pec, phone=spec.phone, portal_url=portal_url, timezone="Europe/Rome",
        patron_saint=spec.patron_saint, rules=spec.rules, charter_terms=spec.charter_terms,
        contact_hours=spec.contact_hours, logo_path=logo.key,
    )
    for channel, kind, amount, valid_from, valid_to in spec.costs:
        ente.costs.append(EnteCost(channel=channel, kind=kind, amount=amount,
                                   valid_from=valid_from, valid_to=valid_to))
    session.add(ente)
    session.flush()
    return ente


def write_device_documents(storage: Storage, spec: DemoEnte,
                           device: Device) -> list[tuple[EvidenceKind, str, StoredFile]]:
    """The device's shared documents, written once and referenced by every verbale."""
    base = f"demo/devices/{device.key}"
    docs = [
        (EvidenceKind.DEVICE_APPROVAL, "decreto-approvazione.pdf",
         storage.write(f"{base}/approval.pdf", approval_pdf(device), "application/pdf")),
        (EvidenceKind.CALIBRATION, "certificato-taratura.pdf",
         storage.write(f"{base}/calibration.pdf", calibration_pdf(device), "application/pdf")),
    ]
    if device.prefect_decree:
        docs.append((EvidenceKind.PREFECT_DECREE, "decreto-prefettizio.pdf",
                     storage.write(f"{base}/prefect-decree.pdf",
                                   prefect_decree_pdf(device, spec), "application/pdf")))
    return docs


@dataclass
class _Slot:
    """What one verbale will be: offender, owner, violations, device, channel, state."""

    state: str
    offender: Person
    offender_country: str
    owner: Person | None = None
    codes: tuple[str, ...] = ()
    device: Device | None = None
    roadside: bool = False
    registration_country: str = "IT"
    vehicle: str = ""
    rental: bool = False
    place: str = ""
    forced_ago: int | None = None  # days since notification, for the personas
    paid_after: int | None = None  # personas: pay on day N (paid / partially paid)
    channel: str | None = None


class _Loader:
    def __init__(self, session: Session, storage: Storage, today: date, portal_url: str):
        self.session = session
        self.storage = storage
        self.today = today
        self.portal_url = portal_url
        self.files = 0
        self.verbali = 0
        # person, Ente prefix, own password, own username (None: generated)
        self.persons: list[tuple[Person, str, str | None, str | None]] = []
        self.state_counts: Counter[str] = Counter()
        self.usernames: set[str] = set()
        self.numbers: Counter[str] = Counter()
        self.payment_numbers: Counter[str] = Counter()
        self.companies: dict[tuple[str, int], Person] = {}
        self.reusable: dict[str, list[tuple[Person, str]]] = {}
        self.now = datetime.now(ROME)

    # -- helpers ---------------------------------------------------------------------------

    def _hash(self, password: str) -> str:
        # argon2 costs ~0.2 s a hash: hash each distinct demo password once per process and
        # share it (a salted hash verifies the same password wherever it is stored).
        if password not in _HASHES:
            _HASHES[password] = hash_password(password)
        return _HASHES[password]

    def _add_person(self, ente: Ente, spec: DemoEnte, values: dict,
                    password: str | None = None, username: str | None = None) -> Person:
        person = Person(ente_id=ente.id, **values)
        self.session.add(person)
        self.persons.append((person, spec.short, password, username))
        return person

    # -- main ------------------------------------------------------------------------------

    def run(self) -> LoadResult:
        self.vtypes = upsert_catalogue(self.session)
        self.enti: dict[str, Ente] = {}
        for spec in ENTI:
            self.enti[spec.code] = create_ente(self.session, self.storage, spec, self.portal_url)
            self.files += 1
        self.rules = {spec.code: ente_rules(spec.patron_saint, spec.rules) for spec in ENTI}
        self.device_docs = {}
        for spec in ENTI:
            for device in devices_of(spec.code):
                self.device_docs[device.key] = write_device_documents(self.storage, spec, device)
                self.files += len(self.device_docs[device.key])
        self._staff()
        for spec in ENTI:
            self._ente_verbali(spec)
        self._personas()
        self._credentials()
        self.session.flush()
        return LoadResult(already_loaded=False, verbali=self.verbali,
                          persons=len(self.persons), files=self.files,
                          states=dict(self.state_counts))

    def _staff(self) -> None:
        for spec in STAFF:
            # enrolled with a published secret, so a demo sign-in never stops at enrolment
            user = StaffUser(email=spec.email, name=spec.name, role=spec.role,
                             password_hash=self._hash(spec.password),
                             languages=list(spec.languages), totp_secret=spec.totp_secret,
                             totp_enrolled_at=self.now)
            user.enti = [self.enti[code] for code in spec.enti]
            self.session.add(user)
        self.session.flush()

    def _credentials(self) -> None:
        for index, (person, short, password, username) in enumerate(self.persons):
            if username is None:
                rng = random.Random(f"{DEMO_SEED}-username-{index}-{short}")
                while True:
                    username = f"{short}-" + "".join(rng.choice(USERNAME_ALPHABET)
                                                     for _ in range(8))
                    if username not in self.usernames:
                        break
            self.usernames.add(username)
            self.session.add(AccessCredential(
                person_id=person.id, username=username,
                password_hash=self._hash(password or DEMO_CITIZEN_PASSWORD)))
        self.session.flush()

    # -- companies and people --------------------------------------------------------------

    def _company(self, spec: DemoEnte, index: int) -> Person:
        cache = self.companies
        key = (spec.code, index)
        if key not in cache:
            rng = random.Random(f"{DEMO_SEED}-company-{spec.code}-{index}")
            cache[key] = self._add_person(self.enti[spec.code], spec,
                                          make_company(rng, spec.code, index))
        return cache[key]

    def _slot(self, spec: DemoEnte, state: str, index: int) -> _Slot:
        """Choose offender, owner, violations and device of generic verbale ``index``."""
        rng = random.Random(f"{DEMO_SEED}-slot-{spec.code}-{state}-{index}")
        ente = self.enti[spec.code]
        reuse = self.reusable.setdefault(spec.code, [])
        devices = devices_of(spec.code)
        roll = rng.random()
        company_offender = rng.random() < 0.07
        foreign = not company_offender and rng.random() < FOREIGN_SHARE[spec.code]
        if company_offender:
            offender = self._company(spec, rng.randrange(len(IT_COMPANIES[spec.code])))
            country = "IT"
        elif reuse and rng.random() < 0.08:
            offender, country = rng.choice(reuse)
        else:
            if foreign:
                weights = FOREIGN_WEIGHTS[spec.code]
                country = rng.choices(list(weights), list(weights.values()))[0]
            else:
                country = "IT"
            offender = self._add_person(ente, spec, make_person(rng, country, spec.code))
            reuse.append((offender, country))
        slot = _Slot(state=state, offender=offender, offender_country=country,
                     registration_country=country)
        can_stop = state not in (states.ASSESSED, states.SENT) and not company_offender
        if state == states.INSTALMENTS:
            if (rng.random() < 0.4 or company_offender) and devices[0].kind == "speed":
                slot.device = devices[0]
                slot.codes = ("142.9",)
            else:
                slot.codes = rng.choice(EXPENSIVE)
                slot.roadside = slot.codes != ("180.8",)
        elif roll < 0.33:
            slot.device = rng.choice(devices)
            if slot.device.kind == "speed":
                options = [c for c in slot.device.violation_codes]
                code = rng.choices(options, [SPEED_WEIGHTS[c] for c in options])[0]
                slot.codes = (code,)
            else:
                slot.codes = slot.device.violation_codes
        elif roll < 0.70 or not can_stop:
            slot.codes = (rng.choice(PARKING_CODES),)
        else:
            slot.roadside = True
            slot.codes = (rng.choice(ROADSIDE_PAIRS) if rng.random() < 0.25
                          else (rng.choice(ROADSIDE_CODES),))
        if company_offender and rng.random() < 0.3 and state in (
                states.PAST_60_DAYS, states.MINIMUM_WINDOW, states.ENFORCEMENT):
            slot.codes, slot.device = ("126-bis.2",), None
            slot.place = spec.police
        if "171.1" in slot.codes:
            slot.vehicle = rng.choice(MOTORCYCLES)
        # rental cars (Italian plates) driven by foreign tourists; company cars of Italians
        if foreign and not slot.roadside and rng.random() < (
                0.3 if spec.code == "SIRACUSA" else 0.15) and "126-bis.2" not in slot.codes:
            slot.rental = True
            slot.owner = self._company(spec, 0 if spec.code == "SIRACUSA" else 1)
            slot.registration_country = "IT"
            slot.vehicle = rng.choice(RENTAL_VEHICLES)
        elif country == "IT" and not company_offender and slot.roadside and rng.random() < 0.2:
            slot.owner = self._company(spec, rng.randrange(len(IT_COMPANIES[spec.code])))
        return slot

    def _ente_verbali(self, spec: DemoEnte) -> None:
        slots = [(self._slot(spec, state, index), f"{spec.code}-{state}-{index}")
                 for state, count in PLAN[spec.code].items() for index in range(count)]
        self.session.flush()  # the people get their ids (notification events need them)
        for slot, key in slots:
            self._verbale(spec, slot, random.Random(f"{DEMO_SEED}-verbale-{key}"))

    # -- the personas ----------------------------------------------------------------------

    def _persona_person(self, persona: Persona) -> Person:
        person = self._persona_record(persona)
        self.session.flush()
        return person

    def _persona_record(self, persona: Persona) -> Person:
        spec = next(e for e in ENTI if e.code == persona.ente)
        ente = self.enti[spec.code]
        rng = random.Random(f"{DEMO_SEED}-persona-{persona.key}")
        if persona.company is not None:
            key = (spec.code, persona.company)
            if key in self.companies:  # already an owner or offender: give it the codes
                person = self.companies[key]
                self.persons = [(p, s, persona.password, persona.username) if p is person
                                else (p, s, pw, u) for p, s, pw, u in self.persons]
                return person
            person = self._add_person(ente, spec, make_company(rng, spec.code, persona.company),
                                      persona.password, persona.username)
            self.companies[key] = person
            return person
        places = IT_RESIDENCES[spec.code] if persona.country == "IT" else \
            POOLS[persona.country].places
        place = next(p for p in places if p.city == persona.city)
        values = make_person(rng, persona.country, spec.code, first=persona.first_name,
                             last=persona.last_name, female=persona.female, place=place,
                             with_email=True)
        return self._add_person(ente, spec, values, persona.password, persona.username)

    def _personas(self) -> None:
        by_key = {p.key: p for p in PERSONAS}
        rho = next(e for e in ENTI if e.code == "RHO")
        sr = next(e for e in ENTI if e.code == "SIRACUSA")
        rho_speed = devices_of("RHO")[0]
        sr_devices = {d.kind: d for d in devices_of("SIRACUSA")}
        rng = random.Random(f"{DEMO_SEED}-personas")

        giulia = self._persona_person(by_key["it"])
        self._verbale(rho, _Slot(states.MINIMUM_WINDOW, giulia, "IT", codes=("142.8",),
                                 device=rho_speed, forced_ago=20, channel=SEND), rng)
        self._verbale(rho, _Slot(states.PAID, giulia, "IT", codes=("7.15-SOSTA",),
                                 forced_ago=75, paid_after=3, channel=POST), rng)

        lukas = self._persona_person(by_key["de"])
        self._verbale(sr, _Slot(states.REDUCED_WINDOW, lukas, "DE", registration_country="DE",
                                codes=("142.8",), device=sr_devices["speed"], forced_ago=2,
                                channel=FRIENDLY, vehicle="Volkswagen Golf"), rng)

        camille = self._persona_person(by_key["fr"])
        self._verbale(sr, _Slot(states.MINIMUM_WINDOW, camille, "FR", registration_country="FR",
                                codes=("146.3",), device=sr_devices["red_light"],
                                forced_ago=25, channel=INTL, vehicle="Peugeot 208"), rng)

        javier = self._persona_person(by_key["es"])
        rental = self._company(sr, 0)
        self._verbale(sr, _Slot(states.MINIMUM_WINDOW, javier, "ES", owner=rental,
                                codes=("7.14-ZTL",), device=sr_devices["ztl"], rental=True,
                                vehicle="Fiat 500", forced_ago=12, channel=INTL), rng)
        self._verbale(sr, _Slot(states.PAID, javier, "ES", owner=rental, codes=("7.14-ZTL",),
                                device=sr_devices["ztl"], rental=True, vehicle="Fiat 500",
                                forced_ago=40, paid_after=9, channel=INTL), rng)

        oliver = self._persona_person(by_key["en"])
        self._verbale(rho, _Slot(states.PARTIALLY_PAID, oliver, "GB", registration_country="GB",
                                 codes=("142.8",), device=rho_speed, forced_ago=30,
                                 paid_after=4, channel=INTL, vehicle="Land Rover Discovery"),
                      rng)

        company = self._persona_person(by_key["company"])
        self._verbale(rho, _Slot(states.MINIMUM_WINDOW, company, "IT", codes=("142.8",),
                                 device=rho_speed, forced_ago=15, channel=PEC,
                                 vehicle="Ford Transit"), rng)

    # -- one verbale -----------------------------------------------------------------------

    def _channel(self, spec: DemoEnte, slot: _Slot, rng: random.Random) -> str:
        if slot.channel:
            return slot.channel
        if slot.roadside:
            return ROADSIDE
        person = slot.offender
        if slot.offender_country != "IT":
            if spec.code == "SIRACUSA" and not slot.rental:
                early = slot.state in (states.JUST_NOTIFIED, states.REDUCED_WINDOW,
                                       states.SENT, states.ASSESSED)
                if early or (slot.state == states.PAID and rng.random() < 0.5):
                    return FRIENDLY
            return INTL
        if person.kind == "legal" or person.pec:
            return PEC
        return SEND if rng.random() < (0.6 if spec.code == "RHO" else 0.4) else POST

    def _at(self, day: date, rng: random.Random, start: int = 7, end: int = 21) -> datetime:
        """An instant on ``day``; never later than now when ``day`` is today."""
        moment = instant(day, rng, start, end)
        if day >= self.today:
            moment = min(moment, self.now - timedelta(minutes=rng.randint(1, 50)))
        return moment

    def _verbale(self, spec: DemoEnte, slot: _Slot, rng: random.Random) -> None:
        ente = self.enti[spec.code]
        today = self.today
        state = slot.state
        channel = self._channel(spec, slot, rng)
        foreign = slot.offender_country != "IT"
        year = today.year

        # -- day 0 and the paying day -------------------------------------------------------
        notified_on: date | None = None
        paid_on: date | None = None
        if slot.forced_ago is not None:
            notified_on = today - timedelta(days=slot.forced_ago)
            if slot.paid_after is not None:
                paid_on = notified_on + timedelta(days=slot.paid_after)
        elif state == states.PAID:
            r = rng.random()
            after = (rng.randint(0, 5) if r < 0.55 else rng.randint(6, 60) if r < 0.9
                     else rng.randint(61, 200))
            if channel == FRIENDLY:
                after = min(after, 5)  # paid on the friendly letter's offer
            if slot.roadside and foreign:
                after = 0  # art. 207: paid on the spot
            notified_on = today - timedelta(days=after + rng.randint(0, 250))
            paid_on = notified_on + timedelta(days=after)
        elif state == states.PARTIALLY_PAID:
            after = rng.randint(1, 50)
            notified_on = today - timedelta(days=after + rng.randint(2, 100))
            paid_on = notified_on + timedelta(days=after)
        elif state in NOTIFIED_AGO:
            notified_on = days_ago(today, rng, *NOTIFIED_AGO[state])
        if state == states.PARTIALLY_PAID and channel in (ROADSIDE, FRIENDLY):
            channel = INTL if foreign else POST  # a partial payment needs costs to miss
            slot.roadside = False

        # -- notification steps, sending and assessment dates ------------------------------
        ref = reference(channel, rng, year)
        steps: list[Step] = []
        sent_on: date | None
        if state == states.ASSESSED:
            sent_on = None
            anchor = today - timedelta(days=rng.randint(0, 3))
            if rng.random() < 0.5:
                steps = [Step(channel, "queued", anchor, None, "")]
            assessed_on = anchor - timedelta(days=rng.randint(2, 30 if not foreign else 120))
        elif state == states.SENT:
            sent_on = today - timedelta(days=rng.randint(1, 6))
            steps = sent_steps(channel, sent_on, today, rng, ref)
            assessed_on = sent_on - timedelta(days=rng.randint(5, 40 if not foreign else 150))
        else:
            assert notified_on is not None
            sent_on, steps = notification_steps(channel, notified_on, rng, ref)
            if channel == ROADSIDE:
                assessed_on = notified_on
            else:
                lag = rng.randint(5, 40) if not foreign else rng.randint(30, 150)
                if channel == INTL and spec.code == "SIRACUSA" and not slot.rental:
                    # the friendly letter went first and was not answered
                    letter_on = sent_on - timedelta(days=rng.randint(40, 70))
                    letter_ref = reference(FRIENDLY, rng, year)
                    steps = [
                        Step(FRIENDLY, "sent", letter_on, None, letter_ref),
                        Step(FRIENDLY, "delivered", letter_on + timedelta(days=8), None,
                             letter_ref),
                    ] + steps
                    sent_on = letter_on
                assessed_on = sent_on - timedelta(days=lag)
        late = False
        if (not foreign and channel in (POST, SEND) and sent_on is not None and state in (
                states.PAST_60_DAYS, states.ENFORCEMENT) and rng.random() < 0.12):
            assessed_on = sent_on - timedelta(days=rng.randint(95, 120))  # sent after 90 days
            late = True
        identified_on = None
        owner_steps: list[tuple[Person, Step]] = []
        if slot.owner is not None and slot.rental and sent_on is not None:
            # the rental company was notified first and named the driver
            identified_on = sent_on - timedelta(days=rng.randint(10, 30))
            owner_sent = identified_on - timedelta(days=rng.randint(10, 25))
            owner_steps = self._pec_steps(slot.owner, owner_sent, rng, year)
            assessed_on = min(assessed_on, owner_sent - timedelta(days=rng.randint(3, 10)))
        elif slot.owner is not None and notified_on is not None:
            owner_day = notified_on + timedelta(days=rng.randint(3, 15))
            owner_steps = self._pec_steps(slot.owner, owner_day, rng, year)
            if owner_day > today:
                owner_steps = []
        if slot.device is not None:
            violation_day = assessed_on - timedelta(days=rng.randint(0, 4))
        else:
            violation_day = assessed_on
        violation_at = self._at(violation_day, rng)

        # -- verbale, violations, costs ---------------------------------------------------
        reg_country = slot.registration_country
        plate_area = ""
        if reg_country != "IT":
            city = slot.offender.city
            plate_area = next((p.plate_area for p in POOLS[reg_country].places
                               if p.city == city), "")
        plate_compact, plate_shown = plate(rng, reg_country, plate_area)
        vehicle = slot.vehicle or rng.choice(VEHICLES[reg_country])
        place = slot.device.place if slot.device else slot.place or rng.choice(spec.patrol_places)
        self.numbers[spec.code] += 1
        number = f"{spec.short}/{assessed_on.year}/{self.numbers[spec.code]:06d}"
        status = STATUS_OF.get(state, "notified")
        verbale = Verbale(
            ente_id=ente.id, number=number, violation_at=violation_at, place=place,
            plate=plate_compact, registration_country=reg_country, vehicle=vehicle,
            device=slot.device.label if slot.device else "", assessed_on=assessed_on,
            identified_on=identified_on, contested_on_spot=slot.roadside,
            notified_on=notified_on if state not in (states.ASSESSED, states.SENT) else None,
            notification_channel=channel if state != states.ASSESSED else None,
            status=status, late_notification_suspected=late,
            offender=slot.offender, owner=slot.owner,
        )
        lines: list[Line] = []
        for code in slot.codes:
            minimum, maximum = amount_on(code, violation_day)
            entry = BY_CODE[code]
            detail: dict = {}
            if code.startswith("142.") and slot.device and slot.device.speed_limit:
                detail = speed_detail(rng, code, slot.device.speed_limit)
            elif code == "186.2a":
                detail = {"alcohol_g_l": f"0.{rng.randint(51, 79)}"}
            verbale.violations.append(VerbaleViolation(
                violation_type_id=self.vtypes[code].id, min_amount=minimum,
                max_amount=maximum, detail=detail))
            lines.append(Line(minimum, maximum, entry.reduced_payment_allowed,
                              entry.discount_30_allowed))
        cost_amounts: list[Decimal] = []
        if sent_on is not None and channel not in (ROADSIDE, FRIENDLY):
            for kind, amount in costs_for(spec, channel, sent_on):
                verbale.costs.append(VerbaleCost(kind=kind, channel=channel, amount=amount))
                cost_amounts.append(amount)
            if owner_steps:
                for kind, amount in costs_for(spec, PEC, owner_steps[0][1].on):
                    if kind == "notification":
                        verbale.costs.append(VerbaleCost(kind=kind, channel=PEC, amount=amount))
                        cost_amounts.append(amount)

        # -- what the state adds: payments to record and details --------------------------
        extra, payments = self._state_details(spec, verbale, slot, lines, cost_amounts,
                                              notified_on, paid_on, rng)
        verbale.extra = extra
        if slot.device is not None:
            self._photos(spec, verbale, slot, plate_shown, violation_at, rng)
            for kind, filename, stored in self.device_docs[slot.device.key]:
                verbale.evidence.append(self._evidence(kind, filename, stored))
        self.session.add(verbale)
        self.verbali += 1
        if self.verbali % 60 == 0:
            self.session.flush()

        for step in steps:
            self._event(verbale, slot.offender, step, rng)
        for person, step in owner_steps:
            self._event(verbale, person, step, rng)
        paid = Decimal(0)
        allocation = Allocation.FULL if state == states.PAID else Allocation.PARTIAL
        for amount, on, instalment in payments:
            self._payment(spec, verbale, slot, amount, on, rng, instalment, allocation)
            paid += amount
        self.state_counts[states.demo_state(status, verbale.notified_on, today, paid)] += 1

    def _pec_steps(self, owner: Person, day: date, rng: random.Random,
                   year: int) -> list[tuple[Person, Step]]:
        ref = reference(PEC, rng, year)
        return [(owner, Step(PEC, outcome, day, day if outcome == "perfected" else None, ref))
                for outcome in ("sent", "delivered", "perfected")]

    def _state_details(self, spec: DemoEnte, verbale: Verbale, slot: _Slot,
                       lines: list[Line], costs: list[Decimal], notified_on: date | None,
                       paid_on: date | None, rng: random.Random,
                       ) -> tuple[dict, list[tuple[Decimal, date, int | None]]]:
        """``(extra, payments)`` of the verbale's state; payments as (amount, day, instalment)."""
        today = self.today
        rules = self.rules[spec.code]
        state = slot.state
        extra: dict = {"demo_state": state}
        payments: list[tuple[Decimal, date, int | None]] = []
        if slot.offender.kind == "legal" and any(BY_CODE[c].licence_points for c in slot.codes):
            due_by = notified_on + timedelta(days=60) if notified_on else None
            extra["driver_identification"] = {
                "required": True, "due_by": due_by.isoformat() if due_by else None}
        if state == states.PAID:
            assert notified_on and paid_on
            payments.append((amount_due(lines, notified_on, paid_on, costs, rules), paid_on,
                             None))
        elif state == states.PARTIALLY_PAID:
            assert notified_on and paid_on
            payments.append((sanction_due(lines, notified_on, paid_on, rules), paid_on, None))
            extra["partial_payment"] = {"missing": "costs"}
        elif state == states.APPEALED:
            assert notified_on
            days = max(1, (today - notified_on).days)
            authority = "prefetto" if rng.random() < 0.7 else "giudice_di_pace"
            limit = 60 if authority == "prefetto" or slot.offender_country != "IT" else 30
            filed = notified_on + timedelta(days=rng.randint(1, max(1, min(days, limit - 1))))
            extra["appeal"] = {"authority": authority, "filed_on": filed.isoformat(),
                               "filed_via": rng.choice(["pec", "raccomandata", "portal"]),
                               "reference": f"RIC-{verbale.number}"}
        elif state == states.INSTALMENTS:
            assert notified_on
            requested = notified_on + timedelta(days=rng.randint(5, 20))
            granted = min(today, requested + timedelta(days=rng.randint(5, 15)))
            total = amount_due(lines, notified_on, requested, costs, rules)
            max_count = 12 if total <= 2000 else 24 if total <= 5000 else 60
            count = max(2, min(max_count, int(total // 100), rng.randint(4, max_count)))
            each = (total / count).quantize(Decimal("0.01"), ROUND_DOWN)
            schedule = [granted + timedelta(days=30 * (k + 1)) for k in range(count)]
            paid_count = min(count - 1, sum(1 for due in schedule if due <= today))
            payments.extend((each, schedule[k], k + 1) for k in range(paid_count))
            extra["instalments"] = {
                "requested_on": requested.isoformat(), "granted_on": granted.isoformat(),
                "count": count, "amount": str(each), "total": str(total),
                "last_amount": str(total - each * (count - 1)),
                "first_due_on": schedule[0].isoformat(), "paid": paid_count,
            }
        elif state == states.ENFORCEMENT:
            assert notified_on
            reminder = notified_on + timedelta(days=rng.randint(90, 150))
            issued = min(today, reminder + timedelta(days=rng.randint(40, 90)))
            due = amount_due(lines, notified_on, issued, costs, rules)
            extra["enforcement"] = {"kind": "ingiunzione_fiscale",
                                    "reminder_sent_on": reminder.isoformat(),
                                    "issued_on": issued.isoformat(), "amount": str(due)}
        elif state == states.CANCELLED:
            assert notified_on
            decided = min(today, notified_on + timedelta(days=rng.randint(20, 100)))
            extra["cancellation"] = {
                "reason": rng.choice(["appeal_accepted", "self_correction"]),
                "decided_on": decided.isoformat()}
        return extra, payments

    def _event(self, verbale: Verbale, person: Person, step: Step,
               rng: random.Random) -> None:
        self.session.add(NotificationEvent(
            verbale=verbale, person_id=person.id, channel=step.channel,
            outcome=step.outcome, occurred_at=self._at(step.on, rng, 8, 19),
            perfected_on=step.perfected_on, reference=step.reference, details=step.details))

    def _payment(self, spec: DemoEnte, verbale: Verbale, slot: _Slot, amount: Decimal,
                 paid_on: date, rng: random.Random, instalment: int | None = None,
                 allocation: Allocation = Allocation.FULL) -> None:
        foreign = slot.offender_country != "IT"
        if slot.roadside and foreign and instalment is None and paid_on == verbale.notified_on:
            channel = "counter"
        elif foreign:
            channel = "card" if rng.random() < 0.65 else "bank_transfer"
        else:
            channel = rng.choices(["pagopa", "postal", "counter"], [80, 12, 8])[0]
        details: dict = {"payer": slot.offender.display_name}
        self.payment_numbers[spec.code] += 1
        n = self.payment_numbers[spec.code]
        if channel == "pagopa":
            code, notice = iuv(spec.segregation_code, f"1{n:012d}")
            details.update(iuv=code, notice_number=notice)
            ref = code
        elif channel == "card":
            ref = "pi_demo_" + "".join(rng.choice("0123456789abcdef") for _ in range(20))
        elif channel == "bank_transfer":
            ref = f"TRN{spec.short}{n:010d}"
        elif channel == "postal":
            ref = f"BP{spec.short}{n:010d}"
        else:
            ref = f"CASSA-{spec.short}-{n:06d}"
        if instalment is not None:
            details["instalment"] = instalment
        paid_at = self._at(paid_on, rng, 8, 20)
        self.session.add(Payment(
            ente_id=verbale.ente_id, verbale=verbale, channel=channel,
            status="confirmed", amount=amount, provider_ref=ref, allocation=allocation,
            created_at=paid_at - timedelta(minutes=rng.randint(1, 30)), paid_at=paid_at,
            details=details))

    def _photos(self, spec: DemoEnte, verbale: Verbale, slot: _Slot, plate_shown: str,
                violation_at: datetime, rng: random.Random) -> None:
        device = slot.device
        assert device is not None
        local = violation_at.astimezone(ROME).replace(tzinfo=None)
        speed = next((v.detail.get("measured_speed") for v in verbale.violations
                      if v.detail.get("measured_speed")), None)
        colour = rng.choice(COLOURS)
        lane = rng.randint(1, 2)
        for frame_no in (1, 2):
            delay = timedelta(milliseconds=(400 if device.kind == "speed" else 1000) * (frame_no - 1))
            frame = Frame(plate=plate_shown, country=slot.registration_country,
                          taken_at=local + delay, place=device.place, device=device.label,
                          frame_no=frame_no, frames=2, kind=device.kind, colour=colour,
                          speed=speed, limit=device.speed_limit, lane=lane)
            key = (f"demo/photos/{spec.code}/{verbale.number.replace('/', '-')}"
                   f"-{frame_no}.jpg")
            stored = self.storage.write(key, camera_frame_jpeg(frame), "image/jpeg")
            self.files += 1
            verbale.evidence.append(self._evidence(EvidenceKind.PHOTO,
                                                   f"fotogramma-{frame_no}.jpg", stored))

    @staticmethod
    def _evidence(kind: EvidenceKind, filename: str, stored: StoredFile) -> Evidence:
        return Evidence(kind=kind, filename=filename, content_type=stored.content_type,
                        size=stored.size, sha256=stored.sha256, storage_key=stored.key)

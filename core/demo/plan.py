"""Shared planning helpers of the base demo and the bulk generator: dates of a verbale's life
relative to *today*, notification steps per channel, costs in force, vehicles and pagoPA
references.

Every helper draws from the ``random.Random`` it is given and never from the clock, so the
same seed gives the same identities whatever day the demo is loaded; only the dates move.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.demo import states
from core.demo.enti import DemoEnte

ROME = ZoneInfo("Europe/Rome")

# channel values (strings, so the bulk generator writes them without the ORM)
ROADSIDE, FRIENDLY, POST, PEC, SEND, INTL = (
    "roadside", "friendly_letter", "post", "pec", "send", "international_mail")


def rome_today() -> date:
    """Today's date in Italy (the legal calendar of the amount windows)."""
    return datetime.now(ROME).date()


def instant(day: date, rng: random.Random, start: int = 7, end: int = 21) -> datetime:
    """An aware UTC instant on ``day`` at a random Rome local time between the hours."""
    local = datetime.combine(day, time(rng.randint(start, end - 1), rng.randint(0, 59),
                                       rng.randint(0, 59)), tzinfo=ROME)
    return local.astimezone(UTC)


@dataclass
class Step:
    """One notification event to record."""

    channel: str
    outcome: str
    on: date
    perfected_on: date | None = None
    reference: str = ""
    details: dict = field(default_factory=dict)


def notification_steps(channel: str, perfected: date, rng: random.Random,
                       ref: str) -> tuple[date, list[Step]]:
    """``(sent_on, steps)`` of a notification by ``channel`` perfected on ``perfected``."""
    if channel == ROADSIDE:
        return perfected, [Step(ROADSIDE, "perfected", perfected, perfected, ref,
                                {"note": "contestazione immediata"})]
    if channel == PEC:
        return perfected, [
            Step(PEC, "sent", perfected, None, ref, {"receipt": "accettazione"}),
            Step(PEC, "delivered", perfected, None, ref, {"receipt": "avvenuta consegna"}),
            Step(PEC, "perfected", perfected, perfected, ref),
        ]
    if channel == POST:
        if rng.random() < 0.25:  # compiuta giacenza: 10 days in storage
            stored = perfected - timedelta(days=10)
            sent = stored - timedelta(days=rng.randint(2, 5))
            return sent, [
                Step(POST, "sent", sent, None, ref),
                Step(POST, "in_storage", stored, None, ref, {"office": "ufficio postale"}),
                Step(POST, "perfected", perfected, perfected, ref,
                     {"rule": "compiuta giacenza"}),
            ]
        sent = perfected - timedelta(days=rng.randint(2, 6))
        return sent, [
            Step(POST, "sent", sent, None, ref),
            Step(POST, "delivered", perfected, None, ref),
            Step(POST, "perfected", perfected, perfected, ref),
        ]
    if channel == SEND:
        if rng.random() < 0.6:  # first access by the recipient
            delivered = perfected - timedelta(days=rng.randint(0, 5))
            sent = delivered - timedelta(days=rng.randint(1, 3))
            return sent, [
                Step(SEND, "sent", sent, None, ref),
                Step(SEND, "delivered", delivered, None, ref, {"to": "domicilio digitale"}),
                Step(SEND, "viewed", perfected, None, ref),
                Step(SEND, "perfected", perfected, perfected, ref, {"rule": "presa visione"}),
            ]
        delivered = perfected - timedelta(days=7)
        sent = delivered - timedelta(days=rng.randint(1, 3))
        return sent, [
            Step(SEND, "sent", sent, None, ref),
            Step(SEND, "delivered", delivered, None, ref, {"to": "domicilio digitale"}),
            Step(SEND, "perfected", perfected, perfected, ref,
                 {"rule": "decorrenza termini (7 giorni)"}),
        ]
    if channel == INTL:
        sent = perfected - timedelta(days=rng.randint(8, 25))
        return sent, [
            Step(INTL, "sent", sent, None, ref, {"service": "raccomandata internazionale A/R"}),
            Step(INTL, "delivered", perfected, None, ref),
            Step(INTL, "perfected", perfected, perfected, ref),
        ]
    if channel == FRIENDLY:
        sent = perfected - timedelta(days=rng.randint(6, 14))
        return sent, [
            Step(FRIENDLY, "sent", sent, None, ref, {"service": "posta prioritaria"}),
            Step(FRIENDLY, "delivered", perfected, None, ref,
                 {"note": "invito bonario: day 0 of the reduced payment offer"}),
        ]
    raise ValueError(f"unknown channel {channel}")


def sent_steps(channel: str, sent: date, today: date, rng: random.Random,
               ref: str) -> list[Step]:
    """Steps of a notification sent and not yet perfected (in transit or in storage)."""
    steps = [Step(channel, "sent", sent, None, ref)]
    if channel == POST and (today - sent).days >= 3 and rng.random() < 0.5:
        steps.append(Step(POST, "in_storage", sent + timedelta(days=3), None, ref,
                          {"office": "ufficio postale"}))
    elif channel == SEND and rng.random() < 0.5:
        steps.append(Step(SEND, "delivered", min(today, sent + timedelta(days=1)), None, ref,
                          {"to": "domicilio digitale"}))
    return steps


def reference(channel: str, rng: random.Random, year: int) -> str:
    """A tracking reference: raccomandata number, PEC message id, SEND IUN."""
    digits = "".join(rng.choice("0123456789") for _ in range(9))
    if channel in (POST, INTL):
        return f"RR{digits}IT"
    if channel == FRIENDLY:
        return f"PP{digits}IT"
    if channel == PEC:
        return f"opec{digits}.{year}@pec.demo.multe.example.org"
    if channel == SEND:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(12))
        return f"{letters[:4]}-{letters[4:8]}-{letters[8:]}-{year}{rng.randint(1, 12):02d}-X-1"
    return f"CONT-{digits}"


def costs_for(ente: DemoEnte, channel: str, on: date) -> list[tuple[str, Decimal]]:
    """``(kind, amount)`` of the Ente's costs in force on ``on`` for ``channel`` (non-zero)."""
    lines = []
    for cost_channel, kind, amount, valid_from, valid_to in ente.costs:
        if cost_channel != channel or amount == 0:
            continue
        if valid_from <= on and (valid_to is None or on <= valid_to):
            lines.append((kind, amount))
    return lines


def days_ago(today: date, rng: random.Random, low: int, high: int) -> date:
    return today - timedelta(days=rng.randint(low, high))


# Day-0 offsets (days before today) of each state that is driven by notified_on.
NOTIFIED_AGO = {
    states.JUST_NOTIFIED: (0, 0),
    states.REDUCED_WINDOW: (1, 4),
    states.MINIMUM_WINDOW: (6, 55),
    states.PAST_60_DAYS: (64, 330),
    states.APPEALED: (10, 58),
    states.INSTALMENTS: (25, 150),
    states.ENFORCEMENT: (250, 700),
    states.CANCELLED: (40, 300),
}


def iuv(segregation_code: str, base13: str) -> tuple[str, str]:
    """``(iuv, notice_number)`` for aux digit 3: check digits = first 16 digits mod 93."""
    head = "3" + segregation_code + base13
    check = int(head) % 93
    nav = f"{head}{check:02d}"
    return nav[1:], nav


VEHICLES = {
    "IT": ("Fiat Panda", "Fiat 500", "Lancia Ypsilon", "Volkswagen Polo", "Toyota Yaris",
           "Jeep Renegade", "Dacia Sandero", "Fiat Tipo", "Alfa Romeo Giulietta", "Ford Puma"),
    "DE": ("Volkswagen Golf", "BMW 320d", "Audi A4 Avant", "Mercedes-Benz C 200", "Opel Corsa",
           "Skoda Octavia", "Volkswagen Passat"),
    "AT": ("Volkswagen Golf", "Skoda Octavia", "BMW X1", "Audi A3"),
    "CH": ("Volkswagen Tiguan", "Skoda Octavia", "BMW X3", "Tesla Model 3", "Audi Q5"),
    "FR": ("Peugeot 208", "Renault Clio", "Citroën C3", "Renault Mégane", "Peugeot 3008"),
    "ES": ("Seat Ibiza", "Seat León", "Cupra Formentor", "Renault Captur", "Kia Sportage"),
    "GB": ("Ford Fiesta", "Vauxhall Corsa", "Mini Cooper", "Land Rover Discovery", "Nissan Qashqai"),
    "NL": ("Volkswagen Polo", "Kia Ceed", "Toyota Corolla", "Peugeot 2008"),
    "PL": ("Skoda Fabia", "Toyota Corolla", "Opel Astra", "Dacia Duster"),
}
RENTAL_VEHICLES = ("Fiat 500", "Fiat Panda", "Jeep Renegade", "Peugeot 208", "Toyota Yaris")
MOTORCYCLES = ("Piaggio Beverly 300", "Honda SH 125", "Yamaha T-Max", "Kymco Agility 125")
COLOURS = ((40, 90, 160), (180, 180, 185), (30, 30, 35), (170, 30, 30), (240, 240, 240),
           (60, 110, 70), (120, 120, 130), (200, 140, 40))


def speed_detail(rng: random.Random, code: str, limit: int) -> dict:
    """Measured speed, tolerance and counted speed consistent with the speeding article."""
    excess_range = {"142.7": (1, 10), "142.8": (11, 40), "142.9": (41, 60),
                    "142.9-bis": (61, 75)}[code]
    counted = limit + rng.randint(*excess_range)
    tolerance = max(5, -(-counted * 5 // 95))  # 5 %, at least 5 km/h
    measured = counted + tolerance
    return {"measured_speed": measured, "tolerance": tolerance, "counted_speed": counted,
            "limit": limit, "unit": "km/h"}

"""The two demo Enti (Comune di Rho, Comune di Siracusa), their costs, automatic devices and
the places where their officers fine.

Fiscal codes and IBANs are fictitious but valid by construction (check digits computed), so
nothing in the demo can be mistaken for a real account. Costs follow the tenders: post about
EUR 12-14.50, PEC a few euro, international mail about EUR 20 with procedure costs within the
EUR 30 cap, and Siracusa's friendly letter (invito bonario) without any cost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.demo.identity import ente_fiscal_code, italian_iban, partita_iva

# The concessionaire acts as pagoPA broker (intermediario tecnologico) for both Enti.
BROKER_FISCAL_CODE = partita_iva(random.Random("demo-broker"), "015")

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@dataclass(frozen=True)
class Device:
    """An automatic detection device with its approval, calibration and authorisation."""

    key: str  # storage folder name
    ente: str
    kind: str  # speed, red_light, ztl, bus_lane
    model: str
    serial: str
    place: str
    violation_codes: tuple[str, ...]
    approval: str  # decree of approval/homologation
    approval_date: date
    calibration_lab: str
    calibration_certificate: str
    calibration_date: date
    prefect_decree: str | None = None
    prefect_decree_date: date | None = None
    speed_limit: int | None = None
    urban: bool = True

    @property
    def label(self) -> str:
        return f"{self.model} matr. {self.serial}"


@dataclass(frozen=True)
class DemoEnte:
    code: str
    name: str
    short: str  # username and number prefix
    fiscal_code: str
    segregation_code: str
    id_station: str
    iban: str
    address: str
    email: str
    pec: str
    phone: str
    patron_saint: str
    rules: dict
    charter_terms: dict
    contact_hours: dict[str, str]
    costs: tuple[tuple[str, str, Decimal, date, date | None], ...]
    colours: tuple[tuple[int, int, int], tuple[int, int, int]]
    initials: str
    police: str  # the municipal police corps (comando) that assesses the violations
    patrol_places: tuple[str, ...]
    devices: tuple[Device, ...] = field(default=())


def _hours(start: str, end: str) -> dict:
    return {day: [[start, end]] for day in _WEEKDAYS}


_COST_2023 = date(2023, 1, 1)
_COST_2025 = date(2025, 1, 1)


def _c(channel: str, kind: str, amount: str, valid_from: date = _COST_2025,
       valid_to: date | None = None) -> tuple[str, str, Decimal, date, date | None]:
    return channel, kind, Decimal(amount), valid_from, valid_to


RHO = DemoEnte(
    code="RHO",
    name="Comune di Rho",
    short="RHO",
    fiscal_code=ente_fiscal_code(random.Random("demo-ente-RHO"), "015"),
    segregation_code="01",
    id_station=f"{BROKER_FISCAL_CODE}_01",
    iban=italian_iban("03069", "33520", "100046128"),
    address="Piazza Visconti 23, 20017 Rho (MI)",
    email="polizialocale.rho@demo.multe.example.org",
    pec="verbali.rho@pec.demo.multe.example.org",
    phone="+39 02 0000 1700",
    patron_saint="05-08",  # San Vittore
    rules={"office_hours": _hours("09:00", "19:00")},  # tender 003: line open 9-19, weekdays
    charter_terms={"complaint_working_days": 8},
    contact_hours={
        "it": "Dal lunedì al venerdì, ore 9:00-19:00 (festivi esclusi)",
        "en": "Monday to Friday, 9 am to 7 pm (except public holidays)",
        "fr": "Du lundi au vendredi, de 9 h à 19 h (sauf jours fériés)",
        "de": "Montag bis Freitag, 9:00-19:00 Uhr (außer an Feiertagen)",
        "es": "De lunes a viernes, de 9:00 a 19:00 (excepto festivos)",
    },
    costs=(
        _c("post", "notification", "13.20", _COST_2023, date(2024, 12, 31)),
        _c("post", "notification", "14.50"),
        _c("post", "procedure", "5.00", _COST_2023),
        _c("pec", "notification", "2.50", _COST_2023),
        _c("pec", "procedure", "5.00", _COST_2023),
        _c("send", "notification", "9.80", _COST_2023),
        _c("send", "procedure", "5.00", _COST_2023),
        _c("international_mail", "notification", "20.00", _COST_2023),
        _c("international_mail", "procedure", "10.00", _COST_2023),
    ),
    colours=((200, 30, 45), (255, 255, 255)),
    initials="RHO",
    police="Comando di Polizia Locale di Rho",
    patrol_places=(
        "Via Madonna, Rho", "Corso Europa, Rho", "Piazza San Vittore, Rho", "Via Cadorna, Rho",
        "Via Magenta, Rho", "Piazza Visconti, Rho", "Via Meda, Rho", "Via Mattei, Rho",
        "Viale Molino Prepositurale, Rho", "Stazione di Rho Fiera, Rho",
    ),
)

SIRACUSA = DemoEnte(
    code="SIRACUSA",
    name="Comune di Siracusa",
    short="SR",
    fiscal_code=ente_fiscal_code(random.Random("demo-ente-SIRACUSA"), "089"),
    segregation_code="02",
    id_station=f"{BROKER_FISCAL_CODE}_02",
    iban=italian_iban("02008", "17100", "300012345"),
    address="Piazza Duomo 4, 96100 Siracusa (SR)",
    email="polizia.municipale.siracusa@demo.multe.example.org",
    pec="verbali.siracusa@pec.demo.multe.example.org",
    phone="+39 0931 000 100",
    patron_saint="12-13",  # Santa Lucia
    # Tender 004: multilingual front line at least 8 hours a day, Monday to Friday.
    rules={"office_hours": _hours("08:30", "16:30"), "saturday_rolls_forward": True},
    charter_terms={"complaint_working_days": 10},
    contact_hours={
        "it": "Dal lunedì al venerdì, ore 8:30-16:30; assistenza in italiano, inglese, francese, tedesco e spagnolo",
        "en": "Monday to Friday, 8:30 am to 4:30 pm; help in Italian, English, French, German and Spanish",
        "fr": "Du lundi au vendredi, de 8 h 30 à 16 h 30 ; assistance en italien, anglais, français, allemand et espagnol",
        "de": "Montag bis Freitag, 8:30-16:30 Uhr; Hilfe auf Italienisch, Englisch, Französisch, Deutsch und Spanisch",
        "es": "De lunes a viernes, de 8:30 a 16:30; atención en italiano, inglés, francés, alemán y español",
    },
    costs=(
        _c("post", "notification", "12.60", _COST_2023),
        _c("post", "procedure", "3.00", _COST_2023),
        _c("pec", "notification", "2.00", _COST_2023),
        _c("pec", "procedure", "3.00", _COST_2023),
        _c("send", "notification", "8.90", _COST_2023),
        _c("send", "procedure", "3.00", _COST_2023),
        _c("international_mail", "notification", "21.00", _COST_2023),
        _c("international_mail", "procedure", "9.50", _COST_2023),
        # Invito bonario: payment without procedure and notification costs (tender 004).
        _c("friendly_letter", "notification", "0.00", _COST_2023),
        _c("friendly_letter", "procedure", "0.00", _COST_2023),
    ),
    colours=((150, 20, 40), (250, 200, 30)),
    initials="SR",
    police="Comando di Polizia Municipale di Siracusa",
    patrol_places=(
        "Corso Matteotti (Ortigia), Siracusa", "Via Maestranza (Ortigia), Siracusa",
        "Riva Nazario Sauro, Siracusa", "Corso Gelone, Siracusa", "Viale Teocrito, Siracusa",
        "Viale Tica, Siracusa", "Lungomare di Levante, Siracusa", "Piazza Archimede, Siracusa",
        "Via Elorina, Siracusa", "Viale Santa Panagia, Siracusa",
    ),
)


def _device(ente: str, key: str, kind: str, model: str, serial: str, place: str,
            codes: tuple[str, ...], approval: str, approval_date: date, cert: str,
            cert_date: date, **kw) -> Device:
    return Device(key=key, ente=ente, kind=kind, model=model, serial=serial, place=place,
                  violation_codes=codes, approval=approval, approval_date=approval_date,
                  calibration_lab="Laboratorio Metrologico Demo (accreditato LAT n. 000)",
                  calibration_certificate=cert, calibration_date=cert_date, **kw)


# Device models are fictitious: their documents are generated demo documents.
DEVICES: tuple[Device, ...] = (
    _device("RHO", "rho-velostar-sempione", "speed", "VeloStar VS-200", "RHO-0417",
            "SS33 del Sempione km 17+450, direzione Milano", ("142.7", "142.8", "142.9",
                                                              "142.9-bis"),
            "Decreto dirigenziale MIT n. 1234 (demo)", date(2021, 3, 15),
            "LAT-DEMO-2025/0417", date(2025, 9, 10),
            prefect_decree="Decreto del Prefetto di Milano prot. 2022/45678 (demo)",
            prefect_decree_date=date(2022, 6, 30), speed_limit=70, urban=False),
    _device("RHO", "rho-redguard-europa", "red_light", "RedGuard RG-3", "RG3-2231",
            "Corso Europa / Via Magenta, Rho", ("146.3",),
            "Decreto dirigenziale MIT n. 2468 (demo)", date(2020, 11, 2),
            "LAT-DEMO-2025/2231", date(2025, 4, 22)),
    _device("RHO", "rho-varco-centro", "ztl", "VarcoCity VC-10", "VC10-0091",
            "Varco ZTL Centro storico - Via Madonna, Rho", ("7.14-ZTL",),
            "Omologazione MIT n. 3579 (demo)", date(2019, 5, 20),
            "VER-DEMO-2025/0091", date(2025, 2, 14)),
    _device("SIRACUSA", "sr-velostar-scalagreca", "speed", "VeloStar VS-200", "SR-1102",
            "Viale Scala Greca, direzione Targia, Siracusa", ("142.7", "142.8", "142.9"),
            "Decreto dirigenziale MIT n. 1234 (demo)", date(2021, 3, 15),
            "LAT-DEMO-2025/1102", date(2025, 7, 1),
            prefect_decree="Decreto del Prefetto di Siracusa prot. 2023/11223 (demo)",
            prefect_decree_date=date(2023, 2, 8), speed_limit=50),
    _device("SIRACUSA", "sr-redguard-teracati", "red_light", "RedGuard RG-3", "RG3-3380",
            "Viale Teracati / Via Necropoli Grotticelli, Siracusa", ("146.3",),
            "Decreto dirigenziale MIT n. 2468 (demo)", date(2020, 11, 2),
            "LAT-DEMO-2025/3380", date(2025, 5, 30)),
    _device("SIRACUSA", "sr-varco-umbertino", "ztl", "VarcoCity VC-10", "VC10-0210",
            "Varco ZTL Ortigia - Ponte Umbertino, Siracusa", ("7.14-ZTL",),
            "Omologazione MIT n. 3579 (demo)", date(2019, 5, 20),
            "VER-DEMO-2025/0210", date(2025, 3, 3)),
    _device("SIRACUSA", "sr-varco-santalucia", "ztl", "VarcoCity VC-10", "VC10-0211",
            "Varco ZTL Ortigia - Ponte Santa Lucia, Siracusa", ("7.14-ZTL",),
            "Omologazione MIT n. 3579 (demo)", date(2019, 5, 20),
            "VER-DEMO-2025/0211", date(2025, 3, 3)),
    _device("SIRACUSA", "sr-buslane-gelone", "bus_lane", "TransitEye TE-2", "TE2-0057",
            "Corsia riservata Corso Gelone, Siracusa", ("7.14-BUS",),
            "Omologazione MIT n. 4680 (demo)", date(2022, 9, 12),
            "VER-DEMO-2025/0057", date(2025, 6, 18)),
)

ENTI: tuple[DemoEnte, ...] = (RHO, SIRACUSA)
DEMO_ENTE_CODES = tuple(e.code for e in ENTI)


def devices_of(ente_code: str) -> tuple[Device, ...]:
    return tuple(d for d in DEVICES if d.ente == ente_code)

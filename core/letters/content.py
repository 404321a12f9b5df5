"""What a letter says, independent of how it is drawn: the facts gathered from the verbale and
the engine (:class:`Facts`), and the composed text (:class:`LetterContent`, made of
:class:`Section` s of :class:`Block` s) that :mod:`core.letters.render` turns into a PDF.

Keeping the text as data lets the tests read every line of a letter in every language without
parsing a PDF, and guarantees that what is printed is exactly what was composed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel import Locale

from core.fines import Quote
from core.models import Person, Verbale

from .templates import Template


@dataclass(frozen=True)
class AmountLine:
    """One payment option: its engine window and amounts. ``first``/``last`` are real dates
    when day 0 is known; for a notification not yet perfected they are ``None`` and
    ``first_day``/``last_day`` count days from the notification instead."""

    tier: str
    total: Decimal
    sanction: Decimal
    surcharge: Decimal
    first: date | None = None
    last: date | None = None
    first_day: int | None = None
    last_day: int | None = None


@dataclass(frozen=True)
class Facts:
    """Everything a letter prints, gathered by :mod:`core.letters.service` before composing.
    Amounts and dates come from the fines engine; composing only formats them."""

    kind: str
    lang: str
    issue_date: date
    verbale: Verbale
    person: Person
    template: Template
    verification_code: str
    quote: Quote
    lines: tuple[AmountLine, ...]
    projected: bool  # amounts relative to a notification not yet perfected
    surcharge_applies: bool  # the art. 27 surcharge follows the last line
    reduced_days: int
    discount_rate: Decimal
    surcharge_rate: Decimal
    minimum_days: int
    abroad: bool
    notified_on: date | None = None
    pay_by: date | None = None
    title_from: date | None = None  # the day the verbale became an enforceable title
    prefetto_days: int | None = None
    gdp_days: int | None = None
    driver_data_days: int | None = None
    licence_points: int = 0
    notice_number: str | None = None
    iuv: str | None = None
    username: str | None = None
    password: str | None = None  # printed once, never stored


@dataclass(frozen=True)
class Block:
    """``heading``, ``para``, ``small``, ``rows`` (label/value pairs), ``table`` (first row is
    the heading) or ``box`` (a framed block of label/value pairs, e.g. the access codes)."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()

    def lines(self) -> list[str]:
        return ([self.text] if self.text else []) + [cell for row in self.rows for cell in row]


@dataclass
class Section:
    lang: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    note: str = ""  # e.g. "Translation into English; the Italian text is the original"

    def lines(self) -> list[str]:
        out = [self.title] + ([self.note] if self.note else [])
        for block in self.blocks:
            out.extend(block.lines())
        return out


@dataclass
class LetterContent:
    kind: str
    lang: str  # the recipient's language
    languages: tuple[str, ...]  # languages of the sections, in order
    office: list[str]
    recipient: list[str]
    date_line: str
    verification: list[str]
    sections: list[Section]
    footer: str
    title: str

    def lines(self) -> list[str]:
        out = [*self.office, *self.recipient, self.date_line, *self.verification]
        for section in self.sections:
            out.extend(section.lines())
        out.append(self.footer)
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


def country_name(code: str, lang: str = "it") -> str:
    code = (code or "").upper()
    try:
        return Locale.parse(lang).territories.get(code, code)
    except (ValueError, TypeError):
        return code


@dataclass(frozen=True)
class Address:
    """The addressee as the postal operator wants it: name, street, place, and for foreign
    addresses the country in capitals, in Italian (the language of the country of posting)."""

    name: str
    street: str
    postal_code: str
    city: str
    province: str
    country: str

    @classmethod
    def of(cls, person: Person) -> Address:
        return cls(person.display_name, person.address_line or "", person.postal_code or "",
                   person.city or "", person.province or "", (person.country or "IT").upper())

    @property
    def abroad(self) -> bool:
        return self.country != "IT"

    @property
    def place(self) -> str:
        province = f"({self.province})" if self.province and not self.abroad else self.province
        return " ".join(x for x in (self.postal_code, self.city, province) if x)

    @property
    def country_line(self) -> str:
        return country_name(self.country, "it").upper() if self.abroad else ""

    def lines(self) -> list[str]:
        return [x for x in (self.name, self.street, self.place, self.country_line) if x]

    def as_dict(self) -> dict:
        return {"name": self.name, "lines": self.lines(), "street": self.street,
                "postal_code": self.postal_code, "city": self.city, "province": self.province,
                "country": self.country}

"""Letter templates per Ente, as data.

The wording of each letter kind lives in :mod:`core.letters.compose` (translated with gettext
into the five languages); what changes from one Ente to another is data: a
:class:`~core.models.LetterTemplate` row per Ente and kind (or ``kind="*"`` for every kind)
whose ``settings`` JSON overrides the defaults below. Resolution order, last wins:

1. the defaults of this module (per kind where noted),
2. the Ente's own columns (name, address, phone, e-mail, PEC, IBAN, portal URL, ``logo_path``),
3. the Ente's ``"*"`` row,
4. the Ente's row for the letter kind.

Keys (an unknown key or a value of the wrong type is refused with :class:`TemplateError`):

======================== ========= ==========================================================
key                      type      meaning (default)
======================== ========= ==========================================================
logo_key                 str       storage key of a PNG/JPEG logo (``Ente.logo_path``)
office_name              text      issuing office, e.g. "Comando di Polizia Locale" (Ente name)
office_address           str       office address printed in the header (``Ente.address``)
office_phone             str       (``Ente.phone``)
office_email             str       (``Ente.email``)
office_pec               str       (``Ente.pec``)
signatory                str       name printed under the closing ("")
signatory_role           text      e.g. "Il Comandante" (translated "The head of the office")
footer                   text      footer line (Ente name and fiscal code)
payee                    str       beneficiary of bank transfers (Ente name)
iban                     str       IBAN for payments from abroad (``Ente.iban``)
bic                      str       BIC/SWIFT of that account ("")
portal_url               str       citizen portal (``Ente.portal_url`` or ``PORTAL_BASE_URL``)
verify_url               str       where the verification code is checked (portal + "/verify")
extra_text               text      an extra paragraph at the end of the body ("")
duplex                   bool      printed on both sides (true): sheets and weight in the manifest
postal_product           product   product for Italian addresses (per kind, see below)
postal_product_abroad    product   product for foreign addresses (per kind)
italian_original         bool      foreign recipients get the Italian original followed by the
                                   translation (formal acts: verbale, ingiunzione)
access_codes             choice    ``new`` (always issue codes), ``if_missing`` (only when the
                                   person has none), ``never``
attach_avviso            bool      append the pagoPA notice pages (invito, ultimo avviso,
                                   ingiunzione)
invito_for               choice    who gets an invito bonario before the formal notification:
                                   ``abroad`` (default, Siracusa tender), ``all``, ``none``
invito_day0_after_days   int       day 0 of the invito's payment offer, in days after the
                                   letter date (10): the time the letter takes to arrive
days_to_pay              int       ultimo avviso / ingiunzione: days to pay (30; R.D. 639/1910
                                   gives 30 for the ingiunzione)
======================== ========= ==========================================================

``text`` values are either a string (every language) or ``{"it": …, "en": …}`` (missing
languages fall back to Italian). ``product`` is a :class:`~core.models.PostalProduct` value.

Default products: invito bonario and ultimo avviso by priority mail (national or
international), verbale and ingiunzione by registered mail with return receipt (raccomandata
A/R, international raccomandata A/R under the Strasbourg convention abroad).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from flask import current_app
from sqlalchemy import select

from core import audit, db
from core.models import Ente, LetterKind, LetterTemplate, PostalProduct

KINDS = (LetterKind.INVITO_BONARIO, LetterKind.VERBALE, LetterKind.ULTIMO_AVVISO,
         LetterKind.INGIUNZIONE)
ALL_KINDS = "*"


class TemplateError(ValueError):
    """A bad template override (the message names the key)."""


Text = str | dict[str, str]


@dataclass(frozen=True)
class Template:
    """The effective template of one Ente and letter kind."""

    kind: str
    logo_key: str = ""
    office_name: Text = ""
    office_address: str = ""
    office_phone: str = ""
    office_email: str = ""
    office_pec: str = ""
    signatory: str = ""
    signatory_role: Text = ""
    footer: Text = ""
    payee: str = ""
    iban: str = ""
    bic: str = ""
    portal_url: str = ""
    verify_url: str = ""
    extra_text: Text = ""
    duplex: bool = True
    postal_product: str = PostalProduct.PRIORITARIA.value
    postal_product_abroad: str = PostalProduct.PRIORITARIA_INTERNAZIONALE.value
    italian_original: bool = False
    access_codes: str = "never"
    attach_avviso: bool = False
    invito_for: str = "abroad"
    invito_day0_after_days: int = 10
    days_to_pay: int = 30
    overridden: tuple[str, ...] = field(default=(), compare=False)

    def text(self, name: str, lang: str) -> str:
        """A ``text`` setting in ``lang`` (Italian, then any language, as fallbacks)."""
        value = getattr(self, name)
        if isinstance(value, Mapping):
            return value.get(lang) or value.get("it") or next(iter(value.values()), "")
        return value or ""

    def product_for(self, country: str) -> PostalProduct:
        abroad = (country or "IT").upper() != "IT"
        return PostalProduct(self.postal_product_abroad if abroad else self.postal_product)


_KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    LetterKind.INVITO_BONARIO: {"access_codes": "new", "attach_avviso": True},
    LetterKind.VERBALE: {
        "postal_product": PostalProduct.RACCOMANDATA_AR.value,
        "postal_product_abroad": PostalProduct.RACCOMANDATA_INTERNAZIONALE_AR.value,
        "italian_original": True, "access_codes": "if_missing", "attach_avviso": False,
    },
    LetterKind.ULTIMO_AVVISO: {"attach_avviso": True},
    LetterKind.INGIUNZIONE: {
        "postal_product": PostalProduct.RACCOMANDATA_AR.value,
        "postal_product_abroad": PostalProduct.RACCOMANDATA_INTERNAZIONALE_AR.value,
        "italian_original": True, "attach_avviso": True,
    },
}


# -- converters -----------------------------------------------------------------------------


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    if len(value) > 2000:
        raise ValueError("too long (2000 characters at most)")
    return value


def _text(value: Any) -> Text:
    if isinstance(value, str):
        return _str(value)
    if isinstance(value, Mapping):
        languages = current_app.config["LANGUAGES"]
        unknown = sorted(set(value) - set(languages))
        if unknown:
            raise ValueError(f"unknown language(s) {unknown}; use {', '.join(languages)}")
        return {str(k): _str(v) for k, v in value.items()}
    raise ValueError('expected a string or {"it": "...", "en": "..."}')


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
        raise ValueError("expected a whole number of days between 0 and 365")
    return value


def _choice(*choices: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value
    return convert


_PRODUCTS = tuple(p.value for p in PostalProduct)
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "logo_key": _str, "office_name": _text, "office_address": _str, "office_phone": _str,
    "office_email": _str, "office_pec": _str, "signatory": _str, "signatory_role": _text,
    "footer": _text, "payee": _str, "iban": _str, "bic": _str, "portal_url": _str,
    "verify_url": _str, "extra_text": _text, "duplex": _bool,
    "postal_product": _choice(*_PRODUCTS), "postal_product_abroad": _choice(*_PRODUCTS),
    "italian_original": _bool, "access_codes": _choice("new", "if_missing", "never"),
    "attach_avviso": _bool, "invito_for": _choice("abroad", "all", "none"),
    "invito_day0_after_days": _days, "days_to_pay": _days,
}
assert set(CONVERTERS) == {f.name for f in fields(Template)} - {"kind", "overridden"}


def validate(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Checked overrides (a new dict); raises :class:`TemplateError` naming the bad key."""
    if not isinstance(settings, Mapping):
        raise TemplateError("template settings must be a JSON object")
    unknown = sorted(set(settings) - set(CONVERTERS))
    if unknown:
        raise TemplateError(f"unknown template key(s): {', '.join(map(str, unknown))}")
    checked = {}
    for key, value in settings.items():
        try:
            checked[key] = CONVERTERS[key](value)
        except ValueError as error:
            raise TemplateError(f"{key}: {error}") from None
    return checked


def _check_kind(kind: str) -> str:
    kind = str(kind)
    if kind != ALL_KINDS and kind not in {k.value for k in KINDS}:
        raise TemplateError(f"unknown letter kind {kind!r}")
    return kind


def _rows(ente_id: int) -> dict[str, dict[str, Any]]:
    rows = db.session.scalars(select(LetterTemplate).where(LetterTemplate.ente_id == ente_id))
    return {row.kind: dict(row.settings or {}) for row in rows}


def template_for(ente: Ente, kind: LetterKind | str) -> Template:
    """The effective template of ``ente`` for ``kind`` (see the module docstring)."""
    kind = _check_kind(kind)
    portal = (ente.portal_url or current_app.config["PORTAL_BASE_URL"]).rstrip("/")
    base: dict[str, Any] = {
        "logo_key": ente.logo_path or "", "office_name": ente.name,
        "office_address": ente.address or "", "office_phone": ente.phone or "",
        "office_email": ente.email or "", "office_pec": ente.pec or "",
        "footer": f"{ente.name} · C.F. {ente.fiscal_code}", "payee": ente.name,
        "iban": ente.iban or "", "portal_url": portal,
    }
    base.update(_KIND_DEFAULTS.get(kind, {}))
    rows = _rows(ente.id)
    overridden: list[str] = []
    for key in (ALL_KINDS, kind):
        if key in rows:
            values = validate(rows[key])
            base.update(values)
            overridden.extend(values)
    if not base.get("verify_url"):
        base["verify_url"] = f"{base['portal_url'].rstrip('/')}/verify"
    return replace(Template(kind=kind), **base, overridden=tuple(dict.fromkeys(overridden)))


def set_overrides(ente: Ente, kind: str, values: Mapping[str, Any], *, actor_type: str = "system",
                  actor_id: int | None = None, replace_all: bool = False) -> LetterTemplate:
    """Merge ``values`` into the Ente's overrides for ``kind`` (``"*"`` = every kind); a key
    set to ``None`` is removed. Flushes and audits; the caller commits."""
    kind = _check_kind(kind)
    removed = [k for k, v in values.items() if v is None]
    checked = validate({k: v for k, v in values.items() if v is not None})
    row = db.session.scalars(select(LetterTemplate).where(
        LetterTemplate.ente_id == ente.id, LetterTemplate.kind == kind)).one_or_none()
    if row is None:
        row = LetterTemplate(ente_id=ente.id, kind=kind, settings={})
        db.session.add(row)
    settings = {} if replace_all else dict(row.settings or {})
    settings.update(checked)
    for key in removed:
        settings.pop(key, None)
    row.settings = settings
    db.session.flush()
    audit.record("letters.template_changed", actor_type=actor_type, actor_id=actor_id,
                 object_type="letter_template", object_id=row.id, ente_id=ente.id, kind=kind,
                 keys=sorted(set(checked) | set(removed)))
    return row

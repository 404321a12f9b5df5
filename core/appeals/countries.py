"""Country choices for addresses and licences: ISO 3166-1 alpha-2 codes named in the reader's
language by CLDR (Babel), so any country can be chosen — foreign residents and licences are
accepted (fines-law §4)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

# CLDR territories that are not countries (regions, groupings, private-use codes).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AQ", "BV", "HM", "CP", "DG", "EA",
                  "IC", "TA", "AC", "CQ"}


@lru_cache(maxsize=8)
def country_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` sorted by name, Italy first."""
    names = Locale.parse(lang).territories
    codes = [c for c in names if len(c) == 2 and c.isalpha() and c.isupper()
             and c not in _NOT_COUNTRIES]
    ordered = sorted(codes, key=lambda c: names[c].casefold())
    return tuple([("IT", names["IT"])] + [(c, names[c]) for c in ordered if c != "IT"])


def country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in country_choices("en"))


def country_name(code: str, lang: str) -> str:
    return Locale.parse(lang).territories.get(code, code)

"""Valid-by-construction identifiers for the demo: Italian codice fiscale and partita IVA,
Italian IBANs, foreign identity numbers and number plates.

Everything takes an explicit :class:`random.Random` so the demo is reproducible. Check digits
are computed with python-stdnum where it offers the algorithm, so every value passes the same
validation the models apply.
"""

from __future__ import annotations

import random
import string
import unicodedata
from datetime import date

from stdnum import luhn
from stdnum.es import dni
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel

_VOWELS = set("AEIOU")
_CF_MONTHS = "ABCDEHLMPRST"


def _letters(text: str) -> str:
    """Upper-case ASCII letters only (accents dropped, apostrophes and spaces removed)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain.upper() if ch.isalpha())


def _surname_code(surname: str) -> str:
    letters = _letters(surname)
    consonants = [c for c in letters if c not in _VOWELS]
    vowels = [c for c in letters if c in _VOWELS]
    return "".join(consonants + vowels + ["X", "X", "X"])[:3]


def _name_code(name: str) -> str:
    letters = _letters(name)
    consonants = [c for c in letters if c not in _VOWELS]
    if len(consonants) >= 4:
        consonants = [consonants[0], consonants[2], consonants[3]]
    vowels = [c for c in letters if c in _VOWELS]
    return "".join(consonants + vowels + ["X", "X", "X"])[:3]


def codice_fiscale(first_name: str, last_name: str, birth: date, female: bool,
                   belfiore: str) -> str:
    """The Italian personal tax code (16 characters) with its computed check character."""
    day = birth.day + (40 if female else 0)
    body = (
        _surname_code(last_name)
        + _name_code(first_name)
        + f"{birth.year % 100:02d}"
        + _CF_MONTHS[birth.month - 1]
        + f"{day:02d}"
        + belfiore.upper()
    )
    return body + codicefiscale.calc_check_digit(body)


def partita_iva(rng: random.Random, office: str) -> str:
    """An 11-digit partita IVA: 7-digit company number, provincial office code, Luhn digit."""
    body = f"{rng.randint(1, 9_999_999):07d}{office}"
    return body + luhn.calc_check_digit(body)


def ente_fiscal_code(rng: random.Random, office: str) -> str:
    """An 11-digit fiscal code of a public body (starting with 8, as non-commercial bodies do)."""
    body = f"8{rng.randint(0, 999_999):06d}{office}"
    return body + luhn.calc_check_digit(body)


# Italian BBAN check character (CIN): odd/even position weights over the 22 characters.
_CIN_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22,
            25, 24, 23]


def _cin(abi: str, cab: str, account: str) -> str:
    total = 0
    for i, ch in enumerate(abi + cab + account):
        value = int(ch) if ch.isdigit() else string.ascii_uppercase.index(ch)
        total += _CIN_ODD[value] if i % 2 == 0 else value
    return string.ascii_uppercase[total % 26]


def italian_iban(abi: str, cab: str, account: str) -> str:
    """An Italian IBAN (27 characters) with CIN and ISO 7064 check digits computed."""
    account = account.upper().rjust(12, "0")
    bban = _cin(abi, cab, account) + abi + cab + account
    rearranged = bban + "IT00"
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    check = 98 - int(digits) % 97
    return f"IT{check:02d}{bban}"


def spanish_dni(rng: random.Random) -> str:
    number = f"{rng.randint(10_000_000, 79_999_999):08d}"
    return number + dni.calc_check_digit(number)


def dutch_bsn(rng: random.Random) -> str:
    while True:
        number = f"{rng.randint(100_000_000, 799_999_999):09d}"
        if bsn.is_valid(number):
            return number


def polish_pesel(rng: random.Random, birth: date, female: bool) -> str:
    month = birth.month + (20 if 2000 <= birth.year < 2100 else 0)
    serial = rng.randint(0, 999)
    sex = rng.choice([0, 2, 4, 6, 8] if female else [1, 3, 5, 7, 9])
    body = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{serial:03d}{sex}"
    return body + pesel.calc_check_digit(body)


def foreign_id(rng: random.Random, country: str, birth: date | None,
               female: bool) -> tuple[str, str]:
    """``(number, type)`` of a plausible identity document or tax number for ``country``."""
    if country == "ES":
        return spanish_dni(rng), "national_id"
    if country == "NL":
        return dutch_bsn(rng), "tax_number"
    if country == "PL" and birth is not None:
        return polish_pesel(rng, birth, female), "national_id"
    if country == "DE":
        alphabet = "CFGHJKLMNPRTVWXYZ0123456789"
        return "L" + "".join(rng.choice(alphabet) for _ in range(8)), "id_card"
    if country == "FR":
        return "".join(rng.choice(string.digits) for _ in range(12)), "id_card"
    if country == "GB":
        return f"{rng.randint(100_000_000, 999_999_999)}", "passport"
    if country == "AT":
        return f"P{rng.randint(1_000_000, 9_999_999)}", "passport"
    if country == "CH":
        return f"X{rng.randint(1_000_000, 9_999_999)}", "passport"
    return f"{country}{rng.randint(10_000_000, 99_999_999)}", "passport"


_IT_LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"  # Italian plates skip I, O, Q, U
_ES_LETTERS = "BCDFGHJKLMNPRSTVWXYZ"
_NL_LETTERS = "BDFGHJKLNPRSTXZ"


def plate(rng: random.Random, country: str, area: str = "") -> tuple[str, str]:
    """``(compact, display)``: the plate as stored on the verbale (no spaces or hyphens) and
    as it looks on the vehicle (for photos)."""
    up = string.ascii_uppercase

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    if country == "IT":
        parts = [rng.choice("BCDEFG") + rng.choice(_IT_LETTERS), f"{rng.randint(0, 999):03d}",
                 pick(_IT_LETTERS, 2)]
        sep = " "
    elif country == "FR":
        parts = [pick(up, 2), f"{rng.randint(1, 999):03d}", pick(up, 2)]
        sep = "-"
    elif country == "DE":
        parts = [area or "M", pick(up, rng.randint(1, 2)), str(rng.randint(1, 9999))]
        sep = " "
    elif country == "AT":
        parts = [area or "W", f"{rng.randint(100, 99999)}{rng.choice(up)}"]
        sep = " "
    elif country == "CH":
        parts = [area or "ZH", str(rng.randint(1000, 999999))]
        sep = " "
    elif country == "ES":
        parts = [f"{rng.randint(0, 9999):04d}", pick(_ES_LETTERS, 3)]
        sep = " "
    elif country == "GB":
        parts = [pick(up, 2) + str(rng.randint(10, 74)), pick(up, 3)]
        sep = " "
    elif country == "NL":
        parts = [f"{rng.randint(1, 99)}", pick(_NL_LETTERS, 3), str(rng.randint(1, 9))]
        sep = "-"
    elif country == "PL":
        parts = [area or "WA", str(rng.randint(10000, 99999))]
        sep = " "
    else:
        parts = [pick(up + string.digits, 7)]
        sep = ""
    return "".join(parts), sep.join(parts)

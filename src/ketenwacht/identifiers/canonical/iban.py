"""IBAN (ISO 13616): compact, check the country's length and structure, then the check digits.

Spaces, dots, hyphens and lower case are accepted, as is a leading ``IBAN`` label. The
country specifications (length, BBAN structure, bank-code position) come from schwifty's
registry; the mod-97 check is done here, because building a schwifty object per IBAN is the
slow part. Like schwifty, check digits 00, 01 and 99 are refused: ISO 7064 never yields them.

The old Dutch 11-proef on the account part is deliberately *not* checked: former Postbank
numbers and accounts opened since 2013 do not pass it, so it would refuse real IBANs.
"""

from __future__ import annotations

import re
import string
from functools import cache
from typing import NamedTuple

from schwifty import exceptions as schwifty_exceptions
from schwifty import registry as schwifty_registry
from schwifty.registry import Component

from ketenwacht.identifiers.canonical._text import Separators, clean
from ketenwacht.identifiers.canonical.types import Canonical, CanonicalError, new_canonical

KIND = "iban"

_SEPARATORS = Separators(" .-\t")
_LABEL = re.compile(r"^IBAN:?")
# ASCII only: ``\d`` would also match other scripts' digits (``NL٩١…``), which int() reads, so
# such a spelling would pass and be stored apart from the ASCII one; it is refused instead.
_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]+", re.ASCII)
_NL = re.compile(r"NL\d\d[A-Z]{4}\d{10}", re.ASCII)
# Letters count as two digits in the mod-97 check: A=10 … Z=35.
_LETTER_VALUE = {letter: str(10 + i) for i, letter in enumerate(string.ascii_uppercase)}
_NUMERIFY = str.maketrans(_LETTER_VALUE)


class CountrySpec(NamedTuple):
    country: str
    iban_length: int
    bban: re.Pattern[str]
    bban_spec: str
    bank_code: slice


@cache
def country_spec(country: str) -> CountrySpec | None:
    """The IBAN specification of ``country`` from schwifty's registry, or None if it has none."""
    try:
        spec = schwifty_registry.get_iban_spec(country)
    except schwifty_exceptions.InvalidCountryCode:
        return None
    bank = spec.positions.get(Component.BANK_CODE)
    return CountrySpec(
        country=country,
        iban_length=spec.iban_length,
        bban=spec.regex,
        bban_spec=spec.bban_spec,
        bank_code=slice(bank.start, bank.end) if bank else slice(0, 0),
    )


_NL_SPEC = country_spec("NL") or CountrySpec("NL", 18, re.compile(""), "", slice(0, 0))
# The bank code's place in the whole IBAN (the spec gives it within the BBAN).
_NL_BANK_CODE = slice(4 + (_NL_SPEC.bank_code.start or 0), 4 + (_NL_SPEC.bank_code.stop or 0))


def compact(raw: str) -> str:
    """Upper case without separators: ``nl91 abna-0417.1643 00`` → ``NL91ABNA0417164300``."""
    text = _SEPARATORS.delete(raw).upper()
    return _LABEL.sub("", text, count=1) if text.startswith("IBAN") else text


def check_digits_valid(iban: str) -> bool:
    """ISO 7064 mod 97-10 over BBAN + country + check digits; 00, 01 and 99 never occur."""
    if iban[2:4] in ("00", "01", "99"):
        return False
    return int((iban[4:] + iban[:4]).translate(_NUMERIFY)) % 97 == 1


def dutch_check_digits_valid(iban: str) -> bool:
    """:func:`check_digits_valid` for the Dutch shape, with the four letters mapped directly."""
    if iban[2:4] in ("00", "01", "99"):
        return False
    letters = iban[4:8].translate(_NUMERIFY)
    return int(letters + iban[8:] + "2321" + iban[2:4]) % 97 == 1  # "NL" is 23 21


def looks_like_iban(raw: str) -> bool:
    """Shape (two letters, two digits, alphanumerics), for autodetection.

    Written with dots, the shape alone is not enough — ``ps00000.github.io`` has it too — so
    then the check digits must also be right.
    """
    text = compact(raw)
    if not (15 <= len(text) <= 34 and _SHAPE.fullmatch(text)):
        return False
    return "." not in raw or is_valid_iban(text)


def is_valid_iban(iban: str) -> bool:
    """Whether a compact IBAN passes every check (country, length, structure, check digits)."""
    spec = country_spec(iban[:2])
    return (
        spec is not None
        and len(iban) == spec.iban_length
        and spec.bban.match(iban[4:]) is not None
        and check_digits_valid(iban)
    )


def canonical_iban(raw: str) -> Canonical:
    return iban_from_clean(clean(raw, kind=KIND))


def iban_from_clean(text: str) -> Canonical:
    """As :func:`canonical_iban`, for text that :func:`.clean` has passed."""
    iban = compact(text)
    # Dutch fast path: the pattern holds the length and structure of a Dutch IBAN.
    if _NL.fullmatch(iban):
        if not dutch_check_digits_valid(iban):
            raise _refusal(
                "iban_checksum", "IBAN-controlegetal klopt niet", "IBAN check digits are wrong"
            )
        return new_canonical(
            KIND,
            iban,
            f"{iban[:4]} {iban[4:8]} {iban[8:12]} {iban[12:16]} {iban[16:]}",
            {"country": _NL_SPEC.country, "bank_code": iban[_NL_BANK_CODE]},
        )
    spec = _checked_structure(iban)
    if not check_digits_valid(iban):
        raise _refusal(
            "iban_checksum", "IBAN-controlegetal klopt niet", "IBAN check digits are wrong"
        )
    bban = iban[4:]
    return new_canonical(
        kind=KIND,
        value=iban,
        display=" ".join([iban[i : i + 4] for i in range(0, len(iban), 4)]),
        detail={"country": spec.country, "bank_code": bban[spec.bank_code]},
    )


def _checked_structure(iban: str) -> CountrySpec:
    if not (iban.isascii() and iban.isalnum()):
        raise _refusal(
            "iban_characters",
            "IBAN bevat andere tekens dan letters en cijfers",
            "IBAN contains characters other than letters and digits",
        )
    country = iban[:2]
    if not (country.isalpha() and iban[2:4].isdigit()):
        raise _refusal(
            "iban_format",
            "Een IBAN begint met een landcode en twee controlecijfers (zoals NL91)",
            "an IBAN starts with a country code and two check digits (like NL91)",
        )
    spec = country_spec(country)
    if spec is None:
        raise _refusal(
            "iban_country",
            f"Landcode {country} kent geen IBAN",
            f"country code {country} has no IBAN",
        )
    if len(iban) != spec.iban_length:
        raise _refusal(
            "iban_length",
            f"Een IBAN uit {country} heeft {spec.iban_length} tekens, dit zijn er {len(iban)}",
            f"an IBAN from {country} has {spec.iban_length} characters, this has {len(iban)}",
        )
    if not spec.bban.match(iban[4:]):
        raise _refusal(
            "iban_format",
            f"Opbouw van het rekeningdeel klopt niet voor {country} ({spec.bban_spec})",
            f"the account part does not have the structure of {country} ({spec.bban_spec})",
        )
    return spec


def _refusal(code: str, nl: str, en: str) -> CanonicalError:
    return CanonicalError.bilingual(code, nl, en, kind=KIND)

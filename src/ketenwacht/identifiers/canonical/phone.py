"""Telephone numbers in E.164, with the number type kept.

Dutch numbers (``06-12345678``, ``0031 6 1234 5678``, ``+31 (0)6 12345678``, ``31612345678``
as in wa.me links) take a fast path: a few string operations and the national-number patterns
of libphonenumber's own metadata for NL, compiled once, so the fast path accepts exactly what
phonenumbers accepts. Everything else is parsed by phonenumbers with NL as the default region.

Number types are phonenumbers' names in lower case (``mobile``, ``fixed_line``, ``voip``,
``premium_rate``, ``toll_free``, ``uan`` — the Dutch 084/087/088 corporate and personal numbers
— ``pager`` …), plus ``m2m`` for Dutch 097 numbers, which phonenumbers calls mobile.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberFormat, ValidationResult

from ketenwacht.identifiers.canonical._text import Separators, clean
from ketenwacht.identifiers.canonical.bsn import refuse_bsn
from ketenwacht.identifiers.canonical.types import Canonical, CanonicalError, new_canonical

KIND = "phone"

_SEPARATORS = Separators(" -./()\t")
_NUMBER_TYPE_NAMES = {
    value: name.lower()
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


# Most frequent first: classification stops at the first pattern that matches.
_TYPE_ORDER = (
    "mobile",
    "fixed_line",
    "voip",
    "uan",
    "toll_free",
    "premium_rate",
    "pager",
    "shared_cost",
    "personal_number",
    "voicemail",
)


class _Format(NamedTuple):
    leading: re.Pattern[str] | None
    pattern: re.Pattern[str]
    template: str  # for str.format: "{1} {2}"


def _dutch_metadata() -> tuple[tuple[tuple[str, re.Pattern[str]], ...], tuple[_Format, ...]]:
    """The NL national-number patterns per type, and the NL formats, from phonenumbers."""
    metadata = PhoneMetadata.metadata_for_region("NL")
    assert metadata is not None
    types = []
    for name in _TYPE_ORDER:
        desc = getattr(metadata, name)
        if desc is not None and desc.national_number_pattern:
            types.append((name, re.compile(desc.national_number_pattern)))
    formats = []
    for fmt in metadata.intl_number_format or metadata.number_format:
        if fmt.pattern is None or fmt.format is None:
            continue
        leading = fmt.leading_digits_pattern
        # "\\1 \\2" → "{1} {2}": str.format is far cheaper than Match.expand
        template = re.sub(r"\\(\d)", r"{\1}", fmt.format.replace("{", "{{").replace("}", "}}"))
        formats.append(
            _Format(re.compile(leading[-1]) if leading else None, re.compile(fmt.pattern), template)
        )
    return tuple(types), tuple(formats)


_NL_TYPES, _NL_FORMATS = _dutch_metadata()
_NL_MOBILE = dict(_NL_TYPES)["mobile"]


def canonical_phone(raw: str) -> Canonical:
    text = clean(raw, kind=KIND)
    refuse_bsn(text, kind=KIND)
    return phone_from_clean(text)


def phone_from_clean(text: str) -> Canonical:
    """As :func:`canonical_phone`, for text that :func:`.clean` and the BSN guard passed."""
    compact = _SEPARATORS.delete(text)
    if compact[:1] in ("t", "T") and compact[:4].lower() == "tel:":
        compact = compact[4:]
    national = dutch_national_number(compact)
    if national is not None:
        return _dutch(national)
    return _foreign(compact)


def dutch_national_number(compact: str) -> str | None:
    """The Dutch national significant number in a compact spelling, or None if not Dutch.

    ``+31``, ``0031`` and ``31`` + 9 digits (wa.me links) are the country code; a trunk ``0``
    after it (``+31 (0)6…``, ``+31 06…``) is dropped. A bare 9-digit number is read as a
    national number without its trunk 0, as phonenumbers does.
    """
    if compact.startswith("+31"):
        rest = compact[3:]
    elif compact.startswith("0031"):
        rest = compact[4:]
    elif compact.startswith(("00", "+")):
        return None
    elif compact.startswith("0"):
        return compact[1:]
    elif len(compact) == 11 and compact.startswith("31"):
        rest = compact[2:]
    elif len(compact) == 9:
        return compact
    else:
        return None
    return rest[1:] if rest.startswith("0") else rest


def dutch_number_type(national: str) -> str | None:
    """The type of a Dutch national significant number, or None when it is not valid."""
    for name, pattern in _NL_TYPES:
        if pattern.fullmatch(national):
            if name == "mobile" and national.startswith("97"):
                return "m2m"  # 097 is the Dutch machine-to-machine range
            return name
    return None


def _dutch(national: str) -> Canonical:
    if national[:1] == "6" and _NL_MOBILE.fullmatch(national) and national.isascii():
        # The most frequent case, without the type loop and the format table.
        return new_canonical(
            kind=KIND,
            value="+31" + national,
            display="+31 6 " + national[1:],
            detail={"type": "mobile", "region": "NL"},
        )
    number_type = None
    if national.isascii() and national.isdigit():
        number_type = dutch_number_type(national)
    if number_type is None:
        raise _dutch_refusal(national)
    return new_canonical(
        kind=KIND,
        value="+31" + national,
        display="+31 " + _dutch_display(national),
        detail={"type": number_type, "region": "NL"},
    )


def _dutch_display(national: str) -> str:
    """Group as phonenumbers' international format does (``20 123 4567``)."""
    for leading, pattern, template in _NL_FORMATS:
        if leading is not None and not leading.match(national):
            continue
        match = pattern.fullmatch(national)
        if match:
            return template.format("", *match.groups())
    return national


def _dutch_refusal(national: str) -> CanonicalError:
    if len(national) < 2:
        return _refusal("phone_length", "Telefoonnummer is te kort", "phone number is too short")
    if not (national.isascii() and national.isdigit()):
        return _refusal(
            "phone_characters",
            "Een telefoonnummer bestaat uit cijfers, met hooguit +, spaties, - en ( )",
            "a phone number consists of digits, with at most +, spaces, - and ( )",
        )
    digits_after_06 = len(national) - 1
    if national.startswith("6") and national[1:2] not in ("6", "7"):
        if digits_after_06 != 8:
            return _refusal(
                "phone_mobile_length",
                "Geen geldig Nederlands mobiel nummer: na 06 horen 8 cijfers, "
                f"dit zijn er {digits_after_06} — bedoelde u +31 6…?",
                "not a valid Dutch mobile number: 06 is followed by 8 digits, "
                f"this has {digits_after_06} — did you mean +31 6…?",
                suggestion="+31 6…",
            )
        return _refusal(
            "phone_not_issued",
            f"Nummers die met 06-{national[1]} beginnen worden niet uitgegeven",
            f"numbers starting with 06-{national[1]} are not issued",
        )
    if national.startswith("97"):
        return _refusal(
            "phone_m2m_length",
            "Geen geldig M2M-nummer: een 097-nummer heeft 12 cijfers, met de 0",
            "not a valid M2M number: a 097 number has 12 digits, including the 0",
        )
    if len(national) != 9 and not national.startswith(("8", "9", "14")):
        return _refusal(
            "phone_length",
            "Geen geldig Nederlands telefoonnummer: een nummer heeft 10 cijfers, met de 0; "
            f"dit zijn er {len(national) + 1}",
            "not a valid Dutch phone number: a number has 10 digits, including the 0; "
            f"this has {len(national) + 1}",
        )
    return _refusal(
        "phone_invalid",
        "Geen geldig Nederlands telefoonnummer (dit nummerbereik bestaat niet)",
        "not a valid Dutch phone number (no such number range)",
    )


def _foreign(compact: str) -> Canonical:
    if not compact.startswith(("+", "00")):
        raise _refusal(
            "phone_prefix",
            "Begin een buitenlands nummer met + en het landnummer (zoals +32), "
            "een Nederlands nummer met 0",
            "start a foreign number with + and the country code (like +32), a Dutch one with 0",
        )
    try:
        number = phonenumbers.parse(compact, "NL")
    except NumberParseException as error:
        raise _parse_refusal(error) from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid_refusal(number)
    region = phonenumbers.region_code_for_number(number) or ""
    number_type = _NUMBER_TYPE_NAMES.get(phonenumbers.number_type(number), "unknown")
    return new_canonical(
        kind=KIND,
        value=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        display=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        detail={"type": number_type, "region": region},
    )


def _parse_refusal(error: NumberParseException) -> CanonicalError:
    if error.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        return _refusal("phone_country", "Onbekend landnummer", "unknown country calling code")
    if error.error_type == NumberParseException.NOT_A_NUMBER:
        return _refusal(
            "phone_characters", "Dit is geen telefoonnummer", "this is not a phone number"
        )
    if error.error_type == NumberParseException.TOO_LONG:
        return _refusal("phone_length", "Telefoonnummer is te lang", "phone number is too long")
    return _refusal("phone_length", "Telefoonnummer is te kort", "phone number is too short")


def _invalid_refusal(number: phonenumbers.PhoneNumber) -> CanonicalError:
    country_code = number.country_code or 0
    region = phonenumbers.region_code_for_country_code(country_code)
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        return _refusal("phone_country", "Onbekend landnummer", "unknown country calling code")
    if reason == ValidationResult.TOO_SHORT:
        nl, en = "te weinig cijfers", "too few digits"
    elif reason == ValidationResult.TOO_LONG:
        nl, en = "te veel cijfers", "too many digits"
    elif reason == ValidationResult.INVALID_LENGTH:
        nl, en = "verkeerd aantal cijfers", "wrong number of digits"
    else:
        nl, en = "dit nummerbereik bestaat niet", "no such number range"
    return _refusal(
        "phone_invalid",
        f"Geen geldig telefoonnummer voor {region} (+{country_code}): {nl}",
        f"not a valid phone number for {region} (+{country_code}): {en}",
    )


def _refusal(code: str, nl: str, en: str, *, suggestion: str | None = None) -> CanonicalError:
    return CanonicalError.bilingual(code, nl, en, kind=KIND, suggestion=suggestion)

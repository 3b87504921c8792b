"""Phone numbers: E.164, the Dutch fast path against phonenumbers, number types, suggestions."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketenwacht.identifiers.canonical import CanonicalError, canonical_phone, canonicalise
from ketenwacht.identifiers.canonical.phone import dutch_national_number, dutch_number_type


@pytest.mark.parametrize(
    "spelling",
    [
        "06-12345678",
        "0612345678",
        "06 1234 5678",
        "06.12.34.56.78",
        "(06) 12345678",
        "0031 6 1234 5678",
        "0031612345678",
        "+31 (0)6 12345678",
        "+31 06 12345678",
        "+31612345678",
        "+31 6 12345678",
        "31612345678",
        "tel:+31-6-12345678",
        "\u200b06-12345678 ",
    ],
)
def test_dutch_mobile_spellings_meet_in_one_value(spelling: str) -> None:
    canonical = canonical_phone(spelling)
    assert canonical.value == "+31612345678"
    assert canonical.display == "+31 6 12345678"
    assert canonical.detail == {"type": "mobile", "region": "NL"}


@pytest.mark.parametrize(
    ("spelling", "value", "number_type", "display"),
    [
        ("020-1234567", "+31201234567", "fixed_line", "+31 20 123 4567"),
        ("0313-123456", "+31313123456", "fixed_line", "+31 313 123 456"),
        ("085-1234567", "+31851234567", "voip", "+31 85 123 4567"),
        ("091-1234567", "+31911234567", "voip", "+31 91 123 4567"),
        ("088-1234567", "+31881234567", "uan", "+31 88 123 4567"),
        ("0900-1234", "+319001234", "premium_rate", "+31 900 1234"),
        ("0906-1234567", "+319061234567", "premium_rate", "+31 906 1234567"),
        ("0909-1234567", "+319091234567", "premium_rate", "+31 909 1234567"),
        ("0800-1234", "+318001234", "toll_free", "+31 800 1234"),
        ("0970 1234 5678", "+3197012345678", "m2m", "+31 970 123 45678"),
    ],
)
def test_dutch_number_types_are_kept(
    spelling: str, value: str, number_type: str, display: str
) -> None:
    canonical = canonical_phone(spelling)
    assert (canonical.value, canonical.detail["type"], canonical.display) == (
        value,
        number_type,
        display,
    )


def test_m2m_is_classified_even_though_phonenumbers_calls_it_mobile() -> None:
    parsed = phonenumbers.parse("097012345678", "NL")
    assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    assert canonical_phone("097012345678").detail["type"] == "m2m"


@pytest.mark.parametrize(
    ("spelling", "value", "region", "number_type"),
    [
        ("+32 470 12 34 56", "+32470123456", "BE", "mobile"),
        ("0032 470 12 34 56", "+32470123456", "BE", "mobile"),
        ("+49 1512 3456789", "+4915123456789", "DE", "mobile"),
        ("+44 20 7946 0958", "+442079460958", "GB", "fixed_line"),
        ("+1 201-555-0123", "+12015550123", "US", "fixed_line_or_mobile"),
        ("+212 6 50 12 34 56", "+212650123456", "MA", "mobile"),
    ],
)
def test_foreign_numbers_go_through_phonenumbers(
    spelling: str, value: str, region: str, number_type: str
) -> None:
    canonical = canonical_phone(spelling)
    assert canonical.value == value
    assert canonical.detail == {"type": number_type, "region": region}
    parsed = phonenumbers.parse(spelling, "NL")
    expected_display = phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    assert canonical.display == expected_display


@pytest.mark.parametrize("spelling", ["06-1234567", "06-123456789", "+31 6 1234567", "0031 6 12"])
def test_dutch_mobile_with_wrong_digit_count_suggests_the_form(spelling: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonical_phone(spelling)
    error = caught.value
    assert error.code == "phone_mobile_length"
    assert "did you mean +31 6…?" in error.message_en
    assert "bedoelde u +31 6…?" in error.message_nl
    assert "na 06 horen 8 cijfers" in error.message_nl
    assert error.details["suggestion"] == "+31 6…"


@pytest.mark.parametrize(
    ("spelling", "code", "english"),
    [
        ("0201234", "phone_length", "a number has 10 digits"),
        ("0601234567", "phone_not_issued", "06-0"),
        ("0971234", "phone_m2m_length", "M2M"),
        ("0800-FLOWERS", "phone_characters", "digits"),
        ("+999 1234567", "phone_country", "unknown country calling code"),
        ("+32 12", "phone_invalid", "too few digits"),
        ("+49 1512 345678901234567", "phone_length", "too long"),
        ("+32 470 12 34", "phone_invalid", "for BE (+32)"),
        ("4915123456789", "phone_prefix", "start a foreign number with +"),
        ("0691234567", "phone_not_issued", "06-9"),
    ],
)
def test_phone_refusals(spelling: str, code: str, english: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonical_phone(spelling)
    assert caught.value.code == code
    assert english in caught.value.message_en
    assert caught.value.message_nl


def test_bare_nine_digits_are_a_national_number_only_when_the_kind_is_given() -> None:
    assert canonicalise("612345678", "phone").value == "+31612345678"
    with pytest.raises(CanonicalError) as caught:
        canonicalise("612345678")
    assert caught.value.code == "ambiguous"
    assert caught.value.details["suggestion"] == "+31 6 12345678"
    assert "did you mean +31 6 12345678?" in caught.value.message_en


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=5, max_size=12).filter(lambda d: d[0] != "0"))
def test_fast_path_agrees_with_phonenumbers_on_dutch_numbers(digits: str) -> None:
    """The fast path accepts exactly what phonenumbers accepts, with the same E.164 value."""
    spelling = "0" + digits
    parsed = phonenumbers.parse(spelling, "NL")
    valid = phonenumbers.is_valid_number(parsed)
    national = dutch_national_number(spelling)
    assert national == digits
    assert (dutch_number_type(national) is not None) == valid
    try:
        canonical = canonical_phone(spelling)
    except CanonicalError as error:
        assert not valid or error.code == "bsn_refused"
        return
    assert valid
    assert canonical.value == phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164
    )
    assert canonical.display == phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    expected_type = phonenumbers.PhoneNumberType.to_string(phonenumbers.number_type(parsed))
    if canonical.detail["type"] != "m2m":
        assert canonical.detail["type"] == expected_type.lower()

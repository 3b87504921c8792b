"""IBAN canonical form: separators and case accepted, length, structure and check digits."""

from __future__ import annotations

import string

import pytest
import schwifty
from hypothesis import given, settings
from hypothesis import strategies as st

from ketenwacht.identifiers.canonical import CanonicalError, canonical_iban, canonicalise
from ketenwacht.identifiers.canonical.iban import check_digits_valid, dutch_check_digits_valid


@pytest.mark.parametrize(
    "spelling",
    [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "NL91-ABNA-0417-1643-00",
        "NL91.ABNA.0417.1643.00",
        "  NL91 abna 0417 1643 00\u00a0",
        "IBAN NL91 ABNA 0417 1643 00",
        "IBAN: NL91ABNA0417164300",
    ],
)
def test_dutch_spellings_meet_in_one_value(spelling: str) -> None:
    canonical = canonical_iban(spelling)
    assert canonical.kind == "iban"
    assert canonical.value == "NL91ABNA0417164300"
    assert canonical.display == "NL91 ABNA 0417 1643 00"
    assert canonical.detail == {"country": "NL", "bank_code": "ABNA"}


@pytest.mark.parametrize(
    ("spelling", "value", "country", "bank_code"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "DE", "37040044"),
        ("gb82 west 1234 5698 7654 32", "GB82WEST12345698765432", "GB", "WEST"),
        ("BE68 5390 0754 7034", "BE68539007547034", "BE", "539"),
    ],
)
def test_foreign_ibans_use_the_country_specification(
    spelling: str, value: str, country: str, bank_code: str
) -> None:
    canonical = canonical_iban(spelling)
    assert canonical.value == value
    assert canonical.detail == {"country": country, "bank_code": bank_code}
    assert canonical.display == " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def test_old_dutch_eleven_test_is_not_applied_to_the_account_part() -> None:
    # ING's former Postbank accounts do not pass the old 11-proef, yet are real IBANs.
    assert canonical_iban("NL20INGB0001234567").value == "NL20INGB0001234567"


@pytest.mark.parametrize(
    ("value", "code", "dutch", "english"),
    [
        (
            "NL91ABNA0417164301",
            "iban_checksum",
            "IBAN-controlegetal klopt niet",
            "IBAN check digits are wrong",
        ),
        ("NL91ABNA041716430", "iban_length", "heeft 18 tekens, dit zijn er 17", "has 17"),
        ("NL91ABNA04171643OO", "iban_format", "rekeningdeel", "4!a10!n"),
        ("XX91ABNA0417164300", "iban_country", "Landcode XX", "country code XX has no IBAN"),
        ("NL91ABNA04171643_0", "iban_characters", "letters en cijfers", "letters and digits"),
        ("N191ABNA0417164300", "iban_format", "landcode", "country code"),
        ("", "empty", "leeg", "empty"),
    ],
)
def test_refusals_say_what_is_wrong_in_dutch_and_english(
    value: str, code: str, dutch: str, english: str
) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonical_iban(value)
    error = caught.value
    assert error.code == code
    assert dutch in error.message_nl
    assert english in error.message_en
    assert str(error) == f"{error.message_nl} / {error.message_en}"


@pytest.mark.parametrize("check_digits", ["00", "01", "99"])
def test_check_digits_iso_7064_never_produces_are_refused(check_digits: str) -> None:
    # ISO 7064 mod 97-10 yields 02..98; 00, 01 and 99 pass a bare "mod 97 == 1" test for some
    # account parts, so they are refused explicitly.
    assert not check_digits_valid(f"NL{check_digits}ABNA0417164300")


def test_autodetection_reports_the_iban_reason_for_an_iban_shaped_typo() -> None:
    with pytest.raises(CanonicalError) as caught:
        canonicalise("NL91 ABNA 0417 1643 01")
    assert caught.value.code == "iban_checksum"
    assert caught.value.details["kind"] == "iban"


dutch_shaped = st.builds(
    lambda check, bank, account: f"NL{check}{bank}{account}",
    st.text(string.digits, min_size=2, max_size=2),
    st.text(string.ascii_uppercase, min_size=4, max_size=4),
    st.text(string.digits, min_size=10, max_size=10),
)
foreign_shaped = st.builds(
    lambda country, check, bban: f"{country}{check}{bban}",
    st.sampled_from(["DE", "BE", "GB", "FR", "ES", "XK", "NO", "MT"]),
    st.text(string.digits, min_size=2, max_size=2),
    st.text(string.digits + string.ascii_uppercase, min_size=10, max_size=28),
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(dutch_shaped, foreign_shaped))
def test_accepts_exactly_what_schwifty_accepts(iban: str) -> None:
    try:
        schwifty.IBAN(iban)
        schwifty_accepts = True
    except schwifty.exceptions.SchwiftyException:
        schwifty_accepts = False
    try:
        canonical_iban(iban)
        accepted = True
    except CanonicalError:
        accepted = False
    assert accepted == schwifty_accepts


@settings(max_examples=500, deadline=None)
@given(dutch_shaped)
def test_dutch_fast_check_digits_agree_with_the_general_check(iban: str) -> None:
    assert dutch_check_digits_valid(iban) == check_digits_valid(iban)


@pytest.mark.parametrize(
    "spelling",
    [
        "NL\u0669\u0661ABNA0417164300",  # Arabic-Indic digits in the check digits
        "NL91ABNA\uff10\uff14\uff11\uff17164300",  # full-width digits in the account
        "DE89\u0663\u0667\u0660400440532013000",
    ],
)
def test_digits_of_other_scripts_are_refused_not_stored_apart(spelling: str) -> None:
    """int() reads them, so a pattern that took them would store a second spelling of an IBAN
    apart from the ASCII one; they are refused like any other non-ASCII character."""
    with pytest.raises(CanonicalError) as refused:
        canonical_iban(spelling)
    assert refused.value.code == "iban_characters"

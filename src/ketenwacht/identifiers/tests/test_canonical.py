"""canonicalise(): dispatch by kind, autodetection and its explanations, BSN guard, devices."""

from __future__ import annotations

import pytest

from ketenwacht.errors import ValidationFailed
from ketenwacht.identifiers.canonical import (
    CANONICALISERS,
    KINDS,
    Canonical,
    CanonicalError,
    canonical_device,
    canonical_phone,
    canonicalise,
)
from ketenwacht.identifiers.canonical.bsn import passes_elfproef

# Test BSNs that pass the 11-proef (the ministry's test numbers are of this shape).
BSN_LIKE = ["111222333", "123456782", "1234 56 782", "123.456.782", "12345672"]


def test_every_kind_has_a_function() -> None:
    assert tuple(CANONICALISERS) == KINDS


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("https://evil.nl/login", "url", "https://evil.nl/login"),
        ("Jan@Example.nl", "email", "jan@example.nl"),
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "wallet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
        ("NL91 ABNA 0417 1643 00", "iban", "NL91ABNA0417164300"),
        ("06-12345678", "phone", "+31612345678"),
        ("+32 470 12 34 56", "phone", "+32470123456"),
        ("31612345678", "phone", "+31612345678"),
        ("tel:0612345678", "phone", "+31612345678"),
        ("instagram:@Jan", "account", "instagram:jan"),
        ("www.evil.nl", "domain", "evil.nl"),
    ],
)
def test_autodetection(value: str, kind: str, expected: str) -> None:
    canonical = canonicalise(value)
    assert (canonical.kind, canonical.value) == (kind, expected)
    assert canonicalise(value, kind) == canonical


def test_explicit_kind_is_obeyed_over_the_shape() -> None:
    # "evil.nl/login" is written as a URL; asked for its domain, the domain is given.
    assert canonicalise("evil.nl/login", "domain").value == "evil.nl"
    with pytest.raises(CanonicalError) as caught:
        canonicalise("06-12345678", "iban")
    assert caught.value.details["kind"] == "iban"


def test_devices_are_opaque_and_only_given_explicitly() -> None:
    canonical = canonicalise("  AbC:12-ef/GH  ", "device")
    assert canonical == Canonical(kind="device", value="AbC:12-ef/GH", display="AbC:12-ef/GH")
    with pytest.raises(CanonicalError):
        canonicalise("AbC:12-ef/GH")  # never guessed


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("short", "device_length"),
        ("has space inside", "device_characters"),
        ("é" * 9, "device_characters"),
    ],
)
def test_device_refusals(value: str, code: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonical_device(value)
    assert caught.value.code == code


@pytest.mark.parametrize("bsn", BSN_LIKE)
@pytest.mark.parametrize("kind", [None, *KINDS])
def test_a_number_passing_the_eleven_test_is_refused_as_bsn_for_every_kind(
    bsn: str, kind: str | None
) -> None:
    assert passes_elfproef(bsn.replace(" ", "").replace(".", ""))
    with pytest.raises(CanonicalError) as caught:
        canonicalise(bsn, kind)
    error = caught.value
    assert error.code == "bsn_refused"
    assert "BSN" in error.message_nl and "BSN" in error.message_en
    assert "mag hier niet gedeeld worden" in error.message_nl
    assert "may not be shared here" in error.message_en
    digits = bsn.replace(" ", "").replace(".", "")
    assert digits not in str(error)  # the refusal never repeats the number


def test_the_per_kind_functions_refuse_bsns_too() -> None:
    for function in (canonical_phone, canonical_device):
        with pytest.raises(CanonicalError) as caught:
            function("123456782")
        assert caught.value.code == "bsn_refused"


def test_elfproef() -> None:
    assert passes_elfproef("111222333")
    assert passes_elfproef("12345672")  # eight digits: a BSN written without its leading 0
    assert not passes_elfproef("111222334")
    assert not passes_elfproef("1112223330")


def test_nine_digits_failing_the_eleven_test_are_explained_not_guessed() -> None:
    with pytest.raises(CanonicalError) as caught:
        canonicalise("111222334")
    assert caught.value.code == "ambiguous"
    assert "phone number starts with 0" in caught.value.message_en


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("52908400098527886e0f7030069857d2e4169ee7", "ambiguous"),
        ("@jan", "ambiguous"),
        ("hallo wereld", "unrecognised"),
        ("", "empty"),
        ("   ", "empty"),
        ("\u200b\u00a0", "empty"),
        ("a\x00b", "control_characters"),
        ("x" * 3000, "too_long"),
        ("\ud800abc", "not_text"),
    ],
)
def test_autodetection_refusals_explain(value: str, code: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonicalise(value)
    assert caught.value.code == code
    assert caught.value.message_nl and caught.value.message_en


def test_unknown_kind_and_non_text_are_refused() -> None:
    with pytest.raises(CanonicalError) as caught:
        canonicalise("x", "passport")
    assert caught.value.code == "kind_unknown"
    assert "iban" in caught.value.message_en
    with pytest.raises(CanonicalError) as caught:
        canonicalise(12345678901)  # type: ignore[arg-type]
    assert caught.value.code == "not_text"


def test_refusal_is_a_domain_validation_error_with_a_problem_shape() -> None:
    with pytest.raises(CanonicalError) as caught:
        canonicalise("06-1234567")
    error = caught.value
    assert isinstance(error, ValidationFailed)
    assert error.status == 400
    assert error.as_dict() == {
        "code": "phone_mobile_length",
        "detail": f"{error.message_nl} / {error.message_en}",
        "kind": "phone",
        "suggestion": "+31 6…",
    }


def test_new_canonical_builds_the_same_object_as_the_dataclass() -> None:
    import dataclasses

    from ketenwacht.identifiers.canonical.types import new_canonical

    detail = {"type": "mobile", "region": "NL"}
    fast = new_canonical("phone", "+31612345678", "+31 6 12345678", detail)
    slow = Canonical(kind="phone", value="+31612345678", display="+31 6 12345678", detail=detail)
    assert type(fast) is Canonical
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert dataclasses.replace(fast, value="x").value == "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.value = "x"  # type: ignore[misc]

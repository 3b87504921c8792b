"""Property tests: canonical forms are idempotent, equal spellings meet in one value, and no
input makes canonicalise fail in any other way than a bilingual refusal."""

from __future__ import annotations

import string
from collections.abc import Callable

import base58
import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ketenwacht.identifiers.canonical import KINDS, Canonical, CanonicalError, account, canonicalise
from ketenwacht.identifiers.canonical.account import profile_in_url
from ketenwacht.identifiers.canonical.detect import _fast_path, _ladder, detect_kind
from ketenwacht.identifiers.canonical.iban import check_digits_valid

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_NUMERIFY = str.maketrans({c: str(10 + i) for i, c in enumerate(string.ascii_uppercase)})


def assert_idempotent(canonical: Canonical) -> None:
    again = canonicalise(canonical.value, canonical.kind)
    assert (again.kind, again.value, again.display) == (
        canonical.kind,
        canonical.value,
        canonical.display,
    )
    assert canonicalise(again.value, again.kind) == again  # a fixed point, detail included
    if canonical.kind != "device":  # devices are never autodetected
        assert canonicalise(canonical.value).value == canonical.value


@st.composite
def spaced(draw: st.DrawFn, text: str, separators: str = " -.") -> str:
    """``text`` with separators dropped in at random places."""
    out = []
    for char in text:
        out.append(char)
        if draw(st.booleans()) and draw(st.booleans()):
            out.append(draw(st.sampled_from(separators)))
    return "".join(out).strip(separators)


def with_check_digits(country: str, bban: str) -> str:
    check = 98 - int((bban + country + "00").translate(_NUMERIFY)) % 97
    return f"{country}{check:02d}{bban}"


ibans = st.one_of(
    st.builds(
        lambda bank, account: with_check_digits("NL", bank + account),
        st.text(string.ascii_uppercase, min_size=4, max_size=4),
        st.text(string.digits, min_size=10, max_size=10),
    ),
    st.builds(
        lambda bban: with_check_digits("DE", bban), st.text(string.digits, min_size=18, max_size=18)
    ),
    st.builds(
        lambda bban: with_check_digits("BE", bban), st.text(string.digits, min_size=12, max_size=12)
    ),
)


@SETTINGS
@given(ibans, st.data())
def test_iban_spellings_meet_and_are_idempotent(iban: str, data: st.DataObject) -> None:
    assume(check_digits_valid(iban))
    spelling = data.draw(spaced(iban))
    if data.draw(st.booleans()):
        spelling = spelling.lower()
    canonical = canonicalise(spelling, "iban")
    assert canonical.value == iban
    assert canonicalise(iban, "iban") == canonical
    assert_idempotent(canonical)


dutch_mobiles = st.builds(
    lambda second, rest: "6" + second + rest,
    st.sampled_from("123458"),
    st.text(string.digits, min_size=7, max_size=7),
)
dutch_fixed = st.builds(
    lambda area, rest: area + rest[: 9 - len(area)],
    st.sampled_from(["10", "20", "30", "40", "50", "70", "313", "318", "495", "575", "85", "88"]),
    st.text(string.digits, min_size=7, max_size=7),
)
DUTCH_PREFIXES = ["0", "+31", "0031", "+31 (0)", "+31 0", "0031 "]


@SETTINGS
@given(st.one_of(dutch_mobiles, dutch_fixed), st.sampled_from(DUTCH_PREFIXES), st.data())
def test_dutch_phone_spellings_meet_and_are_idempotent(
    national: str, prefix: str, data: st.DataObject
) -> None:
    spelling = prefix + data.draw(spaced(national, " -."))
    canonical = canonicalise(spelling, "phone")
    assert canonical.value == "+31" + national
    assert canonicalise("0" + national, "phone") == canonical
    assert_idempotent(canonical)


FOREIGN_EXAMPLES = [
    phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    for region in ("BE", "DE", "GB", "FR", "ES", "PL", "TR", "MA", "SR", "NG", "US", "CN")
]


@SETTINGS
@given(st.sampled_from(FOREIGN_EXAMPLES), st.sampled_from(["+", "00"]), st.data())
def test_foreign_phone_spellings_meet(
    number: phonenumbers.PhoneNumber, prefix: str, data: st.DataObject
) -> None:
    national = phonenumbers.national_significant_number(number)
    spelling = f"{prefix}{number.country_code} " + data.draw(spaced(national, " -"))
    canonical = canonicalise(spelling, "phone")
    assert canonical.value == phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164
    )
    assert_idempotent(canonical)


local_parts = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
domains = st.sampled_from(["example.nl", "ziggo.nl", "outlook.com", "xn--fa-hia.de", "a.co.uk"])


@SETTINGS
@given(local_parts, local_parts, domains, st.data())
def test_email_spellings_meet_and_are_idempotent(
    first: str, last: str, domain: str, data: st.DataObject
) -> None:
    address = f"{first}.{last}@{domain}"
    spelling = "".join(c.upper() if data.draw(st.booleans()) else c for c in address)
    if data.draw(st.booleans()):
        spelling = f"<{spelling}>"
    canonical = canonicalise(spelling, "email")
    assert canonical.value == address
    assert_idempotent(canonical)


@SETTINGS
@given(
    local_parts,
    local_parts,
    st.text("abc", max_size=5),
    st.sampled_from(["gmail.com", "googlemail.com"]),
)
def test_gmail_spellings_meet(first: str, last: str, tag: str, domain: str) -> None:
    spelling = f"{first}.{last}" + (f"+{tag}" if tag else "") + f"@{domain}"
    canonical = canonicalise(spelling, "email")
    assert canonical.value == f"{first}{last}@gmail.com"
    assert_idempotent(canonical)


labels = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10)
suffixes = st.sampled_from(["nl", "com", "co.uk", "github.io", "be"])
paths = st.lists(
    st.text(string.ascii_letters + string.digits + "-_~", min_size=1, max_size=6), max_size=3
)


@SETTINGS
@given(labels, suffixes, paths, st.booleans(), st.data())
def test_url_spellings_meet_and_are_idempotent(
    label: str, suffix: str, segments: list[str], www: bool, data: st.DataObject
) -> None:
    host = ("www." if www else "") + f"{label}.{suffix}"
    path = "/" + "/".join(segments)
    url = f"https://{host}{path}"
    # Profile URLs of account platforms (x.com/handle) are autodetected as accounts by design.
    assume(profile_in_url(url) is None)
    shouty_host = "".join(c.upper() if data.draw(st.booleans()) else c for c in host)
    spelling = data.draw(
        st.sampled_from(
            [
                f"HTTPS://{shouty_host}{path}",
                f"https://{host}:443{path}#frag",
                f"hxxps://{host.replace('.', '[.]')}{path}",
                f"https://{host}.{path}",
                f"https://{host}/./{path.lstrip('/')}",
            ]
        )
    )
    canonical = canonicalise(spelling, "url")
    assert canonical.value == url
    assert_idempotent(canonical)


def canonical_public_suffix_refused(name: str) -> bool:
    try:
        canonicalise(name, "domain")
    except CanonicalError as error:
        return error.code == "domain_public_suffix"
    return False


@SETTINGS
@given(labels, labels, suffixes, st.data())
def test_domain_spellings_meet_and_are_idempotent(
    sub: str, label: str, suffix: str, data: st.DataObject
) -> None:
    registrable = f"{label}.{suffix}"
    # Some generated names are public suffixes themselves (ac.be, co.uk): refused by design.
    assume(canonical_public_suffix_refused(registrable) is False)
    spelling = data.draw(
        st.sampled_from(
            [
                registrable.upper(),
                f"{sub}.{registrable}",
                f"www.{registrable}.",
                registrable.replace(".", "[.]"),
                f"https://{sub}.{registrable}/path",
            ]
        )
    )
    canonical = canonicalise(spelling, "domain")
    assert canonical.value == registrable
    assert_idempotent(canonical)


# Platforms' own pages ("instagram.com/legal/") are no profiles and are refused: not handles.
_RESERVED = frozenset().union(*(p.reserved for p in account.platforms().values()))
handles = st.text(string.ascii_lowercase + string.digits + "_", min_size=5, max_size=15).filter(
    lambda h: h[0].isalpha() and h not in _RESERVED
)


@SETTINGS
@given(handles, st.data())
def test_account_spellings_meet_and_are_idempotent(handle: str, data: st.DataObject) -> None:
    platform, spelling = data.draw(
        st.sampled_from(
            [
                ("instagram", f"Instagram:@{handle.upper()}"),
                ("instagram", f"https://www.instagram.com/{handle}/"),
                ("x", f"twitter:{handle[:15]}"),
                ("x", f"https://x.com/{handle[:15].upper()}"),
                ("telegram", f"https://t.me/{handle}"),
                ("tiktok", f"https://www.tiktok.com/@{handle}"),
                ("snapchat", f"snap:{handle}"),
            ]
        )
    )
    expected = handle[:15] if platform == "x" else handle
    canonical = canonicalise(spelling, "account")
    assert canonical.value == f"{platform}:{expected}"
    assert_idempotent(canonical)


@SETTINGS
@given(st.binary(min_size=20, max_size=20), st.sampled_from([0x00, 0x05, 0x6F, 0xC4]), st.data())
def test_wallets_are_idempotent(payload: bytes, version: int, data: st.DataObject) -> None:
    address = base58.b58encode_check(bytes([version]) + payload).decode()
    canonical = canonicalise(address, "wallet")
    assert canonical.value == address
    assert_idempotent(canonical)
    ethereum = "0x" + "".join(c.upper() if data.draw(st.booleans()) else c for c in payload.hex())
    eth = canonicalise(ethereum, "wallet")
    assert eth.value == "0x" + payload.hex()
    assert_idempotent(eth)


@SETTINGS
@given(st.text(string.ascii_letters + string.digits + ":-_/+=", min_size=8, max_size=64))
def test_devices_are_idempotent(fingerprint: str) -> None:
    assume(not fingerprint.isdigit())
    canonical = canonicalise(fingerprint, "device")
    assert canonical.value == fingerprint
    assert_idempotent(canonical)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80), st.sampled_from([None, *KINDS]))
def test_any_input_gives_a_canonical_form_or_a_bilingual_refusal(
    text: str, kind: str | None
) -> None:
    try:
        canonical = canonicalise(text, kind)
    except CanonicalError as error:
        assert error.code
        assert error.message_nl and error.message_en
        assert str(error) == f"{error.message_nl} / {error.message_en}"
        return
    assert canonical.kind in KINDS
    assert canonical.value
    assert_idempotent(canonical)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
        max_size=60,
    ).map(lambda s: "https://" + s),
)
def test_url_like_input_never_crashes(text: str) -> None:
    try:
        canonical = canonicalise(text, "url")
    except CanonicalError as error:
        assert error.message_nl and error.message_en
        return
    assert canonical.value.startswith(("http://", "https://"))
    assert_idempotent(canonical)


def _answer(detect: Callable[[str], str], text: str) -> str:
    try:
        return detect(text)
    except CanonicalError as error:
        return f"refused: {error.code}"


def _ladder_answer(text: str) -> str:
    return _answer(_ladder, text)


# Text made of the characters the shortcuts of autodetection look at, so that the shapes
# they recognise (and the near misses) turn up often.
_SHAPE_ALPHABET = "06319abcdehlmnpstxAINLT.-+ @:/?#[(<>" + "\u0430"
_SHAPE_PREFIXES = [
    "",
    "tel:",
    "mailto:",
    "instagram:",
    "https://",
    "hxxp://",
    "//",
    "bitcoin:",
    "@",
]


@settings(max_examples=800, deadline=None)
@given(
    st.one_of(
        st.text(_SHAPE_ALPHABET, min_size=1, max_size=40),
        st.tuples(
            st.sampled_from(_SHAPE_PREFIXES), st.text(_SHAPE_ALPHABET, min_size=1, max_size=30)
        ).map("".join),
        st.from_regex(r"[a-z0-9.+_-]{1,12}@[a-z0-9-]{1,10}\.[a-z]{2,4}", fullmatch=True),
        st.from_regex(r"[a-zA-Z0-9-]{1,12}\.[a-z0-9]{1,6}\.?", fullmatch=True),
        st.from_regex(r"(bc1|tb1|0x|NL|\+31|0)[a-zA-Z0-9.-]{4,40}", fullmatch=True),
    )
)
def test_autodetection_shortcuts_answer_as_the_full_ladder(text: str) -> None:
    text = text.strip()
    assume(text)
    shortcut = _fast_path(text)
    assert shortcut in ("", "phone", "iban", "email", "domain")
    if shortcut:
        assert _ladder_answer(text) == shortcut


@pytest.mark.parametrize(
    "text",
    [
        "jan@example.nl",
        "Jan.Smit+x@Gmail.com",
        "jan@example.nl>",
        "tel:jan@example.nl",  # prefixes, URLs and defanging come before e-mail
        "instagram:jan@example.nl",
        "https://jan@example.nl",
        "jan[@]example.nl",
        "markt-licht.shop.",
        "12.3-4567",  # a phone shape that the domain pattern also fits
        "0800-bank.nl",
        "bc1-shop-online-winkel.nl",  # wallet-shaped by its prefix
        "NL91.ABNA.0417.1643.00",
        "06-12345678",
        "NL91 ABNA 0417 1643 00",
    ],
)
def test_autodetection_shortcuts_on_near_misses(text: str) -> None:
    shortcut = _fast_path(text)
    assert shortcut == "" or _ladder_answer(text) == shortcut
    assert _answer(detect_kind, text) == (shortcut or _ladder_answer(text))

"""E-mail addresses: domain IDNA, Gmail-only dot and plus-tag removal, refusals."""

from __future__ import annotations

import pytest

from ketenwacht.identifiers.canonical import CanonicalError, canonical_email, canonicalise


@pytest.mark.parametrize(
    "spelling",
    [
        "jan.jansen@example.nl",
        "Jan.Jansen@Example.NL",
        "jan.jansen@example.nl.",
        "<jan.jansen@example.nl>",
        "mailto:jan.jansen@example.nl?subject=Hallo",
        "mailto:jan.jansen%40example.nl",
        "jan.jansen[@]example[.]nl",
        "jan.jansen(at)example(dot)nl",
    ],
)
def test_spellings_meet_in_one_value(spelling: str) -> None:
    canonical = canonical_email(spelling)
    assert canonical.value == "jan.jansen@example.nl"
    assert canonical.detail["registrable_domain"] == "example.nl"


def test_dots_and_plus_tags_are_kept_for_other_providers() -> None:
    assert canonical_email("jan.jansen+shop@outlook.com").value == "jan.jansen+shop@outlook.com"
    assert canonical_email("janjansen@outlook.com").value == "janjansen@outlook.com"


@pytest.mark.parametrize(
    "spelling",
    [
        "jan.jansen@gmail.com",
        "JanJansen@gmail.com",
        "j.a.n.jansen+marktplaats@gmail.com",
        "janjansen+x+y@GoogleMail.com",
    ],
)
def test_gmail_ignores_dots_and_plus_tags_and_googlemail_is_gmail(spelling: str) -> None:
    canonical = canonical_email(spelling)
    assert canonical.value == "janjansen@gmail.com"
    assert canonical.detail["provider_rule"] == "gmail"


def test_internationalised_domain_is_stored_as_a_labels_and_shown_in_unicode() -> None:
    canonical = canonical_email("Info@Faß.de")
    assert canonical.value == "info@xn--fa-hia.de"  # UTS 46 non-transitional: ß stays ß
    assert canonical.display == "info@faß.de"
    assert canonical.detail["unicode"] == "faß.de"


def test_look_alike_domain_is_flagged_and_shown_in_a_labels() -> None:
    canonical = canonical_email("klantenservice@rаbobank.nl")  # Cyrillic а
    assert canonical.detail["flags"] == ["confusable", "mixed_script"]
    assert canonical.detail["looks_like"] == "rabobank.nl"
    assert canonical.display == "klantenservice@xn--rbobank-2fg.nl"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("jan.example.nl", "email_format"),
        ("@example.nl", "email_format"),
        ("jan@", "email_format"),
        ('"jan jansen"@example.nl', "email_quoted"),
        ("jan..jansen@example.nl", "email_local_part"),
        ("jan jansen@example.nl", "email_local_part"),
        ("x" * 65 + "@example.nl", "email_local_part"),
        ("jan@example.invalidtld", "host_suffix"),
        ("jan@[192.168.1.1]", "domain_ip"),
        ("jan@exa mple.nl", "host_invalid"),
        ("+tag@gmail.com", "email_local_part"),
        ("jan@" + ("a" * 60 + ".") * 5 + "nl", "host_too_long"),
    ],
)
def test_email_refusals(value: str, code: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonical_email(value)
    assert caught.value.code == code
    assert caught.value.message_nl and caught.value.message_en


def test_autodetection_finds_email() -> None:
    assert canonicalise("Jan@Example.nl").kind == "email"
    assert canonicalise("mailto:jan@example.nl").kind == "email"

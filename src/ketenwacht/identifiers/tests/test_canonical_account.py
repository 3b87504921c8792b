"""Accounts: platform:handle, platform list as data, profile URLs, per-platform handle rules."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from ketenwacht.identifiers.canonical import CanonicalError, canonical_account, canonicalise
from ketenwacht.identifiers.canonical.account import platforms


def test_platform_list_is_data_in_the_package() -> None:
    raw = json.loads(
        resources.files("ketenwacht.identifiers.canonical").joinpath("platforms.json").read_text()
    )
    expected = {
        "marktplaats", "facebook", "instagram", "whatsapp", "telegram",
        "tiktok", "vinted", "ebay", "x", "snapchat",
    }  # fmt: skip
    assert expected <= set(raw)
    assert set(platforms()) == {key for key in raw if not key.startswith("_")}


@pytest.mark.parametrize(
    ("spelling", "value"),
    [
        ("instagram:jan.jansen", "instagram:jan.jansen"),
        ("Instagram: @Jan.Jansen", "instagram:jan.jansen"),
        ("ig:@jan.jansen", "instagram:jan.jansen"),
        ("https://www.instagram.com/jan.jansen/", "instagram:jan.jansen"),
        ("instagram.com/Jan.Jansen?igsh=abc", "instagram:jan.jansen"),
        ("twitter:@JanJ", "x:janj"),
        ("https://twitter.com/JanJ", "x:janj"),
        ("https://x.com/janj", "x:janj"),
        ("tiktok:@jan_j", "tiktok:jan_j"),
        ("https://www.tiktok.com/@jan_j", "tiktok:jan_j"),
        ("telegram:@JanJansen", "telegram:janjansen"),
        ("https://t.me/JanJansen", "telegram:janjansen"),
        ("facebook:jan.jansen.5", "facebook:janjansen5"),
        ("https://www.facebook.com/JanJansen5", "facebook:janjansen5"),
        ("https://m.facebook.com/profile.php?id=100012345678", "facebook:100012345678"),
        ("https://www.marktplaats.nl/u/jan-jansen/12345678/", "marktplaats:12345678"),
        ("marktplaats:12345678", "marktplaats:12345678"),
        ("https://www.vinted.nl/member/98765432-janjansen", "vinted:98765432"),
        ("https://www.ebay.nl/usr/Jan_Jansen", "ebay:jan_jansen"),
        ("snapchat:JanJ2000", "snapchat:janj2000"),
        ("https://www.snapchat.com/add/janj2000", "snapchat:janj2000"),
        ("whatsapp:06-12345678", "whatsapp:+31612345678"),
        ("https://wa.me/31612345678", "whatsapp:+31612345678"),
        ("https://api.whatsapp.com/send?phone=31612345678&text=hoi", "whatsapp:+31612345678"),
        ("wa:+32 470 12 34 56", "whatsapp:+32470123456"),
    ],
)
def test_spellings_meet_in_platform_handle(spelling: str, value: str) -> None:
    canonical = canonical_account(spelling)
    assert canonical.value == value
    platform, _, handle = value.partition(":")
    assert canonical.detail["platform"] == platform
    assert canonical.detail["handle"] == handle


def test_display_names_the_platform() -> None:
    assert canonical_account("instagram:jan").display == "Instagram @jan"
    assert canonical_account("whatsapp:0612345678").display == "WhatsApp +31 6 12345678"
    assert canonical_account("whatsapp:0612345678").detail["phone_type"] == "mobile"


@pytest.mark.parametrize(
    ("value", "code", "english"),
    [
        ("myspace:jan", "account_platform", "unknown platform myspace"),
        ("jan", "account_format", "platform:handle"),
        ("https://www.example.nl/jan", "account_format", "profile URL"),
        ("https://www.instagram.com/p/Cx12345/", "account_format", "profile URL"),
        ("marktplaats:jan-jansen", "account_handle", "the user number from the profile URL"),
        ("x:a_name_that_is_far_too_long", "account_handle", "invalid handle for X"),
        ("telegram:abc", "account_handle", "Telegram"),
        ("instagram:", "account_handle", "Instagram"),
        ("whatsapp:06-1234567", "phone_mobile_length", "WhatsApp: not a valid Dutch mobile"),
    ],
)
def test_account_refusals(value: str, code: str, english: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonical_account(value)
    assert caught.value.code == code
    assert english in caught.value.message_en
    assert caught.value.message_nl
    assert caught.value.details["kind"] == "account"


def test_autodetection_prefers_account_for_profile_urls_and_asks_for_a_platform() -> None:
    assert canonicalise("https://www.instagram.com/jan.jansen/").kind == "account"
    assert canonicalise("instagram:jan").kind == "account"
    with pytest.raises(CanonicalError) as caught:
        canonicalise("@jan.jansen")
    assert caught.value.code == "ambiguous"
    assert "platform:handle" in caught.value.message_en


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://WWW.INSTAGRAM.COM./jan", "account"),  # case and the root dot do not hide it
        ("https://m.facebook.com/jan.jansen", "account"),
        ("https://x.com/jan", "account"),
        ("https://box.com/jan", "url"),  # ends in x.com, but not in the label .x.com
        ("https://instagram.com.evil.nl/jan", "url"),
        ("https://ｉｎｓｔａｇｒａｍ.com/jan", "account"),  # full-width: IDNA maps it to ASCII
    ],
)
def test_profile_urls_are_told_from_other_urls_by_registrable_domain(url: str, kind: str) -> None:
    assert canonicalise(url).kind == kind

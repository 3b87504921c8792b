"""Autodetection: which kind a free-form input is, decided on its shape.

Shape decides the kind; the kind's own function then validates, so an input that clearly is
an IBAN with a typo is refused with the IBAN's reason ("IBAN-controlegetal klopt niet")
rather than "not recognised". The order matters and follows the issue: explicit prefixes
(``mailto:``, ``tel:``, ``bitcoin:``, ``instagram:``), URL, e-mail, wallet, IBAN, phone,
account, domain. One refinement: a URL that is a profile page on a known platform
(``https://www.instagram.com/jan``) is an account — that is what it identifies.

Input that fits several kinds, or none, is refused with an explanation of what to do.
"""

from __future__ import annotations

import re

from ketenwacht.identifiers.canonical._text import refang
from ketenwacht.identifiers.canonical.account import profile_in_url, split_platform_prefix
from ketenwacht.identifiers.canonical.iban import looks_like_iban
from ketenwacht.identifiers.canonical.phone import canonical_phone
from ketenwacht.identifiers.canonical.types import CanonicalError
from ketenwacht.identifiers.canonical.wallet import looks_like_wallet

_URL_START = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|//)", re.IGNORECASE)
_HOST_WITH_PATH = re.compile(r"^[^\s/?#@:]+\.[^\s/?#@:.]+(?::\d{1,5})?[/?#]")
_EMAIL = re.compile(r"^(?:mailto:)?<?[^@\s<>]+@[^@\s<>/]+\.[^@\s<>/]+>?$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,}$")
_PHONE_SEPARATORS = str.maketrans("", "", " -./()")
_HANDLE = re.compile(r"^@[\w.]{1,64}$")
_DOMAIN = re.compile(r"^(?:\*\.)?[^\s/?#@:]+\.[^\s/?#@:.]*[^\s/?#@:.\d][^\s/?#@:.]*\.?$")
_HEX = re.compile(r"^[0-9a-fA-F]{40}$")
# Characters that the prefix, platform, URL and defanging steps of the ladder need.
_NOT_PLAIN = re.compile(r"[:/?#\[({]")
_PREFIXES = {"mailto": "email", "tel": "phone", "bitcoin": "wallet", "ethereum": "wallet"}


def detect_kind(text: str) -> str:
    """The kind ``text`` (already cleaned) is written as; raises when unclear."""
    return _fast_path(text) or _ladder(text)


def _ladder(text: str) -> str:
    """Every shape in the order of the issue; :func:`_fast_path` only anticipates it."""
    scheme, colon, _ = text.partition(":")
    if colon and scheme.lower() in _PREFIXES:
        return _PREFIXES[scheme.lower()]
    if split_platform_prefix(text) is not None:
        return "account"
    refanged = refang(text)
    if _URL_START.match(refanged) or _HOST_WITH_PATH.match(refanged):
        return "account" if profile_in_url(refanged) else "url"
    if "@" in refanged and _EMAIL.match(refanged):
        return "email"
    if looks_like_wallet(text):
        return "wallet"
    if looks_like_iban(text):
        return "iban"
    if _PHONE.match(text):
        return _phone_or_explain(text)
    if _HANDLE.match(text):
        raise _ambiguous(
            "Van welk platform is dit account? Schrijf platform:naam, zoals instagram:jan",
            "which platform is this account on? Write platform:handle, like instagram:jan",
        )
    if _DOMAIN.match(refanged):
        return "domain"
    if _HEX.match(text):
        raise _ambiguous(
            "40 hexadecimale tekens: een Ethereum-adres zonder 0x of een apparaatvingerafdruk? "
            "Schrijf 0x ervoor of geef de soort op",
            "40 hexadecimal characters: an Ethereum address without 0x, or a device "
            "fingerprint? Write 0x before it or give the kind",
        )
    raise CanonicalError.bilingual(
        "unrecognised",
        "Niet herkend als IBAN, telefoonnummer, e-mailadres, URL, domeinnaam, account of "
        "walletadres; geef de soort op (apparaatvingerafdrukken altijd met soort device)",
        "not recognised as an IBAN, phone number, e-mail address, URL, domain name, account "
        "or wallet address; give the kind (device fingerprints always with kind device)",
    )


def _fast_path(text: str) -> str:
    """The frequent shapes, recognised before the full ladder; "" leaves it to the ladder.

    Each answer is the one the ladder would give, because the steps skipped cannot match:

    * digits and phone separators after ``+`` or ``0``, no slash: not a URL, e-mail, wallet,
      IBAN or account, so a phone number;
    * a compact IBAN shape without ``@``, ``/`` or ``:`` and not shaped like a wallet can be
      nothing before IBAN in the ladder either;
    * with none of ``: / ? # [ ( {`` there is no prefix, platform, URL or defanging, so an
      ``@`` that fits the e-mail pattern is an e-mail address, and without ``@`` (nor a
      leading ``@`` handle) what is not a wallet, IBAN or phone number and fits the domain
      pattern is a domain name.
    """
    first = text[0]
    if first in "+0":
        if "/" not in text and _PHONE.match(text):
            return "phone"
    elif (
        first.isalpha()
        and text[2:4].isdigit()
        and "@" not in text
        and "/" not in text
        and ":" not in text
        and looks_like_iban(text)
    ):
        return "" if looks_like_wallet(text) else "iban"
    if _NOT_PLAIN.search(text):
        return ""
    if "@" in text:
        return "email" if _EMAIL.match(text) else ""
    if looks_like_wallet(text) or looks_like_iban(text) or _PHONE.match(text):
        return ""
    return "domain" if _DOMAIN.match(text) else ""


def _phone_or_explain(text: str) -> str:
    compact = text.translate(_PHONE_SEPARATORS)
    if compact.startswith(("+", "0")):
        return "phone"
    if len(compact) == 11 and compact.startswith("316"):
        return "phone"  # a Dutch mobile number as wa.me links write it
    suggestion = None
    if len(compact) == 9:
        try:
            suggestion = canonical_phone(compact).display
        except CanonicalError:
            suggestion = None
    nl = (
        "Alleen cijfers, zonder 0 of + vooraan: onduidelijk wat dit is. Een telefoonnummer "
        "begint met 0 of met + en het landnummer; geef anders de soort op"
    )
    en = (
        "digits only, without a leading 0 or +: unclear what this is. A phone number starts "
        "with 0, or with + and the country code; otherwise give the kind"
    )
    if suggestion:
        nl += f" — bedoelde u {suggestion}?"
        en += f" — did you mean {suggestion}?"
    raise _ambiguous(nl, en, suggestion=suggestion)


def _ambiguous(nl: str, en: str, *, suggestion: str | None = None) -> CanonicalError:
    return CanonicalError.bilingual("ambiguous", nl, en, suggestion=suggestion)

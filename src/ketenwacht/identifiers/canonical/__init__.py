"""Canonical forms of identifiers: one function per kind, and autodetection for free input.

Public interface (other code imports only these):
    canonicalise(value, kind=None) -> Canonical   # raises CanonicalError
    Canonical, CanonicalError, KINDS
and, for callers that know the kind, ``canonical_<kind>(raw)`` and ``detect_kind(text)``.

Every kind refuses a bare number that passes the 11-proef: it may be a BSN, and BSNs may not
be shared on this platform. Refusals carry a stable ``code`` and a Dutch / English message.
This package needs no Django settings and never touches the network.
"""

from __future__ import annotations

from collections.abc import Callable

from ketenwacht.identifiers.canonical._text import MAX_INPUT_LENGTH, clean
from ketenwacht.identifiers.canonical.account import account_from_clean, canonical_account
from ketenwacht.identifiers.canonical.bsn import BSN_MAX_LENGTH, refuse_bsn
from ketenwacht.identifiers.canonical.detect import detect_kind
from ketenwacht.identifiers.canonical.device import canonical_device, device_from_clean
from ketenwacht.identifiers.canonical.email import canonical_email, email_from_clean
from ketenwacht.identifiers.canonical.iban import canonical_iban, iban_from_clean
from ketenwacht.identifiers.canonical.phone import canonical_phone, phone_from_clean
from ketenwacht.identifiers.canonical.types import KINDS, Canonical, CanonicalError
from ketenwacht.identifiers.canonical.wallet import canonical_wallet, wallet_from_clean
from ketenwacht.identifiers.canonical.web import (
    canonical_domain,
    canonical_url,
    domain_from_clean,
    url_from_clean,
)

__all__ = [
    "CANONICALISERS",
    "KINDS",
    "Canonical",
    "CanonicalError",
    "canonical_account",
    "canonical_device",
    "canonical_domain",
    "canonical_email",
    "canonical_iban",
    "canonical_phone",
    "canonical_url",
    "canonical_wallet",
    "canonicalise",
    "detect_kind",
]

# The public function per kind: takes the input as written.
CANONICALISERS: dict[str, Callable[[str], Canonical]] = {
    "iban": canonical_iban,
    "phone": canonical_phone,
    "email": canonical_email,
    "url": canonical_url,
    "domain": canonical_domain,
    "account": canonical_account,
    "wallet": canonical_wallet,
    "device": canonical_device,
}
# The same, for input that canonicalise() has already cleaned and checked for a BSN once.
_FROM_CLEAN: dict[str, Callable[[str], Canonical]] = {
    "iban": iban_from_clean,
    "phone": phone_from_clean,
    "email": email_from_clean,
    "url": url_from_clean,
    "domain": domain_from_clean,
    "account": account_from_clean,
    "wallet": wallet_from_clean,
    "device": device_from_clean,
}
assert tuple(CANONICALISERS) == tuple(_FROM_CLEAN) == KINDS


def canonicalise(value: str, kind: str | None = None) -> Canonical:
    """The canonical form of ``value`` as ``kind``, or of the kind it is written as."""
    if kind is not None and kind not in _FROM_CLEAN:
        raise CanonicalError.bilingual(
            "kind_unknown",
            f"Onbekende soort {kind}; bekend: {', '.join(KINDS)}",
            f"unknown kind {kind}; known: {', '.join(KINDS)}",
        )
    # clean() and the BSN guard, with their common case inline: both are per identifier.
    text = value.strip() if type(value) is str else ""
    if not (text.isascii() and 0 < len(text) <= MAX_INPUT_LENGTH and text.isprintable()):
        text = clean(value, kind=kind)
    if len(text) <= BSN_MAX_LENGTH:
        refuse_bsn(text, kind=kind)
    return _FROM_CLEAN[kind or detect_kind(text)](text)

"""Cryptocurrency wallet addresses: Bitcoin and Ethereum.

* Bitcoin base58check (P2PKH ``1…``, P2SH ``3…``; testnet ``m…``/``n…``/``2…``): the
  checksum and version byte are verified; the address stays exactly as written — base58 is
  case-sensitive, lower-casing it would make another (invalid) address.
* Bitcoin bech32/bech32m (``bc1…``, testnet ``tb1…``): checksum and witness rules of
  BIP-173/BIP-350 verified; stored in lower case (bech32 is case-insensitive).
* Ethereum: ``0x`` + 40 hex digits, stored in lower case. The EIP-55 mixed-case checksum is
  *not* verified: it needs Keccak-256, which hashlib does not offer (its ``sha3_256`` is a
  different padding) and no locked dependency provides. A wrongly typed mixed-case address is
  therefore accepted as the lower-case address it spells.

``bitcoin:`` (BIP-21) and ``ethereum:`` (EIP-681) URIs are accepted; parameters are dropped.
"""

from __future__ import annotations

import re

import base58

from ketenwacht.identifiers.canonical._text import clean
from ketenwacht.identifiers.canonical.bech32 import decode_segwit_address
from ketenwacht.identifiers.canonical.types import Canonical, CanonicalError

KIND = "wallet"

_ETHEREUM = re.compile(r"0[xX][0-9a-fA-F]{40}")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]{25,35}")
_BECH32_PREFIX = re.compile(r"(bc|tb)1", re.IGNORECASE)
_WALLET_FIRST_CHARACTERS = frozenset("0123mnbBtT")
_BASE58_VERSIONS = {
    0x00: ("mainnet", "p2pkh"),
    0x05: ("mainnet", "p2sh"),
    0x6F: ("testnet", "p2pkh"),
    0xC4: ("testnet", "p2sh"),
}
_WITNESS_TYPES = {(0, 20): "p2wpkh", (0, 32): "p2wsh", (1, 32): "p2tr"}


def looks_like_wallet(text: str) -> bool:
    """Shape only, for autodetection: 0x+40 hex, bc1/tb1…, or a base58 string of the length."""
    if text[:1] not in _WALLET_FIRST_CHARACTERS:
        return False
    return bool(
        _ETHEREUM.fullmatch(text)
        or (_BECH32_PREFIX.match(text) and 14 <= len(text) <= 90)
        or (text[:1] in "123mn" and _BASE58.fullmatch(text))
    )


def canonical_wallet(raw: str) -> Canonical:
    return wallet_from_clean(clean(raw, kind=KIND))


def wallet_from_clean(text: str) -> Canonical:
    """As :func:`canonical_wallet`, for text that :func:`.clean` has passed."""
    text = _strip_uri(text)
    if _ETHEREUM.fullmatch(text):
        return _ethereum(text)
    if _BECH32_PREFIX.match(text):
        return _bech32(text)
    if _BASE58.fullmatch(text):
        return _base58(text)
    raise _refusal(
        "wallet_format",
        "Geen herkend walletadres (Bitcoin 1…/3…/bc1… of Ethereum 0x…)",
        "not a recognised wallet address (Bitcoin 1…/3…/bc1… or Ethereum 0x…)",
    )


def _strip_uri(text: str) -> str:
    scheme, colon, rest = text.partition(":")
    if colon and scheme.lower() in ("bitcoin", "ethereum"):
        text = rest.lstrip("/").partition("?")[0]
        # EIP-681 allows "@chain_id" and "/function" after the address
        text = text.partition("@")[0].partition("/")[0]
    return text


def _ethereum(text: str) -> Canonical:
    value = "0x" + text[2:].lower()
    return Canonical(
        kind=KIND,
        value=value,
        display=value,
        detail={"chain": "ethereum", "checksum_verified": False},
    )


def _bech32(text: str) -> Canonical:
    hrp = text[:2].lower()
    decoded = decode_segwit_address(hrp, text)
    if decoded is None:
        if text.lower() != text and text.upper() != text:
            raise _refusal(
                "wallet_case",
                "Bitcoin-adres (bech32) mengt hoofd- en kleine letters",
                "Bitcoin address (bech32) mixes upper and lower case",
            )
        raise _refusal(
            "wallet_checksum",
            "Bitcoin-adres: controlegetal klopt niet",
            "Bitcoin address checksum is wrong",
        )
    version, program = decoded
    value = text.lower()
    return Canonical(
        kind=KIND,
        value=value,
        display=value,
        detail={
            "chain": "bitcoin",
            "network": "mainnet" if hrp == "bc" else "testnet",
            "type": _WITNESS_TYPES.get((version, len(program)), f"witness_v{version}"),
        },
    )


def _base58(text: str) -> Canonical:
    try:
        payload = base58.b58decode_check(text)
    except ValueError:
        raise _refusal(
            "wallet_checksum",
            "Bitcoin-adres: controlegetal klopt niet (let op: hoofdletters tellen mee)",
            "Bitcoin address checksum is wrong (note: upper and lower case matter)",
        ) from None
    network_type = _BASE58_VERSIONS.get(payload[0]) if len(payload) == 21 else None
    if network_type is None:
        raise _refusal(
            "wallet_version",
            "Geen Bitcoin-adres: onbekend versiebyte of verkeerde lengte",
            "not a Bitcoin address: unknown version byte or wrong length",
        )
    network, address_type = network_type
    return Canonical(
        kind=KIND,
        value=text,
        display=text,
        detail={"chain": "bitcoin", "network": network, "type": address_type},
    )


def _refusal(code: str, nl: str, en: str) -> CanonicalError:
    return CanonicalError.bilingual(code, nl, en, kind=KIND)

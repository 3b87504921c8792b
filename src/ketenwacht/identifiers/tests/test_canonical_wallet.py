"""Wallets: Bitcoin base58check and bech32/bech32m (BIP-173/350 vectors), Ethereum."""

from __future__ import annotations

import base58
import pytest

from ketenwacht.identifiers.canonical import CanonicalError, canonical_wallet, canonicalise
from ketenwacht.identifiers.canonical.bech32 import (
    Encoding,
    bech32_decode,
    decode_segwit_address,
)

BIP173_VALID_BECH32 = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11" + "q" * 82 + "c8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
BIP173_INVALID_BECH32 = [
    "\x201nwldj5",
    "\x7f1axkwrx",
    "\x801eym55h",
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    "pzry9x0s0muk",
    "1pzry9x0s0muk",
    "x1b4n0q5v",
    "li1dgmt3",
    "de1lg7wt\xff",
    "A1G7SGD8",
    "10a06t8",
    "1qzzfhee",
]
BIP350_VALID_BECH32M = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11" + "l" * 83 + "udsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]
BIP350_INVALID_BECH32M = [
    "\x201xj0phk",
    "\x7f1g6xzxy",
    "\x801vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
]
# BIP-350: valid segwit addresses and their scriptPubKey (version byte, length, program).
BIP350_VALID_ADDRESSES = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
    ),
    (
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
    ),
    ("BC1SW50QGDZ25J", "6002751e"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
    (
        "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
        "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    ),
]
BIP350_INVALID_ADDRESSES = [
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
    "bc1pw5dgrnzv",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
    "bc1gmk9yu",
]


@pytest.mark.parametrize("text", BIP173_VALID_BECH32)
def test_bip173_valid_bech32(text: str) -> None:
    decoded = bech32_decode(text)
    assert decoded is not None and decoded[2] is Encoding.BECH32


@pytest.mark.parametrize("text", BIP350_VALID_BECH32M)
def test_bip350_valid_bech32m(text: str) -> None:
    decoded = bech32_decode(text)
    assert decoded is not None and decoded[2] is Encoding.BECH32M


@pytest.mark.parametrize("text", BIP173_INVALID_BECH32 + BIP350_INVALID_BECH32M)
def test_bip_invalid_strings(text: str) -> None:
    assert bech32_decode(text) is None


@pytest.mark.parametrize(("address", "script"), BIP350_VALID_ADDRESSES)
def test_bip350_valid_segwit_addresses(address: str, script: str) -> None:
    hrp = address[:2].lower()
    decoded = decode_segwit_address(hrp, address)
    assert decoded is not None
    version, program = decoded
    version_opcode = version + 0x50 if version else 0
    assert bytes([version_opcode, len(program)]).hex() + program.hex() == script
    canonical = canonical_wallet(address)
    assert canonical.value == address.lower()
    assert canonical.detail["network"] == ("mainnet" if hrp == "bc" else "testnet")


@pytest.mark.parametrize("address", BIP350_INVALID_ADDRESSES)
def test_bip350_invalid_segwit_addresses_are_refused(address: str) -> None:
    assert decode_segwit_address("bc", address) is None
    assert decode_segwit_address("tb", address) is None
    with pytest.raises(CanonicalError) as caught:
        canonical_wallet(address)
    assert caught.value.code in {"wallet_checksum", "wallet_case", "wallet_format"}


@pytest.mark.parametrize(
    ("address", "network", "address_type"),
    [
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "mainnet", "p2pkh"),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "mainnet", "p2sh"),
        ("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", "testnet", "p2pkh"),
        ("2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc", "testnet", "p2sh"),
    ],
)
def test_base58_addresses_stay_case_sensitive(
    address: str, network: str, address_type: str
) -> None:
    canonical = canonical_wallet(address)
    assert canonical.value == address
    assert canonical.detail == {"chain": "bitcoin", "network": network, "type": address_type}
    with pytest.raises(CanonicalError) as caught:
        canonical_wallet(address.lower())
    # Lower case either breaks the checksum or brings in "l", which base58 lacks.
    assert caught.value.code in {"wallet_checksum", "wallet_format"}


def test_base58_with_another_version_byte_is_refused() -> None:
    litecoin = base58.b58encode_check(b"\x30" + bytes(range(20))).decode()
    with pytest.raises(CanonicalError) as caught:
        canonical_wallet(litecoin)
    assert caught.value.code == "wallet_version"


def test_ethereum_is_lower_cased_and_eip55_is_not_claimed() -> None:
    canonical = canonical_wallet("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert canonical.value == "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    assert canonical.detail == {"chain": "ethereum", "checksum_verified": False}
    assert canonical_wallet("0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").value == canonical.value


@pytest.mark.parametrize(
    ("uri", "value"),
    [
        (
            "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=0.1",
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        ),
        (
            "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed@1?value=1",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        ),
    ],
)
def test_payment_uris_are_accepted(uri: str, value: str) -> None:
    assert canonicalise(uri).value == value


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", "wallet_checksum"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "wallet_checksum"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kV8F3T4", "wallet_case"),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", "wallet_format"),
        ("hello", "wallet_format"),
    ],
)
def test_wallet_refusals(value: str, code: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonical_wallet(value)
    assert caught.value.code == code
    assert caught.value.message_nl and caught.value.message_en

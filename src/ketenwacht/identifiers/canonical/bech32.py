"""Bech32 (BIP-173) and bech32m (BIP-350) decoding for SegWit addresses.

After the reference implementation by Pieter Wuille (``segwit_addr.py``, MIT licence), which
the BIPs publish with their test vectors; reduced to decoding and verification.
"""

from __future__ import annotations

from enum import Enum

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {char: index for index, char in enumerate(CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
BECH32M_CONST = 0x2BC830A3


class Encoding(Enum):
    BECH32 = 1
    BECH32M = BECH32M_CONST


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_GENERATOR):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(char) >> 5 for char in hrp] + [0] + [ord(char) & 31 for char in hrp]


def bech32_decode(text: str) -> tuple[str, list[int], Encoding] | None:
    """(human-readable part, data without checksum, encoding), or None when invalid."""
    if any(ord(char) < 33 or ord(char) > 126 for char in text):
        return None
    if text.lower() != text and text.upper() != text:
        return None  # mixed case is invalid by BIP-173
    text = text.lower()
    separator = text.rfind("1")
    if separator < 1 or separator + 7 > len(text) or len(text) > 90:
        return None
    hrp = text[:separator]
    try:
        data = [_CHARSET_INDEX[char] for char in text[separator + 1 :]]
    except KeyError:
        return None
    constant = _polymod(_hrp_expand(hrp) + data)
    if constant == Encoding.BECH32.value:
        return hrp, data[:-6], Encoding.BECH32
    if constant == Encoding.BECH32M.value:
        return hrp, data[:-6], Encoding.BECH32M
    return None


def convert_bits(data: list[int], from_bits: int, to_bits: int, pad: bool) -> list[int] | None:
    """Regroup a list of ``from_bits``-bit values into ``to_bits``-bit values."""
    accumulator = bits = 0
    result = []
    max_value = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            return None
        accumulator = (accumulator << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            result.append((accumulator >> bits) & max_value)
    if pad:
        if bits:
            result.append((accumulator << (to_bits - bits)) & max_value)
    elif bits >= from_bits or ((accumulator << (to_bits - bits)) & max_value):
        return None
    return result


def decode_segwit_address(hrp: str, address: str) -> tuple[int, bytes] | None:
    """(witness version, witness program) of a SegWit address for ``hrp``, or None."""
    decoded = bech32_decode(address)
    if decoded is None:
        return None
    found_hrp, data, encoding = decoded
    if found_hrp != hrp or not data:
        return None
    program = convert_bits(data[1:], 5, 8, False)
    version = data[0]
    if program is None or not 2 <= len(program) <= 40 or version > 16:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if encoding is not expected:
        return None
    return version, bytes(program)

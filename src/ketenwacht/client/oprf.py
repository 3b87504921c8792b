"""OPRF(ristretto255, SHA-512), base mode (0x00), after RFC 9497.

The group operations are libsodium's (``crypto_core_ristretto255_*`` and
``crypto_scalarmult_ristretto255``, through pysodium); this module only composes them as the RFC
says. ``expand_message_xmd`` (RFC 9380, section 5.3.1) is written out with hashlib because
libsodium 1.0.18 has no hash-to-group with a caller's domain separation tag.

No Django here: the client package and the server share these functions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import pysodium

MODE_OPRF = 0x00
SUITE = b"ristretto255-SHA512"
CONTEXT_STRING = b"OPRFV1-" + bytes([MODE_OPRF]) + b"-" + SUITE
HASH_TO_GROUP_DST = b"HashToGroup-" + CONTEXT_STRING
DERIVE_KEY_PAIR_DST = b"DeriveKeyPair" + CONTEXT_STRING
ELEMENT_SIZE = 32
SCALAR_SIZE = 32
OUTPUT_SIZE = 64
_IDENTITY = bytes(ELEMENT_SIZE)
_ZERO_SCALAR = bytes(SCALAR_SIZE)


class InvalidInputError(ValueError):
    """The input hashes to the identity element (RFC 9497, section 3.3.1)."""


class DeserializeError(ValueError):
    """Bytes that are no valid, non-identity ristretto255 element."""


class DeriveKeyPairError(ValueError):
    """No non-zero scalar was found in 256 attempts."""


def i2osp(value: int, length: int) -> bytes:
    if value < 0 or value >= 1 << (8 * length):
        raise ValueError(f"{value} does not fit in {length} bytes")
    return value.to_bytes(length, "big")


def expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380, section 5.3.1, with SHA-512 (b_in_bytes 64, s_in_bytes 128)."""
    b_in_bytes, s_in_bytes = 64, 128
    ell = -(-length // b_in_bytes)
    if ell > 255 or length > 65535 or len(dst) > 255:
        raise ValueError("expand_message_xmd: requested length or DST too long")
    dst_prime = dst + i2osp(len(dst), 1)
    msg_prime = bytes(s_in_bytes) + message + i2osp(length, 2) + i2osp(0, 1) + dst_prime
    b0 = hashlib.sha512(msg_prime).digest()
    blocks = [hashlib.sha512(b0 + i2osp(1, 1) + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha512(mixed + i2osp(i, 1) + dst_prime).digest())
    return b"".join(blocks)[:length]


def hash_to_group(message: bytes) -> bytes:
    """HashToGroup: expand_message_xmd to 64 bytes, then ristretto255's one-way map."""
    uniform = expand_message_xmd(message, HASH_TO_GROUP_DST, 64)
    return bytes(pysodium.crypto_core_ristretto255_from_hash(uniform))


def hash_to_scalar(message: bytes, dst: bytes) -> bytes:
    """HashToScalar: 64 uniform bytes reduced modulo the group order (little-endian)."""
    uniform = expand_message_xmd(message, dst, 64)
    return bytes(pysodium.crypto_core_ristretto255_scalar_reduce(uniform))


def deserialize_element(data: bytes) -> bytes:
    if (
        len(data) != ELEMENT_SIZE
        or data == _IDENTITY
        or not pysodium.crypto_core_ristretto255_is_valid_point(data)
    ):
        raise DeserializeError("not a valid ristretto255 element")
    return bytes(data)


def derive_key_pair(seed: bytes, info: bytes) -> bytes:
    """DeriveKeyPair (section 3.2.1): the secret scalar for a seed and key info."""
    derive_input = seed + i2osp(len(info), 2) + info
    for counter in range(256):
        secret = hash_to_scalar(derive_input + i2osp(counter, 1), DERIVE_KEY_PAIR_DST)
        if secret != _ZERO_SCALAR:
            return secret
    raise DeriveKeyPairError("DeriveKeyPair found no non-zero scalar")


def random_scalar() -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_random())


def generate_key() -> bytes:
    """A fresh random secret key (a non-zero scalar)."""
    while True:
        secret = random_scalar()
        if secret != _ZERO_SCALAR:
            return secret


def scalar_mult(scalar: bytes, element: bytes) -> bytes:
    return bytes(pysodium.crypto_scalarmult_ristretto255(scalar, element))


def scalar_invert(scalar: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_invert(scalar))


def scalar_mul(a: bytes, b: bytes) -> bytes:
    return bytes(pysodium.crypto_core_ristretto255_scalar_mul(a, b))


@dataclass(frozen=True)
class Blinded:
    blind: bytes
    blinded_element: bytes


def blind(message: bytes, *, blind_scalar: bytes | None = None) -> Blinded:
    """Blind (section 3.3.1). ``blind_scalar`` is for test vectors only."""
    input_element = hash_to_group(message)
    if input_element == _IDENTITY:
        raise InvalidInputError("input hashes to the identity element")
    scalar = blind_scalar if blind_scalar is not None else generate_key()
    return Blinded(blind=scalar, blinded_element=scalar_mult(scalar, input_element))


def blind_evaluate(secret: bytes, blinded_element: bytes) -> bytes:
    """BlindEvaluate (section 3.3.1): the server's only operation on a client's element."""
    return scalar_mult(secret, deserialize_element(blinded_element))


def unblind(blind_scalar: bytes, evaluated_element: bytes) -> bytes:
    """The unblinded element ``N = skS * HashToGroup(input)``."""
    return scalar_mult(scalar_invert(blind_scalar), deserialize_element(evaluated_element))


def finalize_hash(message: bytes, unblinded_element: bytes) -> bytes:
    hash_input = (
        i2osp(len(message), 2)
        + message
        + i2osp(len(unblinded_element), 2)
        + unblinded_element
        + b"Finalize"
    )
    return hashlib.sha512(hash_input).digest()


def finalize(message: bytes, blind_scalar: bytes, evaluated_element: bytes) -> bytes:
    """Finalize (section 3.3.1): the 64-byte PRF output."""
    return finalize_hash(message, unblind(blind_scalar, evaluated_element))


def evaluate(secret: bytes, message: bytes) -> bytes:
    """The server's direct evaluation (section 3.3.1, Evaluate): the same output as the
    blinded protocol, for values the server already knows."""
    input_element = hash_to_group(message)
    if input_element == _IDENTITY:
        raise InvalidInputError("input hashes to the identity element")
    return finalize_hash(message, scalar_mult(secret, input_element))


def element(secret: bytes, message: bytes) -> bytes:
    """``skS * HashToGroup(message)``: what the server stores for a listed value."""
    input_element = hash_to_group(message)
    if input_element == _IDENTITY:
        raise InvalidInputError("input hashes to the identity element")
    return scalar_mult(secret, input_element)


# --- Ketenwacht's bucket tag ------------------------------------------------------------------
#
# A listed value is stored as its element ``E = k * HashToGroup(kind:value)`` (never the value).
# The bucket tag and the level pad are derived from ``E`` alone, so a key rotation can move every
# stored element to the new key with one scalar multiplication (``E' = (k'/k) * E``) without
# the values, which the platform does not keep.

TAG_SIZE = 32
_TAG_LABEL = b"KetenwachtOPRFTagV1"


def tag_material(unblinded_element: bytes) -> bytes:
    """64 bytes: the first 32 are the public bucket tag, the rest pads the sealed level."""
    return hashlib.sha512(
        i2osp(len(unblinded_element), 2) + unblinded_element + _TAG_LABEL
    ).digest()


def tag_of(unblinded_element: bytes) -> bytes:
    return tag_material(unblinded_element)[:TAG_SIZE]


def seal_code(unblinded_element: bytes, code: int) -> int:
    """A one-byte level code masked with a byte only holders of the element can compute."""
    return code ^ tag_material(unblinded_element)[TAG_SIZE]


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def message_for(kind: str, value: str) -> bytes:
    """The OPRF input of an identifier: the same ``kind:value`` the pseudonyms use."""
    return f"{kind}:{value}".encode()

"""Keyed pseudonyms and encryption of raw values.

A pseudonym is ``HMAC-SHA256(key_v, kind + ":" + canonical value)``: without the key nobody can
test guesses, which an unkeyed hash of the few billion possible IBANs or phone numbers would
allow in seconds. Key versions make rotation possible (see docs/adr/0002): the highest
version on disk is current and new pseudonyms are made with it, while lookups compute a
digest under every version on disk until the old ones are retired.

Raw values, where an agreement allows keeping them, are encrypted with AES-256-GCM under a
separate key; the associated data binds a ciphertext to its kind.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from ketenwacht import keys
from ketenwacht.identifiers.canonical import Canonical

DIGEST_SIZE = 32
NONCE_SIZE = 12
# The encryption key file is ``encryption_v1.key``; the version is stored with each ciphertext.
ENCRYPTION_KEY_VERSION = 1
MASK_CHAR = "•"


@dataclass(frozen=True)
class KeyRing:
    """The pseudonym keys on disk (by version) and the raw-value encryption key."""

    pseudonym_keys: dict[int, bytes]
    encryption_key: bytes

    @property
    def current_version(self) -> int:
        return max(self.pseudonym_keys)

    @property
    def versions(self) -> tuple[int, ...]:
        """Newest first."""
        return tuple(sorted(self.pseudonym_keys, reverse=True))


_RACY_NS = 2_000_000_000
_lock = threading.Lock()
_cache: dict[str, tuple[int, KeyRing]] = {}


def _keys_dir() -> Path:
    return Path(str(settings.KETENWACHT["KEYS_DIR"]))


def keyring() -> KeyRing:
    """The key ring, loaded once and reloaded when the key directory changes.

    A new key file changes the directory's modification time; one ``stat`` per call lets
    every running process see a rotation (see ``identifiers_rotate_key``) without a restart.
    File times are coarse (milliseconds), so a change in the same tick as the last load would
    not show: while the directory changed less than ``_RACY_NS`` ago, reload every time.
    """
    directory = _keys_dir()
    stamp = os.stat(directory).st_mtime_ns
    cached = _cache.get(str(directory))
    if cached is not None and cached[0] == stamp and time.time_ns() - stamp > _RACY_NS:
        return cached[1]
    with _lock:
        ring = KeyRing(
            pseudonym_keys=keys.pseudonym_keys(directory),
            encryption_key=keys.read_hex_key(directory, keys.ENCRYPTION_KEY_FILE),
        )
        if not ring.pseudonym_keys:
            raise RuntimeError(f"No pseudonym key in {directory}: run `python -m ketenwacht.keys`.")
        _cache[str(directory)] = (stamp, ring)
    return ring


def forget_keys() -> None:
    """Drop the cached key ring and keyed HMAC states (tests, and the rotation command after
    writing or retiring a key)."""
    with _lock:
        _cache.clear()
        _keyed_states.cache_clear()


_BLOCK_SIZE = 64  # SHA-256's block size, the HMAC pad length


@functools.lru_cache(maxsize=16)
def _keyed_states(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states that have absorbed ``key ^ ipad`` and ``key ^ opad`` (RFC 2104).

    HMAC spends most of a short message's time on these two key blocks; ``hmac.new`` (and
    OpenSSL 3 behind ``hmac.digest``) redo them for every message. Copying the absorbed
    states instead gives the same digest at less than half the cost, which every check and
    every ingested sighting pays once per key version.
    """
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK_SIZE, b"\0")
    inner = hashlib.sha256(key.translate(_IPAD))
    outer = hashlib.sha256(key.translate(_OPAD))
    return inner, outer


_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))


def digest(kind: str, value: str, *, key: bytes) -> bytes:
    """``HMAC-SHA256(key, kind + ":" + value)``."""
    inner_state, outer_state = _keyed_states(key)
    inner = inner_state.copy()
    inner.update(f"{kind}:{value}".encode())
    outer = outer_state.copy()
    outer.update(inner.digest())
    return outer.digest()


def digests_by_version(kind: str, value: str, ring: KeyRing | None = None) -> dict[int, bytes]:
    """The value's digest under every key version on disk."""
    ring = ring or keyring()
    return {version: digest(kind, value, key=key) for version, key in ring.pseudonym_keys.items()}


def current_digest(kind: str, value: str, ring: KeyRing | None = None) -> tuple[int, bytes]:
    ring = ring or keyring()
    version = ring.current_version
    return version, digest(kind, value, key=ring.pseudonym_keys[version])


def _associated_data(kind: str) -> bytes:
    return f"ketenwacht:raw:v{ENCRYPTION_KEY_VERSION}:{kind}".encode()


def encrypt_raw(kind: str, value: str, ring: KeyRing | None = None) -> tuple[bytes, bytes]:
    """``(nonce, ciphertext)`` of a canonical value; a fresh random nonce each time."""
    return raw_encrypter(ring)(kind, value)


def raw_encrypter(ring: KeyRing | None = None) -> Callable[[str, str], tuple[bytes, bytes]]:
    """``encrypt_raw`` for many values (ingest's batches): the cipher, a third of one value's
    cost, and the associated data per kind are set up once; a fresh nonce for each value."""
    aead = AESGCM((ring or keyring()).encryption_key)
    associated: dict[str, bytes] = {}

    def encrypt(kind: str, value: str) -> tuple[bytes, bytes]:
        data = associated.get(kind)
        if data is None:
            data = associated[kind] = _associated_data(kind)
        nonce = os.urandom(NONCE_SIZE)
        return nonce, aead.encrypt(nonce, value.encode(), data)

    return encrypt


def decrypt_raw(
    kind: str,
    nonce: bytes | memoryview,
    ciphertext: bytes | memoryview,
    ring: KeyRing | None = None,
) -> str:
    """The canonical value; raises ``cryptography.exceptions.InvalidTag`` on tampering."""
    ring = ring or keyring()
    plain = AESGCM(ring.encryption_key).decrypt(
        bytes(nonce), bytes(ciphertext), _associated_data(kind)
    )
    return plain.decode()


def display_hint(canonical: Canonical) -> str:
    """A masked spelling for people: enough to tell values apart, too little to reuse them."""
    masker = _MASKERS.get(canonical.kind, _mask_generic)
    return masker(canonical)[:64]


def _mask_iban(canonical: Canonical) -> str:
    value = canonical.value
    return f"{value[:4]} {MASK_CHAR * 4} {MASK_CHAR * 4} {value[-4:]}"


def _mask_phone(canonical: Canonical) -> str:
    value = canonical.value
    prefix = value[:3] if value.startswith("+") else value[:1]
    return f"{prefix} {MASK_CHAR * 4} {value[-2:]}"


def _mask_email(canonical: Canonical) -> str:
    local, _at, domain = canonical.value.rpartition("@")
    return f"{local[:1]}{MASK_CHAR * 3}@{domain}"


def _mask_url(canonical: Canonical) -> str:
    # The path and query may carry a victim's token; the host is what analysts recognise.
    scheme, _sep, rest = canonical.value.partition("://")
    host = rest.split("/", 1)[0] if rest else canonical.value
    return f"{scheme}://{host}/…" if rest else f"{host}…"


def _mask_domain(canonical: Canonical) -> str:
    return canonical.value


def _mask_wallet(canonical: Canonical) -> str:
    value = canonical.value
    return f"{value[:6]}…{value[-4:]}" if len(value) > 12 else _mask_generic(canonical)


def _mask_generic(canonical: Canonical) -> str:
    value = canonical.value
    return f"{value[:2]}{MASK_CHAR * 4}" if len(value) > 4 else MASK_CHAR * 4


_MASKERS = {
    "iban": _mask_iban,
    "phone": _mask_phone,
    "email": _mask_email,
    "url": _mask_url,
    "domain": _mask_domain,
    "wallet": _mask_wallet,
}

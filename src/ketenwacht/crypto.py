"""Encryption at rest for personal data outside the identifiers domain (AES-256-GCM).

One key file (``encryption_v1.key``, the same the identifiers domain uses for raw values) is
the root; each purpose gets its own subkey through HKDF-SHA256, so a ciphertext made for one
purpose ("intake-contact") can never be decrypted as another, and the identifiers domain's
ciphertexts and these never share a key. The associated data binds a ciphertext to its
purpose and to the row it belongs to (``context``), so a ciphertext copied to another row
does not decrypt.

Stored form: ``version (1 byte) || nonce (12 bytes) || ciphertext+tag``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from ketenwacht import keys

FORMAT_VERSION = 1
NONCE_SIZE = 12


class DecryptionFailed(Exception):
    """The ciphertext was altered, belongs to another row or purpose, or the key changed."""


def _keys_dir() -> Path:
    return Path(str(settings.KETENWACHT["KEYS_DIR"]))


@lru_cache(maxsize=32)
def _subkey(keys_dir: str, purpose: str) -> bytes:
    root = keys.read_hex_key(Path(keys_dir), keys.ENCRYPTION_KEY_FILE)
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"ketenwacht-crypto-v1",
        info=purpose.encode(),
    ).derive(root)


def _associated_data(purpose: str, context: str) -> bytes:
    return f"ketenwacht:{purpose}:v{FORMAT_VERSION}:{context}".encode()


def encrypt(plaintext: bytes, *, purpose: str, context: str = "") -> bytes:
    """Encrypt with a fresh random nonce; ``context`` (e.g. a row id) must match on decrypt."""
    nonce = os.urandom(NONCE_SIZE)
    sealed = AESGCM(_subkey(str(_keys_dir()), purpose)).encrypt(
        nonce, plaintext, _associated_data(purpose, context)
    )
    return bytes([FORMAT_VERSION]) + nonce + sealed


def decrypt(blob: bytes | memoryview, *, purpose: str, context: str = "") -> bytes:
    data = bytes(blob)
    if len(data) < 1 + NONCE_SIZE + 16 or data[0] != FORMAT_VERSION:
        raise DecryptionFailed("not a ciphertext of this format")
    nonce, sealed = data[1 : 1 + NONCE_SIZE], data[1 + NONCE_SIZE :]
    try:
        return AESGCM(_subkey(str(_keys_dir()), purpose)).decrypt(
            nonce, sealed, _associated_data(purpose, context)
        )
    except Exception as error:  # cryptography raises InvalidTag
        raise DecryptionFailed(str(error) or "authentication failed") from None


def encrypt_json(value: Any, *, purpose: str, context: str = "") -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return encrypt(text.encode(), purpose=purpose, context=context)


def decrypt_json(blob: bytes | memoryview, *, purpose: str, context: str = "") -> Any:
    return json.loads(decrypt(blob, purpose=purpose, context=context).decode())

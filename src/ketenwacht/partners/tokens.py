"""API token format: ``kw_<key id>_<secret>``. Only SHA-256 of the secret is stored.

The secret has 256 bits of entropy, so a fast hash is sufficient (no password stretching
needed) and keeps authentication cheap on the hot check path.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from ketenwacht.partners.constants import TOKEN_PREFIX


@dataclass(frozen=True)
class ParsedToken:
    key_id: str
    secret: str


def generate() -> tuple[str, str, str]:
    """Return ``(plaintext token, key id, secret hash)``."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}_{key_id}_{secret}", key_id, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(raw: str) -> ParsedToken | None:
    prefix, _, rest = raw.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or len(key_id) != 12 or not secret:
        return None
    return ParsedToken(key_id=key_id, secret=secret)


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)

"""Verify Ketenwacht webhook signatures on the receiving side.

This module uses only the Python standard library so a receiver can copy it into their own
code base. Ketenwacht signs every webhook with the endpoint's secret:

    X-Ketenwacht-Timestamp: <unix seconds>
    X-Ketenwacht-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>

Verify against the raw request body (the exact bytes received, before JSON parsing) and
reject old timestamps so a captured request cannot be replayed later. Deduplicate on the
``Idempotency-Key`` header: a delivery can arrive more than once (at-least-once delivery).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


class InvalidSignature(ValueError):
    """The request is not a valid, fresh Ketenwacht webhook; reject it (HTTP 400 or 401)."""


def compute_signature(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp + "." + body`` under ``secret``."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The value of the ``X-Ketenwacht-Signature`` header for this request."""
    return f"{SCHEME}={compute_signature(secret, timestamp, body)}"


def _signatures(header: str) -> list[str]:
    """The ``v1`` signatures in a header; more than one may be sent, e.g. during rotation."""
    found = []
    for part in header.split(","):
        scheme, _sep, value = part.strip().partition("=")
        if scheme == SCHEME and value:
            found.append(value)
    return found


def verify_signature(
    secret: str | bytes,
    timestamp: str,
    body: bytes,
    header: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> None:
    """Raise ``InvalidSignature`` unless ``header`` signs ``timestamp`` and ``body``.

    ``tolerance`` is the replay window in seconds: timestamps further than that from
    ``now`` (default: the current time) in either direction are refused.
    """
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise InvalidSignature("The timestamp is missing or not a number of seconds.")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        raise InvalidSignature("The timestamp is outside the replay window.")
    expected = compute_signature(secret, timestamp, body).encode()
    # compare_digest against every candidate so timing does not reveal which one matched;
    # bytes, because compare_digest refuses non-ASCII strings.
    matches = [
        hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
        for candidate in _signatures(header)
    ]
    if not any(matches):
        raise InvalidSignature("No valid v1 signature in the signature header.")

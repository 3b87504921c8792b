"""Reference codes, link secrets and a small rate limiter for the public intake pages."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time

from django.core.cache import cache

from ketenwacht.intake.constants import REFERENCE_ALPHABET, REFERENCE_PREFIX

SECRET_BYTES = 32  # 256 bits, as 43 URL-safe characters


def new_reference() -> str:
    """``KW-7F3K-9QPD``: 40 random bits in Crockford's base32, easy to read out by phone."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{chars[:4]}-{chars[4:]}"


def normalise_reference(text: str) -> str:
    """Accept lower case, spaces and Crockford's look-alikes (O→0, I/L→1) when typed."""
    cleaned = text.strip().upper().replace(" ", "").replace("O", "0").replace("I", "1")
    cleaned = cleaned.replace("L", "1")
    cleaned = cleaned.replace("-", "")
    if cleaned.startswith("KW"):
        cleaned = cleaned[2:]
    if len(cleaned) != 8:
        return ""
    return f"{REFERENCE_PREFIX}-{cleaned[:4]}-{cleaned[4:]}"


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of the presented secret's hash with the stored one."""
    return hmac.compare_digest(secret_hash(secret).encode(), stored_hash.encode())


def parse_rate(text: str) -> tuple[int, int]:
    count, _slash, period = text.partition("/")
    seconds = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[period.strip().rstrip("s")]
    return int(count), seconds


def rate_limited(scope: str, client: str, rate: str, *, count_only: bool = False) -> int:
    """Count one hit; the seconds to wait when over the rate, else 0 (fixed window).

    With ``count_only`` the hit is counted but never refused (e.g. count failures here, and
    refuse on the next request through ``over_limit``).
    """
    limit, window = parse_rate(rate)
    now = time.time()
    start = math.floor(now / window) * window
    key = f"intake-rate:{scope}:{hashlib.sha256(client.encode()).hexdigest()[:24]}:{start}"
    if cache.add(key, 1, timeout=window + 1):
        hits = 1
    else:
        try:
            hits = int(cache.incr(key))
        except ValueError:
            cache.set(key, 1, timeout=window + 1)
            hits = 1
    if count_only or hits <= limit:
        return 0
    return max(1, math.ceil(start + window - now))


def over_limit(scope: str, client: str, rate: str) -> int:
    """Seconds to wait if the client already used up the rate in this window, else 0."""
    limit, window = parse_rate(rate)
    now = time.time()
    start = math.floor(now / window) * window
    key = f"intake-rate:{scope}:{hashlib.sha256(client.encode()).hexdigest()[:24]}:{start}"
    hits = cache.get(key) or 0
    return max(1, math.ceil(start + window - now)) if int(hits) >= limit else 0

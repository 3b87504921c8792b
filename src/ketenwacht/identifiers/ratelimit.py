"""A fixed-window rate limiter on the Django cache, with an in-process fallback.

The counter lives in the shared cache (Redis in production) so all app processes count
together. When the cache fails, the limiter does not fail open and does not fail the
request: it counts in this process instead, which still bounds a single client per worker.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int


def parse_rate(text: str) -> Rate:
    """``"20/minute"``, ``"100/hour"``, ``"5/10second"`` → a limit per window."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"Not a rate: {text!r} (use e.g. '20/minute').")
    count, multiple, period = match.groups()
    return Rate(limit=int(count), window_seconds=int(multiple or 1) * _PERIODS[period])


class _LocalCounter:
    """Per-process counters for when the cache is down; old windows are dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}

    def incr(self, key: str, *, expires: float, now: float) -> int:
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
            expiry, count = self._counts.get(key, (expires, 0))
            if expiry <= now:
                expiry, count = expires, 0
            self._counts[key] = (expiry, count + 1)
            return count + 1

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


local_counter = _LocalCounter()


def _cache_incr(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def hit(scope: str, client: str, rate: Rate, *, now: float | None = None) -> Decision:
    """Count one request of ``client`` in ``scope`` and say whether it is within the rate."""
    moment = time.time() if now is None else now
    window_start = math.floor(moment / rate.window_seconds) * rate.window_seconds
    window_end = window_start + rate.window_seconds
    client_hash = hashlib.sha256(client.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{client_hash}:{window_start}"
    try:
        count = _cache_incr(key, rate.window_seconds + 1)
    except Exception:  # any cache failure: count locally rather than fail open or closed
        logger.warning("Rate-limit cache unavailable; counting in process", exc_info=True)
        count = local_counter.incr(key, expires=window_end, now=moment)
    retry_after = max(1, math.ceil(window_end - moment))
    return Decision(allowed=count <= rate.limit, count=count, retry_after=retry_after)

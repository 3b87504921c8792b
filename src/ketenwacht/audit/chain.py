"""The hash chain: how an event's hash is computed and how a chain is verified."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def _canonical_numbers(value: Any) -> Any:
    """Integral floats as ints: PostgreSQL's jsonb returns ``1e16`` as ``10000000000000000``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical_numbers(item) for item in value]
    return value


def canonical_json(content: dict[str, Any]) -> str:
    """The canonical JSON of an event's content: the text its hash covers after the link."""
    return json.dumps(
        _canonical_numbers(content),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the event's content.

    ``hex(sha256(utf8(prev_hash || "\\n" || canonical_json(content))))``; PostgreSQL appends
    compute the same in SQL (``audit.services``).
    """
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(content)}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def first_break(rows: Iterable[tuple[int, str, str, dict[str, Any]]]) -> ChainBreak | None:
    """Walk ``(id, prev_hash, hash, content)`` in id order; return the first bad row.

    A changed row fails its own hash; a deleted or reordered row breaks the link
    ``prev_hash == previous row's hash``.
    """
    expected_prev = GENESIS_HASH
    for event_id, prev_hash, stored_hash, content in rows:
        if prev_hash != expected_prev:
            return ChainBreak(event_id, "prev_hash does not match the previous event")
        if event_hash(prev_hash, content) != stored_hash:
            return ChainBreak(event_id, "content does not match its hash")
        expected_prev = stored_hash
    return None

"""The hash chain itself, without a database."""

from __future__ import annotations

from typing import Any

from ketenwacht.audit.chain import GENESIS_HASH, event_hash, first_break


def _rows(*contents: dict[str, Any]) -> list[tuple[int, str, str, dict[str, Any]]]:
    rows, prev = [], GENESIS_HASH
    for event_id, content in enumerate(contents, start=1):
        current = event_hash(prev, content)
        rows.append((event_id, prev, current, content))
        prev = current
    return rows


def test_event_hash_ignores_key_order_and_covers_the_previous_hash() -> None:
    assert event_hash("a" * 64, {"x": 1, "y": 2}) == event_hash("a" * 64, {"y": 2, "x": 1})
    assert event_hash("a" * 64, {"x": 1}) != event_hash("b" * 64, {"x": 1})
    assert event_hash("a" * 64, {"x": 1}) != event_hash("a" * 64, {"x": 2})


def test_event_hash_treats_integral_floats_like_ints() -> None:
    """PostgreSQL's jsonb gives 1e16 back as an integer; the hash must not change."""
    assert event_hash(GENESIS_HASH, {"n": 1e16}) == event_hash(GENESIS_HASH, {"n": 10**16})
    assert event_hash(GENESIS_HASH, {"n": [2.0]}) == event_hash(GENESIS_HASH, {"n": [2]})
    assert event_hash(GENESIS_HASH, {"n": 2.5}) != event_hash(GENESIS_HASH, {"n": 2})


def test_intact_chain_has_no_break() -> None:
    assert first_break(_rows({"a": 1}, {"b": 2}, {"c": 3})) is None
    assert first_break([]) is None


def test_changed_content_breaks_at_that_row() -> None:
    rows = _rows({"a": 1}, {"b": 2}, {"c": 3})
    event_id, prev, stored, _content = rows[1]
    rows[1] = (event_id, prev, stored, {"b": 999})
    chain_break = first_break(rows)
    assert chain_break is not None
    assert (chain_break.event_id, chain_break.reason) == (2, "content does not match its hash")


def test_removed_row_breaks_at_the_next_row() -> None:
    rows = _rows({"a": 1}, {"b": 2}, {"c": 3})
    del rows[1]
    chain_break = first_break(rows)
    assert chain_break is not None and chain_break.event_id == 3


def test_swapped_rows_break_at_the_first_of_them() -> None:
    rows = _rows({"a": 1}, {"b": 2}, {"c": 3})
    (id2, *rest2), (id3, *rest3) = rows[1], rows[2]
    rows[1], rows[2] = (id2, *rest3), (id3, *rest2)  # type: ignore[assignment]
    chain_break = first_break(rows)
    assert chain_break is not None and chain_break.event_id == 2

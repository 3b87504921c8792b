"""Disclosure control: primary, dominance and secondary suppression; differencing attacks."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ketenwacht.stats.disclosure import CellInput, LinkedTables, Rules, Status
from ketenwacht.stats.tests.attacks import differencing_attack, exposed_by_linear_algebra


def _published(linked: LinkedTables) -> list[dict[str, Any]]:
    """The tables as a reader sees them (suppressed cells without numbers)."""
    tables = []
    for name in linked.tables:
        view = linked.table(name)
        cells = [
            {"at": coords, "n": None if cell.suppressed else cell.count}
            for coords, cell in view.rows()
        ]
        tables.append({"dims": list(view.dims), "values": view.values, "cells": cells})
    return tables


def test_small_cell_and_its_row_and_column_partners_are_suppressed() -> None:
    linked = LinkedTables(("form", "channel"), Rules(k=10))
    linked.add_table(
        "main",
        ("form", "channel"),
        {
            ("a", "x"): CellInput(3),
            ("a", "y"): CellInput(40),
            ("b", "x"): CellInput(50),
            ("b", "y"): CellInput(60),
        },
    )
    cells = linked.protect()
    statuses = {tuple(v for _, v in key): cell.status for key, cell in cells.items()}
    assert statuses[("x", "a")] == Status.PRIMARY
    # Row a and column x each had one unknown: each got a partner, and so on around.
    assert statuses[("y", "a")] == Status.SECONDARY
    assert statuses[("x", "b")] == Status.SECONDARY
    assert statuses[("y", "b")] == Status.SECONDARY
    assert statuses[("*", "*")] == Status.PUBLISHED
    assert differencing_attack(_published(linked)) == {}
    assert exposed_by_linear_algebra(_published(linked)) == []


def test_a_small_total_is_suppressed_and_cannot_be_rebuilt_from_its_cells() -> None:
    linked = LinkedTables(("form", "channel"), Rules(k=10))
    linked.add_table(
        "main",
        ("form", "channel"),
        {
            ("a", "x"): CellInput(4),
            ("a", "y"): CellInput(4),
            ("b", "x"): CellInput(30),
            ("b", "y"): CellInput(30),
        },
    )
    linked.protect()
    published = _published(linked)
    recovered = differencing_attack(published)
    assert recovered == {}
    assert exposed_by_linear_algebra(published) == []


def test_linked_tables_share_the_grand_total() -> None:
    """The age table's total is the main table's grand total: differencing across them fails."""
    linked = LinkedTables(("form", "age"), Rules(k=10))
    linked.add_table("form", ("form",), {("a",): CellInput(25), ("b",): CellInput(30)})
    linked.add_table("age", ("age",), {("young",): CellInput(2), ("old",): CellInput(53)})
    linked.protect()
    published = _published(linked)
    grand = [c for t in published for c in t["cells"] if all(v == "*" for v in c["at"].values())]
    assert {c["n"] for c in grand} == {55}
    ages = {c["at"]["age"]: c["n"] for c in published[1]["cells"]}
    assert ages["young"] is None and ages["old"] is None  # old = 55 - young otherwise
    assert differencing_attack(published) == {}


def test_dominance_hides_a_cell_where_one_partner_is_recognisable() -> None:
    linked = LinkedTables(("form",), Rules(k=10, dominance_min=3, dominance_share=0.6))
    linked.add_table(
        "partners",
        ("form",),
        {
            ("a",): CellInput(100, 100.0, {"bank1": 90.0, "bank2": 5.0, "bank3": 5.0}),
            ("b",): CellInput(60, 60.0, {"bank1": 30.0, "bank2": 30.0}),
            ("c",): CellInput(90, 90.0, {"bank1": 30.0, "bank2": 30.0, "bank3": 30.0}),
            ("d",): CellInput(95, 95.0, {"bank1": 35.0, "bank2": 30.0, "bank3": 30.0}),
        },
    )
    cells = linked.protect()
    status = {key[0][1]: cell.status for key, cell in cells.items()}
    assert status["a"] == Status.DOMINANCE
    assert status["b"] == Status.DOMINANCE  # only two partners
    assert status["c"] == Status.PUBLISHED  # a and b hide each other: two unknowns
    assert status["d"] == Status.PUBLISHED
    assert differencing_attack(_published(linked)) == {}


counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=60, deadline=None)
@given(
    grid=st.lists(st.lists(counts, min_size=2, max_size=5), min_size=2, max_size=5),
    ages=st.lists(counts, min_size=2, max_size=4),
)
def test_no_suppressed_cell_can_be_recovered(grid: list[list[int]], ages: list[int]) -> None:
    width = min(len(row) for row in grid)
    linked = LinkedTables(("form", "channel", "age"), Rules(k=10))
    interior: dict[tuple[str, ...], CellInput] = {
        (f"f{i}", f"c{j}"): CellInput(row[j]) for i, row in enumerate(grid) for j in range(width)
    }
    linked.add_table("main", ("form", "channel"), interior)
    total = sum(cell.count for cell in interior.values())
    # A second table of the same population: age bands summing to the same grand total.
    shares = ages[:-1]
    if sum(shares) > total:
        shares = [0] * len(shares)
    linked.add_table(
        "age",
        ("age",),
        {
            **{(f"a{i}",): CellInput(n) for i, n in enumerate(shares)},
            ("rest",): CellInput(total - sum(shares)),
        },
    )
    cells = linked.protect()
    assert all(cell.suppressed for cell in cells.values() if 0 < cell.count < 10), (
        "every small cell is suppressed"
    )
    published = _published(linked)
    assert differencing_attack(published) == {}
    assert exposed_by_linear_algebra(published) == []

"""An attacker who holds only what was published: the tables of a factsheet's content.

Independent of ``disclosure`` on purpose: it rebuilds the equations from the published
structure (every total is the sum of its row, column or category cells) and tries
(1) differencing: repeatedly solve any equation with one unknown, feeding results back in;
(2) exact linear algebra over all equations at once (a cell is exposed when its unit vector
is in the row space of the equations restricted to the unknowns).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

STAR = "*"


def _key(at: dict[str, str], dims_all: list[str]) -> tuple[str, ...]:
    return tuple(at.get(dim, STAR) for dim in dims_all)


def equations_and_values(
    tables: list[dict[str, Any]],
) -> tuple[list[tuple[tuple[str, ...], list[tuple[str, ...]]]], dict[tuple[str, ...], int | None]]:
    dims_all = sorted({dim for table in tables for dim in table["dims"]})
    values: dict[tuple[str, ...], int | None] = {}
    equations = []
    for table in tables:
        for cell in table["cells"]:
            key = _key(cell["at"], dims_all)
            known = values.get(key)
            values[key] = cell["n"] if known is None else known
        dims = table["dims"]
        for cell in table["cells"]:
            for dim in dims:
                if cell["at"][dim] != STAR:
                    continue
                members = [
                    _key({**cell["at"], dim: value}, dims_all) for value in table["values"][dim]
                ]
                equations.append((_key(cell["at"], dims_all), members))
    return equations, values


def differencing_attack(tables: list[dict[str, Any]]) -> dict[tuple[str, ...], int]:
    equations, values = equations_and_values(tables)
    known = {key: value for key, value in values.items() if value is not None}
    recovered: dict[tuple[str, ...], int] = {}
    changed = True
    while changed:
        changed = False
        for total, members in equations:
            terms = [total, *members]
            unknown = [key for key in terms if key not in known]
            if len(unknown) != 1:
                continue
            (target,) = unknown
            if target == total:
                value = sum(known[m] for m in members)
            else:
                value = known[total] - sum(known[m] for m in members if m != target)
            known[target] = recovered[target] = value
            changed = True
    return recovered


def exposed_by_linear_algebra(tables: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    equations, values = equations_and_values(tables)
    hidden = sorted(key for key, value in values.items() if value is None)
    if not hidden:
        return []
    index = {key: i for i, key in enumerate(hidden)}
    rows = []
    for total, members in equations:
        row = np.zeros(len(hidden))
        for key, sign in itertools.chain([(total, 1)], ((m, -1) for m in members)):
            if key in index:
                row[index[key]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    exposed = []
    for key, i in index.items():
        unit = np.zeros(len(hidden))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            exposed.append(key)
    return exposed

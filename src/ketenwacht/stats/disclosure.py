"""Statistical disclosure control for linked tables (pure Python + numpy, no Django).

A factsheet publishes several tables of one population (fraud form × channel, by age band, by
month …) with their totals. Every published number is a *cell* with a key over all dimensions
of the factsheet (``"*"`` where the table sums over a dimension), so the grand total of two
tables is the same cell. Each total is an equation ``total = Σ members``; a reader knows every
published cell and every equation.

1. **Primary suppression**: a cell with ``0 < count < k``; and, where a cell is made of
   partners' figures, a cell with fewer than ``dominance_min`` contributing partners or whose
   largest partner holds more than ``dominance_share`` of it (a partner's figure must never be
   recognisable — not even by the other partners, who know their own share).
2. **Secondary suppression**: while some equation has exactly one suppressed cell, suppress
   the smallest other cell of that equation. Then an exact check: a suppressed cell is
   *determined* when its unit vector lies in the row space of the equations restricted to the
   suppressed cells (linear algebra over every equation at once, which catches differencing
   through several totals); a determined cell gets another partner suppressed until none is.

Zero cells are published (nobody in a group discloses nobody); counts and sums of a cell are
suppressed together.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

TOTAL = "*"

Key = tuple[tuple[str, str], ...]  # ((dimension, value), …) over every dimension, sorted


class Status:
    PUBLISHED = "published"
    PRIMARY = "primary"  # fewer than k
    DOMINANCE = "dominance"  # one partner recognisable
    SECONDARY = "secondary"  # protects another cell

    SUPPRESSED = frozenset({PRIMARY, DOMINANCE, SECONDARY})


@dataclass(frozen=True)
class Rules:
    k: int = 10
    dominance_min: int = 3
    dominance_share: float = 0.6


@dataclass
class CellInput:
    """One interior cell as a source aggregated it."""

    count: int
    value: float | None = None  # a summed measure (damage), if the table has one
    contributions: dict[str, float] | None = None  # partner → its part (dominance rule)
    # partner → its part of the count, where the count itself is partners' figures
    count_contributions: dict[str, float] | None = None


@dataclass
class Cell:
    key: Key
    count: int
    value: float | None
    contributions: dict[str, float] | None
    status: str = Status.PUBLISHED
    is_total: bool = False
    count_contributions: dict[str, float] | None = None

    @property
    def suppressed(self) -> bool:
        return self.status in Status.SUPPRESSED

    def dims(self) -> dict[str, str]:
        return dict(self.key)


@dataclass(frozen=True)
class Equation:
    total: Key
    members: tuple[Key, ...]


def make_key(dimensions: Iterable[str], values: Mapping[str, str]) -> Key:
    return tuple(sorted((dim, str(values.get(dim, TOTAL))) for dim in dimensions))


def _add_parts(
    total: dict[str, float] | None, parts: dict[str, float] | None
) -> dict[str, float] | None:
    if parts is None:
        return total
    total = total or {}
    for who, part in parts.items():
        total[who] = total.get(who, 0.0) + part
    return total


def _merge(cells: Iterable[Cell]) -> Cell:
    merged = Cell(key=(), count=0, value=None, contributions=None, is_total=True)
    for cell in cells:
        merged.count += cell.count
        if cell.value is not None:
            merged.value = (merged.value or 0.0) + cell.value
        merged.contributions = _add_parts(merged.contributions, cell.contributions)
        merged.count_contributions = _add_parts(
            merged.count_contributions, cell.count_contributions
        )
    return merged


@dataclass
class LinkedTables:
    """Tables over one population, protected together."""

    dimensions: tuple[str, ...]
    rules: Rules = field(default_factory=Rules)
    cells: dict[Key, Cell] = field(default_factory=dict)
    equations: list[Equation] = field(default_factory=list)
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _table_values: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def add_table(
        self,
        name: str,
        dims: Sequence[str],
        interior: Mapping[tuple[str, ...], CellInput],
        *,
        categories: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Add a table over ``dims`` (its interior cells keyed by value tuples) with every
        total; ``categories`` lists values to show even where no record falls (zeros)."""
        dims = tuple(dims)
        unknown = set(dims) - set(self.dimensions)
        if unknown:
            raise ValueError(f"unknown dimensions {sorted(unknown)}")
        values: dict[str, list[str]] = {}
        for index, dim in enumerate(dims):
            seen = {combo[index] for combo in interior}
            seen.update((categories or {}).get(dim, ()))
            values[dim] = sorted(seen)
        self.tables[name] = dims
        self._table_values[name] = values
        # Interior cells: every combination of the values (absent ones are zero).
        for combo in itertools.product(*(values[dim] for dim in dims)):
            data = interior.get(combo) or CellInput(count=0)
            key = make_key(self.dimensions, dict(zip(dims, combo, strict=True)))
            self._put(
                Cell(
                    key,
                    data.count,
                    data.value,
                    data.contributions,
                    count_contributions=data.count_contributions,
                )
            )
        # Totals, from the fewest stars to the most, each with its equations.
        for stars in range(1, len(dims) + 1):
            for starred in itertools.combinations(dims, stars):
                kept = [dim for dim in dims if dim not in starred]
                for combo in itertools.product(*(values[dim] for dim in kept)):
                    fixed = dict(zip(kept, combo, strict=True))
                    total_key = make_key(self.dimensions, fixed)
                    # One equation per starred dimension: total = Σ over that dimension.
                    member_sets = []
                    for dim in starred:
                        members = tuple(
                            make_key(self.dimensions, {**fixed, dim: value})
                            for value in values[dim]
                        )
                        member_sets.append(members)
                    merged = _merge(self.cells[m] for m in member_sets[0])
                    merged.key = total_key
                    self._put(merged)
                    for members in member_sets:
                        self.equations.append(Equation(total_key, members))

    def add_grouping(self, dim: str, group_dim: str, group_of: Mapping[str, str]) -> None:
        """Publish groups of ``dim``'s values as totals over ``group_dim`` (e.g. quarters of
        months), each with its equation: what another publication (a quarter's factsheet)
        reveals is then part of the protection of the finer cells."""
        groups: dict[Key, list[Key]] = {}
        for key in list(self.cells):
            coordinates = dict(key)
            if coordinates[dim] == TOTAL or coordinates[group_dim] != TOTAL:
                continue
            group = {**coordinates, dim: TOTAL, group_dim: group_of[coordinates[dim]]}
            groups.setdefault(make_key(self.dimensions, group), []).append(key)
        for total_key, members in groups.items():
            merged = _merge(self.cells[member] for member in members)
            merged.key = total_key
            self._put(merged)
            self.equations.append(Equation(total_key, tuple(members)))

    def _put(self, cell: Cell) -> None:
        existing = self.cells.get(cell.key)
        if existing is None:
            self.cells[cell.key] = cell
            return
        if existing.count != cell.count:
            raise ValueError(f"tables disagree on {cell.key}: {existing.count} ≠ {cell.count}")
        existing.is_total = existing.is_total or cell.is_total

    # -- suppression ------------------------------------------------------------------------

    def _primary(self, cell: Cell) -> str | None:
        if 0 < cell.count < self.rules.k:
            return Status.PRIMARY
        for contributions in (cell.contributions, cell.count_contributions):
            if contributions is None:
                continue
            parts = [part for part in contributions.values() if part > 0]
            whole = sum(parts)
            if parts and (
                len(parts) < self.rules.dominance_min
                or max(parts) > self.rules.dominance_share * whole
            ):
                return Status.DOMINANCE
        return None

    def protect(self, *, also_hide: Iterable[Key] = ()) -> dict[Key, Cell]:
        """Suppress; ``also_hide`` are cells sensitive for a particular reader (primary)."""
        for cell in self.cells.values():
            status = self._primary(cell)
            if status is not None:
                cell.status = status
        for key in also_hide:
            self.cells[key].status = Status.DOMINANCE
        for _round in range(10_000):
            if self._fix_single_unknowns():
                continue
            determined = self.determined_cells()
            if not determined:
                return self.cells
            if not self._protect(determined[0]):
                raise RuntimeError(f"cannot protect {determined[0]}")
        raise RuntimeError("secondary suppression did not converge")

    def _candidates(self, equation: Equation) -> list[Cell]:
        entries = [self.cells[key] for key in (*equation.members, equation.total)]
        open_cells = [cell for cell in entries if not cell.suppressed]
        # Prefer interior cells with records, the smallest first; a total is the last resort.
        return sorted(
            open_cells,
            key=lambda cell: (cell.count == 0, cell.is_total, cell.count, cell.key),
        )

    def _fix_single_unknowns(self) -> bool:
        changed = False
        for equation in self.equations:
            entries = [self.cells[key] for key in (*equation.members, equation.total)]
            hidden = [cell for cell in entries if cell.suppressed]
            if len(hidden) == 1:
                candidates = self._candidates(equation)
                if candidates:
                    candidates[0].status = Status.SECONDARY
                    changed = True
        return changed

    def _protect(self, key: Key) -> bool:
        for equation in self.equations:
            if key == equation.total or key in equation.members:
                candidates = self._candidates(equation)
                if candidates:
                    candidates[0].status = Status.SECONDARY
                    return True
        return False

    def determined_cells(self) -> list[Key]:
        """Suppressed cells a reader can compute exactly from published cells and totals."""
        return determined(self.cells, self.equations)

    def table(self, name: str) -> TableView:
        dims = self.tables[name]
        values = self._table_values[name]
        return TableView(name=name, dims=dims, values=values, linked=self)


def determined(cells: Mapping[Key, Cell], equations: Sequence[Equation]) -> list[Key]:
    hidden = sorted(key for key, cell in cells.items() if cell.suppressed)
    if not hidden:
        return []
    index = {key: i for i, key in enumerate(hidden)}
    rows = []
    for equation in equations:
        row = np.zeros(len(hidden))
        touched = False
        if equation.total in index:
            row[index[equation.total]] += 1
            touched = True
        for member in equation.members:
            if member in index:
                row[index[member]] -= 1
                touched = True
        if touched:
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for key, i in index.items():
        unit = np.zeros(len(hidden))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(key)
    return found


@dataclass
class TableView:
    """One protected table, for rendering: rows × columns with totals."""

    name: str
    dims: tuple[str, ...]
    values: dict[str, list[str]]
    linked: LinkedTables

    def cell(self, **coordinates: str) -> Cell:
        return self.linked.cells[make_key(self.linked.dimensions, coordinates)]

    def rows(self) -> list[tuple[dict[str, str], Cell]]:
        """Every cell of the table, totals last, as (coordinates, cell)."""
        out = []
        axes = [[*self.values[dim], TOTAL] for dim in self.dims]
        for combo in itertools.product(*axes):
            coords = dict(zip(self.dims, combo, strict=True))
            out.append((coords, self.cell(**coords)))
        return out

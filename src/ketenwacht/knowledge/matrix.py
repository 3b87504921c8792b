"""The barrier model as a matrix: phases of a criminal journey × partner sectors.

Each cell lists the barriers a sector raises in a phase (a barrier of two sectors sits in
both cells), coloured by status. The gap analysis names the phases without a live barrier and
the coalition's sectors without one; where alerts and sightings carry a phase, each row shows
how often the phase is seen (``integration.phase_counts``). Built from what the actor may read
by the route, so an export never holds more than the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from ketenwacht.knowledge import integration, selectors
from ketenwacht.knowledge.constants import BarrierStatus
from ketenwacht.knowledge.models import Barrier, CriminalJourney, JourneyPhase
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import MARKING_ORDER, Marking, Sector
from ketenwacht.web.csv import csv_text

STATUS_COLOURS = {
    BarrierStatus.IDEA: ("#fff4ce", "#6b5300"),
    BarrierStatus.IN_DEVELOPMENT: ("#dbe9fb", "#063a78"),
    BarrierStatus.LIVE: ("#d7f0dd", "#0b4d20"),
    BarrierStatus.RETIRED: ("#e8e8e8", "#3b3b3b"),
}


@dataclass
class Cell:
    sector: str
    barriers: list[Barrier] = field(default_factory=list)

    @property
    def has_live(self) -> bool:
        return any(barrier.status == BarrierStatus.LIVE for barrier in self.barriers)


@dataclass
class Row:
    phase: JourneyPhase
    cells: list[Cell]
    seen: int | None = None

    @property
    def has_live(self) -> bool:
        return any(cell.has_live for cell in self.cells)


@dataclass(frozen=True)
class Gaps:
    phases_without_live: list[str]  # phase codes, journey order
    sectors_without_live: list[str]  # sector codes, column order
    sectors_without_barrier: list[str]


@dataclass
class BarrierMatrix:
    journey: CriminalJourney
    sectors: list[str]
    rows: list[Row]
    gaps: Gaps
    marking: str
    counts_available: bool

    def sector_label(self, sector: str) -> str:
        return str(Sector(sector).label) if sector in Sector.values else sector


def _columns(journey: CriminalJourney, barriers: list[Barrier]) -> list[str]:
    """The coalition's sectors first, then any other sector that owns a visible barrier."""
    columns = [sector for sector in journey.sectors if sector in Sector.values]
    extra = {sector for barrier in barriers for sector in barrier.sectors} - set(columns)
    return columns + [sector for sector in Sector.values if sector in extra]


def _most_restrictive(markings: set[str]) -> str:
    for marking in MARKING_ORDER:
        if marking in markings:
            return str(marking)
    return str(Marking.CLEAR)


def _gaps(rows: list[Row], sectors: list[str]) -> Gaps:
    def live_in(sector: str) -> bool:
        return any(cell.has_live for row in rows for cell in row.cells if cell.sector == sector)

    def any_in(sector: str) -> bool:
        return any(cell.barriers for row in rows for cell in row.cells if cell.sector == sector)

    return Gaps(
        phases_without_live=[row.phase.code for row in rows if not row.has_live],
        sectors_without_live=[sector for sector in sectors if not live_in(sector)],
        sectors_without_barrier=[sector for sector in sectors if not any_in(sector)],
    )


def barrier_matrix(*, actor: Actor, fraud_type: str, route: str = "page") -> BarrierMatrix:
    journey = selectors.journey_get(actor=actor, fraud_type=fraud_type, route=route)
    barriers = list(selectors.barrier_list(actor=actor, route=route, fraud_type=fraud_type))
    sectors = _columns(journey, barriers)
    counts = (
        integration.phase_counts(actor=actor, fraud_type=fraud_type)
        if integration.has_phase_counters()
        else None
    )
    rows = []
    for phase in journey.phases.all():
        in_phase = [barrier for barrier in barriers if barrier.phase_id == phase.pk]
        cells = [
            Cell(sector, [barrier for barrier in in_phase if sector in barrier.sectors])
            for sector in sectors
        ]
        rows.append(Row(phase, cells, counts.get(phase.code, 0) if counts is not None else None))
    return BarrierMatrix(
        journey=journey,
        sectors=sectors,
        rows=rows,
        gaps=_gaps(rows, sectors),
        marking=_most_restrictive({journey.marking, *(barrier.marking for barrier in barriers)}),
        counts_available=counts is not None,
    )


# --- Exports ---------------------------------------------------------------------------------

CSV_HEADER = (
    "fraud_type",
    "phase_position",
    "phase",
    "phase_seen",
    "sector",
    "barrier",
    "kind",
    "status",
    "marking",
)


def matrix_csv(matrix: BarrierMatrix) -> str:
    """One line per barrier and sector, and one per empty cell, so gaps show in a sheet too."""
    lines = []
    for row in matrix.rows:
        seen = "" if row.seen is None else row.seen
        common = (matrix.journey.fraud_type_id, row.phase.position, row.phase.code, seen)
        for cell in row.cells:
            if not cell.barriers:
                lines.append((*common, cell.sector, "", "", "", ""))
            for barrier in cell.barriers:
                lines.append(
                    (
                        *common,
                        cell.sector,
                        barrier.title,
                        barrier.kind,
                        barrier.status,
                        f"TLP:{barrier.marking}",
                    )
                )
    return csv_text(CSV_HEADER, lines)


# SVG geometry (pixels).
_LABEL_WIDTH = 190
_COLUMN_WIDTH = 170
_HEADER_HEIGHT = 64
_LINE_HEIGHT = 18
_PADDING = 8
_TITLE_CHARS = 24


def _short(text: str, limit: int = _TITLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def matrix_svg(matrix: BarrierMatrix) -> str:
    """A self-contained SVG of the matrix (no scripts, no external references)."""
    rows = []
    top = _HEADER_HEIGHT
    for row in matrix.rows:
        lines = max([1, *(len(cell.barriers) for cell in row.cells)])
        height = lines * (_LINE_HEIGHT + 4) + 2 * _PADDING + (_LINE_HEIGHT if row.seen else 0)
        cells = []
        for column, cell in enumerate(row.cells):
            x = _LABEL_WIDTH + column * _COLUMN_WIDTH
            items = []
            for index, barrier in enumerate(cell.barriers):
                fill, ink = STATUS_COLOURS[BarrierStatus(barrier.status)]
                items.append(
                    {
                        "x": x + 4,
                        "y": top + _PADDING + index * (_LINE_HEIGHT + 4),
                        "fill": fill,
                        "ink": ink,
                        "text": _short(barrier.title),
                        "title": f"{barrier.title} ({barrier.get_status_display()})",
                    }
                )
            cells.append({"x": x, "items": items, "empty": not cell.barriers})
        rows.append(
            {
                "y": top,
                "height": height,
                "label": _short(row.phase.name, 26),
                "seen": row.seen,
                "cells": cells,
                "gap": not row.has_live,
            }
        )
        top += height
    width = _LABEL_WIDTH + len(matrix.sectors) * _COLUMN_WIDTH
    legend_y = top + 24
    context = {
        "matrix": matrix,
        "width": width,
        "height": legend_y + 40,
        "header_height": _HEADER_HEIGHT,
        "label_width": _LABEL_WIDTH,
        "column_width": _COLUMN_WIDTH,
        "item_width": _COLUMN_WIDTH - 8,
        "line_height": _LINE_HEIGHT,
        "columns": [
            {
                "x": _LABEL_WIDTH + index * _COLUMN_WIDTH,
                "label": _short(matrix.sector_label(sector), 22),
            }
            for index, sector in enumerate(matrix.sectors)
        ],
        "rows": rows,
        "legend_y": legend_y,
        "legend": [
            {
                "x": 8 + index * 150,
                "fill": STATUS_COLOURS[BarrierStatus(status)][0],
                "ink": STATUS_COLOURS[BarrierStatus(status)][1],
                "label": str(BarrierStatus(status).label),
            }
            for index, status in enumerate(BarrierStatus.values)
        ],
        "title": _("Barrier model: %(journey)s") % {"journey": matrix.journey},
    }
    return render_to_string("knowledge/matrix.svg", context)

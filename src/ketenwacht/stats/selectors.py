"""Reads of statistics. Public readers get public factsheets only; partners see their own
figures beside a chain total that never lets them work out another partner's figure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import QuerySet, Sum

from ketenwacht.errors import NotFoundError
from ketenwacht.knowledge.integration import KeyFigure
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.stats.constants import (
    DEFAULT_K,
    DOMINANCE_MAX_SHARE,
    DOMINANCE_MIN_CONTRIBUTORS,
    FactsheetStatus,
    PeriodKind,
)
from ketenwacht.stats.models import Factsheet, FigureSubmission, PartnerFigure, Spike


def _not_found() -> NotFoundError:
    return NotFoundError("Niet gevonden. / Not found.", code="not_found")


def own_figures(*, actor: Actor) -> QuerySet[PartnerFigure]:
    if actor.organisation is None:
        return PartnerFigure.objects.none()
    return PartnerFigure.objects.filter(organisation=actor.organisation).order_by(
        "-period", "fraud_form"
    )


def own_submissions(*, actor: Actor) -> QuerySet[FigureSubmission]:
    if actor.organisation is None:
        return FigureSubmission.objects.none()
    return FigureSubmission.objects.filter(organisation=actor.organisation)


def submission_get(*, actor: Actor, submission_id: UUID) -> FigureSubmission:
    found = own_submissions(actor=actor).filter(pk=submission_id).first()
    if found is None:
        raise _not_found()
    return found


# --- factsheets --------------------------------------------------------------------------------


def public_factsheets() -> QuerySet[Factsheet]:
    """The only factsheets a public URL may show."""
    return Factsheet.objects.filter(status=FactsheetStatus.PUBLIC).order_by(
        "-period_start", "fraud_form"
    )


def public_factsheet(factsheet_id: UUID) -> Factsheet:
    found = public_factsheets().filter(pk=factsheet_id).first()
    if found is None:
        raise _not_found()
    return found


def factsheet_list(*, actor: Actor) -> QuerySet[Factsheet]:
    if not access.can(actor, "stats.view"):
        return Factsheet.objects.none()
    return Factsheet.objects.order_by("-created_at")


def factsheet_get(*, actor: Actor, factsheet_id: UUID) -> Factsheet:
    found = factsheet_list(actor=actor).filter(pk=factsheet_id).first()
    if found is None:
        raise _not_found()
    return found


def spike_list() -> QuerySet[Spike]:
    return Spike.objects.order_by("-week", "fraud_form", "channel")


# --- partner dashboard -------------------------------------------------------------------------


@dataclass
class DashboardRow:
    period: date
    fraud_form: str
    own_incidents: int | None
    own_damage_eur: float | None
    chain_incidents: int | None  # None: not shown (too few partners or one dominates)
    chain_damage_eur: float | None
    share_percent: int | None


def chain_total_visible(parts: dict[int, float], viewer: int, *, k: int = DEFAULT_K) -> bool:
    """Whether a viewer may see the chain total of these partner parts.

    The total shows when at least ``DOMINANCE_MIN_CONTRIBUTORS`` partners contributed, it is
    at least k, no partner holds more than ``DOMINANCE_MAX_SHARE`` of it, and — because the
    viewer knows its own part — no *other* partner holds more than that share of the rest.
    """
    positive = {who: part for who, part in parts.items() if part > 0}
    whole = sum(positive.values())
    if len(positive) < DOMINANCE_MIN_CONTRIBUTORS or whole < k:
        return False
    if max(positive.values()) > DOMINANCE_MAX_SHARE * whole:
        return False
    others = {who: part for who, part in positive.items() if who != viewer}
    rest = sum(others.values())
    return len(others) >= 2 and max(others.values()) <= DOMINANCE_MAX_SHARE * rest


def _hidden_chain_cells(
    incidents: dict[tuple[date, str], dict[int, float]],
    damage: dict[tuple[date, str], dict[int, float]],
    viewer: int,
) -> set[tuple[date, str]]:
    """Month × fraud form cells whose chain total the viewer may not see.

    Per calendar year the cells form a grid whose margins (a fraud form's year and quarters, a
    month's total over the forms) are what year and quarter factsheets publish: the grid is
    protected like a factsheet table (``disclosure``), with the viewer's own sensitive cells (see
    ``chain_total_visible``) as primary suppressions, so no hidden cell follows from the
    visible ones and those totals.
    """
    from ketenwacht.stats.disclosure import CellInput, LinkedTables, Rules, make_key

    hidden: set[tuple[date, str]] = set()
    for year in sorted({period.year for period, _form in incidents}):
        keys = [key for key in incidents if key[0].year == year]
        linked = LinkedTables(("month", "fraud_form", "quarter"), Rules(k=DEFAULT_K))
        interior: dict[tuple[str, ...], CellInput] = {
            (period.isoformat(), form): CellInput(
                count=int(sum(incidents[(period, form)].values())),
                value=sum(damage[(period, form)].values()),
                contributions={str(k): v for k, v in damage[(period, form)].items()},
                count_contributions={str(k): v for k, v in incidents[(period, form)].items()},
            )
            for period, form in keys
        }
        linked.add_table("grid", ("month", "fraud_form"), interior)
        linked.add_grouping(
            "month", "quarter", {period.isoformat(): _quarter(period) for period, _ in keys}
        )
        viewer_sensitive = [
            make_key(linked.dimensions, {"month": period.isoformat(), "fraud_form": form})
            for period, form in keys
            if not chain_total_visible(incidents[(period, form)], viewer)
            or (
                sum(damage[(period, form)].values()) > 0
                and not chain_total_visible(damage[(period, form)], viewer, k=0)
            )
        ]
        cells = linked.protect(also_hide=viewer_sensitive)
        for period, form in keys:
            key = make_key(linked.dimensions, {"month": period.isoformat(), "fraud_form": form})
            if cells[key].suppressed:
                hidden.add((period, form))
    return hidden


def _quarter(month: date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def partner_dashboard(*, actor: Actor, start: date, end: date) -> list[DashboardRow]:
    """The actor's organisation's figures beside the chain totals (month × fraud form)."""
    if actor.organisation is None or not access.can(actor, "stats.view"):
        return []
    viewer = actor.organisation.pk
    whole_years = (date(start.year, 1, 1), date(end.year + 1, 1, 1))
    rows = (
        PartnerFigure.objects.filter(period__gte=whole_years[0], period__lt=whole_years[1])
        .values("period", "fraud_form", "organisation_id")
        .annotate(n=Sum("incidents"), d=Sum("damage_cents"))
        .order_by()
    )
    incidents: dict[tuple[date, str], dict[int, float]] = defaultdict(dict)
    damage: dict[tuple[date, str], dict[int, float]] = defaultdict(dict)
    for row in rows:
        key = (row["period"], row["fraud_form"])
        incidents[key][row["organisation_id"]] = float(row["n"] or 0)
        damage[key][row["organisation_id"]] = float(row["d"] or 0) / 100
    hidden = _hidden_chain_cells(incidents, damage, viewer)
    out = []
    shown = [key for key in incidents if start <= key[0] < end]
    for key in sorted(shown, key=lambda item: (item[0], item[1]), reverse=True):
        own_n = incidents[key].get(viewer)
        own_d = damage[key].get(viewer)
        show_n = key not in hidden
        show_d = show_n
        total_n = int(sum(incidents[key].values())) if show_n else None
        out.append(
            DashboardRow(
                period=key[0],
                fraud_form=key[1],
                own_incidents=int(own_n) if own_n is not None else None,
                own_damage_eur=own_d,
                chain_incidents=total_n,
                chain_damage_eur=round(sum(damage[key].values()), 2) if show_d else None,
                share_percent=round(100 * (own_n or 0) / total_n) if total_n else None,
            )
        )
    return out


def annual_key_figures(*, actor: Actor, year: int) -> list[KeyFigure]:
    """Key figures of the public factsheet of the year (all fraud forms), for the annual
    report of the knowledge space: only what the partners already released."""
    from ketenwacht.stats.factsheets import key_figures

    factsheet = (
        public_factsheets()
        .filter(period_kind=PeriodKind.YEAR, period_start__year=year, fraud_form="")
        .first()
    )
    if factsheet is None:
        return []
    return [
        KeyFigure(label=label, value=value, source=factsheet.title)
        for label, value in key_figures(factsheet)
    ]


def content_numbers(factsheet: Factsheet) -> list[Any]:
    """Every number in a factsheet's stored content (tests use it to prove nothing leaks)."""
    numbers: list[Any] = []
    for table in factsheet.content.get("tables", []):
        for cell in table["cells"]:
            numbers.extend(v for v in (cell["n"], cell["v"], cell["m"]) if v is not None)
    numbers.extend(f["value"] for f in factsheet.content.get("key_figures", []))
    return numbers

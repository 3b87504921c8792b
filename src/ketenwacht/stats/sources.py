"""Where the numbers come from: intakes, partners' own figures, sightings, shield and cases.

Each source aggregates in the database (GROUP BY over the asked dimensions) and hands back
interior cells as ``disclosure.CellInput``; protection is the caller's job. The cases app is
read through ``cases_open_clusters`` only, and may be absent.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    F,
    FloatField,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, NullIf, TruncMonth, TruncWeek
from django.utils import timezone

from ketenwacht.stats.constants import POSTCODE_RANGES, UNKNOWN, Dimension, Source
from ketenwacht.stats.disclosure import CellInput


class PercentileMedian(Aggregate):
    """PostgreSQL's exact median (``percentile_cont(0.5)``)."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Aggregation:
    cells: dict[tuple[str, ...], CellInput] = field(default_factory=dict)
    medians: dict[tuple[str, ...], float | None] = field(default_factory=dict)


def _label(value: Any) -> str:
    if value is None or value == "":
        return UNKNOWN
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _month_label(value: Any) -> str:
    text = _label(value)
    return text[:7] if text != UNKNOWN else text


def _unknown_if_blank(name: str) -> Coalesce:
    return Coalesce(NullIf(F(name), Value("")), Value(UNKNOWN), output_field=CharField())


def _province() -> Case:
    return Case(
        *[
            When(postcode__gte=low, postcode__lt=high, then=Value(code))
            for low, high, code in POSTCODE_RANGES
        ],
        default=Value(UNKNOWN),
        output_field=CharField(),
    )


def intake_queryset(start: date, end: date, fraud_form: str | None = None) -> QuerySet[Any]:
    from ketenwacht.intake.constants import IntakeStatus
    from ketenwacht.intake.models import Intake

    queryset = Intake.objects.filter(
        status=IntakeStatus.SUBMITTED, submitted_at__gte=moment(start), submitted_at__lt=moment(end)
    ).annotate(
        s_fraud_form=Coalesce(
            NullIf(KT("fraud_types__0"), Value("")), Value("other"), output_field=CharField()
        )
    )
    if fraud_form:
        queryset = queryset.filter(s_fraud_form=fraud_form)
    return queryset


INTAKE_DIMENSIONS: dict[str, Callable[[], Any]] = {
    Dimension.MONTH: lambda: TruncMonth("submitted_at"),
    Dimension.WEEK: lambda: TruncWeek("submitted_at"),
    Dimension.FRAUD_FORM: lambda: F("s_fraud_form"),
    Dimension.CHANNEL: lambda: _unknown_if_blank("channel"),
    Dimension.PAYMENT_METHOD: lambda: _unknown_if_blank("payment_method"),
    Dimension.AGE_BAND: lambda: _unknown_if_blank("age_band"),
    Dimension.PROVINCE: _province,
}


def _labeller(dim: str) -> Any:
    return _month_label if dim == Dimension.MONTH else _label


def aggregate_intakes(
    dims: Sequence[str],
    *,
    start: date,
    end: date,
    fraud_form: str | None = None,
    with_amount: bool = True,
    medians: bool = True,
) -> Aggregation:
    """Counts, summed damage (euro) and median damage per cell of ``dims``."""
    queryset = intake_queryset(start, end, fraud_form)
    names = {dim: f"d_{dim}" for dim in dims}
    queryset = queryset.annotate(**{names[dim]: INTAKE_DIMENSIONS[dim]() for dim in dims})
    grouped = queryset.values(*names.values()).order_by()
    aggregates: dict[str, Any] = {"n": Count("pk")}
    postgres = connection.vendor == "postgresql"
    if with_amount:
        aggregates["amount"] = Sum("amount_cents")
        if postgres and medians:
            aggregates["median"] = PercentileMedian("amount_cents")
    result = Aggregation()
    labellers = [_labeller(dim) for dim in dims]
    for row in grouped.annotate(**aggregates):
        key = tuple(label(row[names[dim]]) for label, dim in zip(labellers, dims, strict=True))
        amount = row.get("amount")
        cell = result.cells.get(key)
        value = (amount or 0) / 100 if with_amount else None
        if cell is None:
            result.cells[key] = CellInput(count=row["n"], value=value)
        else:  # two database groups with one label (e.g. month truncation across zones)
            cell.count += row["n"]
            cell.value = (cell.value or 0) + (value or 0) if with_amount else None
        if postgres and with_amount and medians:
            median = row.get("median")
            result.medians[key] = median / 100 if median is not None else None
    if with_amount and medians and not postgres:
        values: dict[tuple[str, ...], list[int]] = defaultdict(list)
        fields = [*names.values(), "amount_cents"]
        for row in queryset.exclude(amount_cents=None).values_list(*fields).order_by():
            key = tuple(label(value) for label, value in zip(labellers, row[:-1], strict=True))
            values[key].append(row[-1])
        for key in result.cells:
            amounts = values.get(key)
            result.medians[key] = statistics.median(amounts) / 100 if amounts else None
    return result


def _work_mem() -> str:
    from django.conf import settings

    return str(getattr(settings, "KETENWACHT", {}).get("STATS_WORK_MEM") or "64MB")


def aggregate_intake_tables(
    tables: Sequence[Sequence[str]],
    *,
    start: date,
    end: date,
    fraud_form: str | None = None,
    with_amount: bool = True,
) -> tuple[list[Aggregation], dict[str, Any] | None]:
    """Every table of a definition, plus the overall count, sum and median.

    On PostgreSQL in ONE scan: ``GROUP BY GROUPING SETS ((fraud_form, channel), (age_band), …,
    ())`` over a subquery that computes each dimension once; ``GROUPING(…)`` tells the rows of
    the sets apart. Elsewhere one query per table (and ``None`` for the overall figures).
    Medians are kept for one-dimensional tables only (the cross tables show counts).
    """
    if connection.vendor != "postgresql" or not tables:
        results = [
            aggregate_intakes(
                dims,
                start=start,
                end=end,
                fraud_form=fraud_form,
                with_amount=with_amount,
                medians=len(dims) == 1,
            )
            for dims in tables
        ]
        return results, None
    dims_all: list[str] = []
    for dims in tables:
        dims_all.extend(d for d in dims if d not in dims_all)
    names = [f"d_{dim}" for dim in dims_all]
    queryset = intake_queryset(start, end, fraud_form).annotate(
        **{f"d_{dim}": INTAKE_DIMENSIONS[dim]() for dim in dims_all}
    )
    inner, params = queryset.values(*names, "amount_cents").order_by().query.sql_with_params()
    quoted = [connection.ops.quote_name(name) for name in names]
    sets = ", ".join(
        "(" + ", ".join(connection.ops.quote_name(f"d_{d}") for d in dims) + ")" for dims in tables
    )
    # Identifiers from the fixed dimension vocabulary, quoted; every value is a parameter.
    sql = (
        f"SELECT {', '.join(quoted)}, GROUPING({', '.join(quoted)}) AS g, COUNT(*), "  # noqa: S608
        "SUM(amount_cents), percentile_cont(0.5) WITHIN GROUP (ORDER BY amount_cents) "
        f"FROM ({inner}) AS s GROUP BY GROUPING SETS ({sets}, ())"
    )
    width = len(dims_all)
    masks = {}
    for index, dims in enumerate(tables):
        mask = 0
        for position, dim in enumerate(dims_all):
            if dim not in dims:
                mask |= 1 << (width - 1 - position)
        masks[mask] = index
    results = [Aggregation() for _ in tables]
    overall: dict[str, Any] = {"n": 0, "amount": None, "median": None}
    labellers = {dim: _labeller(dim) for dim in dims_all}
    with transaction.atomic(), connection.cursor() as cursor:
        # Exact medians sort each grouping set: with the default work_mem (4 MB) those sorts
        # spill to disk. Raised for this transaction only (set_config local).
        cursor.execute("SELECT set_config('work_mem', %s, true)", [_work_mem()])
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        for row in rows:
            values, (mask, count, amount, median) = row[:width], row[width:]
            amount = int(amount) if amount is not None else None  # numeric → int
            median = float(median) if median is not None else None
            if mask == (1 << width) - 1:
                overall = {"n": count, "amount": amount, "median": median}
                continue
            index = masks[mask]
            dims = tables[index]
            key = tuple(labellers[d](values[dims_all.index(d)]) for d in dims)
            result = results[index]
            value = (amount or 0) / 100 if with_amount else None
            cell = result.cells.get(key)
            if cell is None:
                result.cells[key] = CellInput(count=count, value=value)
            else:
                cell.count += count
                cell.value = (cell.value or 0) + (value or 0) if with_amount else None
            if with_amount and len(dims) == 1:
                result.medians[key] = median / 100 if median is not None else None
    return results, overall


PARTNER_DIMENSIONS: dict[str, str] = {Dimension.MONTH: "period", Dimension.FRAUD_FORM: "fraud_form"}


def aggregate_partner_figures(
    dims: Sequence[str],
    *,
    start: date,
    end: date,
    fraud_form: str | None = None,
    measure: str = "",
) -> Aggregation:
    """Summed incidents (the count) and ``measure`` per cell, with each partner's part."""
    from ketenwacht.stats.constants import Measure
    from ketenwacht.stats.models import PartnerFigure

    queryset = PartnerFigure.objects.filter(period__gte=start, period__lt=end)
    if fraud_form:
        queryset = queryset.filter(fraud_form=fraud_form)
    fields = [PARTNER_DIMENSIONS[dim] for dim in dims]
    columns: dict[str, str] = {
        Measure.DAMAGE: "damage_cents",
        Measure.PREVENTED: "prevented_cents",
    }
    column = columns.get(measure)
    aggregates: dict[str, Any] = {"n": Sum("incidents")}
    if column:
        aggregates["v"] = Sum(column)
    rows = queryset.values(*fields, "organisation_id").order_by().annotate(**aggregates)
    result = Aggregation()
    labellers = [_labeller(dim) for dim in dims]
    for row in rows:
        key = tuple(label(row[f]) for label, f in zip(labellers, fields, strict=True))
        cell = result.cells.setdefault(
            key,
            CellInput(
                count=0,
                value=0.0 if column else None,
                contributions={} if column else None,
                count_contributions={},
            ),
        )
        who = str(row["organisation_id"])
        incidents = float(row["n"] or 0)
        cell.count += int(incidents)
        assert cell.count_contributions is not None
        cell.count_contributions[who] = cell.count_contributions.get(who, 0.0) + incidents
        if column:
            part = float(row["v"] or 0) / 100
            cell.value = (cell.value or 0) + part
            assert cell.contributions is not None
            cell.contributions[who] = cell.contributions.get(who, 0.0) + part
    return result


SIGHTING_DIMENSIONS: dict[str, Callable[[], Any]] = {
    Dimension.MONTH: lambda: TruncMonth("observed_at"),
    Dimension.WEEK: lambda: TruncWeek("observed_at"),
    Dimension.FRAUD_FORM: lambda: F("fraud_type"),
}


def aggregate_sightings(
    dims: Sequence[str], *, start: date, end: date, fraud_form: str | None = None
) -> Aggregation:
    """Sightings per cell, each reporting partner's part kept for the dominance rule."""
    from ketenwacht.identifiers.models import Sighting

    queryset = Sighting.objects.filter(observed_at__gte=moment(start), observed_at__lt=moment(end))
    if fraud_form:
        queryset = queryset.filter(fraud_type=fraud_form)
    names = {dim: f"d_{dim}" for dim in dims}
    queryset = queryset.annotate(**{names[dim]: SIGHTING_DIMENSIONS[dim]() for dim in dims})
    rows = queryset.values(*names.values(), "organisation_id").order_by().annotate(n=Count("pk"))
    result = Aggregation()
    labellers = [_labeller(dim) for dim in dims]
    for row in rows:
        key = tuple(label(row[names[dim]]) for label, dim in zip(labellers, dims, strict=True))
        cell = result.cells.setdefault(key, CellInput(count=0, contributions={}))
        cell.count += row["n"]
        assert cell.contributions is not None
        who = str(row["organisation_id"])
        cell.contributions[who] = cell.contributions.get(who, 0.0) + row["n"]
    return result


def aggregate(
    source: str,
    dims: Sequence[str],
    *,
    start: date,
    end: date,
    fraud_form: str | None = None,
    measure: str = "",
    medians: bool = True,
) -> Aggregation:
    if source == Source.INTAKES:
        return aggregate_intakes(
            dims,
            start=start,
            end=end,
            fraud_form=fraud_form,
            with_amount=measure == "amount",
            medians=medians,
        )
    if source == Source.PARTNER_FIGURES:
        return aggregate_partner_figures(
            dims, start=start, end=end, fraud_form=fraud_form, measure=measure
        )
    if source == Source.SIGHTINGS:
        return aggregate_sightings(dims, start=start, end=end, fraud_form=fraud_form)
    raise ValueError(f"source {source} has no tables")


def shield_counts(start: date, end: date) -> dict[str, int]:
    """Counts from the anti-phishing shield (its own selector) for the key figures."""
    from ketenwacht.shield.selectors import shield_figures

    figures = shield_figures((moment(start), moment(end)))
    keys = ("messages_received", "unique_urls", "unique_hosts", "blocks")
    counts: dict[str, int] = {}
    for key in keys:
        value = figures.get(key)
        if isinstance(value, int):
            counts[key] = value
    return counts


def cases_open_clusters() -> int | None:
    """Open clusters in all units, if the cases app is installed (else ``None``)."""
    if not apps.is_installed("ketenwacht.cases"):
        return None
    try:
        from ketenwacht.cases import selectors as cases_selectors
        from ketenwacht.partners.access import SYSTEM

        counts = cases_selectors.unit_counts(actor=SYSTEM)
    except Exception:  # an app being built must not break statistics
        return None
    return int(sum(counts.values()))

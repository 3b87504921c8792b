"""Computing a factsheet's content, and rendering it as HTML, PDF, CSV and charts.

``compute`` runs the stored query definitions for the period, protects every table together
(``disclosure``), optionally adds Laplace noise (OpenDP) to the monthly public series, and
returns content holding *only* what may be published: a suppressed cell is stored as ``None``
with its status, never with its number. Pages, charts, CSV and PDF render from that content,
so none of them can show what the content does not hold.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ketenwacht.errors import ValidationFailed
from ketenwacht.stats import charts, sources
from ketenwacht.stats.constants import (
    DEFAULT_EPSILON_BUDGET,
    PROVINCES,
    TOTAL,
    UNKNOWN,
    Dimension,
    Source,
)
from ketenwacht.stats.disclosure import Cell, LinkedTables, Rules, Status
from ketenwacht.stats.models import EpsilonSpend, Factsheet, QueryDefinition

INTAKE_TABLES = [
    {"slug": "form_channel", "dims": [Dimension.FRAUD_FORM, Dimension.CHANNEL]},
    {"slug": "age_band", "dims": [Dimension.AGE_BAND]},
    {"slug": "payment_method", "dims": [Dimension.PAYMENT_METHOD]},
    {"slug": "province", "dims": [Dimension.PROVINCE]},
    {"slug": "month", "dims": [Dimension.MONTH]},
]
PARTNER_TABLES = [
    {"slug": "partner_form", "dims": [Dimension.FRAUD_FORM]},
    {"slug": "partner_month", "dims": [Dimension.MONTH]},
]
SIGHTING_TABLES = [{"slug": "sightings_form", "dims": [Dimension.FRAUD_FORM]}]
SERIES_TABLE = "month"
SUPPRESSED = "suppressed"


def default_definitions() -> list[QueryDefinition]:
    """The stored definitions a factsheet runs (created once, then reused by digest)."""
    specs = [
        ("factsheet-intakes", _("Victim intakes"), Source.INTAKES, "amount", INTAKE_TABLES),
        (
            "factsheet-partners",
            _("Partners' own figures"),
            Source.PARTNER_FIGURES,
            "damage_eur",
            PARTNER_TABLES,
        ),
        ("factsheet-sightings", _("Identifier sightings"), Source.SIGHTINGS, "", SIGHTING_TABLES),
    ]
    found = []
    for slug, title, source, measure, tables in specs:
        definition = QueryDefinition.objects.filter(slug=slug).order_by("-version").first()
        if definition is None:
            definition = QueryDefinition.objects.create(
                slug=slug, title=str(title), source=source, measure=measure, tables=tables
            )
        found.append(definition)
    return found


@dataclass
class Computed:
    content: dict[str, Any]
    exact_digest: str
    epsilon: dict[str, float]


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _cell_json(coords: dict[str, str], cell: Cell, median: float | None) -> dict[str, Any]:
    if cell.suppressed:
        # One status for every suppressed cell: telling "below k" from "protects another cell"
        # or "one partner dominates" would narrow the hidden value down.
        return {"at": coords, "n": None, "v": None, "m": None, "s": SUPPRESSED}
    return {
        "at": coords,
        "n": cell.count,
        "v": round(cell.value, 2) if cell.value is not None else None,
        "m": round(median, 2) if median is not None and not cell.is_total else None,
        "s": cell.status,
    }


def run_definition(
    definition: QueryDefinition, *, start: date, end: date, fraud_form: str | None
) -> tuple[LinkedTables, dict[str, dict[tuple[str, ...], float | None]], dict[str, Any]]:
    """Aggregate and protect every table of ``definition``; also the exact numbers (for the
    reproducibility digest only, never stored) and, for intakes, the overall figures."""
    dims_all: list[str] = []
    for table in definition.tables:
        dims_all.extend(d for d in table["dims"] if d not in dims_all)
    linked = LinkedTables(
        tuple(dims_all),
        Rules(
            k=definition.k,
            dominance_min=definition.dominance_min,
            dominance_share=definition.dominance_share,
        ),
    )
    medians: dict[str, dict[tuple[str, ...], float | None]] = {}
    exact: dict[str, Any] = {}
    if definition.source == Source.INTAKES:
        results, overall = sources.aggregate_intake_tables(
            [table["dims"] for table in definition.tables],
            start=start,
            end=end,
            fraud_form=fraud_form,
            with_amount=definition.measure == "amount",
        )
        exact["_overall"] = overall
    else:
        results = [
            sources.aggregate(
                definition.source,
                table["dims"],
                start=start,
                end=end,
                fraud_form=fraud_form,
                measure=definition.measure,
            )
            for table in definition.tables
        ]
    for table, result in zip(definition.tables, results, strict=True):
        linked.add_table(table["slug"], table["dims"], result.cells)
        medians[table["slug"]] = result.medians
        exact[table["slug"]] = sorted(
            ("|".join(key), cell.count, round(cell.value or 0, 2))
            for key, cell in result.cells.items()
        )
    linked.protect()
    return linked, medians, exact


def _table_json(
    linked: LinkedTables, slug: str, source: str, measure: str, medians: dict[Any, Any]
) -> dict[str, Any]:
    view = linked.table(slug)
    cells = []
    for coords, cell in view.rows():
        key = tuple(coords[d] for d in view.dims)
        cells.append(_cell_json(coords, cell, medians.get(key)))
    return {
        "slug": slug,
        "source": source,
        "measure": measure,
        "dims": list(view.dims),
        "values": {dim: list(values) for dim, values in view.values.items()},
        "cells": cells,
    }


def series_name(source: str, fraud_form: str | None) -> str:
    return f"{source}:{fraud_form or 'all'}:month"


def epsilon_spent(series: str) -> float:
    return float(
        EpsilonSpend.objects.filter(series=series).aggregate(total=Sum("epsilon"))["total"] or 0
    )


def _add_noise(table: dict[str, Any], epsilon: float) -> float:
    """Discrete Laplace noise (OpenDP) on the published counts of a one-dimensional series.

    One record sits in one month and in the total: L1 sensitivity 2. Returns the ε used.
    """
    import opendp.prelude as dp

    dp.enable_features("contrib")
    sensitivity = 2
    published = [cell for cell in table["cells"] if cell["n"] is not None]
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)),
        dp.l1_distance(T=int),
        scale=sensitivity / epsilon,
    )
    used = float(measurement.map(d_in=sensitivity))
    if published:
        noisy = measurement([int(cell["n"]) for cell in published])
        for cell, value in zip(published, noisy, strict=True):
            cell["n"] = max(0, int(value))
            cell["v"] = None  # sums and medians are not released in a noisy series
            cell["m"] = None
            cell["s"] = "noisy"
    table["noise"] = {"epsilon": used, "mechanism": "discrete Laplace (OpenDP)"}
    return used


def _key_figure(code: str, value: float | None, status: str, kind: str = "int") -> dict[str, Any]:
    if status in Status.SUPPRESSED:
        status = SUPPRESSED
    return {"code": code, "value": value, "status": status, "kind": kind}


def _small(value: int | None, k: int) -> tuple[int | None, str]:
    if value is None:
        return None, "absent"
    if 0 < value < k:
        return None, Status.PRIMARY
    return value, Status.PUBLISHED


def intake_overall(start: date, end: date, fraud_form: str | None) -> dict[str, Any]:
    queryset = sources.intake_queryset(start, end, fraud_form)
    totals = queryset.aggregate(n=Count("pk"), amount=Sum("amount_cents"))
    if connection.vendor == "postgresql":
        median = queryset.aggregate(m=sources.PercentileMedian("amount_cents"))["m"]
    else:
        amounts = list(queryset.exclude(amount_cents=None).values_list("amount_cents", flat=True))
        median = statistics.median(amounts) if amounts else None
    return {"n": totals["n"], "amount": totals["amount"], "median": median}


def compute(
    *,
    start: date,
    end: date,
    fraud_form: str | None,
    noise_epsilon: float | None = None,
    budget: float = DEFAULT_EPSILON_BUDGET,
) -> Computed:
    intake_def, partner_def, sighting_def = default_definitions()
    content: dict[str, Any] = {
        "definitions": [
            {"id": d.pk, "slug": d.slug, "version": d.version, "digest": d.digest}
            for d in (intake_def, partner_def, sighting_def)
        ],
        "tables": [],
        "key_figures": [],
    }
    exact: dict[str, Any] = {}
    k = intake_def.k
    # Intakes: tables protected together; key figures from the same protected grand total.
    linked, medians, exact["intakes"] = run_definition(
        intake_def, start=start, end=end, fraud_form=fraud_form
    )
    for table in intake_def.tables:
        content["tables"].append(
            _table_json(linked, table["slug"], Source.INTAKES, "amount", medians[table["slug"]])
        )
    grand = linked.cells[tuple((dim, TOTAL) for dim in sorted(linked.dimensions))]
    overall = exact["intakes"].pop("_overall", None) or intake_overall(start, end, fraud_form)
    exact["overall"] = {key: overall[key] for key in ("n", "amount", "median")}
    show = not grand.suppressed
    content["key_figures"] += [
        _key_figure("intakes", grand.count if show else None, grand.status),
        _key_figure(
            "damage",
            round((overall["amount"] or 0) / 100, 2) if show else None,
            grand.status,
            "eur",
        ),
        _key_figure(
            "median_damage",
            round(overall["median"] / 100, 2) if show and overall["median"] is not None else None,
            grand.status if overall["median"] is not None else "absent",
            "eur",
        ),
    ]
    # Partners' own figures (dominance: no partner recognisable) and sightings.
    for definition, source in (
        (partner_def, Source.PARTNER_FIGURES),
        (sighting_def, Source.SIGHTINGS),
    ):
        linked_p, _medians, exact[source] = run_definition(
            definition, start=start, end=end, fraud_form=fraud_form
        )
        for table in definition.tables:
            content["tables"].append(
                _table_json(linked_p, table["slug"], source, definition.measure, {})
            )
        total = linked_p.cells[tuple((dim, TOTAL) for dim in sorted(linked_p.dimensions))]
        if source == Source.PARTNER_FIGURES:
            content["key_figures"] += [
                _key_figure(
                    "partner_incidents", None if total.suppressed else total.count, total.status
                ),
                _key_figure(
                    "partner_damage", None if total.suppressed else total.value, total.status, "eur"
                ),
            ]
        else:
            content["key_figures"].append(
                _key_figure("sightings", None if total.suppressed else total.count, total.status)
            )
    # Shield and cases: plain counts, small ones suppressed.
    if not fraud_form or fraud_form == "phishing":
        shield = sources.shield_counts(start, end)
        exact["shield"] = shield
        for code in ("messages_received", "blocks"):
            value, status = _small(shield.get(code), k)
            content["key_figures"].append(_key_figure(f"shield_{code}", value, status))
    if not fraud_form:
        clusters = sources.cases_open_clusters()
        if clusters is not None:
            value, status = _small(clusters, k)
            content["key_figures"].append(_key_figure("open_clusters", value, status))
    # Trend against the previous period of the same length.
    length = end - start
    previous = intake_overall(start - length, start, fraud_form)["n"]
    if show and previous >= k and grand.count >= k:
        content["trend"] = {
            "previous": previous,
            "change_percent": round(100 * (grand.count - previous) / previous),
        }
    epsilon: dict[str, float] = {}
    if noise_epsilon:
        series = series_name(Source.INTAKES, fraud_form)
        if epsilon_spent(series) + noise_epsilon > budget + 1e-9:
            raise ValidationFailed(
                f"Het ε-budget van reeks {series} is op. / The ε budget of series {series} is "
                "exhausted.",
                code="epsilon_budget",
                field="noise_epsilon",
            )
        table = next(t for t in content["tables"] if t["slug"] == SERIES_TABLE)
        epsilon[series] = _add_noise(table, noise_epsilon)
    return Computed(content=content, exact_digest=_digest(exact), epsilon=epsilon)


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def value_label(dim: str, value: str) -> str:
    from ketenwacht.intake.constants import AgeBand, FraudChannel, PaymentMethod

    if value == TOTAL:
        return _("Total")
    if value == UNKNOWN:
        return _("Unknown")
    if dim == Dimension.FRAUD_FORM:
        from ketenwacht.knowledge.models import FraudType

        fraud_type = FraudType.objects.filter(code=value).first()
        return fraud_type.name if fraud_type else value
    mappings: dict[str, Any] = {
        Dimension.CHANNEL: dict(FraudChannel.choices),
        Dimension.PAYMENT_METHOD: dict(PaymentMethod.choices),
        Dimension.AGE_BAND: dict(AgeBand.choices),
        Dimension.PROVINCE: PROVINCES,
    }
    choices = mappings.get(dim, {})
    return str(choices.get(value, value))


def table_title(slug: str) -> str:
    return {
        "form_channel": _("Intakes by fraud form and channel"),
        "age_band": _("Intakes by age band"),
        "payment_method": _("Intakes by payment method"),
        "province": _("Intakes by province"),
        "month": _("Intakes per month"),
        "partner_form": _("Partners' incidents by fraud form"),
        "partner_month": _("Partners' incidents per month"),
        "sightings_form": _("Identifier sightings by fraud form"),
    }.get(slug, slug)


def key_figure_label(code: str) -> str:
    return {
        "intakes": _("Intakes by victims"),
        "damage": _("Damage reported by victims"),
        "median_damage": _("Median damage per victim"),
        "partner_incidents": _("Incidents seen by partners"),
        "partner_damage": _("Damage seen by partners"),
        "sightings": _("Identifiers reported by partners"),
        "shield_messages_received": _("Suspicious messages forwarded to the shield"),
        "shield_blocks": _("Phishing sites blocked"),
        "open_clusters": _("Open clusters of linked reports"),
    }.get(code, code)


def money(value: float | None) -> str:
    if value is None:
        return ""
    return "€ " + f"{value:,.0f}".replace(",", ".")


def display(cell: dict[str, Any], field: str = "n", kind: str = "int") -> str:
    value = cell.get(field)
    if value is None:
        return _("suppressed") if cell.get("s") == SUPPRESSED else "—"
    if kind == "eur":
        return money(value)
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


@dataclass
class RenderedTable:
    slug: str
    title: str
    column_label: str
    headers: list[str]
    rows: list[tuple[str, list[str]]]
    chart: str
    chart_alt: str
    noise: dict[str, Any] | None


def _dim_label(dim: str) -> str:
    labels: dict[str, str] = {
        Dimension.FRAUD_FORM: _("Fraud form"),
        Dimension.CHANNEL: _("Channel"),
        Dimension.AGE_BAND: _("Age band"),
        Dimension.PAYMENT_METHOD: _("Payment method"),
        Dimension.PROVINCE: _("Province"),
        Dimension.MONTH: _("Month"),
        Dimension.WEEK: _("Week"),
    }
    return labels.get(dim, dim)


def table_rows(table: dict[str, Any]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Headers and rows of a table as published (CSV and HTML share them)."""
    dims = table["dims"]
    cells = {tuple(c["at"][d] for d in dims): c for c in table["cells"]}
    if len(dims) == 2:
        rows_dim, cols_dim = dims
        columns = [*table["values"][cols_dim], TOTAL]
        headers = [_dim_label(rows_dim)] + [value_label(cols_dim, c) for c in columns]
        rows = []
        for value in [*table["values"][rows_dim], TOTAL]:
            rows.append(
                (value_label(rows_dim, value), [display(cells[(value, c)]) for c in columns])
            )
        return headers, rows
    (dim,) = dims
    headers = [_dim_label(dim), _("Number")]
    money_kind = table["measure"] in {"amount", "damage_eur", "prevented_eur"}
    if money_kind:
        headers.append(_("Damage"))
    if table["measure"] == "amount":
        headers.append(_("Median damage"))
    rows = []
    for value in [*table["values"][dim], TOTAL]:
        cell = cells[(value,)]
        line = [display(cell)]
        if money_kind:
            line.append(display(cell, "v", "eur"))
        if table["measure"] == "amount":
            line.append(display(cell, "m", "eur"))
        rows.append((value_label(dim, value), line))
    return headers, rows


def chart_for(
    table: dict[str, Any], cache_key: str = "", *, for_pdf: bool = False
) -> tuple[str, str]:
    """(SVG data URI, text alternative) of a table: the totals along its first dimension."""
    dims = table["dims"]
    first = dims[0]
    cells = [
        c
        for c in table["cells"]
        if c["at"][first] != TOTAL and all(c["at"][d] == TOTAL for d in dims[1:])
    ]
    labels = [value_label(first, c["at"][first]) for c in cells]
    values = [c["n"] for c in cells]
    title = table_title(table["slug"])
    parts = [
        f"{label}: {value if value is not None else _('suppressed')}"
        for label, value in zip(labels, values, strict=True)
    ]
    alt = _("Bar chart: %(title)s. %(values)s.") % {"title": title, "values": "; ".join(parts)}
    medium = "pdf" if for_pdf else "web"
    key = f"stats-chart:{cache_key}:{table['slug']}:{get_language()}:{medium}" if cache_key else ""
    svg = cache.get(key) if key else None
    if svg is None:
        svg = charts.bar_chart(
            labels,
            values,
            title=title,
            value_label=_("Number"),
            horizontal=first != Dimension.MONTH,
            text_as_paths=not for_pdf,
        )
        if key:
            cache.set(key, svg, 24 * 3600)
    return charts.data_uri(svg), alt


def _cache_key(factsheet: Factsheet) -> str:
    return f"{factsheet.pk}:{factsheet.computed_at.timestamp()}:{factsheet.result_digest[:16]}"


def render_tables(factsheet: Factsheet, *, for_pdf: bool = False) -> list[RenderedTable]:
    rendered = []
    for table in factsheet.content.get("tables", []):
        headers, rows = table_rows(table)
        uri, alt = chart_for(table, _cache_key(factsheet), for_pdf=for_pdf)
        rendered.append(
            RenderedTable(
                slug=table["slug"],
                title=table_title(table["slug"]),
                column_label=headers[0],
                headers=headers[1:],
                rows=rows,
                chart=uri,
                chart_alt=alt,
                noise=table.get("noise"),
            )
        )
    return rendered


def key_figures(factsheet: Factsheet) -> list[tuple[str, str]]:
    return [
        (key_figure_label(f["code"]), display({"n": f["value"], "s": f["status"]}, "n", f["kind"]))
        for f in factsheet.content.get("key_figures", [])
        if f["status"] != "absent"
    ]


def context(factsheet: Factsheet, *, for_pdf: bool = False) -> dict[str, Any]:
    return {
        "factsheet": factsheet,
        "key_figures": key_figures(factsheet),
        "tables": render_tables(factsheet, for_pdf=for_pdf),
        "trend": factsheet.content.get("trend"),
        "spikes": factsheet.content.get("spikes", []),
        "fraud_form_label": value_label(Dimension.FRAUD_FORM, factsheet.fraud_form)
        if factsheet.fraud_form
        else "",
    }


def _font_face() -> str:
    import base64

    faces = []
    for weight, path in (("400", "regular"), ("700", "bold")):
        data = base64.b64encode(charts.font_files()[path].read_bytes()).decode()
        faces.append(
            f"@font-face {{ font-family: 'Noto Sans'; font-weight: {weight}; "
            f"src: url(data:font/woff2;base64,{data}) format('woff2'); }}"
        )
    return "\n".join(faces)


def factsheet_html(factsheet: Factsheet, *, for_pdf: bool = True) -> str:
    """The standalone document (the PDF's source), fonts embedded, nothing to fetch."""
    return render_to_string(
        "stats/factsheet_document.html",
        {**context(factsheet, for_pdf=for_pdf), "font_face": _font_face()},
    )


class PdfUnavailable(Exception):
    pass


def factsheet_pdf(factsheet: Factsheet) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:
        raise PdfUnavailable(str(error)) from error
    key = f"stats-pdf:{_cache_key(factsheet)}:{get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return bytes(cached)
    fetcher = URLFetcher(allowed_protocols=("data",))
    document = HTML(string=factsheet_html(factsheet), url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(full_fonts=True)  # subsetting would cost seconds
    cache.set(key, pdf, 24 * 3600)
    return pdf


def csv_rows(factsheets: Iterable[Factsheet]) -> tuple[list[str], list[Sequence[object]]]:
    """The published series of public factsheets, one line per published number."""
    header = [
        "factsheet",
        "period_start",
        "period_end",
        "fraud_form",
        "table",
        "dimension",
        "value",
        "count",
        "damage_eur",
        "median_damage_eur",
        "status",
    ]
    rows: list[Sequence[object]] = []
    for factsheet in factsheets:
        for table in factsheet.content.get("tables", []):
            for cell in table["cells"]:
                rows.append(
                    [
                        factsheet.title,
                        factsheet.period_start.isoformat(),
                        factsheet.period_end.isoformat(),
                        factsheet.fraud_form or "all",
                        table["slug"],
                        "/".join(table["dims"]),
                        "/".join(cell["at"][d] for d in table["dims"]),
                        "" if cell["n"] is None else cell["n"],
                        "" if cell["v"] is None else cell["v"],
                        "" if cell["m"] is None else cell["m"],
                        cell["s"],
                    ]
                )
    return header, rows

"""Public dashboard (published series only, CSV escaped) and the partner dashboard (own
contribution beside a chain total that never reveals another partner)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory
from ketenwacht.stats.constants import FactsheetStatus, PeriodKind
from ketenwacht.stats.factsheets import default_definitions
from ketenwacht.stats.models import Factsheet
from ketenwacht.stats.selectors import _hidden_chain_cells, chain_total_visible
from ketenwacht.stats.tests.factories import make_figure

pytestmark = pytest.mark.django_db


def _factsheet(status: str, title: str, n: int = 42) -> Factsheet:
    definition = default_definitions()[0]
    table = {
        "slug": "month",
        "source": "intakes",
        "measure": "amount",
        "dims": ["month"],
        "values": {"month": ["2026-03"]},
        "cells": [
            {"at": {"month": "2026-03"}, "n": n, "v": 100.0, "m": 5.0, "s": "published"},
            {"at": {"month": "*"}, "n": n, "v": 100.0, "m": None, "s": "published"},
        ],
    }
    return Factsheet.objects.create(
        title=title,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 4, 1),
        definition=definition,
        definition_digest=definition.digest,
        result_digest="x",
        content={"tables": [table], "key_figures": []},
        status=status,
        organisation=OrganisationFactory.create(),
    )


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_public_csv_holds_published_series_only_and_escapes_formulas() -> None:
    _factsheet(FactsheetStatus.PUBLIC, '=HYPERLINK("http://evil")', n=42)
    _factsheet(FactsheetStatus.DRAFT, "Concept", n=4242)
    _factsheet(FactsheetStatus.PENDING, "Ter instemming", n=4343)
    _factsheet(FactsheetStatus.WITHDRAWN, "Ingetrokken", n=4444)
    rows = _csv(Client().get("/statistieken/reeksen.csv"))
    assert len(rows) == 3
    assert {row[0] for row in rows[1:]} == {'\'=HYPERLINK("http://evil")'}
    assert {row[7] for row in rows[1:]} == {"42"}
    page = Client().get("/statistieken/").content.decode()
    for hidden in ("Concept", "Ter instemming", "Ingetrokken", "4242"):
        assert hidden not in page


def test_public_dashboard_shows_the_latest_factsheet_with_chart_and_table() -> None:
    factsheet = _factsheet(FactsheetStatus.PUBLIC, "Maart")
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/statistieken/").content.decode()
    assert f"/statistieken/{factsheet.pk}/" in html
    assert 'alt="Bar chart: Intakes per month. 2026-03: 42."' in html
    assert "<caption>Data of the chart: Intakes per month</caption>" in html


def test_chain_total_rules() -> None:
    assert not chain_total_visible({1: 50, 2: 50}, viewer=1)  # the other one is exposed
    assert chain_total_visible({1: 10, 2: 30, 3: 30}, viewer=9)  # fine for outsiders …
    assert chain_total_visible({1: 30, 2: 30, 3: 30}, viewer=1)
    # … but a viewer who knows its own part would see that partner 2 dominates the rest.
    assert not chain_total_visible({1: 40, 2: 50, 3: 5}, viewer=1)
    assert not chain_total_visible({1: 3, 2: 3, 3: 3}, viewer=1)  # below k


def test_partner_dashboard_shows_own_beside_chain_total(
    login_client: Callable[..., Client],
) -> None:
    own = OrganisationFactory.create()
    others = [OrganisationFactory.create() for _ in range(3)]
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    make_figure(own, month, "purchase", incidents=30)
    for other in others:
        make_figure(other, month, "purchase", incidents=30)
    make_figure(own, month, "phishing", incidents=40)
    make_figure(others[0], month, "phishing", incidents=40)  # two partners only
    for organisation in [own, *others]:
        make_figure(organisation, month, "invoice", incidents=15)
    client = login_client(Role.PARTNER_ANALYST, own)
    response = client.get("/portal/stats/")
    assert response.status_code == 200
    rows = {row.fraud_form: row for row in response.context["rows"]}
    assert rows["purchase"].own_incidents == 30
    assert rows["purchase"].chain_incidents == 120 and rows["purchase"].share_percent == 25
    assert rows["phishing"].own_incidents == 40 and rows["phishing"].chain_incidents is None
    # The month's chain total (published in a factsheet) minus purchase and invoice would give
    # phishing: the smallest other cell of the month is hidden too.
    assert rows["invoice"].own_incidents == 15 and rows["invoice"].chain_incidents is None
    # Without the forms' random CSRF tokens, which may contain "80" (this failed once in CI).
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    assert "80" not in html and "<td>60</td>" not in html


def test_charts_leave_suppressed_values_out_and_set_text_per_medium() -> None:
    from ketenwacht.stats.charts import bar_chart

    web = bar_chart(["Januari", "Februari"], [12, None], title="Per maand", value_label="Aantal")
    pdf = bar_chart(
        ["Januari", "Februari"],
        [12, None],
        title="Per maand",
        value_label="Aantal",
        text_as_paths=False,
    )
    assert "<text" not in web  # glyphs as paths: the same in every browser
    assert "Januari" in pdf and "Februari" not in pdf  # a suppressed value is not a zero bar
    assert "'Noto Sans', sans-serif" in pdf


def test_annual_report_gets_key_figures_of_the_public_year_factsheet_only() -> None:
    from ketenwacht.knowledge.integration import key_figures
    from ketenwacht.partners.access import Actor

    factsheet = _factsheet(FactsheetStatus.DRAFT, "Jaar 2025")
    factsheet.period_kind = PeriodKind.YEAR
    factsheet.period_start, factsheet.period_end = date(2025, 1, 1), date(2026, 1, 1)
    factsheet.content["key_figures"] = [
        {"code": "intakes", "value": 1234, "status": "published", "kind": "int"},
        {"code": "open_clusters", "value": None, "status": "suppressed", "kind": "int"},
    ]
    factsheet.save()
    assert [f for f in key_figures(actor=Actor(), year=2025) if f.source == "Jaar 2025"] == []
    factsheet.status = FactsheetStatus.PUBLIC
    factsheet.save()
    figures = [(f.label, f.value) for f in key_figures(actor=Actor(), year=2025)]
    assert ("Intakes by victims", "1.234") in figures
    assert ("Open clusters of linked reports", "suppressed") in figures


def test_partner_dashboard_months_stay_hidden_given_quarter_and_year_totals() -> None:
    """Factsheets publish quarters as well as years: a hidden month must not be the only
    hidden month of its quarter, or the quarter's total minus the others would give it."""
    four = {1: 30.0, 2: 30.0, 3: 30.0, 4: 30.0}
    small = {1: 10.0, 2: 10.0, 3: 10.0, 4: 10.0}  # the smallest cell: secondary for the year
    months = {1: four, 2: four, 3: {1: 40.0, 2: 40.0}, 4: small, 5: four, 6: four}
    incidents = {(date(2025, month, 1), "purchase"): parts for month, parts in months.items()}
    hidden = _hidden_chain_cells(incidents, incidents, viewer=1)
    assert (date(2025, 3, 1), "purchase") in hidden  # two partners: the viewer would see 2's
    hidden_months = {period.month for period, _form in hidden}
    for quarter in ({1, 2, 3}, {4, 5, 6}):
        assert len(hidden_months & quarter) != 1, sorted(hidden_months)

"""The barrier-model matrix and gap analysis, on the seeded journeys (known answers), and
its CSV and SVG exports."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from ketenwacht.knowledge import matrix
from ketenwacht.knowledge.constants import PHASE_ORDER, BarrierStatus
from ketenwacht.knowledge.tests.factories import BarrierFactory, phase_of
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.partners.constants import Marking, Role
from ketenwacht.partners.tests.factories import actor_with_role

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _titles(built: matrix.BarrierMatrix, phase: str, sector: str) -> list[str]:
    row = next(row for row in built.rows if row.phase.code == phase)
    cell = next(cell for cell in row.cells if cell.sector == sector)
    return [barrier.title for barrier in cell.barriers]


def test_seeded_bank_helpdesk_journey_has_six_phases_in_order() -> None:
    built = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk")
    assert [row.phase.code for row in built.rows] == list(PHASE_ORDER)
    assert [row.phase.position for row in built.rows] == [1, 2, 3, 4, 5, 6]
    assert built.rows[1].phase.name_en == "Preparation"
    assert "telefoons" in built.rows[1].phase.description_nl


def test_seeded_bank_helpdesk_matrix_places_each_public_barrier() -> None:
    built = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk")
    assert built.sectors == ["bank", "telecom", "police", "prosecutor", "desk"]
    assert _titles(built, "transfer", "bank") == [
        "Lagere betaallimieten",
        "Vertraging bij nieuwe begunstigden",
    ]
    assert _titles(built, "contact", "telecom") == ["Blokkeren van gespoofte banknummers"]
    # A barrier of two sectors sits in both cells.
    assert _titles(built, "convincing", "bank") == ["Je bank belt nooit om samen in te loggen"]
    assert _titles(built, "convincing", "police") == ["Je bank belt nooit om samen in te loggen"]
    assert _titles(built, "orientation", "bank") == []
    assert built.marking == Marking.CLEAR


def test_seeded_bank_helpdesk_gap_analysis() -> None:
    gaps = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk").gaps
    assert gaps.phases_without_live == ["orientation", "preparation", "cashout"]
    assert gaps.sectors_without_live == ["prosecutor", "desk"]
    assert gaps.sectors_without_barrier == ["prosecutor", "desk"]


def test_seeded_purchase_and_sales_gap_analysis() -> None:
    purchase = matrix.barrier_matrix(actor=SYSTEM, fraud_type="purchase")
    assert purchase.gaps.phases_without_live == [
        "orientation", "preparation", "convincing", "transfer", "cashout"
    ]  # fmt: skip
    assert purchase.gaps.sectors_without_live == ["webshop", "bank", "payment_provider", "carrier"]
    sales = matrix.barrier_matrix(actor=SYSTEM, fraud_type="sales")
    assert sales.gaps.phases_without_live == list(PHASE_ORDER)
    assert sales.gaps.sectors_without_barrier == sales.sectors


def test_an_idea_or_retired_barrier_does_not_close_a_gap() -> None:
    BarrierFactory.create(phase=phase_of("bankhelpdesk", "cashout"), sectors=["prosecutor"])
    BarrierFactory.create(
        phase=phase_of("bankhelpdesk", "cashout"), sectors=["desk"], status=BarrierStatus.RETIRED
    )
    gaps = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk").gaps
    assert "cashout" in gaps.phases_without_live
    assert gaps.sectors_without_live == ["prosecutor", "desk"]
    assert gaps.sectors_without_barrier == []


def test_a_live_barrier_closes_its_phase_and_sector_gap() -> None:
    BarrierFactory.create(
        phase=phase_of("bankhelpdesk", "cashout"), sectors=["prosecutor"], live=True
    )
    gaps = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk").gaps
    assert gaps.phases_without_live == ["orientation", "preparation"]
    assert gaps.sectors_without_live == ["desk"]


def test_a_sector_outside_the_coalition_gets_a_column() -> None:
    BarrierFactory.create(phase=phase_of("bankhelpdesk", "preparation"), sectors=["carrier"])
    built = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk")
    assert built.sectors[-1] == "carrier"


def test_the_matrix_shows_only_barriers_the_actor_may_read() -> None:
    amber = BarrierFactory.create(phase=phase_of("bankhelpdesk", "orientation"), live=True)
    partner = actor_with_role(Role.PARTNER_ANALYST)
    seen_by_partner = matrix.barrier_matrix(actor=partner, fraud_type="bankhelpdesk")
    seen_by_public = matrix.barrier_matrix(actor=Actor(), fraud_type="bankhelpdesk", route="public")
    assert _titles(seen_by_partner, "orientation", "bank") == [amber.title]
    assert seen_by_partner.marking == Marking.AMBER
    assert _titles(seen_by_public, "orientation", "bank") == []
    assert seen_by_public.marking == Marking.CLEAR


def test_without_phase_sources_no_counts_are_shown(no_phase_sources: None) -> None:
    built = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk")
    assert not built.counts_available
    assert {row.seen for row in built.rows} == {None}


def test_each_row_shows_how_often_the_phase_is_seen(
    phase_counter: dict[str, dict[str, int]],
) -> None:
    phase_counter["bankhelpdesk"] = {"contact": 12, "transfer": 5, "not_a_phase": 99}
    built = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk")
    assert built.counts_available
    assert {row.phase.code: row.seen for row in built.rows} == {
        "orientation": 0,
        "preparation": 0,
        "contact": 12,
        "convincing": 0,
        "transfer": 5,
        "cashout": 0,
    }


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_lists_every_barrier_and_every_empty_cell(no_phase_sources: None) -> None:
    built = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk")
    rows = _csv_rows(matrix.matrix_csv(built))
    assert len(rows) == 6 * 5 + 1  # 30 cells; bank × transfer holds two barriers
    spoofing = [row for row in rows if row["barrier"] == "Blokkeren van gespoofte banknummers"]
    assert spoofing == [
        {
            "fraud_type": "bankhelpdesk",
            "phase_position": "3",
            "phase": "contact",
            "phase_seen": "",
            "sector": "telecom",
            "barrier": "Blokkeren van gespoofte banknummers",
            "kind": "technical",
            "status": "live",
            "marking": "TLP:CLEAR",
        }
    ]


@pytest.mark.parametrize("title", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"])
def test_csv_neutralises_formulas_in_titles(title: str) -> None:
    BarrierFactory.create(phase=phase_of("bankhelpdesk", "orientation"), title=title)
    built = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk")
    rows = _csv_rows(matrix.matrix_csv(built))
    assert [row["barrier"] for row in rows if title in row["barrier"]] == ["'" + title]


def test_svg_is_well_formed_and_labelled() -> None:
    BarrierFactory.create(
        phase=phase_of("bankhelpdesk", "orientation"), title="<script>alert(1)</script> & co"
    )
    built = matrix.barrier_matrix(actor=SYSTEM, fraud_type="bankhelpdesk")
    root = ET.fromstring(matrix.matrix_svg(built))
    assert root.tag == f"{SVG}svg"
    texts = [element.text or "" for element in root.iter(f"{SVG}text")]
    assert "TLP:AMBER" in texts
    assert "Lagere betaallimieten" in texts
    assert root.find(f".//{SVG}script") is None  # escaped text, never markup
    tooltips = [element.text or "" for element in root.iter(f"{SVG}title")]
    assert any(tip.startswith("<script>alert(1)</script> & co") for tip in tooltips)
    gaps = [g for g in root.iter(f"{SVG}g") if "phase--gap" in (g.get("class") or "")]
    assert len(gaps) == 3  # orientation (an idea only), preparation, cashout

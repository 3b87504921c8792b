"""The summary of a cluster and its documented priority score; lists sorted per unit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from ketenwacht.cases import selectors
from ketenwacht.cases.config import parse_weights
from ketenwacht.cases.constants import DEFAULT_PRIORITY_WEIGHTS
from ketenwacht.cases.models import Cluster, Report
from ketenwacht.cases.priority import PriorityInput, components, score
from ketenwacht.cases.summary import ReportFacts, summarise
from ketenwacht.cases.tests.factories import World, import_report
from ketenwacht.synth.generators import identifiers

TODAY = date(2025, 3, 31)
WEIGHTS = dict(DEFAULT_PRIORITY_WEIGHTS)


def _facts(**overrides: Any) -> PriorityInput:
    values: dict[str, Any] = {
        "victims": 10,
        "damage_total_cents": 10_000_00,
        "share_65_plus": 0.0,
        "growth_7d": 0,
        "growth_30d": 0,
        "last_seen": TODAY,
    }
    values.update(overrides)
    return PriorityInput(**values)


def test_components_follow_the_documented_formulas() -> None:
    parts = components(
        _facts(
            victims=100,
            damage_total_cents=250_000_00,
            share_65_plus=0.4,
            growth_7d=5,
            growth_30d=20,
            last_seen=TODAY - timedelta(days=14),
        ),
        today=TODAY,
    )
    assert parts["victims"] == pytest.approx(1.0)
    assert parts["damage"] == pytest.approx(1.0)
    assert parts["vulnerability"] == pytest.approx(0.4)
    assert parts["growth"] == pytest.approx(1.0)  # (5 + 20/4) / 10
    assert parts["recency"] == pytest.approx(0.5)  # one half-life ago


def test_each_component_raises_the_score() -> None:
    base = score(_facts(), today=TODAY, weights=WEIGHTS)
    assert score(_facts(victims=50), today=TODAY, weights=WEIGHTS) > base
    assert score(_facts(damage_total_cents=100_000_00), today=TODAY, weights=WEIGHTS) > base
    assert score(_facts(share_65_plus=0.8), today=TODAY, weights=WEIGHTS) > base
    assert score(_facts(growth_7d=4), today=TODAY, weights=WEIGHTS) > base
    old = _facts(last_seen=TODAY - timedelta(days=60))
    assert score(old, today=TODAY, weights=WEIGHTS) < base
    assert 0 <= base <= 100


def test_weights_are_configurable() -> None:
    only_elderly = parse_weights("victims=0,damage=0,vulnerability=1,growth=0,recency=0")
    assert score(_facts(share_65_plus=0.25), today=TODAY, weights=only_elderly) == 25.0
    assert parse_weights({"damage": 2})["damage"] == 2.0
    with pytest.raises(ValueError):
        parse_weights("popularity=1")
    with pytest.raises(ValueError):
        parse_weights("victims=0,damage=0,vulnerability=0,growth=0,recency=0")


def test_the_summary_counts_victims_once_and_takes_the_median() -> None:
    def row(
        damage: int, victim: str, age: str = "", region: str = "", days: int = 1
    ) -> ReportFacts:
        day = TODAY - timedelta(days=days)
        return ReportFacts(1, damage, day, day, region, age, victim, "purchase")

    rows = [
        row(1_000, "a", "75_plus", "amsterdam", days=2),
        row(3_000, "a", "75_plus", "amsterdam", days=40),  # the same victim again
        row(8_000, "b", "25_44", "rotterdam", days=10),
        row(100_000, "c", "", "", days=3),
    ]
    result = summarise(rows, today=TODAY, weights=WEIGHTS)
    assert (result.report_count, result.victim_count) == (4, 3)
    assert result.damage_total_cents == 112_000
    assert result.damage_median_cents == 5_500
    assert result.regions == {"amsterdam": 1, "rotterdam": 1}
    assert result.share_65_plus == 0.5  # one of the two victims with a known age
    assert (result.growth_7d, result.growth_30d) == (2, 3)
    assert result.first_seen == TODAY - timedelta(
        days=40
    ) and result.last_seen == TODAY - timedelta(days=2)


@pytest.mark.django_db
def test_the_list_is_sorted_by_priority_per_unit(world: World) -> None:
    small, large, elsewhere = identifiers("iban", 3, seed="priority")
    for _ in range(2):
        import_report(world.police_token, [small], postcode4="1012", damage_cents=5_000)
    for _ in range(4):
        import_report(
            world.police_token,
            [large],
            postcode4="1013",
            damage_cents=900_000,
            age_band="75_plus",
        )
    for _ in range(2):
        import_report(world.police_token, [elsewhere], postcode4="3011")
    amsterdam = list(selectors.cluster_list(actor=world.analyst, unit="amsterdam"))
    assert [c.report_count for c in amsterdam] == [4, 2]
    assert amsterdam[0].priority > amsterdam[1].priority
    by_damage = list(selectors.cluster_list(actor=world.analyst, sort="damage"))
    assert by_damage[0].damage_total_cents == 3_600_000
    rotterdam = list(selectors.cluster_list(actor=world.analyst, unit="rotterdam"))
    assert [c.unit.code if c.unit else "" for c in rotterdam] == ["rotterdam"]
    # Nobody outside the police and prosecutor gets a list.
    assert list(selectors.cluster_list(actor=world.bank_police_role)) == []
    assert Cluster.objects.count() == 3 and Report.objects.count() == 8

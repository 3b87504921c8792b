"""Levels from aggregated rows: thresholds, decay, disputes and the allowlist (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketenwacht.identifiers import explain
from ketenwacht.identifiers.constants import DEFAULT_THRESHOLDS
from ketenwacht.identifiers.scoring import (
    AggregateRow,
    AllowlistHit,
    decay_weight,
    merge_thresholds,
    score,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
THRESHOLDS = merge_thresholds([])


def row(
    org: int, confidence: str = "suspected", *, days_ago: float = 0, count: int = 1
) -> AggregateRow:
    seen = NOW - timedelta(days=days_ago)
    return AggregateRow(
        organisation_id=org,
        sharing_group_id=1,
        confidence=confidence,
        fraud_type="purchase",
        count=count,
        first_seen=seen,
        last_seen=seen,
    )


def level(rows: list[AggregateRow], kind: str = "iban", **kwargs: object) -> str:
    return score(rows, kind=kind, now=NOW, thresholds=THRESHOLDS, **kwargs).level  # type: ignore[arg-type]


def test_no_rows_no_level() -> None:
    assert level([]) == "none"


def test_one_suspected_report_asks_for_attention() -> None:
    assert level([row(1)]) == "attention"


def test_two_independent_organisations_give_a_warning() -> None:
    assert level([row(1), row(2)]) == "warning"


def test_one_organisation_repeating_itself_is_not_independent() -> None:
    assert level([row(1, count=5), row(1, days_ago=1)]) == "attention"


def test_one_confirmed_sighting_gives_a_warning() -> None:
    assert level([row(1, "confirmed")]) == "warning"


def test_three_organisations_or_two_police_reports_are_high() -> None:
    assert level([row(1), row(2), row(3)]) == "high"
    assert level([row(9, "police_report", count=2)]) == "high"
    assert level([row(1, "confirmed"), row(2, "confirmed")]) == "high"


def test_agreement_thresholds_override_defaults() -> None:
    strict = merge_thresholds([{"warning_organisations": 3, "warning_confirmed": 0}])
    result = score([row(1), row(2), row(3, "confirmed")], kind="iban", now=NOW, thresholds=strict)
    assert result.level == "high"  # three organisations still meets high_organisations
    lenient = score([row(1), row(2, "confirmed")], kind="iban", now=NOW, thresholds=strict)
    assert lenient.level == "attention"


def test_merged_thresholds_take_the_most_protective_value() -> None:
    merged = merge_thresholds(
        [{"warning_organisations": 3}, {"warning_organisations": 2, "high_confirmed": 0}]
    )
    assert merged["warning_organisations"] == 2
    assert merged["high_confirmed"] == DEFAULT_THRESHOLDS["high_confirmed"]
    assert merge_thresholds([{"high_confirmed": 0}])["high_confirmed"] == 0


@pytest.mark.parametrize(("days", "expected"), [(0, 1.0), (30, 0.5), (60, 0.25)])
def test_decay_halves_per_half_life(days: int, expected: float) -> None:
    assert decay_weight(NOW - timedelta(days=days), now=NOW, half_life_days=30) == pytest.approx(
        expected
    )


def test_levels_fade_with_the_half_life_of_the_kind() -> None:
    # Phones: half-life 30 days. Two organisations stay a warning while the decayed count
    # rounds to 2 (within ~12 days), then attention, then nothing after one more half-life.
    assert level([row(1, days_ago=10), row(2, days_ago=10)], kind="phone") == "warning"
    assert level([row(1, days_ago=20), row(2, days_ago=20)], kind="phone") == "attention"
    assert level([row(1, days_ago=31)], kind="phone") == "none"
    # IBANs (half-life 90 days) keep the same two reports a warning for longer.
    assert level([row(1, days_ago=20), row(2, days_ago=20)], kind="iban") == "warning"


def test_open_dispute_caps_the_level() -> None:
    rows = [row(1), row(2), row(3)]
    assert level(rows, open_disputes=1) == "warning"
    assert level([row(1)], open_disputes=1) == "attention"


def test_allowlisted_value_never_gets_a_verdict() -> None:
    hit = AllowlistHit(owner_name="Rabobank", category="bank", label="", kind="phone")
    result = score(
        [row(1, "police_report", count=5)],
        kind="phone",
        now=NOW,
        thresholds=THRESHOLDS,
        allowlisted=hit,
    )
    assert result.level == "none"
    assert result.sightings == 5  # the facts stay visible to partners


def test_counts_and_dates() -> None:
    result = score(
        [row(1, days_ago=5, count=2), row(2, "confirmed", days_ago=1)],
        kind="iban",
        now=NOW,
        thresholds=THRESHOLDS,
        actor_organisation_id=2,
    )
    assert result.organisations == 2 and result.sightings == 3
    assert result.counts == {"suspected": 2, "confirmed": 1, "police_report": 0}
    assert result.first_seen == NOW - timedelta(days=5)
    assert result.last_seen == NOW - timedelta(days=1)
    assert result.reported_by_actor


def test_explanation_in_dutch_and_english_without_reporters() -> None:
    result = score([row(1), row(2, "confirmed")], kind="iban", now=NOW, thresholds=THRESHOLDS)
    text = explain.explanation(
        result, kind="iban", fraud_type_names={"purchase": ("Aankoopfraude", "Purchase fraud")}
    )
    assert text["nl"].startswith("Gemeld door 2 organisaties, 1 melding bevestigd.")
    assert "Aankoopfraude" in text["nl"] and "halveringstijd 90 dagen" in text["nl"]
    assert text["en"].startswith("Reported by 2 organisations, 1 report confirmed.")
    assert "Purchase fraud" in text["en"]


def test_spoofing_warning_for_an_official_number() -> None:
    hit = AllowlistHit(owner_name="Rabobank", category="bank", label="", kind="phone")
    advice = explain.public_advice("none", hit)
    assert advice["nl"] == (
        "Dit is een officieel nummer van Rabobank; Rabobank vraagt nooit om geld over te "
        "maken — hang op en bel zelf terug."
    )
    assert "never asks you to transfer money" in advice["en"]

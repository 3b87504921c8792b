"""The verdict on one pseudonym, computed in Python from aggregated sighting rows.

Pure functions, no database: selectors fetch aggregated rows in one query, this module turns
them into a level with a short explanation in Dutch and English.

Measures (each decays with the kind's half-life, by the age of the newest sighting counted):

* organisations — distinct reporting organisations;
* confirmed — distinct organisations with a ``confirmed`` or ``police_report`` sighting;
* police reports — the number of ``police_report`` sightings.

A rule ``<level>_<measure>`` of the thresholds is met when the measure, rounded to a whole
number, reaches it; 0 switches the rule off. ``high`` needs any ``high_*`` rule, ``warning``
any ``warning_*`` rule, ``attention`` the ``attention_organisations`` rule. So with the default
thresholds two organisations today give a warning; a single report gives ``attention`` for one
half-life and then fades. An allowlisted value is always ``none``; an open dispute caps the
level at ``DISPUTED_LEVEL_CAP`` until it is decided.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ketenwacht.identifiers.constants import (
    CONFIRMING,
    DEFAULT_THRESHOLDS,
    DISPUTED_LEVEL_CAP,
    HALF_LIFE_DAYS,
    LEVEL_ORDER,
    Confidence,
    Level,
)

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class AggregateRow:
    """Sightings of one pseudonym by one organisation with one confidence and fraud type."""

    organisation_id: int
    sharing_group_id: int
    confidence: str
    fraud_type: str
    count: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class AllowlistHit:
    """The official owner of a checked value."""

    owner_name: str
    category: str
    label: str
    kind: str
    note: str = ""


@dataclass(frozen=True)
class Score:
    level: str
    organisations: int
    sightings: int
    counts: dict[str, int]
    fraud_types: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    open_disputes: int
    measures: dict[str, float]
    rules: list[str] = field(default_factory=list)
    allowlisted: AllowlistHit | None = None
    reported_by_actor: bool = False


def decay_weight(last_seen: datetime, *, now: datetime, half_life_days: float) -> float:
    """``0.5 ** (age / half-life)``; sightings dated (slightly) in the future weigh 1."""
    age_days = (now - last_seen).total_seconds() / SECONDS_PER_DAY
    return math.pow(0.5, age_days / half_life_days) if age_days > 0.0 else 1.0


def merge_thresholds(agreement_thresholds: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """The most protective thresholds over several agreements, defaults for missing keys.

    Each agreement's terms fall back to the defaults per key; per rule the lowest non-zero
    value wins (0 = off only when every agreement says so).
    """
    collected = list(agreement_thresholds) or [{}]
    merged: dict[str, float] = {}
    for name, default in DEFAULT_THRESHOLDS.items():
        values = [float(terms.get(name, default)) for terms in collected]
        enabled = [value for value in values if value > 0]
        merged[name] = min(enabled) if enabled else 0.0
    return merged


def _rule_met(measure: float, threshold: float) -> bool:
    return threshold > 0 and math.floor(measure + 0.5) >= threshold


def measures_for(rows: Iterable[AggregateRow], *, kind: str, now: datetime) -> dict[str, float]:
    half_life = HALF_LIFE_DAYS.get(kind, 60.0)
    per_org: dict[int, float] = {}
    confirmed_per_org: dict[int, float] = {}
    police_reports = 0.0
    for row in rows:
        weight = decay_weight(row.last_seen, now=now, half_life_days=half_life)
        organisation = row.organisation_id
        if weight > per_org.get(organisation, -1.0):
            per_org[organisation] = weight
        confidence = row.confidence
        if confidence in CONFIRMING and weight > confirmed_per_org.get(organisation, -1.0):
            confirmed_per_org[organisation] = weight
        if confidence == _POLICE_REPORT:
            police_reports += row.count * weight
    return {
        "organisations": sum(per_org.values()),
        "confirmed": sum(confirmed_per_org.values()),
        "police_reports": police_reports,
    }


# (rule name, level it raises to, measure it reads), parsed once from the threshold names.
_RULES = tuple((name, *name.split("_", 1)) for name in DEFAULT_THRESHOLDS)
_CONFIDENCES = tuple(confidence.value for confidence in Confidence)
_LEVELS_HIGH_FIRST = tuple(reversed(LEVEL_ORDER[1:]))
_POLICE_REPORT = Confidence.POLICE_REPORT.value


def level_for(
    measures: Mapping[str, float], thresholds: Mapping[str, float]
) -> tuple[str, list[str]]:
    """The highest level whose rules are met, and the names of the rules met."""
    met: list[str] = []
    levels: set[str] = set()
    for name, level, measure in _RULES:  # one pass: this runs for every listed value checked
        threshold = thresholds.get(name, 0.0)
        if threshold > 0 and _rule_met(measures.get(measure, 0.0), threshold):
            met.append(name)
            levels.add(level)
    for level in _LEVELS_HIGH_FIRST:
        if level in levels:
            return level, met
    return Level.NONE, met


def cap_level(level: str, cap: str) -> str:
    return level if LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(cap) else cap


def score(
    rows: list[AggregateRow],
    *,
    kind: str,
    now: datetime,
    thresholds: Mapping[str, float],
    open_disputes: int = 0,
    allowlisted: AllowlistHit | None = None,
    actor_organisation_id: int | None = None,
) -> Score:
    if not rows and allowlisted is None and not open_disputes:
        return _UNKNOWN  # the common case of a check: nothing known, nothing to compute
    measures = measures_for(rows, kind=kind, now=now)
    level, rules = level_for(measures, thresholds)
    if open_disputes and level != Level.NONE:
        level = cap_level(level, DISPUTED_LEVEL_CAP)
    if allowlisted is not None:
        level, rules = Level.NONE, []
    # One pass for what the answer shows; this runs for every listed value checked.
    counts = dict.fromkeys(_CONFIDENCES, 0)
    organisations: set[int] = set()
    fraud_types: set[str] = set()
    sightings = 0
    first_seen = last_seen = None
    for row in rows:
        counts[row.confidence] = counts.get(row.confidence, 0) + row.count
        organisations.add(row.organisation_id)
        fraud_types.add(row.fraud_type)
        sightings += row.count
        if first_seen is None or row.first_seen < first_seen:
            first_seen = row.first_seen
        if last_seen is None or row.last_seen > last_seen:
            last_seen = row.last_seen
    return Score(
        level=level,
        organisations=len(organisations),
        sightings=sightings,
        counts=counts,
        fraud_types=sorted(fraud_types),
        first_seen=first_seen,
        last_seen=last_seen,
        open_disputes=open_disputes,
        measures={
            "organisations": round(measures["organisations"], 3),
            "confirmed": round(measures["confirmed"], 3),
            "police_reports": round(measures["police_reports"], 3),
        },
        rules=rules,
        allowlisted=allowlisted,
        reported_by_actor=actor_organisation_id in organisations,
    )


_UNKNOWN = Score(
    level=Level.NONE,
    organisations=0,
    sightings=0,
    counts=dict.fromkeys(_CONFIDENCES, 0),
    fraud_types=[],
    first_seen=None,
    last_seen=None,
    open_disputes=0,
    measures={"organisations": 0.0, "confirmed": 0.0, "police_reports": 0.0},
)

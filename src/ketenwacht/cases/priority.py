"""The priority score of a cluster: a documented weighted sum, 0–100.

Five components, each scaled to 0–1:

* **victims** — ``log(1 + victims) / log(1 + 100)``, capped at 1 (a hundred victims is full);
* **damage** — ``log(1 + total euros) / log(1 + 250,000)``, capped at 1;
* **vulnerability** — the share of victims aged 65 or older (0 when no age is known);
* **growth** — ``(reports in 7 days + ¼ × reports in 30 days) / 10``, capped at 1;
* **recency** — ``0.5 ^ (days since the last report / 14)``.

``score = 100 × Σ weightᵢ × componentᵢ / Σ weightᵢ``. The weights are configurable
(``KETENWACHT["CASES_PRIORITY_WEIGHTS"]``); the logarithms keep one huge cluster from
flattening every other difference. Recency decays with time, so a daily task refreshes the
stored scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from ketenwacht.cases.constants import (
    PRIORITY_DAMAGE_REFERENCE_CENTS,
    PRIORITY_GROWTH_REFERENCE,
    PRIORITY_RECENCY_HALF_LIFE_DAYS,
    PRIORITY_VICTIMS_REFERENCE,
)


@dataclass(frozen=True)
class PriorityInput:
    victims: int
    damage_total_cents: int
    share_65_plus: float | None
    growth_7d: int
    growth_30d: int
    last_seen: date | None


def _log_scale(value: float, reference: float) -> float:
    if value <= 0:
        return 0.0
    return min(1.0, math.log1p(value) / math.log1p(reference))


def components(facts: PriorityInput, *, today: date) -> dict[str, float]:
    return _parts(
        facts.victims,
        facts.damage_total_cents,
        facts.share_65_plus,
        facts.growth_7d,
        facts.growth_30d,
        facts.last_seen,
        today,
    )


def _parts(
    victims: int,
    damage_total_cents: int,
    share_65_plus: float | None,
    growth_7d: int,
    growth_30d: int,
    last_seen: date | None,
    today: date,
) -> dict[str, float]:
    days = (today - last_seen).days if last_seen is not None else None
    recency = 0.0 if days is None else 0.5 ** (max(0, days) / PRIORITY_RECENCY_HALF_LIFE_DAYS)
    growth = (growth_7d + 0.25 * growth_30d) / PRIORITY_GROWTH_REFERENCE
    return {
        "victims": _log_scale(victims, PRIORITY_VICTIMS_REFERENCE),
        "damage": _log_scale(damage_total_cents / 100, PRIORITY_DAMAGE_REFERENCE_CENTS / 100),
        "vulnerability": max(0.0, min(1.0, share_65_plus or 0.0)),
        "growth": min(1.0, growth),
        "recency": recency,
    }


def score(facts: PriorityInput, *, today: date, weights: dict[str, float]) -> float:
    return score_of(
        facts.victims,
        facts.damage_total_cents,
        facts.share_65_plus,
        facts.growth_7d,
        facts.growth_30d,
        facts.last_seen,
        today=today,
        weights=weights,
    )


def score_of(
    victims: int,
    damage_total_cents: int,
    share_65_plus: float | None,
    growth_7d: int,
    growth_30d: int,
    last_seen: date | None,
    *,
    today: date,
    weights: dict[str, float],
) -> float:
    """``score`` from the values themselves (the rebuild scores 200,000 clusters)."""
    parts = _parts(
        victims, damage_total_cents, share_65_plus, growth_7d, growth_30d, last_seen, today
    )
    total_weight = sum(weights.values())
    if total_weight <= 0:
        return 0.0
    value = 100 * sum(weights[name] * parts[name] for name in parts) / total_weight
    return round(value, 2)

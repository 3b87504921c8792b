"""Weekly trends per fraud form × channel and spikes against a robust baseline.

The baseline of a week is the median of the previous ``SPIKE_BASELINE_WEEKS`` weeks (weeks
without intakes count as zero) and its spread the MAD (× 1.4826, the normal-consistent scale),
floored at √median so a quiet, flat series (MAD 0) does not make every wobble significant. A
week is a spike when it has at least ``SPIKE_MIN_COUNT`` intakes, at least ``SPIKE_MIN_RATIO``
× the baseline (+100 %), and a robust z-score of at least ``SPIKE_MIN_Z``.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from ketenwacht.stats import sources
from ketenwacht.stats.constants import (
    SPIKE_BASELINE_WEEKS,
    SPIKE_MIN_COUNT,
    SPIKE_MIN_RATIO,
    SPIKE_MIN_Z,
    Dimension,
)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Finding:
    week: date
    fraud_form: str
    channel: str
    count: int
    median: float
    mad: float
    score: float

    @property
    def ratio(self) -> float:
        return self.count / self.median if self.median else math.inf


def weekly_counts(start: date, end: date) -> dict[tuple[str, str], dict[date, int]]:
    """Intakes per (fraud form, channel) per week (Monday) in ``[start, end)``."""
    result = sources.aggregate_intakes(
        [Dimension.WEEK, Dimension.FRAUD_FORM, Dimension.CHANNEL],
        start=start,
        end=end,
        with_amount=False,
    )
    series: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    for (week, fraud_form, channel), cell in result.cells.items():
        series[(fraud_form, channel)][date.fromisoformat(week)] = cell.count
    return series


def robust_score(count: int, history: list[int]) -> tuple[float, float, float]:
    median = float(statistics.median(history)) if history else 0.0
    mad = float(statistics.median([abs(x - median) for x in history])) if history else 0.0
    scale = max(1.4826 * mad, math.sqrt(max(median, 1.0)))
    return median, mad, (count - median) / scale


def is_spike(count: int, median: float, score: float) -> bool:
    return (
        count >= SPIKE_MIN_COUNT
        and count >= SPIKE_MIN_RATIO * max(median, 1.0)
        and score >= SPIKE_MIN_Z
    )


def detect(week: date) -> list[Finding]:
    """Spikes in the week starting ``week`` (a Monday), against the weeks before it."""
    week = monday(week)
    first = week - timedelta(weeks=SPIKE_BASELINE_WEEKS)
    series = weekly_counts(first, week + timedelta(weeks=1))
    findings = []
    for (fraud_form, channel), counts in sorted(series.items()):
        count = counts.get(week, 0)
        history = [counts.get(first + timedelta(weeks=i), 0) for i in range(SPIKE_BASELINE_WEEKS)]
        median, mad, score = robust_score(count, history)
        if is_spike(count, median, score):
            findings.append(Finding(week, fraud_form, channel, count, median, mad, round(score, 2)))
    return findings

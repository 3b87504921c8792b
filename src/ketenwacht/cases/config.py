"""The operator's numbers for cases, read from ``settings.KETENWACHT`` with documented defaults.

Keys (all optional; see docs/cases.md):

* ``CASES_HUB_MAX_REPORTS`` / ``CASES_HUB_MIN_FAMILIES`` / ``CASES_HUB_MIN_FAMILY_SHARE`` /
  ``CASES_HUB_ABSOLUTE_MAX`` — when an identifier counts as a hub and stops linking reports;
* ``CASES_PRIORITY_WEIGHTS`` — a dict (or ``"victims=0.3,damage=0.25,…"``) of the priority
  weights; missing components keep their default weight;
* ``CASES_REPORT_RETENTION_DAYS`` — days police and partner reports stay after the day
  reported, per source (defaults: ``DEFAULT_RETENTION_DAYS``);
* ``CASES_CIVIL_MAX_DAMAGE_CENTS`` / ``CASES_STOP_TALK_MAX_REPORTS`` — when an alternative
  intervention is suggested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ketenwacht.cases.constants import (
    DEFAULT_CIVIL_MAX_DAMAGE_CENTS,
    DEFAULT_HUB_ABSOLUTE_MAX,
    DEFAULT_HUB_MAX_REPORTS,
    DEFAULT_HUB_MIN_FAMILIES,
    DEFAULT_HUB_MIN_FAMILY_SHARE,
    DEFAULT_PRIORITY_WEIGHTS,
    DEFAULT_STOP_TALK_MAX_REPORTS,
    ReportSource,
)


@dataclass(frozen=True)
class HubLimits:
    max_reports: int
    min_families: int
    absolute_max: int
    min_family_share: float = DEFAULT_HUB_MIN_FAMILY_SHARE


# Days after ``reported_on``. Police reports: five years, the longest term of the Wet
# politiegegevens for data processed for an investigation (art. 9); partners' incident
# reports: two years, as the partners' own fraud registers commonly keep incidents. The
# operator sets the terms the agreements name.
DEFAULT_RETENTION_DAYS: Mapping[str, int] = {
    ReportSource.POLICE: 5 * 365,
    ReportSource.PARTNER: 2 * 365,
}


def _config() -> dict[str, Any]:
    config: dict[str, Any] = getattr(settings, "KETENWACHT", {})
    return config


def _int(name: str, default: int) -> int:
    value = _config().get(name)
    if value in (None, ""):
        return default
    return int(value)


def hub_limits() -> HubLimits:
    return HubLimits(
        max_reports=_int("CASES_HUB_MAX_REPORTS", DEFAULT_HUB_MAX_REPORTS),
        min_families=_int("CASES_HUB_MIN_FAMILIES", DEFAULT_HUB_MIN_FAMILIES),
        absolute_max=_int("CASES_HUB_ABSOLUTE_MAX", DEFAULT_HUB_ABSOLUTE_MAX),
        min_family_share=float(
            _config().get("CASES_HUB_MIN_FAMILY_SHARE") or DEFAULT_HUB_MIN_FAMILY_SHARE
        ),
    )


def parse_weights(raw: Any) -> dict[str, float]:
    """``{"victims": 0.3, …}`` or ``"victims=0.3,damage=0.25"``; unknown names are refused."""
    weights = dict(DEFAULT_PRIORITY_WEIGHTS)
    if raw in (None, ""):
        return weights
    pairs = (
        raw.items()
        if isinstance(raw, dict)
        else (item.split("=", 1) for item in str(raw).split(",") if item.strip())
    )
    for name, value in pairs:
        name = str(name).strip()
        if name not in weights:
            raise ValueError(f"unknown priority weight {name!r}; known: {sorted(weights)}")
        number = float(value)
        if number < 0:
            raise ValueError(f"priority weight {name!r} must not be negative")
        weights[name] = number
    if sum(weights.values()) <= 0:
        raise ValueError("at least one priority weight must be positive")
    return weights


def priority_weights() -> dict[str, float]:
    return parse_weights(_config().get("CASES_PRIORITY_WEIGHTS"))


def civil_max_damage_cents() -> int:
    return _int("CASES_CIVIL_MAX_DAMAGE_CENTS", DEFAULT_CIVIL_MAX_DAMAGE_CENTS)


def stop_talk_max_reports() -> int:
    return _int("CASES_STOP_TALK_MAX_REPORTS", DEFAULT_STOP_TALK_MAX_REPORTS)


def retention_days() -> dict[str, int]:
    """The retention term per purged report source: the defaults, overridden by the
    operator's setting; a source without a purge or a term under a day is refused."""
    terms = dict(DEFAULT_RETENTION_DAYS)
    for source, days in dict(_config().get("CASES_REPORT_RETENTION_DAYS") or {}).items():
        if source not in DEFAULT_RETENTION_DAYS:
            raise ValueError(f"CASES_REPORT_RETENTION_DAYS: no retention for source {source!r}")
        if int(days) < 1:
            raise ValueError(f"CASES_REPORT_RETENTION_DAYS[{source!r}] must be at least 1 day")
        terms[source] = int(days)
    return terms

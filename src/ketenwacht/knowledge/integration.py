"""Where higher apps feed figures into the knowledge space (knowledge sits below them).

Knowledge may not import ``alerts``, ``identifiers`` or ``stats`` (dependency direction, see
DESIGN.md). Those apps register a provider here in their ``AppConfig.ready()``:

    from ketenwacht.knowledge import integration
    integration.register_phase_counter("alerts", alerts_selectors.phase_counts)
    integration.register_key_figures("stats", stats_selectors.annual_key_figures)

- A **phase counter** is called as ``counter(actor=..., fraud_type=...)`` and returns how often
  each criminal-journey phase (``PhaseCode`` values) was seen in records the actor may read.
- A **key-figure provider** is called as ``provider(actor=..., year=...)`` and returns
  ``KeyFigure`` rows for the annual report (already cleared for the actor; small cells
  suppressed by the provider).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from ketenwacht.knowledge.constants import PHASE_ORDER
from ketenwacht.partners.access import Actor


class PhaseCounter(Protocol):
    def __call__(self, *, actor: Actor, fraud_type: str) -> Mapping[str, int]: ...


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    source: str = ""


KeyFigureProvider = Callable[..., list[KeyFigure]]

_PHASE_COUNTERS: dict[str, PhaseCounter] = {}
_KEY_FIGURES: dict[str, KeyFigureProvider] = {}


def register_phase_counter(name: str, counter: PhaseCounter) -> None:
    _PHASE_COUNTERS[name] = counter


def unregister_phase_counter(name: str) -> None:
    _PHASE_COUNTERS.pop(name, None)


def register_key_figures(name: str, provider: KeyFigureProvider) -> None:
    _KEY_FIGURES[name] = provider


def unregister_key_figures(name: str) -> None:
    _KEY_FIGURES.pop(name, None)


def has_phase_counters() -> bool:
    return bool(_PHASE_COUNTERS)


def phase_counts(*, actor: Actor, fraud_type: str) -> dict[str, int]:
    """How often each phase was seen, summed over every registered source (unknown phase
    codes are ignored: only the journey's vocabulary is counted)."""
    total: Counter[str] = Counter()
    for counter in _PHASE_COUNTERS.values():
        for phase, count in counter(actor=actor, fraud_type=fraud_type).items():
            if phase in PHASE_ORDER and count > 0:
                total[phase] += int(count)
    return {phase: total.get(phase, 0) for phase in PHASE_ORDER}


def key_figures(*, actor: Actor, year: int) -> list[KeyFigure]:
    figures: list[KeyFigure] = []
    for provider in _KEY_FIGURES.values():
        figures.extend(provider(actor=actor, year=year))
    return figures

"""Alternative interventions: suggestions shown on a cluster page when their rule matches.

Suggestions only; the analyst decides (a transition with a note). Rules:

* **civil recovery** — total damage at most ``CASES_CIVIL_MAX_DAMAGE_CENTS`` (default €2,500)
  and a known suspect (a bank supplied the account holder's postcode): a civil claim or the
  bailiff recovers the money sooner than a criminal case;
* **stop talk** — a small cluster (at most ``CASES_STOP_TALK_MAX_REPORTS`` reports) with a
  known suspect: a talk with the account holder, often a young money mule, stops the use of
  the account;
* **victim support** — most victims with a known age are 65 or older: refer them to victim
  support and ask the banks in the coalition to warn this group.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ketenwacht.cases.config import civil_max_damage_cents, stop_talk_max_reports
from ketenwacht.cases.constants import OPEN_STATES, ClusterState
from ketenwacht.cases.models import Cluster


@dataclass(frozen=True)
class Suggestion:
    code: str
    to_state: str  # "" when the suggestion is no state of the workflow
    title: str | Promise
    reason: str | Promise


def suggest(cluster: Cluster, *, suspect_known: bool) -> list[Suggestion]:
    if cluster.state not in OPEN_STATES:
        return []
    suggestions: list[Suggestion] = []
    if suspect_known and cluster.damage_total_cents <= civil_max_damage_cents():
        suggestions.append(
            Suggestion(
                "civil_recovery",
                ClusterState.CIVIL_ROUTE,
                _("Civil recovery"),
                _(
                    "The total damage is small and a bank has named the account holder's "
                    "area: a civil claim or a bailiff may recover the money sooner than a "
                    "criminal case."
                ),
            )
        )
    if suspect_known and cluster.report_count <= stop_talk_max_reports():
        suggestions.append(
            Suggestion(
                "stop_talk",
                ClusterState.STOP_TALK,
                _("Stop talk"),
                _(
                    "Few reports and a known account holder, often a money mule: a talk "
                    "stops the use of the account early."
                ),
            )
        )
    if cluster.share_65_plus is not None and cluster.share_65_plus > 0.5:
        suggestions.append(
            Suggestion(
                "victim_support",
                "",
                _("Victim support and a warning"),
                _(
                    "Most victims with a known age are 65 or older: refer them to victim "
                    "support and ask the banks to warn this group."
                ),
            )
        )
    return suggestions

"""Routing clusters to police units by ordered rules; the first rule that matches decides.

A rule matches when its conditions hold (fraud types, minimum damage, minimum victims) and
its method can name a unit:

* ``suspect_postcode`` — a bank supplied the four-digit postcode of an account holder named
  in the cluster (``SuspectLocation``, under an agreement); the unit whose area holds most of
  those postcodes;
* ``victim_majority`` — the unit whose region holds more than ``min_share`` of the victims
  with a known postcode;
* ``fixed_unit`` — the rule's unit.

When no rule matches, the national unit takes the cluster. Every outcome that differs from
the cluster's unit is a ``RoutingDecision`` row (the history); a cluster already taken on by a
unit (state past triage) stays where it is, and the row records the advice as not applied.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from ketenwacht.cases import bulkwrite
from ketenwacht.cases.constants import ROUTABLE_STATES, RoutingMethod
from ketenwacht.cases.models import (
    Cluster,
    Hub,
    Membership,
    PostcodeRange,
    ReportLink,
    RoutingDecision,
    RoutingRule,
    SuspectLocation,
    Unit,
)


@dataclass(frozen=True)
class RoutingFacts:
    fraud_types: Mapping[str, int]
    damage_total_cents: int
    victim_count: int
    regions: Mapping[str, int]  # unit code -> victims with a postcode in its area
    suspect_units: Mapping[str, int]  # unit code -> supplied suspect postcodes in its area


@dataclass(frozen=True)
class RuleSpec:
    id: int | None
    name: str
    method: str
    unit_code: str = ""
    fraud_types: frozenset[str] = frozenset()
    min_damage_cents: int = 0
    min_victims: int = 0
    min_share: float = 0.5

    @classmethod
    def of(cls, rule: RoutingRule, unit_codes: Mapping[int, str]) -> RuleSpec:
        return cls(
            id=rule.pk,
            name=rule.name,
            method=rule.method,
            unit_code=unit_codes.get(rule.unit_id, "") if rule.unit_id else "",
            fraud_types=frozenset(rule.fraud_types or ()),
            min_damage_cents=rule.min_damage_cents,
            min_victims=rule.min_victims,
            min_share=rule.min_share,
        )


@dataclass(frozen=True)
class Decision:
    unit_code: str
    rule_id: int | None
    rule_name: str
    reason: str


def _conditions_hold(rule: RuleSpec, facts: RoutingFacts) -> bool:
    if rule.fraud_types and not rule.fraud_types.intersection(
        code for code, n in facts.fraud_types.items() if n
    ):
        return False
    return (
        facts.damage_total_cents >= rule.min_damage_cents and facts.victim_count >= rule.min_victims
    )


def _most_common(counts: Mapping[str, int]) -> tuple[str, int] | None:
    """The code with the highest count; ties go to the alphabetically first code."""
    if not counts:
        return None
    code = min(counts, key=lambda c: (-counts[c], c))
    return code, counts[code]


def _apply(rule: RuleSpec, facts: RoutingFacts) -> Decision | None:
    if rule.method == RoutingMethod.SUSPECT_POSTCODE:
        top = _most_common({c: n for c, n in facts.suspect_units.items() if n > 0})
        if top is None:
            return None
        return Decision(
            top[0],
            rule.id,
            rule.name,
            f"suspect postcode supplied by a bank lies in the area of {top[0]} "
            f"({top[1]} of {sum(facts.suspect_units.values())})",
        )
    if rule.method == RoutingMethod.VICTIM_MAJORITY:
        known = sum(facts.regions.values())
        top = _most_common({c: n for c, n in facts.regions.items() if n > 0})
        if top is None or top[1] / known <= rule.min_share:
            return None
        return Decision(
            top[0],
            rule.id,
            rule.name,
            f"{top[1]} of {known} victims with a known postcode live in the area of {top[0]}",
        )
    if rule.method == RoutingMethod.FIXED_UNIT and rule.unit_code:
        return Decision(rule.unit_code, rule.id, rule.name, f"fixed unit {rule.unit_code}")
    return None


def decide(facts: RoutingFacts, rules: Iterable[RuleSpec], *, national_code: str) -> Decision:
    """The first matching rule's unit, else the national unit."""
    for rule in rules:
        if not _conditions_hold(rule, facts):
            continue
        decision = _apply(rule, facts)
        if decision is not None:
            return decision
    return Decision(
        national_code, None, gettext_noop("No rule matched"), "no rule matched: national unit"
    )


# --- the postcode table ------------------------------------------------------------------------


@dataclass(frozen=True)
class PostcodeTable:
    """Sorted ranges for lookups of a four-digit postcode's unit."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    unit_ids: tuple[int, ...]

    @classmethod
    def load(cls) -> PostcodeTable:
        rows = list(PostcodeRange.objects.order_by("first").values_list("first", "last", "unit_id"))
        return cls(tuple(r[0] for r in rows), tuple(r[1] for r in rows), tuple(r[2] for r in rows))

    def unit_id(self, postcode4: str) -> int | None:
        if len(postcode4) != 4 or not postcode4.isdigit():
            return None
        number = int(postcode4)
        low, high = 0, len(self.starts)
        while low < high:  # last range starting at or below the number
            middle = (low + high) // 2
            if self.starts[middle] <= number:
                low = middle + 1
            else:
                high = middle
        index = low - 1
        if index >= 0 and number <= self.ends[index]:
            return self.unit_ids[index]
        return None


def unit_for_postcode(postcode4: str) -> Unit | None:
    if len(postcode4) != 4 or not postcode4.isdigit():
        return None
    number = int(postcode4)
    found = (
        PostcodeRange.objects.filter(first__lte=number, last__gte=number)
        .select_related("unit")
        .first()
    )
    return found.unit if found is not None else None


# --- applying routing to clusters ------------------------------------------------------------


SUSPECTS_CACHE_KEY = "cases:suspects-any:v1"
SUSPECTS_CACHE_SECONDS = 30


def _any_suspects(now: datetime) -> bool:
    """Whether any suspect postcode is stored (cached briefly: most reports arrive while there
    are none, and the lookup below is the dearest statement of a new report)."""
    cached: bool | None = cache.get(SUSPECTS_CACHE_KEY)
    if cached is None:
        cached = SuspectLocation.objects.filter(expires_at__gt=now).exists()
        cache.set(SUSPECTS_CACHE_KEY, cached, SUSPECTS_CACHE_SECONDS)
    return cached


def forget_suspects() -> None:
    """Call after suspect postcodes are stored or purged (the services do)."""
    cache.delete(SUSPECTS_CACHE_KEY)


RULES_CACHE_KEY = "cases:routing-rules:v1"
RULES_CACHE_SECONDS = 300


def forget_rules() -> None:
    """Call after rules or units change (the services and the loader do)."""
    cache.delete(RULES_CACHE_KEY)


def rule_specs() -> tuple[list[RuleSpec], dict[str, int], str]:
    """Active rules in order, unit ids by code, and the national unit's code (cached: read
    on every new report; changes go through services that clear the cache)."""
    cached: tuple[list[RuleSpec], dict[str, int], str] | None = cache.get(RULES_CACHE_KEY)
    if cached is not None:
        return cached
    units = list(Unit.objects.all())
    codes = {unit.pk: unit.code for unit in units}
    ids = {unit.code: unit.pk for unit in units}
    national = next((unit.code for unit in units if unit.is_national), "")
    rules = [
        RuleSpec.of(rule, codes)
        for rule in RoutingRule.objects.filter(is_active=True).order_by("position", "pk")
    ]
    specs = (rules, ids, national)
    if national:
        cache.set(RULES_CACHE_KEY, specs, RULES_CACHE_SECONDS)
    return specs


def suspect_units_of(
    cluster_ids: Collection[int],
    *,
    now: datetime,
    joining: Mapping[int, Collection[int]] | None = None,
) -> dict[int, Counter[str]]:
    """Per cluster, the units of suspect postcodes supplied for its linking identifiers.

    ``joining``: per cluster, reports that join it in this change and have no membership row
    yet (the add routes a cluster before it writes them): their identifiers count too.
    Read from the (small) table of supplied postcodes towards the clusters, in plain
    statements: this runs for every new report, and a large cluster has thousands of links.
    """
    found: dict[int, Counter[str]] = defaultdict(Counter)
    if not _any_suspects(now):
        return found
    seen: set[tuple[int, int, str]] = set()  # a location counts once per cluster
    q = connection.ops.quote_name
    members = q(Membership._meta.db_table)
    ids = list(cluster_ids)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        marks = ", ".join(["%s"] * len(chunk))
        seen.update(
            _suspect_rows(
                "m.cluster_id, s.id, u.code",
                f"CROSS JOIN {members} m",
                f"m.report_id = l.report_id AND m.cluster_id IN ({marks})",
                chunk,
                now=now,
            )
        )
    for cluster_id, joined in (joining or {}).items():
        report_ids = list(joined)
        for start in range(0, len(report_ids), 1000):
            chunk = report_ids[start : start + 1000]
            marks = ", ".join(["%s"] * len(chunk))
            rows = _suspect_rows("s.id, u.code", "", f"l.report_id IN ({marks})", chunk, now=now)
            seen.update((cluster_id, location, code) for location, code in rows)
    for cluster_id, _location, code in seen:
        found[cluster_id][code] += 1
    return found


def _suspect_rows(
    columns: str, joins: str, condition: str, params: Sequence[Any], *, now: datetime
) -> list[tuple[Any, ...]]:
    """``columns`` of the unexpired suspect locations of identifiers (not excluded hubs) named
    by links that meet ``condition``."""
    q = connection.ops.quote_name
    locations, links = q(SuspectLocation._meta.db_table), q(ReportLink._meta.db_table)
    units, hubs = q(Unit._meta.db_table), q(Hub._meta.db_table)
    moment = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        # CROSS JOIN keeps SQLite's join order (PostgreSQL plans it like an inner join).
        cursor.execute(
            f"SELECT DISTINCT {columns} FROM {locations} s "  # noqa: S608
            f"CROSS JOIN {links} l {joins} JOIN {units} u ON u.id = s.unit_id "
            f"WHERE l.pseudonym_id = s.pseudonym_id AND {condition} AND s.expires_at > %s "
            f"AND NOT EXISTS (SELECT 1 FROM {hubs} h "
            f"WHERE h.pseudonym_id = s.pseudonym_id AND h.is_excluded)",
            [*params, moment],
        )
        return list(cursor.fetchall())


@dataclass(frozen=True)
class ClusterRow:
    """What routing reads of a cluster."""

    id: int
    state: str
    unit_id: int | None
    fraud_types: Mapping[str, int]
    damage_total_cents: int
    victim_count: int
    regions: Mapping[str, int]

    @classmethod
    def of(cls, cluster: Cluster) -> ClusterRow:
        return cls(
            cluster.pk,
            cluster.state,
            cluster.unit_id,
            cluster.fraud_types,
            cluster.damage_total_cents,
            cluster.victim_count,
            cluster.regions,
        )


def _cluster_rows(ids: list[int]) -> list[ClusterRow]:
    rows: list[ClusterRow] = []
    for start in range(0, len(ids), 2000):
        rows.extend(
            ClusterRow(*values)
            for values in Cluster.objects.filter(
                pk__in=ids[start : start + 2000], is_active=True
            ).values_list(
                "pk",
                "state",
                "unit_id",
                "fraud_types",
                "damage_total_cents",
                "victim_count",
                "regions",
            )
        )
    return rows


DECISION_FIELDS = [
    "cluster",
    "unit",
    "previous_unit",
    "rule",
    "rule_name",
    "reason",
    "applied",
    "actor",
    "created_at",
]


@dataclass
class Plan:
    """Routing outcomes to write: history rows and the clusters that move."""

    decisions: list[tuple[object, ...]]
    moved: dict[int, int]  # cluster id -> new unit id


def plan(
    rows: Iterable[ClusterRow],
    *,
    now: datetime,
    actor_user_id: int | None = None,
    suspects: Mapping[int, Counter[str]] | None = None,
) -> Plan:
    """Decide every cluster's unit (nothing written). ``suspects`` defaults to a lookup."""
    clusters = list(rows)
    result = Plan([], {})
    rules, unit_ids, national = rule_specs()
    if not national or not clusters:
        return result  # no units loaded (a bare test database): nothing to route to
    ids = [cluster.id for cluster in clusters]
    if suspects is None:
        suspects = suspect_units_of(ids, now=now)
    last_advice: dict[int, int] | None = None
    for cluster in clusters:
        facts = RoutingFacts(
            fraud_types=cluster.fraud_types,
            damage_total_cents=cluster.damage_total_cents,
            victim_count=cluster.victim_count,
            regions=cluster.regions,
            suspect_units=suspects.get(cluster.id, Counter()),
        )
        decision = decide(facts, rules, national_code=national)
        unit_id = unit_ids[decision.unit_code]
        if unit_id == cluster.unit_id:
            continue
        applied = cluster.unit_id is None or cluster.state in ROUTABLE_STATES
        if not applied:
            if last_advice is None:
                last_advice = _last_advice(ids)
            if last_advice.get(cluster.id) == unit_id:
                continue  # the same advice was recorded already
        result.decisions.append(
            (
                cluster.id,
                unit_id,
                cluster.unit_id,
                decision.rule_id,
                decision.rule_name[:120],
                decision.reason[:300],
                applied,
                actor_user_id,
                now,
            )
        )
        if applied:
            result.moved[cluster.id] = unit_id
    return result


def write_decisions(decisions: list[tuple[object, ...]]) -> None:
    bulkwrite.insert_many(RoutingDecision, DECISION_FIELDS, decisions)


def decisions_statements(decisions: list[tuple[object, ...]]) -> list[bulkwrite.Statement]:
    """The history rows of a few decisions as one statement to send with others (none for
    none)."""
    if not decisions:
        return []
    return [bulkwrite.insert_values_statement(RoutingDecision, DECISION_FIELDS, decisions)]


def route(
    cluster_ids: Iterable[int],
    *,
    actor_user: User | None = None,
    now: datetime | None = None,
    rows: Iterable[ClusterRow] | None = None,
) -> int:
    """Route these clusters; write a history row for every changed outcome.

    ``rows`` may carry the clusters' current facts; otherwise they are read. Returns the
    number of routing rows written.
    """
    moment = now or timezone.now()
    ids = sorted(set(cluster_ids))
    if not ids:
        return 0
    outcome = plan(
        rows if rows is not None else _cluster_rows(ids),
        now=moment,
        actor_user_id=actor_user.pk if actor_user is not None else None,
    )
    _write(outcome, now=moment)
    return len(outcome.decisions)


def _write(outcome: Plan, *, now: datetime) -> None:
    """The history rows and the clusters' new units. The few of an incremental change go as
    one message; many through the bulk writes."""
    moves = [(cid, unit_id, now) for cid, unit_id in outcome.moved.items()]
    if len(outcome.decisions) + len(moves) >= bulkwrite.SMALL:
        write_decisions(outcome.decisions)
        bulkwrite.update_many(Cluster, ["unit", "updated_at"], moves)
        return
    statements = [
        bulkwrite.update_one_statement(Cluster, cid, ["unit", "updated_at"], values)
        for cid, *values in moves
    ]
    statements[:0] = decisions_statements(outcome.decisions)
    if statements:
        with connection.cursor() as cursor:
            bulkwrite.execute_in_order(cursor, statements)


def _last_advice(cluster_ids: list[int]) -> dict[int, int]:
    """The unit of each cluster's latest routing row (to not repeat the same advice)."""
    latest: dict[int, int] = {}
    for start in range(0, len(cluster_ids), 2000):
        rows = (
            RoutingDecision.objects.filter(cluster_id__in=cluster_ids[start : start + 2000])
            .order_by("cluster_id", "created_at", "pk")
            .values_list("cluster_id", "unit_id")
        )
        for cluster_id, unit_id in rows:
            latest[cluster_id] = unit_id
    return latest

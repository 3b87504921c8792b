"""Routing: ordered rules, first match wins; suspect's postcode, victims' majority, national."""

from __future__ import annotations

from typing import Any

import pytest

from ketenwacht.cases import routing, services
from ketenwacht.cases.constants import ClusterState, RoutingMethod
from ketenwacht.cases.models import Cluster, RoutingDecision, RoutingRule, Unit
from ketenwacht.cases.reference import read_ranges
from ketenwacht.cases.routing import Decision, RoutingFacts, RuleSpec, decide
from ketenwacht.cases.tests.factories import World, cluster_of, import_report
from ketenwacht.errors import PermissionDeniedError
from ketenwacht.synth.generators import identifiers

IBAN, SECOND = identifiers("iban", 2, seed="routing")

RULES = [
    RuleSpec(1, "suspect", RoutingMethod.SUSPECT_POSTCODE),
    RuleSpec(2, "majority", RoutingMethod.VICTIM_MAJORITY, min_share=0.5),
    RuleSpec(3, "national", RoutingMethod.FIXED_UNIT, unit_code="landelijke-eenheid"),
]


def _facts(**overrides: Any) -> RoutingFacts:
    values: dict[str, Any] = {
        "fraud_types": {"purchase": 3},
        "damage_total_cents": 100_000,
        "victim_count": 3,
        "regions": {},
        "suspect_units": {},
    }
    values.update(overrides)
    return RoutingFacts(**values)


def test_the_first_matching_rule_wins() -> None:
    facts = _facts(regions={"amsterdam": 3}, suspect_units={"limburg": 1})
    assert decide(facts, RULES, national_code="landelijke-eenheid").unit_code == "limburg"
    assert decide(facts, RULES[1:], national_code="landelijke-eenheid").unit_code == "amsterdam"


def test_a_rule_that_cannot_name_a_unit_does_not_match() -> None:
    # No suspect postcode; victims spread evenly: no majority; the fixed rule decides.
    facts = _facts(regions={"amsterdam": 1, "rotterdam": 1, "limburg": 1})
    decision = decide(facts, RULES, national_code="landelijke-eenheid")
    assert decision == Decision(
        "landelijke-eenheid", 3, "national", "fixed unit landelijke-eenheid"
    )


def test_a_majority_needs_more_than_the_share() -> None:
    half = _facts(regions={"amsterdam": 2, "rotterdam": 2})
    more = _facts(regions={"amsterdam": 3, "rotterdam": 2})
    assert decide(half, RULES[1:2], national_code="x").unit_code == "x"
    assert decide(more, RULES[1:2], national_code="x").unit_code == "amsterdam"


def test_conditions_restrict_a_rule() -> None:
    investment = RuleSpec(
        1,
        "investment to national",
        RoutingMethod.FIXED_UNIT,
        unit_code="landelijke-eenheid",
        fraud_types=frozenset({"investment"}),
        min_damage_cents=1_000_000_00,
    )
    rules = [investment, *RULES[1:2]]
    small = _facts(fraud_types={"investment": 2}, regions={"rotterdam": 2})
    large = _facts(
        fraud_types={"investment": 2}, regions={"rotterdam": 2}, damage_total_cents=2_000_000_00
    )
    assert decide(small, rules, national_code="n").unit_code == "rotterdam"
    assert decide(large, rules, national_code="n").unit_code == "landelijke-eenheid"


def test_without_any_rule_the_national_unit_takes_it() -> None:
    assert decide(_facts(), [], national_code="landelijke-eenheid").rule_id is None


def test_the_bundled_postcode_table_covers_every_postcode_once() -> None:
    ranges = read_ranges()
    covered = [n for first, last, _unit in ranges for n in range(first, last + 1)]
    assert covered == list(range(1000, 10000))


@pytest.mark.django_db
def test_postcode_lookup_by_table() -> None:
    table = routing.PostcodeTable.load()
    codes: dict[int | None, str] = dict(Unit.objects.values_list("pk", "code"))
    assert codes[table.unit_id("1012")] == "amsterdam"
    assert codes[table.unit_id("3011")] == "rotterdam"
    assert codes[table.unit_id("6211")] == "limburg"
    assert codes[table.unit_id("9712")] == "noord-nederland"
    assert table.unit_id("12") is None and table.unit_id("abcd") is None


# --- applied to clusters ------------------------------------------------------------------------


def _cluster(world: World, postcodes: list[str], value: str = IBAN) -> Cluster:
    results = [import_report(world.police_token, [value], postcode4=pc) for pc in postcodes]
    return cluster_of(results[0].report.pk)


@pytest.mark.django_db
def test_a_cluster_goes_to_the_victims_region_and_the_history_is_kept(world: World) -> None:
    cluster = _cluster(world, ["1012", "1013"])
    assert cluster.unit is not None and cluster.unit.code == "amsterdam"
    # Two Rotterdam victims join: no majority any more, the national unit takes it.
    for postcode in ("3011", "3012"):
        import_report(world.police_token, [IBAN], postcode4=postcode)
    cluster.refresh_from_db()
    assert cluster.unit is not None and cluster.unit.code == "landelijke-eenheid"
    history = list(
        RoutingDecision.objects.filter(cluster=cluster).values_list("unit__code", flat=True)
    )
    assert history == ["amsterdam", "landelijke-eenheid"]


@pytest.mark.django_db
def test_a_suspects_postcode_from_a_bank_comes_first(world: World) -> None:
    cluster = _cluster(world, ["1012", "1013"])
    services.suspect_postcode_supply(
        actor=world.bank_token, value=IBAN, postcode4="6211", sharing_group=world.group.slug
    )
    cluster.refresh_from_db()
    assert cluster.unit is not None and cluster.unit.code == "limburg"
    latest = RoutingDecision.objects.filter(cluster=cluster).last()
    assert latest is not None and latest.rule is not None
    assert latest.rule.method == RoutingMethod.SUSPECT_POSTCODE


@pytest.mark.django_db
def test_reordering_rules_reroutes_open_clusters(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    cluster = _cluster(world, ["1012", "1013"])
    services.suspect_postcode_supply(
        actor=world.bank_token, value=IBAN, postcode4="6211", sharing_group=world.group.slug
    )
    majority = RoutingRule.objects.get(method=RoutingMethod.VICTIM_MAJORITY)
    with django_capture_on_commit_callbacks(execute=True):
        services.routing_rule_move(actor=world.programme, rule=majority, direction=-1)
    assert list(RoutingRule.objects.values_list("method", flat=True)) == [
        RoutingMethod.VICTIM_MAJORITY,
        RoutingMethod.SUSPECT_POSTCODE,
        RoutingMethod.FIXED_UNIT,
    ]
    cluster.refresh_from_db()
    assert cluster.unit is not None and cluster.unit.code == "amsterdam"


@pytest.mark.django_db
def test_a_cluster_taken_on_stays_and_the_advice_is_recorded(world: World) -> None:
    cluster = _cluster(world, ["1012", "1013"])
    services.cluster_assign(
        actor=world.analyst,
        cluster=cluster,
        unit=Unit.objects.get(code="amsterdam"),
        assignee=world.police_user,
    )
    cluster.refresh_from_db()
    assert cluster.state == ClusterState.ASSIGNED
    for postcode in ("3011", "3012", "3013"):
        import_report(world.police_token, [IBAN], postcode4=postcode)
    cluster.refresh_from_db()
    assert cluster.unit is not None and cluster.unit.code == "amsterdam"
    advice = RoutingDecision.objects.filter(cluster=cluster).last()
    assert advice is not None and not advice.applied and advice.unit.code == "rotterdam"


@pytest.mark.django_db
def test_only_the_programme_team_edits_rules(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        services.routing_rule_save(
            actor=world.analyst, rule=None, name="mine", method=RoutingMethod.VICTIM_MAJORITY
        )
    rule = services.routing_rule_save(
        actor=world.programme,
        rule=None,
        name="Investment fraud to the national unit",
        method=RoutingMethod.FIXED_UNIT,
        unit=Unit.objects.get(code="landelijke-eenheid"),
        fraud_types=["investment"],
    )
    assert rule.position == 4 and rule.fraud_types == ["investment"]


@pytest.mark.django_db
def test_a_suspect_postcode_on_an_identifier_the_new_report_brings_routes_the_cluster(
    world: World,
) -> None:
    """The add routes a cluster before it writes the new report's membership (one message
    less): the suspect postcodes of the identifiers only the new report names count too."""
    cluster = _cluster(world, ["1012", "1013"])
    assert cluster.unit is not None and cluster.unit.code == "amsterdam"
    services.suspect_postcode_supply(
        actor=world.bank_token, value=SECOND, postcode4="6211", sharing_group=world.group.slug
    )
    cluster.refresh_from_db()
    assert cluster.unit.code == "amsterdam"  # nobody in the cluster names SECOND yet
    joined = import_report(world.police_token, [IBAN, SECOND], postcode4="1014")
    assert cluster_of(joined.report.pk) == cluster
    cluster.refresh_from_db()
    assert cluster.unit.code == "limburg"
    latest = RoutingDecision.objects.filter(cluster=cluster).last()
    assert latest is not None and latest.rule is not None
    assert latest.rule.method == RoutingMethod.SUSPECT_POSTCODE


@pytest.mark.django_db
def test_a_new_cluster_is_routed_by_the_suspect_postcodes_of_its_reports(world: World) -> None:
    """A new cluster is routed before its memberships are written: its reports' identifiers'
    suspect postcodes count."""
    services.suspect_postcode_supply(
        actor=world.bank_token, value=SECOND, postcode4="6211", sharing_group=world.group.slug
    )
    (third,) = identifiers("iban", 1, seed="routing-new-cluster")
    first = import_report(world.police_token, [third], postcode4="1012")
    second = import_report(world.police_token, [third, SECOND], postcode4="1013")
    cluster = cluster_of(first.report.pk)
    assert cluster_of(second.report.pk) == cluster
    assert cluster.unit is not None and cluster.unit.code == "limburg"
    (decision,) = RoutingDecision.objects.filter(cluster=cluster)
    assert decision.rule is not None and decision.rule.method == RoutingMethod.SUSPECT_POSTCODE

"""The hub guard: allowlisted identifiers and identifiers across unrelated fraud forms link
nothing; analysts see them and override either way."""

from __future__ import annotations

from typing import Any

import pytest

from ketenwacht.audit.models import AuditEvent
from ketenwacht.cases import selectors, services
from ketenwacht.cases.constants import ClusterEventKind, HubOverride, HubReason
from ketenwacht.cases.models import Cluster, ClusterEvent, Hub, Report
from ketenwacht.cases.tests.factories import World, import_report, partition
from ketenwacht.errors import PermissionDeniedError
from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.identifiers.models import AllowlistEntry
from ketenwacht.synth.generators import identifiers

pytestmark = pytest.mark.django_db

SUPPORT = "klantenservice@marktplein-demo.nl"  # a marketplace's real support address
IBANS = list(identifiers("iban", 10, seed="hubs"))


def _clusters_of(results: list[services.ImportResult]) -> set[int | None]:
    ids = [r.report.pk for r in results]
    return set(Report.objects.filter(pk__in=ids).values_list("membership__cluster_id", flat=True))


def test_an_allowlisted_number_links_nothing(world: World) -> None:
    bank_line = canonicalise("+31 20 123 4567", "phone")
    AllowlistEntry.objects.create(
        kind="phone",
        value=bank_line.value,
        display=bank_line.display,
        owner_name="Demo Bank",
        category="bank",
    )
    first = import_report(world.police_token, ["020-1234567"], fraud_type="bankhelpdesk")
    second = import_report(world.police_token, ["+31201234567"], fraud_type="bankhelpdesk")
    assert _clusters_of([first, second]) == {None}
    hub = Hub.objects.get()
    assert hub.allowlisted and hub.is_excluded and hub.reason == HubReason.ALLOWLISTED


def test_a_domain_on_the_allowlist_covers_its_urls(world: World) -> None:
    AllowlistEntry.objects.create(
        kind="domain",
        value="postnl.nl",
        display="postnl.nl",
        owner_name="PostNL",
        category="carrier",
    )
    reports = [
        import_report(world.police_token, ["https://www.postnl.nl/track"], fraud_type="phishing")
        for _ in range(2)
    ]
    assert _clusters_of(reports) == {None}


def test_an_address_across_unrelated_forms_becomes_a_hub_and_splits_its_cluster(
    world: World, small_hubs: dict[str, Any]
) -> None:
    # Three purchase-fraud reports name the support address next to their own IBAN pairs.
    first = import_report(world.police_token, [SUPPORT, IBANS[0]], fraud_type="purchase")
    second = import_report(world.police_token, [SUPPORT, IBANS[0]], fraud_type="purchase")
    third = import_report(world.police_token, [SUPPORT, IBANS[1]], fraud_type="sales")
    (joined,) = _clusters_of([first, second, third])
    assert joined is not None
    # A phishing report names it too: four reports over two unrelated families (> 3).
    fourth = import_report(world.police_token, [SUPPORT], fraud_type="phishing")
    hub = Hub.objects.get(reason=HubReason.MANY_FORMS)
    assert hub.is_excluded and hub.report_count == 4
    assert partition() == {
        frozenset({first.report.pk, second.report.pk}),  # still share IBANS[0]
        frozenset({third.report.pk}),
        frozenset({fourth.report.pk}),
    }
    # The surviving pair kept the cluster id; the history says it shrank.
    assert Report.objects.get(pk=first.report.pk).cluster_id == joined
    assert Cluster.objects.get(pk=joined).report_count == 2


def test_one_family_keeps_linking_until_the_absolute_limit(
    world: World, small_hubs: dict[str, Any]
) -> None:
    ring = [import_report(world.police_token, [IBANS[2]], fraud_type="purchase") for _ in range(6)]
    assert len(_clusters_of(ring)) == 1 and None not in _clusters_of(ring)
    seventh = import_report(world.police_token, [IBANS[2]], fraud_type="purchase")
    assert Hub.objects.get().reason == HubReason.VERY_MANY
    assert _clusters_of([*ring, seventh]) == {None}
    assert ClusterEvent.objects.filter(kind=ClusterEventKind.DISSOLVED).count() == 1


def test_an_analyst_overrides_the_hub_decision_both_ways(
    world: World, small_hubs: dict[str, Any]
) -> None:
    reports = [
        import_report(world.police_token, [SUPPORT], fraud_type=fraud)
        for fraud in ("purchase", "phishing", "sales", "romance")
    ]
    assert _clusters_of(reports) == {None}
    hub = Hub.objects.get()
    services.hub_override(
        actor=world.analyst,
        pseudonym_id=hub.pseudonym_id,
        decision=HubOverride.LINK,
        note="Address of one fraudster, not the real support desk",
    )
    assert len(_clusters_of(reports)) == 1 and None not in _clusters_of(reports)
    event = AuditEvent.objects.filter(action="cases.hub_override").get()
    assert event.details["decision"] == "link" and not event.details["excluded"]
    services.hub_override(
        actor=world.prosecutor_analyst,
        pseudonym_id=hub.pseudonym_id,
        decision=HubOverride.AUTO,
        note="Back to the rules",
    )
    assert _clusters_of(reports) == {None}


def test_only_police_and_prosecutor_analysts_override_or_see_hubs(
    world: World, small_hubs: dict[str, Any]
) -> None:
    for fraud in ("purchase", "phishing", "sales", "romance"):
        import_report(world.police_token, [SUPPORT], fraud_type=fraud)
    pid = Hub.objects.get().pseudonym_id
    for actor in (world.bank_police_role, world.partner_analyst, world.programme):
        with pytest.raises(PermissionDeniedError):
            services.hub_override(actor=actor, pseudonym_id=pid, decision="link", note="mine now")
        assert selectors.hub_list(actor=actor, show="all") == []
    rows = selectors.hub_list(actor=world.analyst)
    assert [row.hub.pseudonym_id for row in rows] == [pid]
    assert rows[0].label == "k•••@marktplein-demo.nl"  # masked: never the full address

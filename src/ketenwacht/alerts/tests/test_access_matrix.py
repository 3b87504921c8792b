"""Every marking × role × membership × route: who may read an alert, and by which route.

The expectation is written out here, independently of ``partners.access``:

- Only readers (partner analyst, desk agent, police analyst, programme team) of an
  organisation in the alert's sharing group read it — never an outsider, by any route.
- TLP:RED: only the named people (and the author), whatever their organisation's membership.
- API tokens are systems, not named people: never RED; everything else for members.
- Digest e-mail: CLEAR, GREEN, AMBER with content; AMBER+STRICT only counted; RED not at all.
- Webhooks: members' own endpoints for everything but RED.
- Public page and feed: only alerts every member agreed to publish (none of these).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client

from ketenwacht.alerts import selectors, services
from ketenwacht.alerts.constants import Event, SubscriptionChannel
from ketenwacht.alerts.models import Alert
from ketenwacht.alerts.tests.factories import (
    World,
    client_for,
    make_alert,
    make_subscription,
    make_world,
    person,
)
from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.models import Delivery
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor, actor_for_token
from ketenwacht.partners.constants import Marking, Role, Scope
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import make_token

pytestmark = pytest.mark.django_db

MARKINGS = list(Marking.values)
ROLES = list(Role.values)
READERS = {Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM}
# author_org: a colleague of the author; member_org: another member; named: a person of the
# member organisation named on the RED alert; outsider: an organisation outside the group.
PEOPLE_MEMBERSHIPS = ("author_org", "member_org", "named", "outsider")
ORG_MEMBERSHIPS = ("author_org", "member_org", "outsider")


def expected_person(marking: str, role: str, membership: str) -> bool:
    if role not in READERS or membership == "outsider":
        return False
    if marking == Marking.RED:
        return membership == "named"
    return True


def expected_token(marking: str, membership: str) -> bool:
    return membership != "outsider" and marking != Marking.RED


def expected_digest(marking: str, membership: str) -> str:
    """'content', 'count' (withheld, existence only) or 'none'."""
    if membership == "outsider" or marking == Marking.RED:
        return "none"
    return "count" if marking == Marking.AMBER_STRICT else "content"


def expected_webhook(marking: str, membership: str) -> bool:
    return membership != "outsider" and marking != Marking.RED


@dataclass
class Matrix:
    world: World
    alerts: dict[str, Alert]
    people: dict[tuple[str, str], Actor] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)


@pytest.fixture
def matrix() -> Matrix:
    world = make_world()
    organisations = {
        "author_org": world.author_org,
        "member_org": world.member_org,
        "outsider": world.outsider_org,
    }
    people: dict[tuple[str, str], Actor] = {}
    for role in ROLES:
        people[(role, "author_org")] = person(role, world.author_org)
        people[(role, "member_org")] = person(role, world.member_org)
        people[(role, "named")] = person(role, world.member_org)
        people[(role, "outsider")] = person(role, world.outsider_org)
    for membership in ORG_MEMBERSHIPS:  # before sharing, so the webhooks fire
        make_subscription(organisations[membership], channel=SubscriptionChannel.WEBHOOK)
        make_subscription(organisations[membership], channel=SubscriptionChannel.DIGEST)
    named = [people[(role, "named")] for role in ROLES if role in READERS]
    alerts = {
        marking: make_alert(
            world,
            marking=marking,
            title=f"Melding {marking}",
            recipients=named if marking == Marking.RED else (),
        )
        for marking in MARKINGS
    }
    return Matrix(world=world, alerts=alerts, people=people, organisations=organisations)


def _mismatches_for_people(
    matrix: Matrix, marking: str, check: Callable[[Actor, Alert], bool]
) -> list[tuple[str, str, bool]]:
    found = []
    for role in ROLES:
        for membership in PEOPLE_MEMBERSHIPS:
            actor = matrix.people[(role, membership)]
            allowed = check(actor, matrix.alerts[marking])
            if allowed != expected_person(marking, role, membership):
                found.append((role, membership, allowed))
    return found


@pytest.mark.parametrize("marking", MARKINGS)
def test_page_list(matrix: Matrix, marking: str) -> None:
    def listed(actor: Actor, alert: Alert) -> bool:
        response = client_for(actor).get("/portal/alerts/")
        return response.status_code == 200 and str(alert.uuid) in response.content.decode()

    assert _mismatches_for_people(matrix, marking, listed) == []


@pytest.mark.parametrize("marking", MARKINGS)
def test_page_detail_and_versions(matrix: Matrix, marking: str) -> None:
    def readable(actor: Actor, alert: Alert) -> bool:
        client = client_for(actor)
        detail = client.get(f"/portal/alerts/{alert.uuid}/")
        versions = client.get(f"/portal/alerts/{alert.uuid}/versions/")
        assert (detail.status_code == 200) == (versions.status_code == 200)
        if detail.status_code == 200:
            assert alert.title in detail.content.decode()
        else:  # refused by role (403) or invisible (404): never the content
            assert detail.status_code in (403, 404)
            assert alert.title not in detail.content.decode()
        return detail.status_code == 200

    assert _mismatches_for_people(matrix, marking, readable) == []


@pytest.mark.parametrize("marking", MARKINGS)
def test_selector_and_policy_agree(matrix: Matrix, marking: str) -> None:
    def selected(actor: Actor, alert: Alert) -> bool:
        in_list = selectors.alert_list(actor=actor).filter(pk=alert.pk).exists()
        assert in_list == access.may_read_alert(actor, alert.facts())
        return in_list

    assert _mismatches_for_people(matrix, marking, selected) == []


@pytest.mark.parametrize("marking", MARKINGS)
def test_api_list_and_detail(matrix: Matrix, marking: str) -> None:
    alert = matrix.alerts[marking]
    mismatches = []
    for membership in ORG_MEMBERSHIPS:
        _token, secret = make_token(matrix.organisations[membership], [Scope.ALERTS_READ])
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        listing = client.get("/api/v1/alerts?page_size=100")
        assert listing.status_code == 200
        listed = str(alert.uuid) in {item["id"] for item in listing.json()["results"]}
        detail = client.get(f"/api/v1/alerts/{alert.uuid}")
        assert detail.status_code in (200, 404)
        readable = detail.status_code == 200
        if (listed, readable) != (expected_token(marking, membership),) * 2:
            mismatches.append((membership, listed, readable))
    assert mismatches == []


@pytest.mark.parametrize("marking", MARKINGS)
def test_api_tokens_agree_with_policy(matrix: Matrix, marking: str) -> None:
    for membership in ORG_MEMBERSHIPS:
        token, _secret = make_token(matrix.organisations[membership], [Scope.ALERTS_READ])
        actor = actor_for_token(token)
        alert = matrix.alerts[marking]
        assert access.may_read_alert(actor, alert.facts()) == expected_token(marking, membership)


@pytest.mark.parametrize("marking", MARKINGS)
def test_digest(matrix: Matrix, marking: str) -> None:
    services.digests_send_due()
    alert = matrix.alerts[marking]
    mismatches = []
    for membership in ORG_MEMBERSHIPS:
        organisation = matrix.organisations[membership]
        mail = Delivery.objects.filter(
            channel=Channel.EMAIL, event_type=Event.DIGEST, organisation=organisation
        ).first()
        body = mail.payload["body"] if mail else ""
        if mail is not None and str(alert.uuid) in mail.payload["alerts"]:
            got = "content"
            assert alert.title in body
        else:
            got = "count" if "further alert" in body and marking == Marking.AMBER_STRICT else "none"
            assert alert.title not in body
        if got != expected_digest(marking, membership):
            mismatches.append((membership, got))
    assert mismatches == []


@pytest.mark.parametrize("marking", MARKINGS)
def test_webhook(matrix: Matrix, marking: str) -> None:
    alert = matrix.alerts[marking]
    mismatches = []
    for membership in ORG_MEMBERSHIPS:
        sent = Delivery.objects.filter(
            channel=Channel.WEBHOOK,
            event_type=Event.SHARED,
            organisation=matrix.organisations[membership],
            payload__id=str(alert.uuid),
        ).exists()
        if sent != expected_webhook(marking, membership):
            mismatches.append((membership, sent))
    assert mismatches == []


@pytest.mark.parametrize("marking", MARKINGS)
def test_public_feed_and_page_show_nothing_unreleased(matrix: Matrix, marking: str) -> None:
    alert = matrix.alerts[marking]
    assert alert.title not in Client().get("/warnings/feed.atom").content.decode()
    assert alert.title not in Client().get("/warnings/").content.decode()
    assert Client().get(f"/warnings/{alert.uuid}/").status_code == 404


@pytest.mark.parametrize("marking", MARKINGS)
def test_drafts_stay_in_the_author_organisation(marking: str) -> None:
    world = make_world()
    author_colleague = person(Role.DESK_AGENT, world.author_org)
    draft = make_alert(world, marking=marking, share=False)
    assert selectors.alert_list(actor=world.author).filter(pk=draft.pk).exists()
    colleague_sees = selectors.alert_list(actor=author_colleague).filter(pk=draft.pk).exists()
    # RED: even in the author organisation only the author and the named people.
    assert colleague_sees == (marking != Marking.RED)
    assert not selectors.alert_list(actor=world.member).filter(pk=draft.pk).exists()
    assert client_for(world.member).get(f"/portal/alerts/{draft.uuid}/").status_code == 404
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    api = Client().get(f"/api/v1/alerts/{draft.uuid}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 404


def expected_export(marking: str, membership: str) -> bool:
    """Bundles, feeds and other files that may be synchronised onward: CLEAR and GREEN."""
    return membership != "outsider" and marking in (Marking.CLEAR, Marking.GREEN)


@pytest.mark.parametrize("marking", MARKINGS)
def test_taxii_stix_and_misp_routes(matrix: Matrix, marking: str) -> None:
    from ketenwacht.alerts.exchange import taxii

    alert = matrix.alerts[marking]
    report_id = f"report--{alert.uuid}"
    collection = f"/taxii2/api/collections/{taxii.collection_id(matrix.world.group)}/"
    mismatches: list[tuple[str, str, object]] = []
    for membership in ORG_MEMBERSHIPS:
        _token, secret = make_token(matrix.organisations[membership], [Scope.ALERTS_READ])
        client = Client(
            headers={"Authorization": f"Bearer {secret}", "Accept": taxii.TAXII_MEDIA_TYPE}
        )
        objects = client.get(f"{collection}objects/", {"limit": 1000})
        listed = objects.status_code == 200 and report_id in {
            o["id"] for o in objects.json().get("objects", [])
        }
        one = client.get(f"{collection}objects/{report_id}/")
        manifest = client.get(f"{collection}manifest/", {"limit": 1000})
        in_manifest = manifest.status_code == 200 and report_id in {
            o["id"] for o in manifest.json().get("objects", [])
        }
        taxii_seen = (listed, one.status_code == 200, in_manifest)
        if taxii_seen != (expected_token(marking, membership),) * 3:
            mismatches.append(("taxii", membership, taxii_seen))

        api = Client(headers={"Authorization": f"Bearer {secret}"})
        for audience, expected in (
            ("community", expected_export(marking, membership)),
            ("organisation", expected_token(marking, membership)),
        ):
            bundle = api.get("/api/v1/alerts/exchange/stix", {"audience": audience}).json()
            exported = report_id in {o["id"] for o in bundle["objects"]}
            if exported != expected:
                mismatches.append((f"stix {audience}", membership, exported))
        manifest_ids = set(api.get("/api/v1/alerts/exchange/misp/manifest.json").json())
        event = api.get(f"/api/v1/alerts/exchange/misp/{alert.uuid}.json")
        feed_seen = (str(alert.uuid) in manifest_ids, event.status_code == 200)
        if feed_seen != (expected_export(marking, membership),) * 2:
            mismatches.append(("misp", membership, feed_seen))
    assert mismatches == []

"""Release by consent for alerts: publish as a public warning, lower the marking."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ketenwacht.alerts import services
from ketenwacht.alerts.models import Alert
from ketenwacht.alerts.tests.factories import World, make_alert, make_world, person
from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.partners.constants import Marking, Role
from ketenwacht.release import services as release_services
from ketenwacht.release.constants import Decision, Status
from ketenwacht.release.models import ReleaseRequest

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_titles() -> list[str]:
    response = Client().get("/warnings/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.iter(f"{ATOM}entry")]


def ask_publish(world: World, alert: Alert, **kwargs: Any) -> ReleaseRequest:
    return services.alert_release_request(
        actor=world.author, alert=alert, action="publish", reason="Publiek waarschuwen", **kwargs
    )


def approve_all(world: World, request: ReleaseRequest) -> None:
    # The requester may not approve; a colleague decides for the author organisation.
    colleague = person(Role.PARTNER_ANALYST, world.author_org)
    for decider in (colleague, world.member):
        release_services.release_decide(actor=decider, request=request, decision=Decision.APPROVE)


def test_every_member_approves_then_it_is_a_public_clear_warning() -> None:
    world = make_world()
    alert = make_alert(world, marking=Marking.GREEN, title="Let op: nep-pakketsms")
    request = ask_publish(world, alert)
    assert set(request.parties.values_list("organisation_id", flat=True)) == {
        world.author_org.pk,
        world.member_org.pk,
    }
    assert feed_titles() == []
    approve_all(world, request)
    alert.refresh_from_db()
    request.refresh_from_db()
    assert request.status == Status.RELEASED
    assert alert.is_public and alert.marking == Marking.CLEAR and alert.published_at
    assert alert.versions.order_by("-number").values_list("marking", flat=True)[0] == Marking.CLEAR
    assert feed_titles() == ["Let op: nep-pakketsms"]
    assert Client().get(f"/warnings/{alert.uuid}/").status_code == 200
    assert AuditEvent.objects.filter(action="alert.publish", object_id=str(alert.uuid)).exists()


def test_one_veto_keeps_it_off_the_public_page() -> None:
    world = make_world()
    alert = make_alert(world, marking=Marking.CLEAR)
    request = ask_publish(world, alert)
    colleague = person(Role.PARTNER_ANALYST, world.author_org)
    release_services.release_decide(actor=colleague, request=request, decision=Decision.APPROVE)
    release_services.release_decide(
        actor=world.member, request=request, decision=Decision.VETO, reason="Lopend onderzoek"
    )
    alert.refresh_from_db()
    assert not alert.is_public
    assert feed_titles() == []
    assert Client().get(f"/warnings/{alert.uuid}/").status_code == 404


def test_deadline_without_every_approval_keeps_it_internal() -> None:
    world = make_world()
    alert = make_alert(world, marking=Marking.CLEAR)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request = ask_publish(world, alert, deadline=start + timedelta(days=3))
        colleague = person(Role.PARTNER_ANALYST, world.author_org)
        release_services.release_decide(actor=colleague, request=request, decision=Decision.APPROVE)
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        assert release_services.release_expire_due() == 1
    request.refresh_from_db()
    alert.refresh_from_db()
    assert request.status == Status.EXPIRED
    assert not alert.is_public
    assert feed_titles() == []


def test_downgrade_by_consent() -> None:
    world = make_world()
    alert = make_alert(world, marking=Marking.AMBER_STRICT)
    with pytest.raises(ValidationFailed) as caught:
        services.alert_release_request(
            actor=world.author, alert=alert, action="downgrade", reason="x", marking=Marking.RED
        )
    assert caught.value.code == "not_a_downgrade"
    request = services.alert_release_request(
        actor=world.author,
        alert=alert,
        action="downgrade",
        reason="Breder delen",
        marking=Marking.GREEN,
    )
    approve_all(world, request)
    alert.refresh_from_db()
    assert alert.marking == Marking.GREEN
    assert not alert.is_public


def test_red_and_drafts_cannot_be_released_and_members_cannot_ask() -> None:
    world = make_world()
    red = make_alert(world, marking=Marking.RED, recipients=[world.member])
    with pytest.raises(ValidationFailed) as caught:
        ask_publish(world, red)
    assert caught.value.code == "red_not_releasable"
    draft = make_alert(world, share=False)
    with pytest.raises(ConflictError):
        ask_publish(world, draft)
    shared = make_alert(world)
    with pytest.raises(PermissionDeniedError):
        services.alert_release_request(
            actor=world.member, alert=shared, action="publish", reason="Niet van ons"
        )


def test_withdrawal_cancels_the_request_and_removes_the_public_warning() -> None:
    world = make_world()
    published = make_alert(world, marking=Marking.CLEAR, title="Gepubliceerd")
    approve_all(world, ask_publish(world, published))
    pending = make_alert(world, marking=Marking.CLEAR, title="In behandeling")
    request = ask_publish(world, pending)
    assert feed_titles() == ["Gepubliceerd"]
    services.alert_withdraw(actor=world.author, alert=published, reason="Achterhaald")
    services.alert_withdraw(actor=world.author, alert=pending, reason="Achterhaald")
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert feed_titles() == []
    assert Client().get(f"/warnings/{published.uuid}/").status_code == 404


def test_feed_contains_only_released_clear_alerts() -> None:
    world = make_world()
    released = make_alert(world, marking=Marking.CLEAR, title="Vrijgegeven")
    approve_all(world, ask_publish(world, released))
    make_alert(world, marking=Marking.CLEAR, title="Clear maar niet vrijgegeven")
    make_alert(world, marking=Marking.AMBER, title="Amber")
    make_alert(world, share=False, marking=Marking.CLEAR, title="Concept")
    # Defence in depth: a row marked public with another marking still stays out.
    tampered = make_alert(world, marking=Marking.GREEN, title="Gemanipuleerd")
    Alert.objects.filter(pk=tampered.pk).update(is_public=True)
    assert feed_titles() == ["Vrijgegeven"]
    listing = Client().get("/warnings/").content.decode()
    assert "Vrijgegeven" in listing
    assert "Gemanipuleerd" not in listing and "Amber" not in listing and "Concept" not in listing
    assert Client().get(f"/warnings/{tampered.uuid}/").status_code == 404

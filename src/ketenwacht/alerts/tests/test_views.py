"""Portal pages: create a draft, see the scan, resolve, share, withdraw, quick flag,
ask to release, subscribe; every list paginates."""

from __future__ import annotations

import pytest

from ketenwacht.alerts.constants import AlertStatus, SubscriptionChannel
from ketenwacht.alerts.models import Alert, Subscription
from ketenwacht.alerts.tests.factories import (
    BANKHELPDESK,
    client_for,
    make_alert,
    make_endpoint,
    make_world,
    person,
    user_of,
)
from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery.models import Delivery
from ketenwacht.partners.constants import Marking, Role
from ketenwacht.release.models import ReleaseRequest

pytestmark = pytest.mark.django_db


def test_create_scan_resolve_and_share_in_the_portal() -> None:
    world = make_world()
    client = client_for(world.author)
    response = client.post(
        "/portal/alerts/new/",
        {
            "group": world.group.pk,
            "title": "Nepbank belt",
            "summary": "Bellers vragen om een overboeking.",
            "body": "Geld naar NL91 ABNA 0417 1643 00 overgemaakt.",
            "fraud_type": BANKHELPDESK,
            "phases": ["contact"],
            "channels": ["phone_call"],
            "marking": Marking.AMBER,
        },
    )
    assert response.status_code == 302
    alert = Alert.objects.get(title="Nepbank belt")
    edit = client.get(response["Location"]).content.decode()
    assert "NL91 ABNA 0417 1643 00" in edit  # the author sees what to resolve
    refused = client.post(f"/portal/alerts/{alert.uuid}/share/", follow=True)
    assert "personal data" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DRAFT
    client.post(
        f"/portal/alerts/{alert.uuid}/personal-data/",
        {"field": "body", "text": "NL91 ABNA 0417 1643 00", "action": "indicator"},
    )
    client.post(f"/portal/alerts/{alert.uuid}/share/")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SHARED
    assert alert.indicators.count() == 1
    member_view = client_for(world.member).get(f"/portal/alerts/{alert.uuid}/").content.decode()
    assert "Nepbank belt" in member_view
    assert "0417 1643" not in member_view
    assert AuditEvent.objects.filter(action="alert.view", object_id=str(alert.uuid)).exists()


def test_edit_makes_a_version_in_the_portal() -> None:
    world = make_world()
    alert = make_alert(world, share=False)
    client = client_for(world.author)
    response = client.post(
        f"/portal/alerts/{alert.uuid}/edit/",
        {
            "group": world.group.pk,
            "title": "Beter verwoord",
            "summary": alert.summary,
            "body": alert.body,
            "fraud_type": BANKHELPDESK,
            "marking": Marking.AMBER,
        },
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.version == 2
    versions = client.get(f"/portal/alerts/{alert.uuid}/versions/").content.decode()
    assert "Beter verwoord" in versions and "Nepbankmedewerker" in versions


def test_member_sees_only_versions_since_sharing() -> None:
    world = make_world()
    alert = make_alert(world, share=False, title="Eerste concept")
    from ketenwacht.alerts import services

    services.alert_update(actor=world.author, alert=alert, title="Gedeelde titel")
    services.alert_share(actor=world.author, alert=alert)
    text = client_for(world.member).get(f"/portal/alerts/{alert.uuid}/versions/").content.decode()
    assert "Gedeelde titel" in text
    assert "Eerste concept" not in text


def test_quick_flag_page_notifies_at_once() -> None:
    world = make_world()
    response = client_for(world.author).post(
        "/portal/alerts/quick-flag/",
        {"group": world.group.pk, "title": "Nieuwe WhatsApp-truc", "marking": Marking.GREEN},
    )
    assert response.status_code == 302
    alert = Alert.objects.get(title="Nieuwe WhatsApp-truc")
    assert alert.is_quick_flag and alert.status == AlertStatus.SHARED
    assert Delivery.objects.filter(email_to=user_of(world.member).email).exists()


def test_withdraw_and_release_pages() -> None:
    world = make_world()
    alert = make_alert(world, marking=Marking.CLEAR)
    client = client_for(world.author)
    response = client.post(
        f"/portal/alerts/{alert.uuid}/release/",
        {"action": "publish", "reason": "Voor bibliotheken", "days": 7},
    )
    assert response.status_code == 302
    request = ReleaseRequest.objects.get()
    assert response["Location"] == f"/portal/release/{request.pk}/"
    inbox = client_for(world.member).get("/portal/release/").content.decode()
    assert f"/portal/release/{request.pk}/" in inbox
    detail = client_for(world.member).get(f"/portal/release/{request.pk}/").content.decode()
    assert f"/portal/alerts/{alert.uuid}/" in detail  # a member may open the alert
    client.post(f"/portal/alerts/{alert.uuid}/withdraw/", {"reason": "Achterhaald"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.WITHDRAWN


def test_members_cannot_use_write_pages_of_others() -> None:
    world = make_world()
    alert = make_alert(world)
    client = client_for(world.member)
    assert client.get(f"/portal/alerts/{alert.uuid}/edit/").status_code == 404
    client.post(f"/portal/alerts/{alert.uuid}/withdraw/", {"reason": "Weg ermee"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SHARED
    assert client.get(f"/portal/alerts/{alert.uuid}/release/").status_code == 404


def test_list_filters_and_paginates() -> None:
    world = make_world()
    for number in range(27):
        make_alert(world, title=f"Melding nummer {number:02d}", share=number % 2 == 0)
    client = client_for(world.member)
    first = client.get("/portal/alerts/").content.decode()
    assert "14 alerts" in first  # only the 14 shared ones; drafts stay with the author
    author_client = client_for(world.author)
    page_one = author_client.get("/portal/alerts/").content.decode()
    assert 'rel="next"' in page_one
    page_two = author_client.get("/portal/alerts/?page=2").content.decode()
    assert page_two.count("Melding nummer") == 2
    filtered = author_client.get("/portal/alerts/?status=draft").content.decode()
    assert "13 alerts" in filtered


def test_subscriptions_page() -> None:
    world = make_world()
    admin = person(Role.ADMIN, world.member_org)
    endpoint = make_endpoint(world.member_org)
    client = client_for(admin)
    response = client.post(
        "/portal/alerts/subscriptions/",
        {
            "name": "SOC",
            "channel": SubscriptionChannel.WEBHOOK,
            "endpoint": endpoint.pk,
            "markings": [Marking.AMBER_STRICT],
        },
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.endpoint == endpoint
    page = client.get("/portal/alerts/subscriptions/").content.decode()
    assert "SOC" in page
    client.post(f"/portal/alerts/subscriptions/{subscription.pk}/stop/")
    subscription.refresh_from_db()
    assert not subscription.is_active
    other_endpoint = make_endpoint(world.author_org, "Andermans")
    refused = client.post(
        "/portal/alerts/subscriptions/",
        {"name": "Kaping", "channel": SubscriptionChannel.WEBHOOK, "endpoint": other_endpoint.pk},
    )
    assert refused.status_code == 200  # form error: not an endpoint of this organisation
    assert Subscription.objects.count() == 1


def test_portal_tiles_per_role() -> None:
    world = make_world()
    analyst_home = client_for(world.author).get("/portal/").content.decode()
    assert "/portal/alerts/" in analyst_home and "/portal/release/" in analyst_home
    desk_home = client_for(person(Role.DESK_AGENT, world.author_org)).get("/portal/").content
    assert b"/portal/alerts/" in desk_home and b"/portal/release/" not in desk_home

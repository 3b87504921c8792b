"""The portal pages: who sees which deliveries, retrying dead letters, endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery import signing
from ketenwacht.delivery.constants import Status
from ketenwacht.delivery.models import Delivery, WebhookEndpoint
from ketenwacht.delivery.tests.factories import DeliveryFactory, WebhookEndpointFactory
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def organisation_of(client: Client) -> Any:
    return client.user.memberships.get().organisation  # type: ignore[attr-defined]


def test_programme_team_sees_every_delivery_and_filters_by_status(login_client: Login) -> None:
    dead = DeliveryFactory.create(dead=True, event_type="alert.dead")
    DeliveryFactory.create(delivered=True, event_type="alert.fine")
    client = login_client(Role.PROGRAMME_TEAM)

    everything = client.get(reverse("delivery:list"))
    only_dead = client.get(reverse("delivery:list"), {"status": "dead"})

    assert everything.status_code == 200
    assert list(everything.context["page"]) == list(Delivery.objects.order_by("-created_at", "pk"))
    assert list(only_dead.context["page"]) == [dead]
    assert "alert.fine" not in only_dead.content.decode()


def test_admin_sees_only_own_organisation(login_client: Login) -> None:
    client = login_client(Role.ADMIN)
    own_endpoint = WebhookEndpointFactory.create(organisation=organisation_of(client))
    own = DeliveryFactory.create(endpoint=own_endpoint)
    other = DeliveryFactory.create()

    response = client.get(reverse("delivery:list"))

    assert list(response.context["page"]) == [own]
    assert client.get(reverse("delivery:detail", args=[other.pk])).status_code == 404


def test_list_is_paginated(login_client: Login) -> None:
    DeliveryFactory.create_batch(51, dead=True)
    client = login_client(Role.PROGRAMME_TEAM)

    first = client.get(reverse("delivery:list"), {"status": "dead"})
    second = client.get(reverse("delivery:list"), {"status": "dead", "page": "2"})

    assert len(first.context["page"]) == 50
    assert 'href="?status=dead&amp;page=2"' in first.content.decode()
    assert len(second.context["page"]) == 1


@pytest.mark.parametrize("role", [Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST])
def test_other_roles_may_not_see_deliveries(login_client: Login, role: str) -> None:
    assert login_client(role).get(reverse("delivery:list")).status_code == 403


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get(reverse("delivery:list"))
    assert response.status_code == 302
    assert reverse("partners:login") in response["Location"]


def test_detail_shows_the_attempt_history(login_client: Login) -> None:
    delivery = DeliveryFactory.create(dead=True)
    delivery.history.create(
        number=1,
        started_at=delivery.created_at,
        finished_at=delivery.created_at,
        outcome="failed",
        http_status=503,
        error="HTTP 503",
    )
    response = login_client(Role.PROGRAMME_TEAM).get(reverse("delivery:detail", args=[delivery.pk]))

    content = response.content.decode()
    assert list(response.context["history"]) == list(delivery.history.all())
    assert "HTTP 503" in content
    assert reverse("delivery:retry", args=[delivery.pk]) in content


def test_retry_now_puts_a_dead_letter_back_in_the_outbox(login_client: Login) -> None:
    client = login_client(Role.ADMIN)
    delivery = DeliveryFactory.create(
        dead=True, endpoint=WebhookEndpointFactory.create(organisation=organisation_of(client))
    )

    response = client.post(reverse("delivery:retry", args=[delivery.pk]))

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING
    assert AuditEvent.objects.filter(action="delivery.retry", object_id=str(delivery.pk)).exists()


def test_retry_needs_post_and_a_visible_delivery(login_client: Login) -> None:
    client = login_client(Role.ADMIN)
    other = DeliveryFactory.create(dead=True)

    assert client.get(reverse("delivery:retry", args=[other.pk])).status_code == 405
    assert client.post(reverse("delivery:retry", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == Status.DEAD


def test_endpoint_secret_is_shown_once(login_client: Login) -> None:
    client = login_client(Role.ADMIN)
    url = reverse("delivery:endpoints")

    created = client.post(url, {"name": "SOC", "url": "https://soc.bank.example/hooks"})
    endpoint = WebhookEndpoint.objects.get(name="SOC")
    secret = signing.endpoint_secret(endpoint)

    assert created.status_code == 200
    assert secret in created.content.decode()
    assert endpoint.organisation == organisation_of(client)
    assert secret not in client.get(url).content.decode()


def test_endpoint_form_shows_unsafe_url_errors(login_client: Login, settings: Any) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "DELIVERY_ALLOW_PRIVATE_TARGETS": False}
    client = login_client(Role.ADMIN)

    response = client.post(
        reverse("delivery:endpoints"), {"name": "x", "url": "http://10.0.0.1/hooks"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_endpoint_list_and_deactivation_are_per_organisation(login_client: Login) -> None:
    client = login_client(Role.ADMIN)
    own = WebhookEndpointFactory.create(organisation=organisation_of(client))
    other = WebhookEndpointFactory.create(organisation=OrganisationFactory())

    listed = client.get(reverse("delivery:endpoints")).context["endpoints"]
    refused = client.post(reverse("delivery:endpoint_deactivate", args=[other.pk]))
    done = client.post(reverse("delivery:endpoint_deactivate", args=[own.pk]))

    assert list(listed) == [own]
    assert refused.status_code == 404
    assert done.status_code == 302
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.is_active, other.is_active) == (False, True)


def test_programme_team_has_no_endpoint_page(login_client: Login) -> None:
    assert login_client(Role.PROGRAMME_TEAM).get(reverse("delivery:endpoints")).status_code == 403


def test_portal_shows_the_tiles_to_the_right_roles(login_client: Login) -> None:
    deliveries = reverse("delivery:list")
    endpoints = reverse("delivery:endpoints")

    admin = login_client(Role.ADMIN).get(reverse("web:portal")).content.decode()
    team = login_client(Role.PROGRAMME_TEAM).get(reverse("web:portal")).content.decode()
    analyst = login_client(Role.PARTNER_ANALYST).get(reverse("web:portal")).content.decode()

    assert deliveries in admin and endpoints in admin
    assert deliveries in team and endpoints not in team
    assert deliveries not in analyst and endpoints not in analyst

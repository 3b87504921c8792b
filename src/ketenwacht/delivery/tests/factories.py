"""Factories for the delivery kernel, with traits for each status."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from ketenwacht.delivery import signing
from ketenwacht.delivery.constants import Channel, Status
from ketenwacht.delivery.models import Delivery, WebhookEndpoint
from ketenwacht.partners.tests.factories import OrganisationFactory


class WebhookEndpointFactory(factory.django.DjangoModelFactory[WebhookEndpoint]):
    class Meta:
        model = WebhookEndpoint

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Endpoint {n}")
    url = "https://receiver.example/hooks"
    secret_salt = factory.LazyFunction(signing.new_secret_salt)

    class Params:
        inactive = factory.Trait(is_active=False)


class DeliveryFactory(factory.django.DjangoModelFactory[Delivery]):
    """A webhook delivery; ``email`` switches the channel, status traits set the state."""

    class Meta:
        model = Delivery

    channel = Channel.WEBHOOK
    endpoint = factory.SubFactory(WebhookEndpointFactory)
    organisation = factory.SelfAttribute("endpoint.organisation")
    event_type = "test.event"
    payload = factory.LazyFunction(lambda: {"hello": "world"})
    idempotency_key = factory.Sequence(lambda n: f"test-key-{n}")

    class Params:
        email = factory.Trait(
            channel=Channel.EMAIL,
            endpoint=None,
            organisation=None,
            email_to="desk@example.org",
            subject="Melding",
            payload={"body": "Er is een nieuwe melding."},
        )
        dead = factory.Trait(status=Status.DEAD, attempts=8, last_error="HTTP 503")
        delivered = factory.Trait(
            status=Status.DELIVERED,
            attempts=1,
            delivered_at=factory.LazyFunction(timezone.now),
        )
        backing_off = factory.Trait(
            status=Status.PENDING,
            attempts=1,
            next_attempt_at=factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=5)),
        )

"""Factories for alerts: a sharing group with an agreement, its members and an outsider."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenwacht.alerts import services
from ketenwacht.alerts.constants import SubscriptionChannel
from ketenwacht.alerts.models import Alert, Subscription
from ketenwacht.delivery.models import WebhookEndpoint
from ketenwacht.knowledge.tests.factories import FraudTypeFactory
from ketenwacht.partners.access import Actor, actor_for_user
from ketenwacht.partners.constants import Marking, Role
from ketenwacht.partners.models import Organisation, SharingGroup
from ketenwacht.partners.tests.factories import (
    OrganisationFactory,
    SharingGroupFactory,
    make_agreement,
    make_user,
)

PHISHING = "phishing"
BANKHELPDESK = "bankhelpdesk"
ROMANCE = "romance"


def ensure_fraud_types() -> None:
    """The seeded taxonomy, also where a transactional test (live server) flushed it."""
    for code, name in (
        (PHISHING, "Phishing"),
        (BANKHELPDESK, "Bank helpdesk fraud"),
        (ROMANCE, "Romance fraud"),
    ):
        FraudTypeFactory.create(code=code, name_nl=name, name_en=name)


@dataclass
class World:
    """Two member organisations (one authors) and one outsider, each with an analyst."""

    group: SharingGroup
    author_org: Organisation
    member_org: Organisation
    outsider_org: Organisation
    author: Actor
    member: Actor
    outsider: Actor
    extra: dict[str, Any] = field(default_factory=dict)


def make_world(*, raw_value_roles: Iterable[str] = (Role.POLICE_ANALYST,)) -> World:
    ensure_fraud_types()
    author_org = OrganisationFactory.create(name="Bank A")
    member_org = OrganisationFactory.create(name="Marktplaats B")
    outsider_org = OrganisationFactory.create(name="Buitenstaander C")
    group = SharingGroupFactory.create(name="Kerngroep")
    group.members.set([author_org, member_org])
    make_agreement(
        group,
        raw_value_roles=list(raw_value_roles),
        allowed_kinds=["iban", "phone", "email", "url", "domain"],
    )
    return World(
        group=group,
        author_org=author_org,
        member_org=member_org,
        outsider_org=outsider_org,
        author=person(Role.PARTNER_ANALYST, author_org),
        member=person(Role.PARTNER_ANALYST, member_org),
        outsider=person(Role.PARTNER_ANALYST, outsider_org),
    )


def person(role: str, organisation: Organisation) -> Actor:
    return actor_for_user(make_user(role, organisation))


def user_of(actor: Actor) -> User:
    """The person behind a staff actor (tests only make actors with a user)."""
    assert actor.user is not None
    return actor.user


def client_for(actor: Actor) -> Client:
    """A logged-in client that has passed the second factor."""
    client = Client()
    client.force_login(user_of(actor))
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user_of(actor)).persistent_id
    session.save()
    return client


def make_alert(
    world: World,
    *,
    marking: str = Marking.AMBER,
    share: bool = True,
    author: Actor | None = None,
    recipients: Iterable[Actor] = (),
    **fields: Any,
) -> Alert:
    author = author or world.author
    values: dict[str, Any] = {
        "title": "Nepbankmedewerker belt over 'verdachte betaling'",
        "summary": "Bellers doen zich voor als fraudeafdeling en vragen om een overboeking.",
        "body": "De beller kent de **naam** van het slachtoffer.",
        "fraud_type": BANKHELPDESK,
        "phases": ["contact", "convincing"],
        "channels": ["phone_call"],
        **fields,
    }
    alert = services.alert_create(
        actor=author,
        group=world.group,
        marking=marking,
        recipients=[user_of(r).pk for r in recipients],
        **values,
    )
    if share:
        alert = services.alert_share(actor=author, alert=alert)
    return alert


def make_endpoint(organisation: Organisation, name: str = "SOC") -> WebhookEndpoint:
    endpoint: WebhookEndpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        name=name,
        url="https://soc.example.org/hooks/ketenwacht",
        secret_salt="salt",
    )
    return endpoint


def make_subscription(
    organisation: Organisation,
    *,
    channel: str = SubscriptionChannel.WEBHOOK,
    fraud_types: Iterable[str] = (),
    markings: Iterable[str] = (),
) -> Subscription:
    subscription: Subscription = Subscription.objects.create(
        organisation=organisation,
        name=f"{channel} of {organisation.name}",
        channel=channel,
        endpoint=make_endpoint(organisation) if channel == SubscriptionChannel.WEBHOOK else None,
        email="" if channel == SubscriptionChannel.WEBHOOK else f"soc@{organisation.slug}.example",
        fraud_types=list(fraud_types),
        markings=list(markings),
    )
    return subscription

"""Subscriptions: signed webhooks at once, daily digests, filtered by fraud type and marking."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from ketenwacht.alerts import services
from ketenwacht.alerts.constants import Event, SubscriptionChannel
from ketenwacht.alerts.tests.factories import (
    BANKHELPDESK,
    PHISHING,
    make_alert,
    make_subscription,
    make_world,
)
from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery import services as delivery_services
from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.models import Delivery
from ketenwacht.partners.constants import Marking

pytestmark = pytest.mark.django_db


def webhook_targets(event: str = Event.SHARED) -> set[int]:
    return set(
        Delivery.objects.filter(channel=Channel.WEBHOOK, event_type=event).values_list(
            "endpoint__alert_subscriptions", flat=True
        )
    )


def test_webhook_filters_by_fraud_type_and_marking() -> None:
    world = make_world()
    everything = make_subscription(world.member_org)
    phishing_only = make_subscription(world.member_org, fraud_types=[PHISHING])
    clear_only = make_subscription(world.member_org, markings=[Marking.CLEAR])
    make_alert(world, fraud_type=BANKHELPDESK, marking=Marking.AMBER)
    assert webhook_targets() == {everything.pk}
    Delivery.objects.all().delete()
    make_alert(world, fraud_type=PHISHING, marking=Marking.CLEAR)
    assert webhook_targets() == {everything.pk, phishing_only.pk, clear_only.pk}


def test_webhook_payload_is_signed_and_has_no_raw_values() -> None:
    world = make_world()
    make_subscription(world.member_org)
    alert = make_alert(world)
    services.alert_indicator_add(actor=world.author, alert=alert, value="NL91ABNA0417164300")
    update = Delivery.objects.get(event_type=Event.UPDATED)
    assert "NL91ABNA0417164300" not in str(update.payload)
    assert update.payload["indicators"][0]["pseudonym"].startswith("v")
    body = delivery_services.webhook_body(update)
    headers = delivery_services.webhook_headers(update, "secret", body)
    assert headers["X-Ketenwacht-Signature"]
    assert headers["Idempotency-Key"] == update.idempotency_key


def test_inactive_subscriptions_and_endpoints_get_nothing() -> None:
    world = make_world()
    stopped = make_subscription(world.member_org)
    services.subscription_deactivate(actor=world.member, subscription=stopped)
    dead_endpoint = make_subscription(world.member_org)
    assert dead_endpoint.endpoint is not None
    dead_endpoint.endpoint.is_active = False
    dead_endpoint.endpoint.save()
    make_alert(world)
    assert not Delivery.objects.filter(channel=Channel.WEBHOOK).exists()


def test_daily_digest_once_a_day_with_only_what_e_mail_may_carry() -> None:
    world = make_world()
    digest = make_subscription(world.member_org, channel=SubscriptionChannel.DIGEST)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        make_alert(world, marking=Marking.AMBER, title="Amber melding")
        make_alert(world, marking=Marking.AMBER_STRICT, title="Strikte melding")
        make_alert(world, marking=Marking.RED, title="Rode melding", recipients=[world.member])
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert services.digests_send_due() == 1
        assert services.digests_send_due() == 0  # not twice a day
    mail = Delivery.objects.get(event_type=Event.DIGEST)
    assert mail.email_to == digest.email
    body = mail.payload["body"]
    assert "Amber melding" in body
    assert "Strikte melding" not in body and "Rode melding" not in body
    assert "1 further alert(s)" in body  # AMBER+STRICT counted; RED not even counted
    audit = AuditEvent.objects.get(action="alert.digest")
    assert len(audit.details["alerts"]) == 1 and audit.details["withheld"] == 1
    with time_machine.travel(start + timedelta(hours=10), tick=False):
        make_alert(world, marking=Marking.GREEN, title="Groene melding")
    with time_machine.travel(start + timedelta(days=1, minutes=5), tick=False):
        assert services.digests_send_due() == 1
    second = Delivery.objects.filter(event_type=Event.DIGEST).order_by("-created_at").first()
    assert second is not None
    assert "Groene melding" in second.payload["body"]
    assert "Amber melding" not in second.payload["body"]  # already in yesterday's


def test_digest_skips_empty_days_and_outsiders() -> None:
    world = make_world()
    make_subscription(world.member_org, channel=SubscriptionChannel.DIGEST)
    outsider_digest = make_subscription(world.outsider_org, channel=SubscriptionChannel.DIGEST)
    assert services.digests_send_due() == 0  # nothing new: no e-mail at all
    make_alert(world, title="Voor de groep")
    outsider_digest.last_digest_at = None
    outsider_digest.save()
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert services.digests_send_due() == 1
    assert not Delivery.objects.filter(organisation=world.outsider_org).exists()


def test_management_command_sends_digests(capsys: pytest.CaptureFixture[str]) -> None:
    world = make_world()
    make_subscription(world.member_org, channel=SubscriptionChannel.DIGEST)
    make_alert(world)
    call_command("alerts_send_digests")
    assert "1 digest(s) queued" in capsys.readouterr().out


def test_subscription_create_service() -> None:
    world = make_world()
    subscription = services.subscription_create(
        actor=world.member,
        name="Dagelijks overzicht",
        channel=SubscriptionChannel.DIGEST,
        email="fraude@marktplaats-b.example",
        fraud_types=[PHISHING],
        markings=[Marking.GREEN, Marking.AMBER],
    )
    assert subscription.organisation == world.member_org
    assert subscription.markings == [Marking.GREEN, Marking.AMBER]
    assert AuditEvent.objects.filter(action="alert_subscription.create").exists()

"""The outbox end to end against a real HTTP receiver on loopback."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery import services, signing, tasks
from ketenwacht.delivery.constants import Channel, Outcome, Status
from ketenwacht.delivery.models import Delivery, WebhookEndpoint
from ketenwacht.delivery.tests.conftest import WebhookReceiver
from ketenwacht.delivery.tests.factories import DeliveryFactory, WebhookEndpointFactory
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import actor_with_role

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing on the way catches it."""


def endpoint_for(receiver: WebhookReceiver) -> WebhookEndpoint:
    endpoint: WebhookEndpoint = WebhookEndpointFactory.create(url=receiver.url)
    receiver.secret = signing.endpoint_secret(endpoint)
    return endpoint


def enqueue_webhook(endpoint: WebhookEndpoint, **kwargs: Any) -> Delivery:
    return services.delivery_enqueue(
        actor=SYSTEM,
        channel=Channel.WEBHOOK,
        endpoint=endpoint,
        event_type=kwargs.pop("event_type", "alert.published"),
        payload=kwargs.pop("payload", {"alert": 42}),
        **kwargs,
    )


def refreshed(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(pk=delivery.pk)


def outcomes(delivery: Delivery) -> list[str]:
    return list(delivery.history.order_by("number").values_list("outcome", flat=True))


# ------------------------------------------------------------------ transactional outbox


def test_delivery_is_sent_after_the_business_transaction_commits(
    webhook_receiver: WebhookReceiver, django_capture_on_commit_callbacks: Capture
) -> None:
    endpoint = endpoint_for(webhook_receiver)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        delivery = enqueue_webhook(endpoint)
        assert webhook_receiver.received == []  # nothing leaves before the commit

    [request] = webhook_receiver.received
    assert request.signature_valid
    assert request.idempotency_key == delivery.idempotency_key
    assert request.event_type == "alert.published"
    assert request.envelope == {
        "id": str(delivery.pk),
        "type": "alert.published",
        "created_at": delivery.created_at.isoformat(),
        "data": {"alert": 42},
    }
    delivery = refreshed(delivery)
    assert delivery.status == Status.DELIVERED
    assert delivery.delivered_at is not None
    assert [(a.outcome, a.http_status) for a in delivery.history.all()] == [
        (Outcome.DELIVERED, 200)
    ]
    actions = AuditEvent.objects.filter(object_id=str(delivery.pk)).values_list("action", flat=True)
    assert list(actions) == ["delivery.enqueue", "delivery.deliver"]


def test_rolled_back_business_change_sends_nothing(
    webhook_receiver: WebhookReceiver, django_capture_on_commit_callbacks: Capture
) -> None:
    endpoint = endpoint_for(webhook_receiver)

    class BusinessFailure(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(BusinessFailure),
        transaction.atomic(),
    ):
        enqueue_webhook(endpoint)
        raise BusinessFailure

    assert callbacks == []
    assert not Delivery.objects.exists()
    assert webhook_receiver.received == []


def test_same_idempotency_key_enqueues_once(
    webhook_receiver: WebhookReceiver, django_capture_on_commit_callbacks: Capture
) -> None:
    endpoint = endpoint_for(webhook_receiver)
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue_webhook(endpoint, idempotency_key="alert:42:endpoint:1")
        second = enqueue_webhook(endpoint, idempotency_key="alert:42:endpoint:1")

    assert first.pk == second.pk
    assert Delivery.objects.count() == 1
    assert webhook_receiver.keys == ["alert:42:endpoint:1"]


def test_drain_sends_a_row_whose_scheduling_was_lost(webhook_receiver: WebhookReceiver) -> None:
    # Written without on_commit scheduling, as if the process died right after the commit.
    delivery = DeliveryFactory.create(endpoint=endpoint_for(webhook_receiver))

    assert tasks.drain_outbox() == 1
    assert webhook_receiver.keys == [delivery.idempotency_key]
    assert refreshed(delivery).status == Status.DELIVERED
    assert tasks.drain_outbox() == 0


def test_real_workers_get_one_task_per_delivery(
    webhook_receiver: WebhookReceiver,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ketenwacht.celery import app

    scheduled: list[str] = []
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.deliver, "delay", scheduled.append)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = enqueue_webhook(endpoint_for(webhook_receiver))

    assert scheduled == [str(delivery.pk)]
    assert webhook_receiver.received == []


# -------------------------------------------------------------------- retries and dead letter


def test_receiver_down_is_retried_with_growing_delays_then_dead_lettered(
    closed_port_url: str, django_capture_on_commit_callbacks: Capture
) -> None:
    endpoint = WebhookEndpointFactory.create(url=closed_port_url)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = enqueue_webhook(endpoint)

        delays = []
        for expected_attempts in (1, 2):
            delivery = refreshed(delivery)
            assert delivery.status == Status.PENDING
            assert delivery.attempts == expected_attempts
            assert "Connection" in delivery.last_error or "refused" in delivery.last_error
            delays.append(delivery.next_attempt_at - timezone.now())
            assert tasks.drain_outbox() == 0  # not due yet: the backoff holds
            traveller.move_to(delivery.next_attempt_at)
            assert tasks.drain_outbox() == 1

        delivery = refreshed(delivery)
        assert delivery.status == Status.DEAD
        assert delivery.attempts == 3
        assert tasks.drain_outbox() == 0  # a dead letter is not retried automatically

    assert timedelta(seconds=30) <= delays[0] <= timedelta(seconds=37.5)
    assert timedelta(seconds=60) <= delays[1] <= timedelta(seconds=75)
    assert outcomes(delivery) == [Outcome.FAILED] * 3
    dead = AuditEvent.objects.get(action="delivery.dead", object_id=str(delivery.pk))
    assert dead.details["attempts"] == 3
    assert closed_port_url not in delivery.last_error


def test_server_error_is_retried_with_the_same_key_until_delivered(
    webhook_receiver: WebhookReceiver, django_capture_on_commit_callbacks: Capture
) -> None:
    webhook_receiver.statuses = [503]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = enqueue_webhook(endpoint_for(webhook_receiver))
        delivery = refreshed(delivery)
        assert (delivery.status, delivery.last_error) == (Status.PENDING, "HTTP 503")
        traveller.move_to(delivery.next_attempt_at)
        tasks.drain_outbox()

    delivery = refreshed(delivery)
    assert delivery.status == Status.DELIVERED
    assert delivery.last_error == ""
    assert webhook_receiver.keys == [delivery.idempotency_key] * 2
    first, second = webhook_receiver.received
    assert first.body == second.body  # the same bytes every attempt
    assert [(a.outcome, a.http_status) for a in delivery.history.all()] == [
        (Outcome.FAILED, 503),
        (Outcome.DELIVERED, 200),
    ]


def test_deactivated_endpoint_makes_a_dead_letter_without_sending(
    webhook_receiver: WebhookReceiver,
) -> None:
    endpoint = endpoint_for(webhook_receiver)
    delivery = DeliveryFactory.create(endpoint=endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    tasks.deliver(str(delivery.pk))

    delivery = refreshed(delivery)
    assert delivery.status == Status.DEAD
    assert delivery.attempts == 1
    assert webhook_receiver.received == []


# ------------------------------------------------------------ worker killed, nothing lost


def test_worker_killed_between_send_and_acknowledge_resends_with_the_same_key(
    webhook_receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery = DeliveryFactory.create(endpoint=endpoint_for(webhook_receiver))

    def killed(*args: Any, **kwargs: Any) -> None:
        raise WorkerKilled

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        with monkeypatch.context() as patch:
            patch.setattr(services, "delivery_record_result", killed)
            with pytest.raises(WorkerKilled):
                tasks.deliver(str(delivery.pk))

        # The receiver has it, but the platform never heard back.
        assert webhook_receiver.keys == [delivery.idempotency_key]
        delivery = refreshed(delivery)
        assert delivery.status == Status.SENDING
        assert tasks.drain_outbox() == 0  # the lease still holds

        traveller.move_to(delivery.next_attempt_at + timedelta(seconds=1))
        assert tasks.drain_outbox() == 1

    assert webhook_receiver.keys == [delivery.idempotency_key] * 2
    assert all(request.signature_valid for request in webhook_receiver.received)
    delivery = refreshed(delivery)
    assert delivery.status == Status.DELIVERED
    assert outcomes(delivery) == [Outcome.LOST, Outcome.DELIVERED]


def test_late_report_of_a_worker_whose_lease_was_taken_over_is_ignored(
    webhook_receiver: WebhookReceiver,
) -> None:
    delivery = DeliveryFactory.create(endpoint=endpoint_for(webhook_receiver))
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        slow = services.delivery_claim(str(delivery.pk))
        assert slow is not None
        traveller.shift(services.lease_duration() + timedelta(seconds=1))
        services.delivery_send(str(delivery.pk))  # another worker takes over and delivers

        services.delivery_record_result(
            slow, error=services.transport.TransportError("HTTP 500"), http_status=500
        )

    delivery = refreshed(delivery)
    assert delivery.status == Status.DELIVERED
    assert outcomes(delivery) == [Outcome.LOST, Outcome.DELIVERED]


def test_worker_that_keeps_dying_ends_as_dead_letter(
    webhook_receiver: WebhookReceiver,
) -> None:
    delivery = DeliveryFactory.create(endpoint=endpoint_for(webhook_receiver))
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _attempt in range(3):
            assert services.delivery_claim(str(delivery.pk)) is not None
            traveller.shift(services.lease_duration() + timedelta(seconds=1))
        assert services.delivery_claim(str(delivery.pk)) is None

    delivery = refreshed(delivery)
    assert delivery.status == Status.DEAD
    assert outcomes(delivery) == [Outcome.LOST] * 3


def test_a_claimed_delivery_is_not_claimed_twice(webhook_receiver: WebhookReceiver) -> None:
    delivery = DeliveryFactory.create(endpoint=endpoint_for(webhook_receiver))
    assert services.delivery_claim(str(delivery.pk)) is not None
    assert services.delivery_claim(str(delivery.pk)) is None


# ----------------------------------------------------------------------------- retry by hand


def test_retry_gives_a_dead_letter_one_more_attempt(
    webhook_receiver: WebhookReceiver, django_capture_on_commit_callbacks: Capture
) -> None:
    delivery = DeliveryFactory.create(endpoint=endpoint_for(webhook_receiver), dead=True)
    actor = actor_with_role(Role.PROGRAMME_TEAM)

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(actor=actor, delivery=delivery)

    delivery = refreshed(delivery)
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 9
    assert AuditEvent.objects.filter(action="delivery.retry", actor_user=actor.user).exists()


def test_retry_that_fails_is_dead_again(
    closed_port_url: str, django_capture_on_commit_callbacks: Capture
) -> None:
    delivery = DeliveryFactory.create(
        endpoint=WebhookEndpointFactory.create(url=closed_port_url), dead=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(actor=actor_with_role(Role.ADMIN), delivery=delivery)

    delivery = refreshed(delivery)
    assert (delivery.status, delivery.attempts) == (Status.DEAD, 9)


def test_only_dead_letters_can_be_retried() -> None:
    delivery = DeliveryFactory.create(delivered=True)
    with pytest.raises(ConflictError):
        services.delivery_retry(actor=actor_with_role(Role.PROGRAMME_TEAM), delivery=delivery)


def test_analysts_may_not_retry() -> None:
    delivery = DeliveryFactory.create(dead=True)
    with pytest.raises(PermissionDeniedError):
        services.delivery_retry(actor=actor_with_role(Role.PARTNER_ANALYST), delivery=delivery)
    assert refreshed(delivery).status == Status.DEAD


# ------------------------------------------------------------------------------------ e-mail


def test_email_is_sent_with_a_stable_message_id(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.delivery_enqueue(
            actor=SYSTEM,
            channel=Channel.EMAIL,
            email_to="desk@example.org",
            subject="Nieuwe doorverwijzing",
            event_type="referral.forwarded",
            payload={"body": "Er staat een doorverwijzing voor u klaar."},
            idempotency_key="referral:7",
        )

    [message] = mail.outbox
    assert message.to == ["desk@example.org"]
    assert message.subject == "Nieuwe doorverwijzing"
    assert message.body == "Er staat een doorverwijzing voor u klaar."
    assert message.extra_headers["Message-ID"] == f"<{delivery.pk}@127.0.0.1>"
    assert message.extra_headers["X-Ketenwacht-Idempotency-Key"] == "referral:7"
    assert refreshed(delivery).status == Status.DELIVERED


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_email_failure_is_retried(settings: Any) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    delivery = DeliveryFactory.create(email=True)

    tasks.deliver(str(delivery.pk))

    delivery = refreshed(delivery)
    assert delivery.status == Status.PENDING
    assert delivery.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert mail.outbox == []


# -------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"event_type": "alert published"}, "invalid_event_type"),
        ({"event_type": ""}, "invalid_event_type"),
        ({"payload": {"when": timezone.now()}}, "invalid_payload"),
        ({"idempotency_key": "a\r\nX-Injected: 1"}, "invalid_idempotency_key"),
        ({"channel": "pigeon"}, "unknown_channel"),
        ({"endpoint": None}, "endpoint_required"),
    ],
)
def test_enqueue_refuses_invalid_webhooks(overrides: dict[str, Any], code: str) -> None:
    arguments: dict[str, Any] = {
        "actor": SYSTEM,
        "channel": Channel.WEBHOOK,
        "endpoint": WebhookEndpointFactory.create(),
        "event_type": "alert.published",
        "payload": {"alert": 1},
        **overrides,
    }
    with pytest.raises(ValidationFailed) as raised:
        services.delivery_enqueue(**arguments)
    assert raised.value.code == code
    assert not Delivery.objects.exists()


def test_enqueue_refuses_an_inactive_endpoint() -> None:
    with pytest.raises(ValidationFailed) as raised:
        enqueue_webhook(WebhookEndpointFactory.create(inactive=True))
    assert raised.value.code == "endpoint_required"


@pytest.mark.parametrize(
    ("email_to", "subject", "payload", "code"),
    [
        ("not-an-address", "Onderwerp", {"body": "tekst"}, "invalid_email"),
        ("desk@example.org", "", {"body": "tekst"}, "email_incomplete"),
        ("desk@example.org", "Onderwerp\nBcc: x@example.org", {"body": "t"}, "email_incomplete"),
        ("desk@example.org", "Onderwerp", {"text": "no body key"}, "email_incomplete"),
    ],
)
def test_enqueue_refuses_invalid_email(
    email_to: str, subject: str, payload: dict[str, Any], code: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        services.delivery_enqueue(
            actor=SYSTEM,
            channel=Channel.EMAIL,
            email_to=email_to,
            subject=subject,
            event_type="referral.forwarded",
            payload=payload,
        )
    assert raised.value.code == code


# ---------------------------------------------------------------------------------- endpoints


def test_endpoint_secret_is_returned_once_and_derived_not_stored() -> None:
    actor = actor_with_role(Role.ADMIN)
    endpoint, secret = services.webhook_endpoint_create(
        actor=actor, name="SOC", url="https://soc.bank.example/hooks"
    )

    assert endpoint.organisation == actor.organisation
    assert secret.startswith("kwwh_")
    assert secret == signing.endpoint_secret(endpoint)
    stored = WebhookEndpoint.objects.filter(pk=endpoint.pk).values()[0]
    assert secret not in {str(value) for value in stored.values()}
    _other, other_secret = services.webhook_endpoint_create(
        actor=actor, name="SOC 2", url="https://soc.bank.example/hooks"
    )
    assert other_secret != secret
    event = AuditEvent.objects.get(action="webhook_endpoint.create", object_id=str(endpoint.pk))
    assert event.details == {"name": "SOC", "host": "soc.bank.example"}


def test_endpoint_to_a_private_address_is_refused(delivery_settings: dict[str, Any]) -> None:
    delivery_settings["DELIVERY_ALLOW_PRIVATE_TARGETS"] = False
    with pytest.raises(ValidationFailed) as raised:
        services.webhook_endpoint_create(
            actor=actor_with_role(Role.ADMIN), name="metadata", url="http://169.254.169.254/"
        )
    assert raised.value.code == "unsafe_url"


def test_endpoint_for_another_organisation_is_refused() -> None:
    other = WebhookEndpointFactory.create()
    with pytest.raises(ValidationFailed):
        services.webhook_endpoint_create(
            actor=actor_with_role(Role.ADMIN),
            name="x",
            url="https://x.example/",
            organisation=other.organisation,
        )


def test_analysts_may_not_register_endpoints() -> None:
    with pytest.raises(PermissionDeniedError):
        services.webhook_endpoint_create(
            actor=actor_with_role(Role.PARTNER_ANALYST), name="x", url="https://x.example/"
        )


def test_deactivating_an_endpoint_is_audited_once() -> None:
    actor = actor_with_role(Role.ADMIN)
    endpoint, _secret = services.webhook_endpoint_create(
        actor=actor, name="SOC", url="https://soc.bank.example/hooks"
    )
    services.webhook_endpoint_deactivate(actor=actor, endpoint=endpoint)
    services.webhook_endpoint_deactivate(actor=actor, endpoint=endpoint)

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert AuditEvent.objects.filter(action="webhook_endpoint.deactivate").count() == 1

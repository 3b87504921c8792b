"""Writes of the delivery kernel: endpoints, the outbox, and each delivery's attempts.

A delivery moves pending → sending → delivered, or back to pending with a backoff after a
failed attempt, or to dead once the attempts are used up. Sending happens outside any
transaction, between two short ones: ``delivery_claim`` takes a lease, and
``delivery_record_result`` writes the outcome. A worker that dies in between leaves the
delivery ``sending``; when the lease runs out the drain takes it again and resends it
with the same idempotency key (at-least-once delivery).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.delivery import receiver, signing, transport
from ketenwacht.delivery.constants import (
    EVENT_HEADER,
    IDEMPOTENCY_HEADER,
    MAX_BACKOFF_SECONDS,
    OPEN_STATUSES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    USER_AGENT,
    Channel,
    Outcome,
    Status,
)
from ketenwacht.delivery.models import Delivery, DeliveryAttempt, WebhookEndpoint
from ketenwacht.errors import ConflictError, NotFoundError, ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.partners.models import Organisation

# Both travel in headers: a strict alphabet keeps header injection out.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,100}")
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,200}")

# ----------------------------------------------------------------------------- settings


def setting(name: str) -> Any:
    """One of the ``KETENWACHT`` settings (a mixed dict, hence untyped)."""
    return settings.KETENWACHT[name]


def max_attempts() -> int:
    return int(setting("DELIVERY_MAX_ATTEMPTS"))


def send_timeout() -> float:
    return float(setting("DELIVERY_TIMEOUT_SECONDS"))


def lease_duration() -> timedelta:
    """How long a worker may hold a delivery before it counts as lost; well past the timeout."""
    return timedelta(seconds=max(60.0, 3 * send_timeout()))


def backoff_delay(attempt: int) -> timedelta:
    """Exponential backoff with up to 25% jitter, so the delays still always grow."""
    base = float(setting("DELIVERY_BACKOFF_SECONDS"))
    delay = base * 2 ** (attempt - 1) * secrets.SystemRandom().uniform(1.0, 1.25)
    return timedelta(seconds=min(delay, MAX_BACKOFF_SECONDS))


# ---------------------------------------------------------------------------- endpoints


def webhook_endpoint_create(
    *, actor: Actor, name: str, url: str, organisation: Organisation | None = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint for the actor's organisation; the secret is returned only here."""
    access.require(actor, "webhooks.manage")
    organisation = organisation or actor.organisation
    if organisation is None or (not actor.is_system and organisation != actor.organisation):
        raise ValidationFailed(
            "Alleen voor de eigen organisatie. / Only for your own organisation.",
            code="wrong_organisation",
        )
    if not name.strip():
        raise ValidationFailed(
            "Naam is verplicht. / Name is required.", code="required", field="name"
        )
    try:
        transport.check_url(url.strip())
    except transport.UnsafeTarget as error:
        raise ValidationFailed(
            f"Deze URL kan geen webhooks ontvangen. / {error}", code="unsafe_url", field="url"
        ) from None
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            organisation=organisation,
            name=name.strip(),
            url=url.strip(),
            secret_salt=signing.new_secret_salt(),
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action="webhook_endpoint.create",
            object_type="webhook_endpoint",
            object_id=endpoint.pk,
            details={"name": endpoint.name, "host": urlsplit(endpoint.url).hostname},
        )
    return endpoint, signing.endpoint_secret(endpoint)


def webhook_endpoint_deactivate(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop sending to an endpoint; its open deliveries become dead letters when tried."""
    access.require(actor, "webhooks.manage")
    if not actor.is_system and endpoint.organisation_id != getattr(actor.organisation, "pk", None):
        raise NotFoundError("Onbekend endpoint. / Unknown endpoint.", code="not_found")
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if locked.is_active:
            locked.is_active = False
            locked.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="webhook_endpoint.deactivate",
                object_type="webhook_endpoint",
                object_id=locked.pk,
            )
    return locked


# ------------------------------------------------------------------------------- outbox


def delivery_enqueue(
    *,
    actor: Actor,
    channel: str,
    event_type: str,
    payload: dict[str, Any],
    endpoint: WebhookEndpoint | None = None,
    email_to: str = "",
    subject: str = "",
    idempotency_key: str = "",
    organisation: Organisation | None = None,
) -> Delivery:
    """Write a delivery in the caller's transaction; it is sent after that transaction commits.

    Webhooks POST ``payload`` (inside an envelope) to ``endpoint``. E-mails send
    ``payload["body"]`` as plain text to ``email_to`` with ``subject``. Passing an
    ``idempotency_key`` makes enqueueing idempotent: a second call with the same key returns
    the first delivery instead of sending twice.
    """
    _validate_delivery(channel, event_type, payload, endpoint, email_to, subject)
    if idempotency_key and not KEY_PATTERN.fullmatch(idempotency_key):
        raise ValidationFailed(
            "Idempotentiesleutel: letters, cijfers en . _ : - (max. 200). / Idempotency key: "
            "letters, digits and . _ : - (at most 200).",
            code="invalid_idempotency_key",
            field="idempotency_key",
        )
    if channel == Channel.WEBHOOK and endpoint is not None:
        organisation = organisation or endpoint.organisation
    key = idempotency_key or f"kw-{secrets.token_hex(16)}"
    with transaction.atomic():
        existing = Delivery.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    channel=channel,
                    organisation=organisation,
                    endpoint=endpoint if channel == Channel.WEBHOOK else None,
                    email_to=email_to.strip() if channel == Channel.EMAIL else "",
                    subject=subject.strip() if channel == Channel.EMAIL else "",
                    event_type=event_type,
                    payload=payload,
                    idempotency_key=key,
                )
        except IntegrityError:
            # A concurrent call with the same key won the race: theirs is the delivery.
            return Delivery.objects.get(idempotency_key=key)
        audit_record(
            actor=actor,
            action="delivery.enqueue",
            object_type="delivery",
            object_id=delivery.pk,
            details={
                "channel": channel,
                "event_type": event_type,
                "recipient": delivery.target_label,
                "organisation": getattr(organisation, "pk", None),
            },
        )
        _send_after_commit(delivery)
    return delivery


def _validate_delivery(
    channel: str,
    event_type: str,
    payload: dict[str, Any],
    endpoint: WebhookEndpoint | None,
    email_to: str,
    subject: str,
) -> None:
    if not TOKEN_PATTERN.fullmatch(event_type):
        raise ValidationFailed(
            "Soort gebeurtenis: letters, cijfers en . _ : - (max. 100). / Event type: letters, "
            "digits and . _ : - (at most 100).",
            code="invalid_event_type",
            field="event_type",
        )
    try:
        json.dumps(payload)
    except (TypeError, ValueError):
        raise ValidationFailed(
            "De inhoud moet JSON zijn. / The payload must be JSON.",
            code="invalid_payload",
            field="payload",
        ) from None
    if channel == Channel.WEBHOOK:
        if endpoint is None or not endpoint.is_active:
            raise ValidationFailed(
                "Een actief webhook-endpoint is verplicht. / An active webhook endpoint is "
                "required.",
                code="endpoint_required",
                field="endpoint",
            )
    elif channel == Channel.EMAIL:
        try:
            validate_email(email_to.strip())
        except ValidationError:
            raise ValidationFailed(
                "Ongeldig e-mailadres. / Invalid e-mail address.",
                code="invalid_email",
                field="email_to",
            ) from None
        if (
            not subject.strip()
            or len(subject.strip()) > 200
            or "\n" in subject
            or "\r" in subject
            or not isinstance(payload.get("body"), str)
        ):
            raise ValidationFailed(
                "Een e-mail heeft een onderwerp (één regel, max. 200) en een tekst "
                "(payload['body']). / An e-mail needs a subject (one line, at most 200) and a "
                "text (payload['body']).",
                code="email_incomplete",
                field="payload",
            )
    else:
        raise ValidationFailed(
            f"Onbekend kanaal '{channel}'. / Unknown channel '{channel}'.",
            code="unknown_channel",
            field="channel",
        )


def _send_after_commit(delivery: Delivery) -> None:
    """Schedule sending once the business change is committed (and never if it rolls back).

    With real workers the new delivery gets its own task; beat drains the rest. Eager (the
    embedded default) has no beat, so every commit drains whatever is due, retries included.
    """
    from ketenwacht.celery import app
    from ketenwacht.delivery import tasks

    if app.conf.task_always_eager:
        transaction.on_commit(tasks.drain_outbox.delay, robust=True)
    else:
        transaction.on_commit(partial(tasks.deliver.delay, str(delivery.pk)), robust=True)


def delivery_retry(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Give a dead letter one more attempt, now. If it fails it is dead again."""
    access.require(actor, "delivery.retry")
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != Status.DEAD:
            raise ConflictError(
                "Alleen een dode brief kan opnieuw. / Only a dead letter can be retried.",
                code="not_dead",
            )
        locked.status = Status.PENDING
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "next_attempt_at"])
        audit_record(
            actor=actor, action="delivery.retry", object_type="delivery", object_id=locked.pk
        )
        _send_after_commit(locked)
    return locked


# ------------------------------------------------------------------------------ sending


@dataclass(frozen=True)
class Claim:
    """A worker's lease on one attempt of one delivery."""

    delivery: Delivery
    number: int
    started_at: datetime


def delivery_send(delivery_id: str) -> Delivery | None:
    """Claim, transmit, record. Returns the delivery, or None if it was not due or taken."""
    claim = delivery_claim(delivery_id)
    if claim is None:
        return None
    try:
        http_status = transmit(claim.delivery)
    except transport.TransportError as error:
        return delivery_record_result(claim, error=error, http_status=error.http_status)
    return delivery_record_result(claim, error=None, http_status=http_status)


def delivery_claim(delivery_id: str) -> Claim | None:
    """Take a due delivery for one attempt, or None if it is not due or another worker has it.

    A ``sending`` delivery whose lease ran out was lost by its worker: that attempt is
    written down as lost and the delivery is taken again (or is dead if none are left).
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status__in=OPEN_STATUSES, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        if delivery.status == Status.SENDING:
            error = "The worker did not report back before its lease ran out."
            _write_attempt(delivery, Outcome.LOST, finished_at=now, error=error)
            if delivery.attempts >= max_attempts():
                _bury(delivery, error=error)
                return None
        delivery.status = Status.SENDING
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + lease_duration()
        delivery.save(update_fields=["status", "attempts", "last_attempt_at", "next_attempt_at"])
    return Claim(delivery=delivery, number=delivery.attempts, started_at=now)


def delivery_record_result(
    claim: Claim, *, error: transport.TransportError | None, http_status: int | None
) -> Delivery:
    """Write the attempt's outcome and the delivery's next state."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=claim.delivery.pk)
        if delivery.status != Status.SENDING or delivery.attempts != claim.number:
            # The lease ran out and another worker took over; it wrote this attempt as lost.
            return delivery
        now = timezone.now()
        outcome = Outcome.DELIVERED if error is None else Outcome.FAILED
        _write_attempt(
            delivery,
            outcome,
            finished_at=now,
            http_status=http_status,
            error=str(error or ""),
        )
        if error is None:
            _mark_delivered(delivery, now)
        elif error.permanent or delivery.attempts >= max_attempts():
            _bury(delivery, error=str(error))
        else:
            delivery.status = Status.PENDING
            delivery.next_attempt_at = now + backoff_delay(delivery.attempts)
            delivery.last_error = str(error)
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
    return delivery


def _write_attempt(
    delivery: Delivery,
    outcome: str,
    *,
    finished_at: datetime,
    http_status: int | None = None,
    error: str = "",
) -> DeliveryAttempt:
    return DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=delivery.last_attempt_at or finished_at,
        finished_at=finished_at,
        outcome=outcome,
        http_status=http_status,
        error=error[:500],
    )


def _mark_delivered(delivery: Delivery, now: datetime) -> None:
    delivery.status = Status.DELIVERED
    delivery.delivered_at = now
    delivery.last_error = ""
    delivery.save(update_fields=["status", "delivered_at", "last_error"])
    audit_record(
        actor=SYSTEM,
        action="delivery.deliver",
        object_type="delivery",
        object_id=delivery.pk,
        details={"attempts": delivery.attempts, "recipient": delivery.target_label},
    )


def _bury(delivery: Delivery, *, error: str) -> None:
    """The dead-letter state: no more automatic attempts; staff can retry by hand."""
    delivery.status = Status.DEAD
    delivery.last_error = error[:500]
    delivery.save(update_fields=["status", "last_error"])
    audit_record(
        actor=SYSTEM,
        action="delivery.dead",
        object_type="delivery",
        object_id=delivery.pk,
        details={"attempts": delivery.attempts, "error": delivery.last_error},
    )


# ----------------------------------------------------------------------------- messages


def transmit(delivery: Delivery) -> int | None:
    """Send over the delivery's channel; the HTTP status for webhooks, None for e-mail."""
    if delivery.channel == Channel.EMAIL:
        transport.send_email(
            to=delivery.email_to,
            subject=delivery.subject,
            body=str(delivery.payload.get("body", "")),
            headers=email_headers(delivery),
            timeout=send_timeout(),
        )
        return None
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.is_active:
        raise transport.TransportError("The webhook endpoint is deactivated.", permanent=True)
    body = webhook_body(delivery)
    headers = webhook_headers(delivery, signing.endpoint_secret(endpoint), body)
    return transport.post_webhook(endpoint.url, body, headers, timeout=send_timeout())


def webhook_body(delivery: Delivery) -> bytes:
    """The envelope; built from stored fields only, so every attempt sends the same bytes."""
    envelope = {
        "id": str(delivery.pk),
        "type": delivery.event_type,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def webhook_headers(delivery: Delivery, secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        IDEMPOTENCY_HEADER: delivery.idempotency_key,
        EVENT_HEADER: delivery.event_type,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: receiver.signature_header(secret, timestamp, body),
    }


def email_headers(delivery: Delivery) -> dict[str, str]:
    """A stable Message-ID per delivery, so a resent e-mail can be recognised as the same."""
    domain = urlsplit(setting("PUBLIC_BASE_URL")).hostname or "ketenwacht.invalid"
    return {
        "Message-ID": f"<{delivery.pk}@{domain}>",
        "X-Ketenwacht-Idempotency-Key": delivery.idempotency_key,
        EVENT_HEADER: delivery.event_type,
    }

"""Data the suites need in the prod-local database, made inside Django (stack settings).

Run by ``Stack.python("suites.seed", command, ...)``; each command prints one JSON line.

* ``world [--receiver URL]`` — an organisation in a sharing group with an agreement, an
  API token with every scope, a partner analyst with a password (no second factor needed
  for that role), and with ``--receiver`` a webhook endpoint there plus the desk
  ``fraudehelpdesk`` switched to warm referrals by that webhook. Idempotent apart from the
  token and the endpoint, which are new on every call.
* ``enqueue ENDPOINT_ID COUNT PREFIX`` — COUNT webhook deliveries in one transaction, keys
  ``PREFIX-0`` … (the workers send them after the commit).
* ``deliveries PREFIX`` — statuses and attempts of those deliveries.
* ``sightings ORGANISATION_SLUG`` — how many sightings the organisation has recorded.
"""

from __future__ import annotations

import json
import secrets
import sys
from datetime import timedelta
from typing import Any

import django


def world(receiver: str | None) -> dict[str, Any]:
    from django.utils import timezone

    from ketenwacht.partners import tokens
    from ketenwacht.partners.constants import Role, Scope, Sector
    from ketenwacht.partners.models import (
        ApiToken,
        DataSharingAgreement,
        Membership,
        Organisation,
        SharingGroup,
    )

    organisation, _ = Organisation.objects.get_or_create(
        slug="prodlocal-bank", defaults={"name": "Prod-local Bank", "sector": Sector.BANK}
    )
    group, _ = SharingGroup.objects.get_or_create(
        slug="prodlocal-kring", defaults={"name": "Prod-local kring"}
    )
    group.members.add(organisation)
    if not DataSharingAgreement.objects.filter(group=group).exists():
        DataSharingAgreement.objects.create(
            group=group,
            version=1,
            purpose="Prod-local suites",
            legal_basis="Test",
            allowed_kinds=["phone", "iban", "email", "url", "domain"],
            raw_value_roles=["police_analyst"],
            retention_days=dict.fromkeys(["phone", "iban", "email", "url", "domain"], 365),
            warning_thresholds={"warning_organisations": 2, "warning_confirmed": 1},
            valid_from=timezone.now() - timedelta(days=1),
        )
    plaintext, key_id, secret_hash = tokens.generate()
    ApiToken.objects.create(
        organisation=organisation,
        name="prod-local suites",
        key_id=key_id,
        secret_hash=secret_hash,
        scopes=[scope.value for scope in Scope],
        expires_at=timezone.now() + timedelta(days=1),
    )
    from django.contrib.auth import get_user_model

    User = get_user_model()
    password = secrets.token_urlsafe(16)
    user, _ = User.objects.get_or_create(
        username="prodlocal-analyst", defaults={"email": "analyst@prodlocal.example"}
    )
    user.set_password(password)
    user.save()
    Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": Role.PARTNER_ANALYST}
    )
    result: dict[str, Any] = {
        "organisation": organisation.slug,
        "token": plaintext,
        "username": user.username,
        "password": password,
    }
    if receiver:
        result.update(_webhook_desk(organisation, receiver))
    return result


def _webhook_desk(organisation: Any, receiver: str) -> dict[str, Any]:
    from ketenwacht.delivery.services import webhook_endpoint_create
    from ketenwacht.intake.constants import ReferralMethod
    from ketenwacht.intake.models import Desk
    from ketenwacht.partners.access import SYSTEM

    endpoint, secret = webhook_endpoint_create(
        actor=SYSTEM, name="prod-local receiver", url=receiver, organisation=organisation
    )
    desk = Desk.objects.get(slug="fraudehelpdesk")
    desk.referral_method = ReferralMethod.WEBHOOK
    desk.webhook_endpoint = endpoint
    desk.organisation = organisation
    desk.save()
    return {"endpoint": endpoint.pk, "secret": secret, "desk": desk.slug}


def enqueue(endpoint_id: int, count: int, prefix: str) -> dict[str, Any]:
    from django.db import transaction

    from ketenwacht.delivery.constants import Channel
    from ketenwacht.delivery.models import WebhookEndpoint
    from ketenwacht.delivery.services import delivery_enqueue
    from ketenwacht.partners.access import SYSTEM

    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    with transaction.atomic():
        for index in range(count):
            delivery_enqueue(
                actor=SYSTEM,
                channel=Channel.WEBHOOK,
                endpoint=endpoint,
                event_type="suites.fault",
                payload={"n": index},
                idempotency_key=f"{prefix}-{index}",
            )
    return {"enqueued": count}


def deliveries(prefix: str) -> dict[str, Any]:
    from ketenwacht.delivery.models import Delivery, DeliveryAttempt

    rows = Delivery.objects.filter(idempotency_key__startswith=f"{prefix}-")
    statuses: dict[str, int] = {}
    for status in rows.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    outcomes: dict[str, int] = {}
    for outcome in DeliveryAttempt.objects.filter(delivery__in=rows).values_list(
        "outcome", flat=True
    ):
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {"statuses": statuses, "attempts": outcomes}


def sightings(organisation_slug: str) -> dict[str, Any]:
    from ketenwacht.identifiers.models import Sighting

    count = Sighting.objects.filter(organisation__slug=organisation_slug).count()
    return {"sightings": count}


def main(argv: list[str]) -> None:
    django.setup()
    command, args = argv[0], argv[1:]
    if command == "world":
        receiver = args[args.index("--receiver") + 1] if "--receiver" in args else None
        result = world(receiver)
    elif command == "enqueue":
        result = enqueue(int(args[0]), int(args[1]), args[2])
    elif command == "deliveries":
        result = deliveries(args[0])
    elif command == "sightings":
        result = sightings(args[0])
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])

"""Writing audit events. The only way rows enter the audit table."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from ketenwacht.audit.chain import GENESIS_HASH, event_hash
from ketenwacht.audit.models import AuditEvent

if TYPE_CHECKING:
    from ketenwacht.partners.access import Actor

# Keys whose values never reach the audit log, at any depth of ``details``.
_SECRET_MARKERS = ("password", "secret", "token", "otp", "key", "code", "authorization")
MASK = "***"

# Secrets that turn up as values under innocent keys: our API tokens (``kw_<12 hex>_<secret>``)
# and HTTP credentials ("Bearer …", "Basic …" followed by a credential-length string).
_SECRET_VALUE_RE = re.compile(
    r"\bkw_[0-9a-f]{12}_[A-Za-z0-9_\-]+|\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]{16,}"
)


def mask_secrets(value: Any) -> Any:
    """Replace values under secret-looking keys and secret-looking strings, recursively."""
    if isinstance(value, dict):
        return {
            key: MASK if _is_secret_key(str(key)) else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_secrets(item) for item in value]
    if isinstance(value, str):
        return _SECRET_VALUE_RE.sub(MASK, value)
    return value


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS) and lowered not in {
        "key_version",
        "keys",
        "reference_code",
    }


def event_content(event: AuditEvent) -> dict[str, Any]:
    """The fields the hash covers. Changing any of them breaks the chain."""
    return {
        "time": event.time.isoformat(),
        "actor_user": event.actor_user_id,
        "actor_organisation": event.actor_organisation_id,
        "actor_token": event.actor_token_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "purpose": event.purpose,
        "details": event.details,
        "client_address": event.client_address,
    }


def _as_stored(details: dict[str, Any]) -> dict[str, Any]:
    """``details`` as the JSON column returns it (tuples become lists, keys strings).

    The hash must cover exactly what ``audit_verify`` later reads back from the database.
    """
    stored: dict[str, Any] = json.loads(json.dumps(details, ensure_ascii=False, allow_nan=False))
    return stored


def _lock_chain() -> None:
    """Serialise appends so two transactions never extend the chain from the same hash.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: transactions are IMMEDIATE
    (see settings), so the writer already holds the database write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(4242001)")


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    purpose: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            time=timezone.now(),
            actor_user=actor.user if actor else None,
            actor_organisation=actor.organisation if actor else None,
            actor_token=actor.token if actor else None,
            actor_label=actor.label if actor else "system",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            purpose=mask_secrets(purpose),
            details=_as_stored(mask_secrets(details or {})),
            client_address=actor.client_address if actor else "",
            prev_hash=last or GENESIS_HASH,
        )
        # JSON round trip so the hashed content equals what the database returns later.
        event.hash = event_hash(event.prev_hash, event_content(event))
        event.save(force_insert=True)
    return event

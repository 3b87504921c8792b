"""Writing audit events. The only way rows enter the audit table."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from ketenwacht.audit.chain import GENESIS_HASH, canonical_json, event_hash
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


# The key of the chain's transaction-scoped advisory lock on PostgreSQL.
CHAIN_LOCK = 4242001


def _lock_chain() -> None:
    """Serialise appends so two transactions never extend the chain from the same hash.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: transactions are IMMEDIATE
    (see settings), so the writer already holds the database write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def _field(name: str) -> Field[Any, Any]:
    field = AuditEvent._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(name: str) -> str:
    return str(_field(name).column)


# Stored columns of an event's content, in the INSERT's order.
_CONTENT_FIELDS = (
    "time",
    "actor_user",
    "actor_organisation",
    "actor_token",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "details",
    "client_address",
)
_TABLE = AuditEvent._meta.db_table
# PostgreSQL: the whole append in one round trip. The lock is taken by its own statement, so
# the INSERT (a later statement, with a fresh snapshot under READ COMMITTED) reads the chain's
# last hash only once it holds the lock; both run in one simple-protocol message, i.e. in one
# implicit transaction (or in the caller's transaction), and the lock is released at commit.
# The hash is the one ``chain.event_hash`` computes, hex(sha256(prev || "\n" || canonical)),
# with the canonical JSON of the content made in Python (it does not depend on the link). No
# round trip happens while the lock is held: with 32 clients checking at once the lock used
# to be held across four round trips and a commit. The time is taken just before the
# statement (the application's clock, as before), so appends racing for the lock may
# carry times a few microseconds out of chain order; the chain order is the id order.
_APPEND_SQL = (
    f"SELECT pg_advisory_xact_lock({CHAIN_LOCK}); "  # noqa: S608
    f"INSERT INTO {_TABLE} ({', '.join(_column(f) for f in _CONTENT_FIELDS)}, "
    f"{_column('prev_hash')}, {_column('hash')}) "
    f"SELECT {', '.join('%s::jsonb' if f == 'details' else '%s' for f in _CONTENT_FIELDS)}, "
    "h.prev, encode(sha256(convert_to(h.prev || chr(10) || %s, 'UTF8')), 'hex') "
    f"FROM (SELECT COALESCE((SELECT {_column('hash')} FROM {_TABLE} "
    f"ORDER BY {_column('id')} DESC LIMIT 1), %s) AS prev) AS h "
    f"RETURNING {_column('id')}, {_column('prev_hash')}, {_column('hash')}"
)


def _append_postgresql(event: AuditEvent) -> None:
    params: list[Any] = [
        json.dumps(event.details, ensure_ascii=False, allow_nan=False)
        if name == "details"
        else getattr(event, _field(name).attname)
        for name in _CONTENT_FIELDS
    ]
    canonical = canonical_json(event_content(event))
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_SQL, [*params, canonical, GENESIS_HASH])
        cursor.nextset()  # past the lock's (empty) result to the INSERT's RETURNING
        row = cursor.fetchone()
    assert row is not None
    event.pk, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    purpose: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (or its own)."""
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
        # JSON round trip so the hashed content equals what the database returns later.
        details=_as_stored(mask_secrets(details or {})),
        client_address=actor.client_address if actor else "",
    )
    if connection.vendor == "postgresql":
        _append_postgresql(event)
        return event
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.time = timezone.now()  # under the lock: times follow the chain's order
        event.prev_hash = last or GENESIS_HASH
        event.hash = event_hash(event.prev_hash, event_content(event))
        event.save(force_insert=True)
    return event

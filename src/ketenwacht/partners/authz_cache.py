"""A process-local cache of what an API token stands for, checked against a shared generation.

Every API request used to read its token (and organisation) with the ORM, and every check
then read the organisation's sharing groups and the agreements in force: three queries and
their compilation on a path that answers in a few milliseconds. Here a token's entry (the
token with its organisation, the organisation's sharing-group ids and those groups'
agreements) is kept in the worker process and used while the **generation** in the shared
cache (Redis in production) is the one it was loaded under: one shared-cache read per
request instead of three database queries.

Every change that could alter an entry — a token, an organisation, sharing-group membership
or a data-sharing agreement saved or deleted — sets a new random generation at once and again
when its transaction commits (see ``signals``), so every process reloads before it answers
the next request: a revoked token is refused at once, a membership change counts at once.
(The second bump covers a process that reloaded the old state while the change was not yet
committed.) Writes that bypass model signals (``QuerySet.update``, ``bulk_create``) must
call ``invalidate()`` themselves; the synthetic-data loaders run before any server starts.

``MAX_AGE`` bounds an entry's life even if the shared cache were to lose a bump. Without a
working shared cache nothing cached is used (every request reads the database), and a
change still succeeds.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

if TYPE_CHECKING:
    from ketenwacht.partners.models import ApiToken, DataSharingAgreement

logger = logging.getLogger(__name__)

GENERATION_KEY = "ketenwacht:authz:generation"
MAX_AGE = 60.0  # seconds
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class TokenEntry:
    token: ApiToken
    group_ids: frozenset[int]
    # Every agreement version of those groups; which one is in force is decided per request.
    agreements: tuple[DataSharingAgreement, ...]
    generation: str
    loaded: float


_entries: dict[str, TokenEntry] = {}
_lock = threading.Lock()


_local = threading.local()


def _shared_get() -> object:
    """``cache.get(GENERATION_KEY)``. With Django's Redis cache, through a client kept per
    thread: the backend builds a new ``redis.Redis`` for every call, which cost more CPU
    than the round trip itself on the check path."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return cache.get(GENERATION_KEY)
    held = getattr(_local, "client", None)
    if held is None or held[0] is not backend:
        held = _local.client = (backend, backend._cache.get_client(write=False))
    raw = held[1].get(backend.make_and_validate_key(GENERATION_KEY))
    return None if raw is None else backend._cache._serializer.loads(raw)  # type: ignore[union-attr]


def generation() -> str:
    """The current shared generation (one shared-cache read).

    Without a working shared cache every call answers a new value, so nothing cached is
    used: requests read the database, as they did before this cache existed.
    """
    try:
        current = _shared_get()
        if current is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            current = cache.get(GENERATION_KEY)
    except Exception:  # the cache is down: authenticate from the database
        logger.warning("authz cache: shared cache unavailable, reading tokens from the database")
        return f"unavailable-{uuid.uuid4().hex}"
    return f"unavailable-{uuid.uuid4().hex}" if current is None else str(current)


def _bump() -> None:
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # a change must not fail because the cache is down
        # Processes that still reach the cache keep their entries for at most MAX_AGE.
        logger.warning("authz cache: shared cache unavailable, generation not bumped")


def invalidate() -> None:
    """Make every process reload its entries: now, and again when the transaction commits."""
    _bump()
    with _lock:
        _entries.clear()
    transaction.on_commit(_bump)


def _load(key_id: str, current: str) -> TokenEntry | None:
    from ketenwacht.partners.models import ApiToken, DataSharingAgreement

    token = ApiToken.objects.select_related("organisation").filter(key_id=key_id).first()
    if token is None:
        return None
    group_ids = frozenset(token.organisation.sharing_groups.values_list("pk", flat=True))
    agreements = tuple(
        DataSharingAgreement.objects.filter(group_id__in=list(group_ids)).order_by(
            "group_id", "version"
        )
    )
    return TokenEntry(token, group_ids, agreements, current, time.monotonic())


def token_entry(key_id: str) -> TokenEntry | None:
    """The entry of the token with this key id (``None``: no such token)."""
    current = generation()
    entry = _entries.get(key_id)
    if (
        entry is not None
        and entry.generation == current
        and time.monotonic() - entry.loaded < MAX_AGE
    ):
        return entry
    # The generation was read before loading: a change committed meanwhile bumps it again,
    # so an entry loaded from older state never outlives the next request.
    entry = _load(key_id, current)
    with _lock:
        if entry is None:
            _entries.pop(key_id, None)
        else:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key_id] = entry
    return entry


def request_token(entry: TokenEntry) -> ApiToken:
    """The request's own copy of the cached token, carrying its entry as ``_authz``.

    A copy, so nothing a request sets on its token reaches other requests; the organisation
    instance is shared and read-only.
    """
    token = copy.copy(entry.token)
    token._authz = entry  # type: ignore[attr-defined]
    return token


def entry_of(token: ApiToken | None) -> TokenEntry | None:
    """The cache entry a request's token came from, if it came from the cache."""
    return getattr(token, "_authz", None)


def clear_local() -> None:
    """Forget this process's entries (tests)."""
    with _lock:
        _entries.clear()


def connect_signals() -> None:
    """Invalidate on every saved or deleted token, organisation, group, membership, agreement."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from ketenwacht.partners.models import (
        ApiToken,
        DataSharingAgreement,
        Organisation,
        SharingGroup,
    )

    def changed(**_kwargs: object) -> None:
        invalidate()

    for model in (ApiToken, Organisation, SharingGroup, DataSharingAgreement):
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"authz-save-{model}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"authz-del-{model}")
    m2m_changed.connect(
        changed, sender=SharingGroup.members.through, weak=False, dispatch_uid="authz-members"
    )

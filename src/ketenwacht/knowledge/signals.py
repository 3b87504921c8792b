"""Keep the cached catalogue coherent with every write, including ones outside the services
(data migrations, fixtures, factories in other apps' tests)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from ketenwacht.knowledge.constants import FRAUD_TYPES_CACHE_KEY


def clear_catalogue_cache(**_kwargs: Any) -> None:
    cache.delete(FRAUD_TYPES_CACHE_KEY)

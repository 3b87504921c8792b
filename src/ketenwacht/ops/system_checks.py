"""``manage.py check --deploy``: the services production needs are configured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Rate limits and login throttling count in the cache; it must be shared by workers."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend == "django.core.cache.backends.redis.RedisCache":
        return []
    return [
        Warning(
            "The cache is not Redis: each worker process counts rate limits on its own.",
            hint="Set REDIS_URL=redis://…",
            id="ketenwacht.ops.W001",
        )
    ]


@register(deploy=True)
def real_broker(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not str(settings.CELERY_BROKER_URL).startswith("memory://"):
        return []
    return [
        Warning(
            "Celery uses the in-memory broker: tasks run inside web requests, beat never runs.",
            hint="Set CELERY_BROKER_URL=redis://… and start a worker and beat.",
            id="ketenwacht.ops.W002",
        )
    ]

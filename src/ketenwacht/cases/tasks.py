"""Scheduled and queued work of the cases domain (beat entries in ``conf/base.py``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from ketenwacht.cases import services
from ketenwacht.cases.rebuild import rebuild


@shared_task
def refresh_priorities() -> int:
    """Growth and recency move with the calendar: recompute active clusters' summaries."""
    return services.priorities_refresh()


@shared_task
def reroute_all() -> int:
    """The routing rules changed: route every active cluster again."""
    return services.reroute_all()


@shared_task
def purge_suspect_locations() -> int:
    return services.suspect_locations_purge()


@shared_task
def purge_reports() -> int:
    """Police and partner reports past their retention term leave cases."""
    return services.reports_purge()


@shared_task
def rebuild_clusters() -> dict[str, Any]:
    return rebuild().as_dict()

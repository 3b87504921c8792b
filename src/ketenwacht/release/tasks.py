"""Periodic work of release by consent (Celery beat runs it; see docs/alerts.md)."""

from __future__ import annotations

from celery import shared_task

from ketenwacht.release.services import release_expire_due


@shared_task
def expire_due() -> int:
    """Close requests whose deadline has passed; returns how many."""
    return release_expire_due()

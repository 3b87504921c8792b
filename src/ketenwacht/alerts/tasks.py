"""Periodic work of alerts (Celery beat; see docs/alerts.md)."""

from __future__ import annotations

from celery import shared_task

from ketenwacht.alerts.services import digests_send_due, raw_values_purge


@shared_task
def send_due_digests() -> int:
    """Daily e-mail digests that are due (beat runs this hourly)."""
    return digests_send_due()


@shared_task
def purge_raw_values() -> int:
    """Delete raw indicator values past their agreement's retention."""
    return raw_values_purge()

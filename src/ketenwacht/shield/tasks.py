"""Celery tasks of the shield. Thin: the rules live in services."""

from __future__ import annotations

from celery import shared_task

from ketenwacht.shield import services


@shared_task
def expire_blocks() -> int:
    """Expire blocks past their date (beat), so the zone serial rises when they leave it."""
    return services.blocks_expire_due()

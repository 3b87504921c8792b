from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from ketenwacht.partners.access import SYSTEM
from ketenwacht.stats import services
from ketenwacht.stats.trends import monday


@shared_task(name="ketenwacht.stats.tasks.detect_spikes")
def detect_spikes() -> int:
    """Look at the last completed week (idempotent: a spike is stored once)."""
    last_week = monday(timezone.localdate()) - timedelta(weeks=1)
    return len(services.spikes_detect(actor=SYSTEM, week=last_week))

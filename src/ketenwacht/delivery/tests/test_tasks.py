"""The Celery wiring: task names and the beat entry that drains the outbox."""

from __future__ import annotations

from django.conf import settings

from ketenwacht.celery import app
from ketenwacht.delivery import tasks


def test_beat_drains_the_outbox_with_a_registered_task() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["delivery-drain-outbox"]
    assert entry["task"] == tasks.drain_outbox.name
    assert entry["task"] in app.tasks
    assert tasks.deliver.name in app.tasks
    assert 0 < entry["schedule"] <= 300

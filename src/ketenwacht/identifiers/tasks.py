"""Scheduled work of the identifiers domain (beat entry in ``conf/base.py``)."""

from __future__ import annotations

from celery import shared_task

from ketenwacht.identifiers.services import sightings_purge


@shared_task
def purge_expired() -> dict[str, int]:
    """Delete expired sightings, their raw values and pseudonyms nothing uses any more."""
    return sightings_purge().as_dict()

"""Background and scheduled work of the identifiers domain (beat entries in ``conf/base.py``)."""

from __future__ import annotations

from celery import shared_task

from ketenwacht.identifiers.disputes import disputes_purge
from ketenwacht.identifiers.services import sightings_purge
from ketenwacht.identifiers.uploads import upload_process, uploads_purge


@shared_task
def purge_expired() -> dict[str, int]:
    """Delete expired sightings, their raw values and pseudonyms nothing uses any more."""
    return sightings_purge().as_dict()


@shared_task
def process_upload(upload_id: int) -> str:
    """Record a confirmed CSV upload in chunks; a redelivered task resumes after the last
    chunk whose progress was saved."""
    return upload_process(upload_id=upload_id).status


@shared_task
def purge_closed_work() -> dict[str, int]:
    """Decided disputes after their retention, stale and old uploads."""
    return {"disputes": disputes_purge(), **uploads_purge()}

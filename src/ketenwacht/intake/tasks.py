"""Periodic work of the intake: the retention purge (ADR 0003)."""

from __future__ import annotations

from celery import shared_task

from ketenwacht.intake import services


@shared_task
def purge_expired() -> dict[str, int]:
    result = services.intakes_purge()
    return {"drafts": result.drafts, "intakes": result.intakes, "referrals": result.referrals}

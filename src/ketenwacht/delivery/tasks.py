"""Celery tasks of the outbox. Thin: the work and its rules live in services."""

from __future__ import annotations

from celery import shared_task

from ketenwacht.delivery import selectors, services


@shared_task
def deliver(delivery_id: str) -> str | None:
    """One attempt at one delivery, if it is due and no other worker holds it."""
    delivery = services.delivery_send(delivery_id)
    return delivery.status if delivery is not None else None


@shared_task
def drain_outbox() -> int:
    """Send everything due: new rows whose task was lost, retries, expired leases (beat)."""
    due = selectors.delivery_due_ids()
    for delivery_id in due:
        deliver.delay(str(delivery_id))
    return len(due)

"""Background work of the private check: PSI screening jobs and the list's upkeep."""

from __future__ import annotations

from celery import shared_task


@shared_task
def run_psi_job(job_id: int) -> str:
    from ketenwacht.privatecheck import psi

    return str(psi.run(job_id).status)


@shared_task
def list_pending_batch(pending_id: int) -> int:
    """List a recorded batch's values (``services.list_recorded`` queues it at commit)."""
    from ketenwacht.privatecheck import services

    return services.list_pending(pending_id)


@shared_task
def sync_list() -> dict[str, int]:
    """Allowlist and kept raw values into the list; elements of purged pseudonyms out."""
    from ketenwacht.privatecheck import services

    return services.sync().as_dict()


@shared_task
def purge_psi_jobs() -> int:
    from ketenwacht.privatecheck import psi

    return psi.purge()

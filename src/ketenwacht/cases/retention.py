"""Retention of police and partner reports: a report leaves cases when its term has passed.

Victim intakes are not purged here: their report leaves when the intake app unlinks it (the
victim withdrew consent, or the intake's own retention ended). Police reports and partners'
incident reports are kept for ``KETENWACHT["CASES_REPORT_RETENTION_DAYS"]`` days after the
day they were reported, per source (defaults in ``cases.config``). A purged report is
unlinked like any removed report: its links go, the clusters it held together are
recomputed (they may split or end), summaries, priorities and routing follow, and one audit
row counts what left.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.cases import linking
from ketenwacht.cases.config import retention_days
from ketenwacht.cases.models import Report
from ketenwacht.cases.services import clusters_after_change
from ketenwacht.partners.access import SYSTEM, Actor

# Reports removed per transaction: a purge after a long pause neither holds locks for long
# nor loses what it did when it is stopped.
PURGE_CHUNK = 200


def _expired_ids(today: date, terms: Mapping[str, int], limit: int) -> list[int]:
    ids: list[int] = []
    for source, days in terms.items():
        cutoff = today - timedelta(days=days)
        ids += Report.objects.filter(source=source, reported_on__lt=cutoff).values_list(
            "pk", flat=True
        )[: limit - len(ids)]
        if len(ids) >= limit:
            break
    return ids


def reports_purge(*, actor: Actor = SYSTEM) -> int:
    """Remove every police and partner report past its term; returns how many left."""
    terms = retention_days()
    now = timezone.now()
    today = timezone.localdate(now)
    removed = 0
    while ids := _expired_ids(today, terms, PURGE_CHUNK):
        with transaction.atomic():
            chunk = 0
            for report in Report.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
                change = linking.remove_report(report, now=now)
                clusters_after_change(change, now=now)
                chunk += 1
            audit_record(
                actor=actor,
                action="cases.reports_purge",
                object_type="retention",
                details={"removed": chunk, "terms_days": terms},
            )
        removed += chunk
    return removed

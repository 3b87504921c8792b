"""``manage.py cases_purge_reports``: remove police and partner reports past their term."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketenwacht.cases.config import retention_days
from ketenwacht.cases.services import reports_purge


class Command(BaseCommand):
    help = (
        "Remove police and partner reports whose retention term (CASES_REPORT_RETENTION_DAYS, "
        "days after the day reported) has passed; their clusters are recomputed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        terms = ", ".join(f"{source} {days} days" for source, days in retention_days().items())
        removed = reports_purge()
        self.stdout.write(f"{removed} report(s) removed (terms: {terms})")

"""Verify the audit hash chain: exit 0 when intact, 1 naming the first bad row."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.selectors import audit_chain_first_break


class Command(BaseCommand):
    help = "Verify the audit hash chain."

    def handle(self, *args: Any, **options: Any) -> None:
        chain_break = audit_chain_first_break()
        if chain_break is not None:
            raise CommandError(
                f"audit chain broken at event {chain_break.event_id}: {chain_break.reason}"
            )
        self.stdout.write(f"audit chain intact ({AuditEvent.objects.count()} events)")

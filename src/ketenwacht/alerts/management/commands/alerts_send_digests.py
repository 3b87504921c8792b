"""Send the daily alert digests that are due (what the hourly beat task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketenwacht.alerts.services import digests_send_due, raw_values_purge


class Command(BaseCommand):
    help = "Send due daily alert digests and purge raw indicator values past retention."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = digests_send_due()
        purged = raw_values_purge()
        self.stdout.write(f"{sent} digest(s) queued; {purged} raw value(s) purged.")

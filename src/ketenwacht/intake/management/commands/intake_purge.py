"""Delete intakes whose retention has passed (ADR 0003); the beat task runs the same."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketenwacht.intake import services


class Command(BaseCommand):
    help = "Delete abandoned drafts and intakes past their retention (ADR 0003)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.intakes_purge()
        self.stdout.write(
            f"Deleted {result.drafts} draft(s), {result.intakes} intake(s) with "
            f"{result.referrals} referral(s)."
        )

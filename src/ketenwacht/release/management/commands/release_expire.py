"""Close release requests whose deadline has passed (what the beat task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketenwacht.release.services import release_expire_due


class Command(BaseCommand):
    help = "Close release requests whose deadline has passed: nothing is released."

    def handle(self, *args: Any, **options: Any) -> None:
        count = release_expire_due()
        self.stdout.write(f"{count} release request(s) expired.")

"""Bring the oblivious check's list up to date: allowlist entries and kept raw values in,
elements of pseudonyms the retention purge deleted out."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ketenwacht.privatecheck import services


class Command(BaseCommand):
    help = "Enrol allowlist entries and kept raw values; prune elements of purged pseudonyms."

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.sync()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in result.as_dict().items()))

"""``manage.py identifiers_purge``: the retention purge, as the scheduled task runs it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenwacht.identifiers.services import sightings_purge


class Command(BaseCommand):
    help = "Delete expired sightings, their encrypted raw values and unused pseudonyms."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        result = sightings_purge(batch_size=options["batch_size"])
        self.stdout.write(
            f"purged {result.sightings} sightings, {result.raw_values} raw values, "
            f"{result.pseudonyms} pseudonyms, {result.idempotency_records} idempotency records"
        )

"""``manage.py cases_load_units``: load police units and the postcode → unit table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenwacht.cases.reference import DEFAULT_POSTCODES, DEFAULT_UNITS, load_reference


class Command(BaseCommand):
    help = (
        "Load the police units (JSON) and the postcode table (CSV: first,last,unit). The "
        "bundled table is an approximation for demonstration; load the real one in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=Path, default=DEFAULT_UNITS)
        parser.add_argument("--postcodes", type=Path, default=DEFAULT_POSTCODES)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            units, ranges = load_reference(options["units"], options["postcodes"])
        except (OSError, ValueError) as error:  # a missing or malformed file: nothing changed
            raise CommandError(f"Niets geladen: {error} / Nothing loaded: {error}") from error
        self.stdout.write(f"{units} units, {ranges} postcode ranges loaded")

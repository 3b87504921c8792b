"""Add the desks of a directory YAML that are not in the database yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenwacht.errors import DomainError
from ketenwacht.intake import services
from ketenwacht.partners.access import SYSTEM

DEFAULT = Path(__file__).resolve().parents[2] / "data" / "desks.yaml"


class Command(BaseCommand):
    help = "Add desks from a directory YAML (default: the bundled one); edited desks stay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = services.desks_load(actor=SYSTEM, source=Path(options["path"]).read_text())
        except (OSError, DomainError) as error:
            raise CommandError(str(getattr(error, "message", error))) from error
        self.stdout.write(f"{created} desk(s) added.")

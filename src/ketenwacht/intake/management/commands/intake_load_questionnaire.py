"""Load a questionnaire YAML as a new version and make it active."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenwacht.errors import DomainError
from ketenwacht.intake import services
from ketenwacht.partners.access import SYSTEM

DEFAULT = Path(__file__).resolve().parents[2] / "questionnaires" / "default.yaml"


class Command(BaseCommand):
    help = "Load a questionnaire YAML as a new version (default: the bundled one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT))
        parser.add_argument("--inactive", action="store_true", help="store without activating")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            questionnaire, created = services.questionnaire_load(
                actor=SYSTEM,
                source=Path(options["path"]).read_text(),
                activate=not options["inactive"],
            )
        except (OSError, DomainError) as error:
            raise CommandError(str(getattr(error, "message", error))) from error
        state = "loaded" if created else "already there"
        self.stdout.write(f"Questionnaire version {questionnaire.version}: {state}.")

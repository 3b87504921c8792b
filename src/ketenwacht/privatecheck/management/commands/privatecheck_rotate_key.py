"""Rotate the OPRF key: write version N+1 and move every listed element to it, or retire an
old version (its key file and elements are deleted)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenwacht.privatecheck import services


class Command(BaseCommand):
    help = "Rotate the oblivious check's OPRF key, or retire an old key version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retire", type=int, metavar="VERSION", help="Retire this old key version."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retire"] is not None:
            deleted = services.retire_key(options["retire"])
            self.stdout.write(f"Retired OPRF key v{options['retire']} ({deleted} elements).")
            return
        version, moved = services.rotate_key()
        self.stdout.write(f"OPRF key v{version} is current; {moved} elements moved to it.")

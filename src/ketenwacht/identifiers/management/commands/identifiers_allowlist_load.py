"""``manage.py identifiers_allowlist_load [file.json]``: load official values into the allowlist.

Idempotent: values already listed are left as they are. Without a file, the bundled list of
well-known Dutch contact points (``identifiers/data/allowlist.json``) is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenwacht.errors import ConflictError, DomainError
from ketenwacht.identifiers.services import allowlist_add
from ketenwacht.partners.access import SYSTEM

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "allowlist.json"


class Command(BaseCommand):
    help = "Load official numbers and domains into the allowlist (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(BUNDLED))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entries = json.loads(Path(options["path"]).read_text())["entries"]
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read {options['path']}: {error}") from error
        added = skipped = 0
        for entry in entries:
            try:
                allowlist_add(
                    actor=SYSTEM,
                    value=entry["value"],
                    kind=entry.get("kind"),
                    owner_name=entry["owner_name"],
                    category=entry["category"],
                    label=entry.get("label", ""),
                    note=entry.get("note", ""),
                    covers_urls=entry.get("covers_urls", True),
                )
                added += 1
            except ConflictError:
                skipped += 1
            except DomainError as error:
                raise CommandError(f"{entry.get('value')}: {error.message}") from error
        self.stdout.write(f"allowlist: {added} added, {skipped} already listed")

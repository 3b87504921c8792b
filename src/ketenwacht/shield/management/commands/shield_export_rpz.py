"""Write the shield's block list to a file: ``manage.py shield_export_rpz PATH [--format]``.

Meant for a cron job next to the resolver; the file is replaced atomically, so the resolver
never reads half of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenwacht.shield import exports, selectors


class Command(BaseCommand):
    help = "Export the listed blocks as an RPZ zone (default), a domain list or a hosts file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=exports.FORMATS, default="rpz")

    def handle(self, *args: Any, **options: Any) -> None:
        size = exports.write(options["path"], options["format"])
        self.stdout.write(
            f"Wrote {size} bytes ({options['format']}, serial {selectors.zone_serial()}) "
            f"to {options['path']}"
        )

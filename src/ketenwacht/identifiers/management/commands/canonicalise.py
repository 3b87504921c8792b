"""Print the canonical form of one identifier: ``KIND<TAB>CANONICAL``, exit 0; or the reason
for refusing it, exit 2.

    python manage.py canonicalise "06-12345678"            # phone	+31612345678
    python manage.py canonicalise "NL91 ABNA 0417 1643 00" --kind iban
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ketenwacht.identifiers.canonical import KINDS, CanonicalError, canonicalise


class Command(BaseCommand):
    help = "Print KIND<TAB>CANONICAL for an identifier, or the reason it is refused (exit 2)."
    requires_system_checks: list[str] = []  # a pure function of its argument: no checks needed

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("value", help="the identifier as written")
        parser.add_argument(
            "--kind", choices=KINDS, help="the kind of identifier (detected when left out)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            canonical = canonicalise(options["value"], options["kind"])
        except CanonicalError as error:
            raise CommandError(f"{error.code}: {error.message}", returncode=2) from None
        self.stdout.write(f"{canonical.kind}\t{canonical.value}")
        if options["verbosity"] >= 2:
            self.stdout.write(f"display\t{canonical.display}")
            self.stdout.write(f"detail\t{json.dumps(canonical.detail, ensure_ascii=False)}")

"""``manage.py identifiers_rotate_key``: rotate the pseudonym key without downtime.

Default: write key version N+1, wait ``--grace-seconds`` for requests in flight that started
with the old key ring, re-key every pseudonym that has a kept raw value, report what is left.
On several hosts: ``--generate-only`` on one, copy the new key file to every host, then
``--rekey-only``. ``--retire`` deletes old key files no pseudonym uses any more.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketenwacht.identifiers import rotation, selectors


class Command(BaseCommand):
    help = "Rotate the pseudonym key: generate version N+1, re-key rows, retire old keys."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--generate-only", action="store_true", help="only write key N+1")
        mode.add_argument("--rekey-only", action="store_true", help="only re-key (resume)")
        mode.add_argument("--status", action="store_true", help="pseudonyms per key version")
        mode.add_argument("--retire", action="store_true", help="delete unused old key files")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--grace-seconds", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if options["status"]:
            self._status()
            return
        if options["retire"]:
            retired, in_use = rotation.pseudonym_keys_retire()
            self.stdout.write(f"retired key versions: {retired or 'none'}")
            for version, count in in_use.items():
                self.stdout.write(f"version {version} still used by {count} pseudonyms: kept")
            return
        if not options["rekey_only"]:
            version = rotation.pseudonym_key_generate()
            self.stdout.write(f"generated pseudonym key version {version}")
            if options["generate_only"]:
                return
            time.sleep(max(0.0, options["grace_seconds"]))
        result = rotation.pseudonyms_rekey(batch_size=options["batch_size"])
        self.stdout.write(
            f"re-keyed {result.rekeyed} pseudonyms to version {result.current_version} "
            f"in {result.batches} batches ({result.merged} merged)"
        )
        for version, count in sorted(result.remaining.items()):
            self.stdout.write(
                f"version {version}: {count} pseudonyms without a raw value stay until they are "
                "seen again or expire; keep that key until then"
            )
        self._status()

    def _status(self) -> None:
        for status in selectors.key_version_status():
            marks = [
                m
                for m, on in (
                    ("current", status.is_current),
                    ("no key file", not status.key_on_disk),
                )
                if on
            ]
            suffix = f" [{', '.join(marks)}]" if marks else ""
            self.stdout.write(
                f"version {status.version}: {status.pseudonyms} pseudonyms "
                f"({status.with_raw_value} with raw value){suffix}"
            )

"""``manage.py synth --scale N``: grow synthetic organisations, users and sharing groups, and
write synthetic identifiers for benchmarks."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from ketenwacht.synth.generators import KIND_METHODS
from ketenwacht.synth.scale import (
    ORGANISATIONS_PER_UNIT,
    USERS_PER_UNIT,
    synth_grow,
    write_identifiers,
)


class Command(BaseCommand):
    help = (
        f"Grow the synthetic data to N units (a unit: {ORGANISATIONS_PER_UNIT} organisations, "
        f"one per sector, {USERS_PER_UNIT} users and a sharing group with its agreement). "
        "Adds only what is missing. With --output, also writes synthetic identifiers as CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, required=True, help="number of units (N)")
        parser.add_argument("--seed", default="0", help="seed; the same seed, the same data")
        parser.add_argument(
            "--output",
            default=None,
            help="write identifiers as CSV (kind,value) to this file, or '-' for stdout",
        )
        parser.add_argument(
            "--count",
            type=int,
            default=None,
            help="identifiers per kind (default 1000 × N)",
        )
        parser.add_argument(
            "--kinds",
            default=",".join(KIND_METHODS),
            help=f"comma-separated identifier kinds (default: all: {','.join(KIND_METHODS)})",
        )
        parser.add_argument(
            "--spelled",
            action="store_true",
            help="write identifiers as people type them (spaces, 06-…, upper case)",
        )
        parser.add_argument("--batch", type=int, default=50, help="units per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        scale: int = options["scale"]
        if scale < 0:
            raise CommandError("--scale must be zero or more")
        kinds = [kind.strip() for kind in options["kinds"].split(",") if kind.strip()]
        unknown = sorted(set(kinds) - set(KIND_METHODS))
        if unknown:
            raise CommandError(f"unknown identifier kinds: {', '.join(unknown)}")
        to_stdout = options["output"] == "-"
        # Progress goes to stderr when the identifiers take stdout.
        log: TextIO | OutputWrapper = sys.stderr if to_stdout else self.stdout
        seed = int(options["seed"]) if str(options["seed"]).isdigit() else options["seed"]

        started = time.monotonic()

        def grow_progress(done: int, todo: int) -> None:
            if todo >= 10:
                log.write(f"  units {done}/{todo} ({time.monotonic() - started:.1f} s)\n")

        report = synth_grow(
            scale=scale, seed=seed, batch_units=options["batch"], progress=grow_progress
        )
        log.write(
            f"Synthetic units: {report.units_before} before, {report.units_after} now "
            f"(+{report.organisations} organisations, +{report.users} users, "
            f"+{report.sharing_groups} sharing groups).\n"
        )
        if options["output"] is None:
            return
        count = options["count"] if options["count"] is not None else 1000 * max(scale, 1)

        def kind_progress(kind: str, written: int) -> None:
            log.write(f"  {written} × {kind} ({time.monotonic() - started:.1f} s)\n")

        if to_stdout:
            total = write_identifiers(
                self.stdout,
                kinds=kinds,
                count=count,
                seed=seed,
                spelled=options["spelled"],
                progress=kind_progress,
            )
        else:
            path = Path(options["output"])
            with path.open("w", encoding="utf-8", newline="") as handle:
                total = write_identifiers(
                    handle,
                    kinds=kinds,
                    count=count,
                    seed=seed,
                    spelled=options["spelled"],
                    progress=kind_progress,
                )
        log.write(f"Wrote {total} identifiers ({len(kinds)} kinds).\n")

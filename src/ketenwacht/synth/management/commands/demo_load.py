"""``manage.py demo_load``: the demo world of ``make run`` and its logins (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string, module_has_submodule

from ketenwacht.synth.demo import DemoReport, demo_load


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return [line.rstrip() for line in lines]


class Command(BaseCommand):
    help = (
        "Load the demo organisations, sharing groups and logins (reuses what exists) and "
        "print the URL and the demo logins with their backup codes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--credentials",
            type=Path,
            default=None,
            help="Where the generated demo password and codes are kept "
            "(default: VAR_DIR/demo-credentials.json).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_load(credentials_path=options["credentials"])
        self._extend_by_capabilities(report)
        self._print(report)

    def _extend_by_capabilities(self, report: DemoReport) -> None:
        """Capabilities add their demo data through ``<app>.demo.demo_extend()``.

        The kernel does not import capabilities; each app that has demo data offers this hook
        (idempotent, returning a Counter of what it added).
        """
        for app_config in apps.get_app_configs():
            if app_config.name.startswith("ketenwacht.") and module_has_submodule(
                app_config.module, "demo"
            ):
                try:
                    extend = import_string(f"{app_config.name}.demo.demo_extend")
                except ImportError:
                    continue
                report.changes.update(extend())

    def _print(self, report: DemoReport) -> None:
        base_url = str(settings.KETENWACHT["PUBLIC_BASE_URL"]).rstrip("/")
        write = self.stdout.write
        if report.changes:
            summary = ", ".join(f"{count} {name}" for name, count in sorted(report.changes.items()))
            write(self.style.SUCCESS(f"Demo data loaded ({summary})."))
        else:
            write(self.style.SUCCESS("Demo data already present; nothing to add."))
        origin = "generated into" if report.credentials_created else "read from"
        write("")
        write(f"Ketenwacht:     {base_url}/")
        write(f"Staff login:    {base_url}/portal/login/")
        write(f"Django admin:   {base_url}/admin/  (programma.beheer; programme team members)")
        write("")
        write(f"Demo logins ({origin} {report.credentials_path}, mode 0600; demo use only):")
        rows = [["username", "role", "organisation", "password", "backup codes"]]
        rows += [
            [
                login.username + (" (superuser)" if login.superuser else ""),
                login.role,
                login.organisation,
                login.password,
                " ".join(login.backup_codes),
            ]
            for login in report.logins
        ]
        for line in _table(rows):
            write("  " + line)
        write("")
        write(
            "Second factor: enter one of the user's backup codes. Each code works once; run "
            "`manage.py demo_load` (or `make run`) again to restore used codes."
        )
        write("Or add a TOTP secret to an authenticator app (otpauth URIs):")
        for login in report.logins:
            write(f"  {login.username}: {login.otpauth_uri}")

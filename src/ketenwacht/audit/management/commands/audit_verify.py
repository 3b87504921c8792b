"""Verify the audit hash chain: exit 0 when intact, 1 naming the first bad row.

The chain detects a changed, deleted or reordered row anywhere before the newest row. Deleting
the newest rows leaves a shorter chain that is still consistent, so the command prints the head
(id and hash): an operator who records it elsewhere can pass it back with ``--anchor ID:HASH``
and the command then also fails when that event has gone or changed.
"""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.selectors import audit_chain_first_break


def _anchor(value: str) -> tuple[int, str]:
    event_id, _, event_hash = value.partition(":")
    if not (event_id.isascii() and event_id.isdigit()) or len(event_hash) != 64:
        raise ArgumentTypeError("expected ID:HASH, e.g. 1234:3f2a…(64 hex characters)")
    return int(event_id), event_hash.lower()


class Command(BaseCommand):
    help = "Verify the audit hash chain; exit 1 naming the first bad event."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--anchor",
            type=_anchor,
            action="append",
            default=[],
            metavar="ID:HASH",
            help="An earlier recorded head; fail when that event is missing or changed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chain_break = audit_chain_first_break()
        if chain_break is not None:
            raise CommandError(
                f"audit chain broken at event {chain_break.event_id}: {chain_break.reason}"
            )
        for event_id, event_hash in options["anchor"]:
            stored = AuditEvent.objects.filter(pk=event_id).values_list("hash", flat=True).first()
            if stored != event_hash:
                raise CommandError(
                    f"audit chain broken at event {event_id}: the anchored event is "
                    + ("missing" if stored is None else "different")
                )
        head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        count = AuditEvent.objects.count()
        if head is None:
            self.stdout.write("audit chain intact (0 events)")
        else:
            self.stdout.write(f"audit chain intact ({count} events; head {head[0]}:{head[1]})")

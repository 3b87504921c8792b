"""Reads of the shield: the triage queue, blocks, appeals, the zone snapshot and figures."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from ketenwacht.errors import NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.shield.constants import AppealStatus, BlockStatus, HostState
from ketenwacht.shield.models import Appeal, Block, Host, Report, Url, ZoneState
from ketenwacht.shield.services import APPEALS, TRIAGE

OPEN_STATES = (HostState.NEW, HostState.PROPOSED)
STREAM_BATCH = 20000


def triage_queue(*, actor: Actor, states: tuple[str, ...] = OPEN_STATES) -> QuerySet[Host]:
    """Hosts to look at, highest score first, then by how many people reported them."""
    access.require(actor, TRIAGE)
    return Host.objects.filter(state__in=states).order_by(
        "-score", "-reporter_count", "-report_count", "-last_seen", "pk"
    )


def host_get(*, actor: Actor, pk: int) -> Host:
    access.require(actor, TRIAGE)
    host = Host.objects.filter(pk=pk).first()
    if host is None:
        raise NotFoundError("Onbekende host. / Unknown host.", code="unknown_host")
    return host


def host_urls(*, actor: Actor, host: Host) -> QuerySet[Url]:
    access.require(actor, TRIAGE)
    return host.urls.order_by("-report_count", "pk")


def host_reports(*, actor: Actor, host: Host, limit: int = 20) -> list[Report]:
    access.require(actor, TRIAGE)
    return list(
        Report.objects.filter(links__url__host=host).distinct().order_by("-received_at")[:limit]
    )


def block_list(*, actor: Actor, status: str | None = None) -> QuerySet[Block]:
    access.require(actor, TRIAGE)
    query = Block.objects.select_related("proposed_by", "approved_by", "host")
    return query.filter(status=status) if status else query


def block_get(*, actor: Actor, pk: int) -> Block:
    access.require(actor, TRIAGE)
    block = Block.objects.select_related("proposed_by", "approved_by").filter(pk=pk).first()
    if block is None:
        raise NotFoundError("Onbekende blokkade. / Unknown block.", code="unknown_block")
    return block


def appeal_list(*, actor: Actor, status: str | None = AppealStatus.OPEN) -> QuerySet[Appeal]:
    access.require(actor, APPEALS)
    query = Appeal.objects.select_related("block")
    return query.filter(status=status) if status else query


def appeal_get(*, actor: Actor, pk: int) -> Appeal:
    access.require(actor, APPEALS)
    appeal = Appeal.objects.select_related("block").filter(pk=pk).first()
    if appeal is None:
        raise NotFoundError("Onbekend bezwaar. / Unknown appeal.", code="unknown_appeal")
    return appeal


def report_by_reference(reference: uuid.UUID | str) -> Report:
    """Public: the status page knows only the unguessable reference, and shows no content."""
    report = Report.objects.filter(reference=reference).first()
    if report is None:
        raise NotFoundError("Onbekend kenmerk. / Unknown reference.", code="unknown_report")
    return report


def partner_report(*, actor: Actor, reference: uuid.UUID | str) -> Report:
    """A report the actor's organisation forwarded."""
    report = Report.objects.filter(reference=reference, organisation=actor.organisation).first()
    if actor.organisation is None or report is None:
        raise NotFoundError("Onbekend kenmerk. / Unknown reference.", code="unknown_report")
    return report


# ---------------------------------------------------------------------------------------------
# The zone
# ---------------------------------------------------------------------------------------------


class ZoneEntry(NamedTuple):
    """A named tuple, not a dataclass: a million of them are made per export."""

    name: str
    wildcard: bool
    policy: str


@dataclass(frozen=True)
class ZoneSnapshot:
    serial: int
    entries: Iterator[ZoneEntry]


def zone_serial() -> int:
    zone = ZoneState.objects.filter(pk=1).first()
    return zone.serial if zone else 0


def zone_snapshot(*, moment: datetime | None = None) -> ZoneSnapshot:
    """The listed blocks now, streamed in name order (exports of a million stay flat)."""
    moment = moment or timezone.now()
    query = (
        Block.objects.filter(status=BlockStatus.ACTIVE, expires_at__gt=moment)
        .order_by("name")
        .values_list("name", "wildcard", "policy")
    )
    return ZoneSnapshot(serial=zone_serial(), entries=_stream(query))


def _stream(query: QuerySet[Block, tuple[str, bool, str]]) -> Iterator[ZoneEntry]:
    """Rows straight from the cursor, in batches: the ORM's per-row work would cost more than
    the export itself at a million rows. The SQL is the queryset's own, parameters bound."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(STREAM_BATCH):
            for name, wildcard, policy in rows:
                yield ZoneEntry(name, bool(wildcard), policy)


def block_history(*, actor: Actor, block: Block) -> list[dict[str, object]]:
    access.require(actor, TRIAGE)
    return [
        {
            "action": event.action,
            "actor_label": event.actor_label,
            "note": event.note,
            "expires_at": event.expires_at,
            "at": event.at,
        }
        for event in block.events.all()
    ]


# ---------------------------------------------------------------------------------------------
# Figures for stats
# ---------------------------------------------------------------------------------------------


Period = tuple[datetime, datetime]


def shield_figures(period: Period) -> dict[str, object]:
    """Aggregates for ``[start, end)``: counts only, no identifiers, safe to publish.

    The later stats app calls this; small-cell suppression is its job, not ours.
    """
    start, end = period
    reports = Report.objects.filter(received_at__gte=start, received_at__lt=end)
    by_channel = dict(reports.values("channel").annotate(n=Count("id")).values_list("channel", "n"))
    approved = Block.objects.filter(approved_at__gte=start, approved_at__lt=end).select_related(
        "host"
    )
    delays = [
        (block.approved_at - block.host.first_report_at).total_seconds() / 3600
        for block in approved
        if block.host is not None and block.host.first_report_at and block.approved_at
    ]
    appeals = Appeal.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    return {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "messages_received": reports.count(),
        "messages_by_channel": by_channel,
        "unique_urls": Url.objects.filter(first_seen__gte=start, first_seen__lt=end).count(),
        "unique_hosts": Host.objects.filter(first_seen__gte=start, first_seen__lt=end).count(),
        "blocks": approved.count(),
        "median_hours_first_report_to_block": (
            round(statistics.median(delays), 2) if delays else None
        ),
        "appeals": appeals.count(),
        "appeals_upheld": appeals.filter(status=AppealStatus.UPHELD).count(),
    }

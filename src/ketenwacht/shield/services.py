"""Writes of the shield: intake and triage, four-eyes blocks, appeals, the zone serial.

Each service runs in one transaction and writes its audit row there; e-mails go through the
delivery outbox in the same transaction and are sent after commit.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.partners.models import Organisation
from ketenwacht.shield import integration, notify, scoring
from ketenwacht.shield.constants import (
    BLOCK_DEFAULT_DAYS,
    BLOCK_MAX_DAYS,
    CLAIMING_STATUSES,
    MIN_REASON_CHARS,
    AppealStatus,
    BlockAction,
    BlockPolicy,
    BlockScope,
    BlockStatus,
    Channel,
    HostState,
    Verdict,
)
from ketenwacht.shield.hosts import UrlFacts, analyse_host, analyse_url, is_public_suffix
from ketenwacht.shield.models import (
    Appeal,
    Block,
    BlockEvent,
    Host,
    Report,
    ReportUrl,
    Url,
    ZoneState,
)
from ketenwacht.shield.parsing import (
    ParsedMessage,
    parse_mime,
    parse_plain,
    parse_text,
    parse_upload,
)

TRIAGE = "shield.triage"
APPEALS = "shield.appeals"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Intake and triage
# ---------------------------------------------------------------------------------------------


@dataclass
class TriageContext:
    """Facts shared by all hosts of one intake (or one batch): loaded once."""

    allowlisted: frozenset[str]
    brands: list[scoring.Brand]

    @classmethod
    def load(cls) -> TriageContext:
        domains = integration.allowlisted_domains()
        return cls(allowlisted=domains, brands=integration.brands_for(domains))

    def is_allowlisted(self, facts: UrlFacts) -> bool:
        return facts.registrable_domain in self.allowlisted or facts.host in self.allowlisted


def report_receive(
    *,
    actor: Actor,
    channel: str,
    raw: bytes | None = None,
    text: str | None = None,
    filename: str = "",
    reporter_email: str = "",
    organisation: Organisation | None = None,
    external_id: str = "",
    context: TriageContext | None = None,
) -> Report:
    """Parse a message from any channel (refusing what breaks the limits), then triage it."""
    if raw is not None:
        parsed = parse_upload(filename, raw) if channel == Channel.UPLOAD else parse_mime(raw)
        size = len(raw)
    else:
        body = text or ""
        parsed = parse_plain(body) if channel == Channel.SMS else parse_text(body)
        size = len(body.encode("utf-8", "replace"))
    return report_submit(
        actor=actor,
        channel=channel,
        parsed=parsed,
        size=size,
        reporter_email=reporter_email,
        organisation=organisation,
        external_id=external_id,
        context=context,
    )


def report_submit(
    *,
    actor: Actor,
    channel: str,
    parsed: ParsedMessage,
    size: int,
    reporter_email: str = "",
    organisation: Organisation | None = None,
    external_id: str = "",
    context: TriageContext | None = None,
) -> Report:
    """Store a parsed message, deduplicate its URLs and hosts, and (re)score those hosts."""
    if channel not in Channel.values:
        raise ValidationFailed(
            f"Onbekend kanaal '{channel}'. / Unknown channel '{channel}'.", code="unknown_channel"
        )
    context = context or TriageContext.load()
    reporter_email = _usable_address(reporter_email)
    analysed = (analyse_url(url) for url in parsed.urls)
    facts = list({f.url: f for f in analysed if f is not None}.values())
    by_host: dict[str, list[UrlFacts]] = defaultdict(list)
    for fact in facts:
        by_host[fact.host].append(fact)
    wording = scoring.wording_signals(
        " ".join((parsed.subject, parsed.original_subject, parsed.text))
    )
    allowlisted = {name for name, urls in by_host.items() if context.is_allowlisted(urls[0])}
    checked = [f for f in facts if f.host not in allowlisted]
    confirmed = (
        integration.confirmed_values(
            [f.url for f in checked], sorted({f.registrable_domain for f in checked})
        )
        if checked
        else set()
    )
    with transaction.atomic():
        report = Report(
            channel=channel,
            organisation=organisation,
            external_id=external_id,
            reporter_email=reporter_email.strip(),
            subject=parsed.original_subject or parsed.subject,
            original_sender=parsed.original_sender or parsed.sender,
            excerpt=parsed.excerpt,
            wording_signals=wording,
            attachments=[vars(a) for a in parsed.attachments],
            parts=parsed.parts,
            size=size,
        )
        report.reporter_key = _digest(
            "reporter:" + reporter_email.strip().lower()
            if reporter_email.strip()
            else f"report:{report.reference}"
        )
        report.save()
        hosts = [
            _link_host(report, name, urls, wording, allowlisted, confirmed, context)
            for name, urls in by_host.items()
        ]
        _initial_verdict(report, hosts)
        audit_record(
            actor=actor,
            action="shield.report_receive",
            object_type="shield_report",
            object_id=report.pk,
            details={
                "channel": channel,
                "urls": len(facts),
                "hosts": len(hosts),
                "verdict": report.verdict,
            },
        )
        notify.acknowledge(report, actor=actor)
        if report.verdict != Verdict.PENDING:
            notify.tell_verdict(report, actor=actor)
    return report


def _usable_address(address: str) -> str:
    """An address we can answer, or empty: a forged or odd envelope sender must not stop the
    intake (the report still counts; the reporter just gets no e-mail)."""
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def _link_host(
    report: Report,
    name: str,
    urls: list[UrlFacts],
    wording: list[str],
    allowlisted: set[str],
    confirmed: set[tuple[str, str]],
    context: TriageContext,
) -> Host:
    now = report.received_at
    first = urls[0]
    host, _created = Host.objects.select_for_update().get_or_create(
        name=name,
        defaults={
            "display": first.host_display,
            "registrable_domain": first.registrable_domain,
            "first_seen": now,
            "first_report_at": now,
        },
    )
    links = []
    for fact in urls:
        url, created = Url.objects.get_or_create(
            value_digest=_digest(fact.url),
            defaults={
                "host": host,
                "value": fact.url,
                "display": fact.display,
                "flags": sorted(fact.flags),
                "report_count": 1,
                "first_seen": now,
            },
        )
        if not created:
            Url.objects.filter(pk=url.pk).update(report_count=F("report_count") + 1)
        links.append(ReportUrl(report=report, url=url))
    # The report is new, so none of its links exist yet (URLs are unique per report).
    ReportUrl.objects.bulk_create(links)
    # An anonymous report is a reporter of its own; only a known address can repeat.
    known_reporter = bool(report.reporter_email) and (
        ReportUrl.objects.filter(url__host=host, report__reporter_key=report.reporter_key)
        .exclude(report=report)
        .exists()
    )
    host.report_count += 1
    host.reporter_count += 0 if known_reporter else 1
    host.last_seen = now
    host.flags = sorted(set(host.flags).union(*(fact.flags for fact in urls)))
    host.wording_signals = sorted(set(host.wording_signals).union(wording))
    host.needs_manual_check = "shortener" in host.flags
    is_confirmed = (
        any(("url", f.url) in confirmed for f in urls)
        or (
            "domain",
            host.registrable_domain,
        )
        in confirmed
    )
    if name in allowlisted:
        host.state = HostState.ALLOWLISTED
    _rescore(host, context, confirmed=is_confirmed or _was_confirmed(host), now=now)
    host.save()
    return host


def _was_confirmed(host: Host) -> bool:
    return any(reason.get("code") == "confirmed_sighting" for reason in host.reasons)


def _rescore(host: Host, context: TriageContext, *, confirmed: bool, now: datetime) -> None:
    if host.state == HostState.ALLOWLISTED:
        host.score, host.reasons = 0, [{"code": "allowlisted", "points": 0}]
        return
    result = scoring.host_score(
        host=host.name,
        display=host.display,
        registrable=host.registrable_domain,
        flags=host.flags,
        brands=context.brands,
        confirmed=confirmed,
        wording=host.wording_signals,
        reporter_count=host.reporter_count,
        first_seen_hours_ago=(now - host.first_seen).total_seconds() / 3600,
    )
    host.score, host.reasons = result.points, result.reasons


def _verdict_for(states: set[str]) -> str | None:
    """A link to a blocked host makes it phishing; only decided hosts make it not blocked."""
    if HostState.BLOCKED in states:
        return Verdict.PHISHING
    if states <= {HostState.DISMISSED, HostState.ALLOWLISTED}:
        return Verdict.NOT_BLOCKED
    return None


def _initial_verdict(report: Report, hosts: list[Host]) -> None:
    """Answer at once when nothing is left to decide: no links, or only decided hosts."""
    verdict = _verdict_for({host.state for host in hosts}) if hosts else Verdict.NO_LINKS
    if verdict is not None:
        report.verdict, report.verdict_at = verdict, timezone.now()
        report.save(update_fields=["verdict", "verdict_at"])


def host_dismiss(*, actor: Actor, host: Host, note: str = "") -> Host:
    """Nothing to block here; reports whose hosts are all decided get their verdict."""
    access.require(actor, TRIAGE)
    with transaction.atomic():
        host = Host.objects.select_for_update().get(pk=host.pk)
        if host.state in (HostState.PROPOSED, HostState.BLOCKED):
            raise ConflictError(
                "Deze host heeft een voorgestelde of actieve blokkade. / This host has a proposed "
                "or active block.",
                code="host_has_block",
            )
        host.state = HostState.DISMISSED
        host.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="shield.host_dismiss",
            object_type="shield_host",
            object_id=host.pk,
            details={"host": host.name, "note": note[:500]},
        )
        _settle_reports(Report.objects.filter(links__url__host=host), actor=actor)
    return host


def _settle_reports(reports: QuerySet[Report], *, actor: Actor) -> int:
    """Give pending reports their verdict once none of their hosts is still open."""
    settled = 0
    for report in reports.filter(verdict=Verdict.PENDING).distinct():
        states = set(
            Host.objects.filter(urls__links__report=report).values_list("state", flat=True)
        )
        verdict = _verdict_for(states)
        if verdict is None:
            continue
        report.verdict, report.verdict_at = verdict, timezone.now()
        report.save(update_fields=["verdict", "verdict_at"])
        notify.tell_verdict(report, actor=actor)
        settled += 1
    return settled


# ---------------------------------------------------------------------------------------------
# Blocks: propose, approve (a different analyst), reject, renew, lift, expire
# ---------------------------------------------------------------------------------------------


def _invalid(message: str, *, code: str, field: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field)


def _block_name(name: str, scope: str) -> str:
    facts = analyse_host(name)
    if facts is None and is_public_suffix(name):
        raise _invalid(
            f"{name} is een publiek achtervoegsel dat vele eigenaren delen. / {name} is a public "
            "suffix shared by many owners.",
            code="public_suffix",
            field="name",
        )
    if facts is None:
        raise _invalid(
            f"'{name}' is geen geldige hostnaam. / '{name}' is not a valid host name.",
            code="invalid_host",
            field="name",
        )
    if "ip_host" in facts.flags:
        raise _invalid(
            "Een IP-adres kan niet via DNS worden geblokkeerd. / An IP address cannot be blocked "
            "through DNS.",
            code="ip_not_blockable",
            field="name",
        )
    return facts.registrable_domain if scope == BlockScope.DOMAIN else facts.host


def _refuse_allowlisted(name: str, wildcard: bool) -> None:
    caught = sorted(integration.allowlisted_names([name]))
    if wildcard:
        caught += integration.allowlisted_below(name)
    if caught:
        raise ConflictError(
            f"{name} staat op de allowlist (of vangt {', '.join(caught)}) en kan niet worden "
            f"geblokkeerd. / {name} is allowlisted (or would catch {', '.join(caught)}) and "
            "cannot be blocked.",
            code="allowlisted",
            details={"allowlisted": caught},
        )


def _event(
    block: Block, action: str, actor: Actor, note: str = "", expires_at: datetime | None = None
) -> BlockEvent:
    return BlockEvent.objects.create(
        block=block,
        action=action,
        actor_label=actor.label,
        actor_user=actor.user,
        note=note,
        expires_at=expires_at,
    )


def _audit_block(actor: Actor, action: str, block: Block, **details: object) -> None:
    audit_record(
        actor=actor,
        action=f"shield.block_{action}",
        object_type="shield_block",
        object_id=block.pk,
        details={"name": block.name, "wildcard": block.wildcard, **details},
    )


def block_propose(
    *,
    actor: Actor,
    name: str,
    scope: str = BlockScope.HOST,
    wildcard: bool = False,
    policy: str = BlockPolicy.WARNING,
    reason: str,
    days: int = BLOCK_DEFAULT_DAYS,
    host: Host | None = None,
) -> Block:
    access.require(actor, TRIAGE)
    if actor.user is None:
        raise PermissionDeniedError(
            "Alleen een analist kan een blokkade voorstellen. / Only an analyst can propose a "
            "block.",
            code="forbidden",
        )
    if scope not in BlockScope.values:
        raise _invalid(
            "Onbekende reikwijdte. / Unknown scope.", code="invalid_scope", field="scope"
        )
    if policy not in BlockPolicy.values:
        raise _invalid("Onbekend beleid. / Unknown policy.", code="invalid_policy", field="policy")
    if len(reason.strip()) < MIN_REASON_CHARS:
        raise _invalid(
            f"Geef een reden van minstens {MIN_REASON_CHARS} tekens. / Give a reason of at least "
            f"{MIN_REASON_CHARS} characters.",
            code="reason_required",
            field="reason",
        )
    if not 1 <= days <= BLOCK_MAX_DAYS:
        raise _invalid(
            f"De duur moet 1–{BLOCK_MAX_DAYS} dagen zijn. / The duration must be "
            f"1–{BLOCK_MAX_DAYS} days.",
            code="invalid_duration",
            field="days",
        )
    block_name = _block_name(host.name if host and not name else name, scope)
    _refuse_allowlisted(block_name, wildcard)
    host = host or Host.objects.filter(name=block_name).first()
    with transaction.atomic():
        if Block.objects.filter(name=block_name, status__in=CLAIMING_STATUSES).exists():
            raise ConflictError(
                f"Er is al een voorgestelde of actieve blokkade voor {block_name}. / There is "
                f"already a proposed or active block for {block_name}.",
                code="already_claimed",
            )
        block = Block.objects.create(
            name=block_name,
            scope=scope,
            wildcard=wildcard,
            policy=policy,
            reason=reason.strip(),
            host=host,
            duration_days=days,
            proposed_by=actor.user,
        )
        _event(block, BlockAction.PROPOSE, actor, reason.strip())
        _covered_hosts(block).filter(state=HostState.NEW).update(state=HostState.PROPOSED)
        _audit_block(actor, "propose", block, scope=scope, policy=policy, days=days)
    return block


def _covered_hosts(block: Block) -> QuerySet[Host]:
    condition = Q(name=block.name)
    if block.wildcard:
        condition |= Q(name__endswith="." + block.name)
    return Host.objects.filter(condition)


def _locked_block(block: Block, *expected: str) -> Block:
    locked = Block.objects.select_for_update().get(pk=block.pk)
    if locked.status not in expected:
        raise ConflictError(
            f"De blokkade is {locked.get_status_display().lower()}. / The block is "
            f"{locked.status}.",
            code="block_state",
        )
    return locked


def block_approve(*, actor: Actor, block: Block, note: str = "") -> Block:
    """The second pair of eyes: lists the block, tells reporters, records sightings."""
    access.require(actor, TRIAGE)
    with transaction.atomic():
        block = _locked_block(block, BlockStatus.PROPOSED)
        if actor.user is None or actor.user.pk == block.proposed_by_id:
            raise PermissionDeniedError(
                "Een andere analist moet de blokkade goedkeuren (vierogenprincipe). / A different "
                "analyst must approve the block (four eyes).",
                code="four_eyes",
            )
        _refuse_allowlisted(block.name, block.wildcard)
        now = timezone.now()
        block.status = BlockStatus.ACTIVE
        block.approved_by = actor.user
        block.approved_at = now
        block.expires_at = now + timedelta(days=block.duration_days)
        block.save(update_fields=["status", "approved_by", "approved_at", "expires_at"])
        _event(block, BlockAction.APPROVE, actor, note, block.expires_at)
        hosts = _covered_hosts(block)
        hosts.update(state=HostState.BLOCKED)
        zone_bump()
        sightings = integration.record_confirmed_sightings(
            approver=actor,
            domains=sorted({block.name, *hosts.values_list("registrable_domain", flat=True)}),
            urls=list(Url.objects.filter(host__in=hosts).values_list("value", flat=True)[:500]),
        )
        _audit_block(
            actor, "approve", block, expires_at=block.expires_at.isoformat(), sightings=sightings
        )
        _settle_reports(Report.objects.filter(links__url__host__in=hosts), actor=actor)
    return block


def block_reject(*, actor: Actor, block: Block, note: str) -> Block:
    access.require(actor, TRIAGE)
    with transaction.atomic():
        block = _locked_block(block, BlockStatus.PROPOSED)
        block.status, block.ended_at = BlockStatus.REJECTED, timezone.now()
        block.save(update_fields=["status", "ended_at"])
        _event(block, BlockAction.REJECT, actor, note)
        _covered_hosts(block).filter(state=HostState.PROPOSED).update(state=HostState.NEW)
        _audit_block(actor, "reject", block, note=note[:500])
    return block


def block_renew(*, actor: Actor, block: Block, days: int = BLOCK_DEFAULT_DAYS) -> Block:
    """Extend an active block by ``days`` from its current expiry (at most a year ahead)."""
    access.require(actor, TRIAGE)
    if not 1 <= days <= BLOCK_MAX_DAYS:
        raise _invalid(
            f"De duur moet 1–{BLOCK_MAX_DAYS} dagen zijn. / The duration must be "
            f"1–{BLOCK_MAX_DAYS} days.",
            code="invalid_duration",
            field="days",
        )
    with transaction.atomic():
        block = _locked_block(block, BlockStatus.ACTIVE)
        now = timezone.now()
        start = max(block.expires_at or now, now)
        block.expires_at = min(start + timedelta(days=days), now + timedelta(days=BLOCK_MAX_DAYS))
        block.save(update_fields=["expires_at"])
        _event(block, BlockAction.RENEW, actor, expires_at=block.expires_at)
        zone_bump()
        _audit_block(actor, "renew", block, expires_at=block.expires_at.isoformat())
    return block


def block_lift(*, actor: Actor, block: Block, note: str, via_appeal: Appeal | None = None) -> Block:
    """Unblock: the name leaves the zone at the next export; the hosts count as dismissed."""
    access.require(actor, APPEALS if via_appeal is not None else TRIAGE)
    if not note.strip():
        raise _invalid(
            "Geef een toelichting. / Give an explanation.", code="note_required", field="note"
        )
    with transaction.atomic():
        block = _locked_block(block, BlockStatus.ACTIVE)
        block.status, block.ended_at = BlockStatus.LIFTED, timezone.now()
        block.save(update_fields=["status", "ended_at"])
        _event(block, BlockAction.LIFT, actor, note)
        _covered_hosts(block).filter(state=HostState.BLOCKED).update(state=HostState.DISMISSED)
        zone_bump()
        _audit_block(
            actor,
            "lift",
            block,
            note=note[:500],
            appeal=str(via_appeal.reference) if via_appeal else None,
        )
    return block


def blocks_expire_due(*, actor: Actor = SYSTEM, now: datetime | None = None) -> int:
    """Active blocks past their expiry become expired (and leave the zone); returns how many."""
    moment = now or timezone.now()
    if not Block.objects.filter(status=BlockStatus.ACTIVE, expires_at__lte=moment).exists():
        return 0
    with transaction.atomic():
        _zone_row()  # serialises concurrent expiry runs
        due = list(
            Block.objects.select_for_update().filter(
                status=BlockStatus.ACTIVE, expires_at__lte=moment
            )
        )
        for block in due:
            block.status, block.ended_at = BlockStatus.EXPIRED, moment
            block.save(update_fields=["status", "ended_at"])
            _event(block, BlockAction.EXPIRE, actor, expires_at=block.expires_at)
            _covered_hosts(block).filter(state=HostState.BLOCKED).update(state=HostState.NEW)
            _audit_block(actor, "expire", block)
        if due:
            zone_bump()
    return len(due)


# ---------------------------------------------------------------------------------------------
# The zone serial
# ---------------------------------------------------------------------------------------------


def _zone_row() -> ZoneState:
    zone, _created = ZoneState.objects.select_for_update().get_or_create(pk=1)
    return zone


def zone_bump() -> int:
    """Raise the SOA serial, in the caller's transaction. Seconds since 1970 where possible,
    and always above the previous value, so resolvers see every change."""
    with transaction.atomic():
        zone = _zone_row()
        now = timezone.now()
        zone.serial = max(zone.serial + 1, int(now.timestamp()))
        zone.changed_at = now
        zone.save(update_fields=["serial", "changed_at"])
    return zone.serial


# ---------------------------------------------------------------------------------------------
# Appeals
# ---------------------------------------------------------------------------------------------


def appeal_submit(
    *,
    actor: Actor,
    domain: str,
    name: str,
    email: str,
    statement: str,
    organisation_name: str = "",
) -> Appeal:
    """A domain owner objects to a block covering ``domain``."""
    facts = analyse_host(domain.strip())
    if facts is None:
        raise _invalid(
            "Geef een geldige domeinnaam. / Give a valid domain name.",
            code="invalid_host",
            field="domain",
        )
    if len(statement.strip()) < MIN_REASON_CHARS:
        raise _invalid(
            "Licht uw bezwaar toe. / Explain your appeal.",
            code="statement_required",
            field="statement",
        )
    block = listed_block_for(facts.host)
    if block is None:
        raise _invalid(
            f"{facts.host} is niet geblokkeerd. / {facts.host} is not blocked.",
            code="not_blocked",
            field="domain",
        )
    with transaction.atomic():
        appeal = Appeal.objects.create(
            domain=facts.host,
            block=block,
            name=name.strip()[:200],
            email=email.strip(),
            organisation_name=organisation_name.strip()[:200],
            statement=statement.strip()[:10000],
        )
        audit_record(
            actor=actor,
            action="shield.appeal_submit",
            object_type="shield_appeal",
            object_id=appeal.pk,
            details={"domain": appeal.domain, "block": block.pk},
        )
        notify.acknowledge_appeal(appeal, actor=actor)
    return appeal


def listed_block_for(host: str, moment: datetime | None = None) -> Block | None:
    """The active block whose zone entries catch ``host``."""
    moment = moment or timezone.now()
    labels = host.split(".")
    parents = [".".join(labels[index:]) for index in range(1, len(labels))]
    condition = Q(name=host) | Q(name__in=parents, wildcard=True)
    return (
        Block.objects.filter(condition, status=BlockStatus.ACTIVE, expires_at__gt=moment)
        .order_by("-approved_at")
        .first()
    )


def appeal_decide(*, actor: Actor, appeal: Appeal, uphold: bool, note: str) -> Appeal:
    """Review: upholding lifts the block (audited); either way the owner is told."""
    access.require(actor, APPEALS)
    if not note.strip():
        raise _invalid(
            "Geef een toelichting. / Give an explanation.", code="note_required", field="note"
        )
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.status != AppealStatus.OPEN:
            raise ConflictError(
                "Op dit bezwaar is al besloten. / This appeal has already been decided.",
                code="appeal_decided",
            )
        if uphold and appeal.block.status == BlockStatus.ACTIVE:
            block_lift(actor=actor, block=appeal.block, note=note, via_appeal=appeal)
        appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
        appeal.decision_note = note.strip()
        appeal.decided_by = actor.user
        appeal.decided_at = timezone.now()
        appeal.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="shield.appeal_decide",
            object_type="shield_appeal",
            object_id=appeal.pk,
            details={"domain": appeal.domain, "outcome": appeal.status},
        )
        notify.tell_appeal_outcome(appeal, actor=actor)
    return appeal

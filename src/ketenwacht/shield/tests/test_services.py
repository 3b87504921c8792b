"""Intake and triage, four-eyes blocks, expiry, appeals, verdicts to reporters."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery.models import Delivery
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.identifiers.models import Sighting
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Role
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import make_user
from ketenwacht.shield import selectors, services
from ketenwacht.shield.constants import (
    AppealStatus,
    BlockAction,
    BlockScope,
    BlockStatus,
    Channel,
    HostState,
    Verdict,
)
from ketenwacht.shield.models import Block, Host, Report, Url
from ketenwacht.shield.parsing import MessageRefused
from ketenwacht.shield.tests.factories import (
    PHISH_TEXT,
    allowlist,
    block_kwargs,
    forwarded_as_attachment,
    make_agreement_for,
    make_block,
    make_organisation,
    plain_eml,
)

pytestmark = pytest.mark.django_db
ANONYMOUS = Actor(client_address="192.0.2.1")


@pytest.fixture
def organisation() -> Organisation:
    return make_organisation()


@pytest.fixture
def analyst(organisation: Organisation) -> Actor:
    return access.actor_for_user(make_user(Role.PARTNER_ANALYST, organisation))


@pytest.fixture
def second_analyst(organisation: Organisation) -> Actor:
    return access.actor_for_user(make_user(Role.PARTNER_ANALYST, organisation))


@pytest.fixture
def programme() -> Actor:
    return access.actor_for_user(make_user(Role.PROGRAMME_TEAM))


def submit(text: str = PHISH_TEXT, email: str = "", channel: str = Channel.WEB) -> Report:
    return services.report_receive(
        actor=ANONYMOUS, channel=channel, text=text, reporter_email=email
    )


def host_named(name: str) -> Host:
    return Host.objects.get(name=name)


# --- intake and triage -----------------------------------------------------------------------


def test_report_is_stored_with_urls_hosts_and_an_audit_row() -> None:
    report = submit(email="melder@example.org")
    host = host_named("rabobank-verificatie.nl")
    assert host.report_count == 1 and host.reporter_count == 1
    assert list(host.urls.values_list("value", flat=True)) == [
        "https://rabobank-verificatie.nl/login?id=42"
    ]
    assert report.wording_signals  # "wordt geblokkeerd", "binnen 24 uur", "verifieer"
    assert AuditEvent.objects.filter(
        action="shield.report_receive", object_id=str(report.pk)
    ).exists()


def test_urls_and_hosts_are_deduplicated_and_reporters_counted_once() -> None:
    submit(email="a@example.org")
    submit(email="a@example.org")  # the same person twice
    submit(email="b@example.org")
    submit()  # anonymous: a reporter of its own
    host = host_named("rabobank-verificatie.nl")
    assert host.report_count == 4
    assert host.reporter_count == 3
    assert Url.objects.filter(host=host).count() == 1
    assert Url.objects.get(host=host).report_count == 4


def test_acknowledgement_goes_through_the_outbox() -> None:
    report = submit(email="melder@example.org")
    delivery = Delivery.objects.get(idempotency_key=f"shield-ack-{report.reference}")
    assert delivery.email_to == "melder@example.org"
    assert str(report.reference) in delivery.payload["body"]


def test_message_without_links_gets_its_verdict_at_once() -> None:
    report = submit("Bel ons terug op 088-1234567, uw pas verloopt.", email="m@example.org")
    assert report.verdict == Verdict.NO_LINKS
    assert Delivery.objects.filter(idempotency_key=f"shield-verdict-{report.reference}").exists()


def test_refused_message_stores_nothing() -> None:
    with pytest.raises(MessageRefused):
        services.report_receive(actor=ANONYMOUS, channel=Channel.SMTP, raw=b"")
    assert not Host.objects.exists()


def test_forward_as_attachment_triage_ignores_the_forwarders_signature() -> None:
    services.report_receive(
        actor=ANONYMOUS, channel=Channel.SMTP, raw=forwarded_as_attachment(plain_eml())
    )
    assert list(Host.objects.values_list("name", flat=True)) == ["rabobank-verificatie.nl"]


def test_lookalike_of_allowlisted_brand_scores_above_a_plain_host() -> None:
    allowlist("rabobank.nl")
    submit("Verifieer via https://rabobank-verificatie.nl/ en zie ook https://bloemenwinkel.nl/")
    lookalike, plain = host_named("rabobank-verificatie.nl"), host_named("bloemenwinkel.nl")
    assert {"code": "brand_in_domain", "points": 30, "brand": "rabobank.nl"} in lookalike.reasons
    assert lookalike.score > plain.score


def test_allowlisted_host_is_marked_and_scores_nothing() -> None:
    allowlist("rabobank.nl")
    report = submit("Echte link: https://www.rabobank.nl/particulieren")
    host = host_named("www.rabobank.nl")
    assert host.state == HostState.ALLOWLISTED and host.score == 0
    assert report.verdict == Verdict.NOT_BLOCKED


def test_shortener_is_marked_for_manual_check() -> None:
    submit("Uw pakket: https://bit.ly/3xYz")
    host = host_named("bit.ly")
    assert host.needs_manual_check
    assert any(reason["code"] == "shortener" for reason in host.reasons)


def test_queue_sorts_by_score_then_by_reporters(analyst: Actor) -> None:
    low = Host.objects.create(
        name="a-low.nl",
        display="a-low.nl",
        registrable_domain="a-low.nl",
        score=10,
        reporter_count=50,
    )
    high_few = Host.objects.create(
        name="b.nl", display="b.nl", registrable_domain="b.nl", score=40, reporter_count=1
    )
    high_many = Host.objects.create(
        name="c.nl", display="c.nl", registrable_domain="c.nl", score=40, reporter_count=9
    )
    assert list(selectors.triage_queue(actor=analyst)) == [high_many, high_few, low]


def test_queue_is_closed_to_desk_agents() -> None:
    desk = access.actor_for_user(make_user(Role.DESK_AGENT))
    with pytest.raises(PermissionDeniedError):
        selectors.triage_queue(actor=desk)


def test_confirmed_sighting_raises_the_score(analyst: Actor, organisation: Organisation) -> None:
    from ketenwacht.identifiers.constants import Source
    from ketenwacht.identifiers.services import sightings_ingest

    make_agreement_for(organisation)
    sightings_ingest(
        actor=access.SYSTEM,
        items=[
            {
                "value": "rabobank-verificatie.nl",
                "kind": "domain",
                "fraud_type": "phishing",
                "role": "phishing_domain",
                "confidence": "confirmed",
            }
        ],
        atomic=True,
        source=Source.SHIELD,
        organisation=organisation,
    )
    submit()
    host = host_named("rabobank-verificatie.nl")
    assert any(reason["code"] == "confirmed_sighting" for reason in host.reasons)


# --- four eyes ----------------------------------------------------------------------------------


def test_block_needs_a_second_analyst(analyst: Actor, second_analyst: Actor) -> None:
    submit(email="melder@example.org")
    host = host_named("rabobank-verificatie.nl")
    block = services.block_propose(actor=analyst, name="", host=host, **block_kwargs())
    assert block.status == BlockStatus.PROPOSED and not block.is_listed()
    assert host_named(host.name).state == HostState.PROPOSED
    with pytest.raises(PermissionDeniedError) as caught:
        services.block_approve(actor=analyst, block=block)
    assert caught.value.code == "four_eyes"
    block = services.block_approve(actor=second_analyst, block=block)
    assert block.is_listed()
    assert block.expires_at is not None
    assert abs((block.expires_at - timezone.now()) - timedelta(days=30)) < timedelta(minutes=1)
    assert list(block.events.values_list("action", flat=True)) == [
        BlockAction.PROPOSE,
        BlockAction.APPROVE,
    ]
    assert host_named(host.name).state == HostState.BLOCKED


def test_approval_tells_reporters_their_verdict(analyst: Actor, second_analyst: Actor) -> None:
    report = submit(email="melder@example.org")
    block = services.block_propose(actor=analyst, name="rabobank-verificatie.nl", **block_kwargs())
    services.block_approve(actor=second_analyst, block=block)
    report.refresh_from_db()
    assert report.verdict == Verdict.PHISHING
    verdict = Delivery.objects.get(idempotency_key=f"shield-verdict-{report.reference}")
    assert "phishing" in verdict.payload["body"].lower()


def test_later_report_of_a_blocked_host_gets_phishing_at_once(
    analyst: Actor, second_analyst: Actor
) -> None:
    submit()
    block = services.block_propose(actor=analyst, name="rabobank-verificatie.nl", **block_kwargs())
    services.block_approve(actor=second_analyst, block=block)
    assert submit().verdict == Verdict.PHISHING


def test_confirmed_block_becomes_sightings(
    analyst: Actor,
    second_analyst: Actor,
    organisation: Organisation,
) -> None:
    make_agreement_for(organisation)
    submit()
    block = services.block_propose(actor=analyst, name="rabobank-verificatie.nl", **block_kwargs())
    services.block_approve(actor=second_analyst, block=block)
    sightings = Sighting.objects.filter(source="shield")
    assert set(sightings.values_list("kind", "confidence")) == {
        ("domain", "confirmed"),
        ("url", "confirmed"),
    }
    assert set(sightings.values_list("organisation", flat=True)) == {organisation.pk}


def test_allowlisted_domain_cannot_be_blocked(analyst: Actor) -> None:
    allowlist("ing.nl", owner="ING")
    with pytest.raises(ConflictError) as caught:
        services.block_propose(
            actor=analyst, name="mijn.ing.nl", **block_kwargs(scope=BlockScope.DOMAIN)
        )
    assert caught.value.code == "allowlisted"
    with pytest.raises(ConflictError):
        services.block_propose(actor=analyst, name="www.ing.nl", **block_kwargs())


def test_public_suffix_cannot_be_blocked(analyst: Actor) -> None:
    allowlist("bank.github.io", owner="Bank")
    with pytest.raises(ValidationFailed) as caught:
        services.block_propose(actor=analyst, name="github.io", **block_kwargs(wildcard=True))
    assert caught.value.code == "public_suffix"


def test_wildcard_over_an_allowlisted_name_is_refused(analyst: Actor) -> None:
    allowlist("rabobank.nl")
    with pytest.raises(ConflictError) as caught:
        services.block_propose(
            actor=analyst,
            name="rabobank.nl",
            **block_kwargs(scope=BlockScope.DOMAIN, wildcard=True),
        )
    assert caught.value.details["allowlisted"] == ["rabobank.nl"]


def test_allowlisting_between_proposal_and_approval_stops_the_block(
    analyst: Actor, second_analyst: Actor
) -> None:
    block = services.block_propose(actor=analyst, name="abnamro-hulp.nl", **block_kwargs())
    allowlist("abnamro-hulp.nl", owner="ABN AMRO")
    with pytest.raises(ConflictError):
        services.block_approve(actor=second_analyst, block=block)
    assert Block.objects.get(pk=block.pk).status == BlockStatus.PROPOSED


def test_domain_scope_blocks_the_registrable_domain(analyst: Actor) -> None:
    block = services.block_propose(
        actor=analyst, name="login.secure.phish-bank.nl", **block_kwargs(scope=BlockScope.DOMAIN)
    )
    assert block.name == "phish-bank.nl"


def test_one_claim_per_name(analyst: Actor) -> None:
    services.block_propose(actor=analyst, name="dubbel.nl", **block_kwargs())
    with pytest.raises(ConflictError) as caught:
        services.block_propose(actor=analyst, name="dubbel.nl", **block_kwargs())
    assert caught.value.code == "already_claimed"


@pytest.mark.parametrize(
    ("name", "overrides", "code"),
    [
        ("192.0.2.1", {}, "ip_not_blockable"),
        ("not a host", {}, "invalid_host"),
        ("ok-host.nl", {"reason": "kort"}, "reason_required"),
        ("ok-host.nl", {"days": 0}, "invalid_duration"),
        ("ok-host.nl", {"policy": "sinkhole"}, "invalid_policy"),
    ],
)
def test_proposal_validation(
    analyst: Actor, name: str, overrides: dict[str, object], code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.block_propose(actor=analyst, name=name, **block_kwargs(**overrides))
    assert caught.value.code == code


def test_desk_agent_cannot_propose() -> None:
    desk = access.actor_for_user(make_user(Role.DESK_AGENT))
    with pytest.raises(PermissionDeniedError):
        services.block_propose(actor=desk, name="x-phish.nl", **block_kwargs())


def test_reject_frees_the_name_and_reopens_the_host(analyst: Actor, second_analyst: Actor) -> None:
    submit()
    block = services.block_propose(actor=analyst, name="rabobank-verificatie.nl", **block_kwargs())
    services.block_reject(actor=second_analyst, block=block, note="Legitimate campaign site")
    assert host_named("rabobank-verificatie.nl").state == HostState.NEW
    again = services.block_propose(actor=analyst, name="rabobank-verificatie.nl", **block_kwargs())
    assert again.status == BlockStatus.PROPOSED


# --- serial, renewal, expiry, lifting -----------------------------------------------------------


def test_every_listing_change_raises_the_serial(analyst: Actor, second_analyst: Actor) -> None:
    serials = [selectors.zone_serial()]
    block = services.block_propose(actor=analyst, name="serie.nl", **block_kwargs())
    assert selectors.zone_serial() == serials[-1]  # a proposal changes nothing in the zone
    services.block_approve(actor=second_analyst, block=block)
    serials.append(selectors.zone_serial())
    services.block_renew(actor=analyst, block=block, days=10)
    serials.append(selectors.zone_serial())
    services.block_lift(actor=analyst, block=block, note="False positive")
    serials.append(selectors.zone_serial())
    assert serials == sorted(set(serials)) and len(serials) == 4


def test_renewal_extends_from_the_current_expiry(analyst: Actor) -> None:
    block = make_block()
    before = block.expires_at
    block = services.block_renew(actor=analyst, block=block, days=30)
    assert before is not None and block.expires_at is not None
    assert block.expires_at - before == timedelta(days=30)
    assert block.events.filter(action=BlockAction.RENEW).exists()


def test_expiry_removes_the_block_and_records_history() -> None:
    block = make_block(expires_at=timezone.now() + timedelta(days=1))
    serial = selectors.zone_serial()
    assert services.blocks_expire_due() == 0
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert services.blocks_expire_due() == 1
        snapshot = selectors.zone_snapshot()
        assert [entry.name for entry in snapshot.entries] == []
    block.refresh_from_db()
    assert block.status == BlockStatus.EXPIRED
    assert block.events.filter(action=BlockAction.EXPIRE).exists()
    assert selectors.zone_serial() > serial


def test_lift_needs_an_explanation(analyst: Actor) -> None:
    with pytest.raises(ValidationFailed):
        services.block_lift(actor=analyst, block=make_block(), note=" ")


# --- appeals ------------------------------------------------------------------------------------


def test_appeal_upheld_lifts_the_block_and_tells_the_owner(programme: Actor) -> None:
    block = make_block(name="bloemen-shop.nl", wildcard=True)
    appeal = services.appeal_submit(
        actor=ANONYMOUS,
        domain="www.bloemen-shop.nl",
        name="Eigenaar",
        email="owner@example.org",
        statement="Dit is mijn webwinkel sinds 2015, geen phishing.",
    )
    assert appeal.block == block
    assert Delivery.objects.filter(
        email_to="owner@example.org", event_type="shield.appeal.received"
    ).exists()
    services.appeal_decide(actor=programme, appeal=appeal, uphold=True, note="Verified owner")
    block.refresh_from_db()
    appeal.refresh_from_db()
    assert block.status == BlockStatus.LIFTED
    assert appeal.status == AppealStatus.UPHELD
    assert AuditEvent.objects.filter(action="shield.block_lift", object_id=str(block.pk)).exists()
    outcome = Delivery.objects.get(event_type="shield.appeal.decided")
    assert "lifted" in outcome.payload["body"] and outcome.email_to == "owner@example.org"


def test_appeal_rejected_keeps_the_block(programme: Actor) -> None:
    block = make_block(name="nep-bank.nl")
    appeal = services.appeal_submit(
        actor=ANONYMOUS,
        domain="nep-bank.nl",
        name="X",
        email="x@example.org",
        statement="Ik vind dit niet terecht.",
    )
    services.appeal_decide(actor=programme, appeal=appeal, uphold=False, note="Still phishing")
    block.refresh_from_db()
    assert block.status == BlockStatus.ACTIVE
    with pytest.raises(ConflictError):
        services.appeal_decide(actor=programme, appeal=appeal, uphold=True, note="again")


def test_appeal_for_an_unblocked_domain_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.appeal_submit(
            actor=ANONYMOUS,
            domain="niet-geblokkeerd.nl",
            name="X",
            email="x@example.org",
            statement="Waarom geblokkeerd?",
        )
    assert caught.value.code == "not_blocked"


def test_analysts_cannot_decide_appeals(analyst: Actor) -> None:
    make_block(name="nep-bank.nl")
    appeal = services.appeal_submit(
        actor=ANONYMOUS,
        domain="nep-bank.nl",
        name="X",
        email="x@example.org",
        statement="Ik vind dit niet terecht.",
    )
    with pytest.raises(PermissionDeniedError):
        services.appeal_decide(actor=analyst, appeal=appeal, uphold=True, note="ok")


# --- figures ------------------------------------------------------------------------------------


def test_shield_figures_count_and_time_to_block(analyst: Actor, second_analyst: Actor) -> None:
    start = timezone.now() - timedelta(hours=1)
    with time_machine.travel(timezone.now() - timedelta(minutes=30)):
        submit()
    submit("Zonder links")
    block = services.block_propose(actor=analyst, name="rabobank-verificatie.nl", **block_kwargs())
    services.block_approve(actor=second_analyst, block=block)
    figures = selectors.shield_figures((start, timezone.now() + timedelta(minutes=1)))
    assert figures["messages_received"] == 2
    assert figures["messages_by_channel"] == {"web": 2}
    assert figures["unique_urls"] == 1
    assert figures["blocks"] == 1
    median = figures["median_hours_first_report_to_block"]
    assert isinstance(median, float) and 0.45 <= median <= 0.6
    assert figures["appeals"] == 0


def test_beat_runs_the_expiry_task() -> None:
    from django.conf import settings

    from ketenwacht.shield.tasks import expire_blocks

    entry = settings.CELERY_BEAT_SCHEDULE["shield-expire-blocks"]
    assert entry["task"] == "ketenwacht.shield.tasks.expire_blocks"
    make_block(expires_at=timezone.now() - timedelta(seconds=1))
    assert expire_blocks.delay().get() == 1


def test_unusable_reporter_address_does_not_stop_the_intake() -> None:
    report = submit(email="melder@intranet")
    assert report.reporter_email == ""
    assert Host.objects.filter(name="rabobank-verificatie.nl").exists()


def test_report_of_an_already_dismissed_host_gets_its_verdict_at_once(analyst: Actor) -> None:
    submit("Kijk op https://gewone-winkel.nl/")
    services.host_dismiss(actor=analyst, host=host_named("gewone-winkel.nl"), note="shop")
    later = submit("Kijk op https://gewone-winkel.nl/aanbieding")
    assert later.verdict == Verdict.NOT_BLOCKED


def test_message_with_one_blocked_link_among_others_is_phishing(
    analyst: Actor, second_analyst: Actor
) -> None:
    submit()
    block = services.block_propose(actor=analyst, name="rabobank-verificatie.nl", **block_kwargs())
    services.block_approve(actor=second_analyst, block=block)
    mixed = submit(PHISH_TEXT + " Zie ook https://nog-onbekend.nl/")
    assert mixed.verdict == Verdict.PHISHING

"""Sending an intake: consent per desk, minimal payloads field by field, forwarding through
the outbox, the desk inbox's history, withdrawal, assisted intake, sightings and retention."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from ketenwacht import crypto
from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.models import Delivery
from ketenwacht.delivery.tests.factories import WebhookEndpointFactory
from ketenwacht.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from ketenwacht.identifiers.models import Sighting
from ketenwacht.intake import selectors, services
from ketenwacht.intake.constants import (
    CONTACT_FIELDS,
    HistoryEvent,
    IntakeField,
    IntakeStatus,
    ReferralMethod,
    ReferralStatus,
)
from ketenwacht.intake.models import Desk, Intake, Referral
from ketenwacht.intake.planning import Contact, build_plan, field_values
from ketenwacht.intake.tests.factories import (
    BANKHELPDESK_URGENT,
    BUSINESS_INVOICE,
    PURCHASE,
    answered_intake,
    sent_intake,
    warm_desk,
)
from ketenwacht.partners.access import SYSTEM, actor_for_user
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.tests.factories import (
    OrganisationFactory,
    SharingGroupFactory,
    actor_with_role,
    make_agreement,
    make_user,
)

pytestmark = pytest.mark.django_db
CONTACT = Contact(name="Anna de Vries", email="anna@example.nl", phone="0612345678")


def _payload(referral: Referral) -> dict[str, Any]:
    payload = services.referral_payload(referral)
    assert payload is not None
    return payload


# --- consent and data minimisation ------------------------------------------------------------


def test_only_consented_desks_get_a_referral() -> None:
    for slug in ("politie", "fraudehelpdesk", "slachtofferhulp"):
        warm_desk(slug)
    intake = sent_intake(BANKHELPDESK_URGENT, desks=["fraudehelpdesk"], contact=CONTACT)
    assert [r.desk.slug for r in intake.referrals.all()] == ["fraudehelpdesk"]


def test_no_consent_means_no_referral_and_no_contact_details_kept() -> None:
    warm_desk("fraudehelpdesk")
    intake = sent_intake(BANKHELPDESK_URGENT, desks=[], contact=CONTACT)
    assert intake.status == IntakeStatus.SUBMITTED
    assert not intake.referrals.exists()
    assert intake.contact_encrypted is None


@pytest.mark.parametrize("slug", ["politie", "fraudehelpdesk", "slachtofferhulp", "ing"])
def test_each_desk_receives_exactly_its_allowed_fields(slug: str) -> None:
    """Field by field: present if the policy names it (and it has a value), absent if not."""
    desk = warm_desk(slug)
    intake = sent_intake(BANKHELPDESK_URGENT, desks=[slug], contact=CONTACT)
    referral = intake.referrals.get(desk=desk)
    fields = _payload(referral)["fields"]
    known = field_values(services.intake_facts(intake), CONTACT)
    for name in IntakeField.values:
        if name in desk.field_policy and name in known:
            assert fields[name] == known[name], f"{slug} should receive {name}"
        else:
            assert name not in fields, f"{slug} must not receive {name}"
    assert sorted(fields) == referral.fields


def test_acm_gets_the_pattern_and_never_the_person() -> None:
    desk = warm_desk("acm-consuwijzer")
    intake = sent_intake(PURCHASE, desks=["acm-consuwijzer"], contact=CONTACT)
    fields = _payload(intake.referrals.get(desk=desk))["fields"]
    assert set(fields) == {"fraud_types", "happened_on", "amount", "payment_method", "channel"}
    assert not CONTACT_FIELDS & set(fields)
    assert "anna" not in json.dumps(fields).lower()


def test_a_narrow_policy_is_honoured_in_the_webhook_body(
    webhook_receiver: Any, loopback_webhooks: None, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = WebhookEndpointFactory.create(url=webhook_receiver.url)
    from ketenwacht.delivery import signing

    webhook_receiver.secret = signing.endpoint_secret(endpoint)
    warm_desk(
        "fraudehelpdesk",
        method=ReferralMethod.WEBHOOK,
        endpoint=endpoint,
        organisation=endpoint.organisation,
        field_policy=["fraud_types", "amount", "contact_email"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        intake = sent_intake(BANKHELPDESK_URGENT, desks=["fraudehelpdesk"], contact=CONTACT)
    assert len(webhook_receiver.received) == 1
    received = webhook_receiver.received[0]
    assert received.signature_valid
    assert received.event_type == "intake.referral.created"
    data = received.envelope["data"]
    assert data["reference"] == intake.reference
    assert data["fields"] == {
        "fraud_types": ["bankhelpdesk"],
        "amount": {"value": "2500.00", "currency": "EUR"},
        "contact_email": "anna@example.nl",
    }
    body = received.body.decode()
    for absent in ("Anna de Vries", "0612345678", "NL91ABNA0417164300", "3511", "65_74"):
        assert absent not in body


def test_e_mail_referral_lists_only_the_allowed_fields(
    django_capture_on_commit_callbacks: Any,
) -> None:
    warm_desk(
        "slachtofferhulp",
        method=ReferralMethod.EMAIL,
        email="intake@desk.example",
        field_policy=["fraud_types", "contact_name", "contact_phone"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent_intake(BANKHELPDESK_URGENT, desks=["slachtofferhulp"], contact=CONTACT)
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    body = delivery.payload["body"]
    assert "Anna de Vries" in body and "0612345678" in body
    for absent in ("anna@example.nl", "2500", "NL91ABNA", "Iemand belde"):
        assert absent not in body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["intake@desk.example"]


def test_a_desk_outside_the_plan_cannot_be_chosen() -> None:
    warm_desk("afm")  # investment only: not in the plan of bank helpdesk fraud
    intake, _secret = answered_intake(BANKHELPDESK_URGENT)
    with pytest.raises(ValidationFailed) as refused:
        services.intake_submit(
            actor=SYSTEM,
            intake=intake,
            submission=services.Submission(consented_desks=["afm"], contact=CONTACT),
        )
    assert refused.value.code == "desk_not_offered"
    assert Intake.objects.get(pk=intake.pk).status == IntakeStatus.DRAFT


def test_contact_details_are_required_only_when_a_chosen_desk_needs_them() -> None:
    warm_desk("fraudehelpdesk")
    warm_desk("acm-consuwijzer")
    intake, _secret = answered_intake(PURCHASE)
    with pytest.raises(ValidationFailed) as refused:
        services.intake_submit(
            actor=SYSTEM,
            intake=intake,
            submission=services.Submission(consented_desks=["fraudehelpdesk"], contact=Contact()),
        )
    assert refused.value.code == "contact_required"
    sent = services.intake_submit(
        actor=SYSTEM,
        intake=intake,
        submission=services.Submission(consented_desks=["acm-consuwijzer"], contact=Contact()),
    )
    assert sent.referrals.count() == 1


def test_contact_details_and_answers_are_encrypted_at_rest() -> None:
    warm_desk("fraudehelpdesk")
    intake = sent_intake(BANKHELPDESK_URGENT, desks=["fraudehelpdesk"], contact=CONTACT)
    raw_contact = bytes(intake.contact_encrypted or b"")
    assert b"anna@example.nl" not in raw_contact and raw_contact
    assert b"NL91ABNA" not in bytes(intake.answers_encrypted)
    assert services.intake_contact(intake) == CONTACT
    # Bound to its row: the ciphertext does not decrypt as another intake's.
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(raw_contact, purpose="intake-contact", context="KW-0000-0000")


def test_only_answers_on_the_final_path_are_kept() -> None:
    intake, _secret = services.intake_start(actor=SYSTEM)
    services.intake_answer(intake=intake, question_id="victim_type", value="person")
    services.intake_answer(intake=intake, question_id="what_happened", value="friend")
    services.intake_answer(intake=intake, question_id="friend_paid", value="recent")
    services.intake_answer(intake=intake, question_id="what_happened", value="purchase")
    intake.refresh_from_db()
    for question_id, value in PURCHASE.items():
        if question_id not in ("victim_type", "what_happened"):
            services.intake_answer(intake=intake, question_id=question_id, value=value)
    sent = services.intake_submit(actor=SYSTEM, intake=intake, submission=services.Submission())
    assert "friend_paid" not in services.intake_answers(sent)
    assert sent.fraud_types == ["purchase"]


def test_an_answer_off_the_path_is_refused() -> None:
    intake, _secret = services.intake_start(actor=SYSTEM)
    with pytest.raises(ValidationFailed):
        services.intake_answer(intake=intake, question_id="amount", value="10.00")


def test_an_incomplete_intake_cannot_be_sent() -> None:
    intake, _secret = services.intake_start(actor=SYSTEM)
    services.intake_answer(intake=intake, question_id="victim_type", value="person")
    with pytest.raises(ValidationFailed) as refused:
        services.intake_submit(actor=SYSTEM, intake=intake, submission=services.Submission())
    assert refused.value.code == "intake_incomplete"


def test_facts_for_routing_and_statistics_are_kept_in_columns() -> None:
    intake = sent_intake(BANKHELPDESK_URGENT)
    assert intake.urgency == "urgent"
    assert intake.amount_cents == 250000
    assert (intake.channel, intake.payment_method, intake.victim_bank) == (
        "phone",
        "bank_transfer",
        "ing",
    )
    assert (intake.age_band, intake.postcode) == ("65_74", "3511")


# --- the plan ---------------------------------------------------------------------------------


def test_urgent_plan_opens_with_the_victims_bank_and_its_fraud_line() -> None:
    Desk.objects.filter(slug="ing").update(fraud_line="+31 20 000 00 00")  # test data
    intake, _secret = answered_intake(BANKHELPDESK_URGENT)
    plan = build_plan(
        services.intake_graph(intake), services.intake_facts(intake), Desk.objects.all()
    )
    first = plan[0]
    assert first.kind == "call_bank" and first.urgent
    assert first.desk is not None and first.desk.slug == "ing"
    assert first.desk.fraud_line == "+31 20 000 00 00"


def test_business_invoice_fraud_routes_to_business_desks_only() -> None:
    intake, _secret = answered_intake(BUSINESS_INVOICE)
    facts = services.intake_facts(intake)
    plan = build_plan(services.intake_graph(intake), facts, Desk.objects.all())
    desks = [step.desk.slug for step in plan if step.desk is not None]
    assert facts.fraud_types == ("invoice",) and facts.kvk_number == "12345678"
    assert desks[0] == "rabobank"  # urgent: call the bank first
    assert "politie" in desks and "fraudehelpdesk" in desks
    for desk in Desk.objects.filter(slug__in=desks):
        assert "business" in desk.audiences
    assert "slachtofferhulp" not in desks


# --- the desk inbox ---------------------------------------------------------------------------


def _desk_agent(desk: Desk) -> Any:
    return actor_for_user(make_user(Role.DESK_AGENT, desk.organisation))


def test_status_changes_are_history_rows_and_follow_the_transitions() -> None:
    desk = warm_desk("fraudehelpdesk")
    agent = _desk_agent(desk)
    referral = sent_intake(
        BANKHELPDESK_URGENT, desks=["fraudehelpdesk"], contact=CONTACT
    ).referrals.get()
    services.referral_status_change(
        actor=agent, referral=referral, status=ReferralStatus.IN_PROGRESS
    )
    services.referral_status_change(
        actor=agent, referral=referral, status=ReferralStatus.DONE, note="Aangifte opgenomen."
    )
    with pytest.raises(ConflictError):
        services.referral_status_change(
            actor=agent, referral=referral, status=ReferralStatus.RECEIVED
        )
    history = list(referral.history.all())
    assert [(h.status_from, h.status_to) for h in history] == [
        ("", "received"),
        ("received", "in_progress"),
        ("in_progress", "done"),
    ]
    assert services.event_message(history[-1]) == "Aangifte opgenomen."
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DONE
    assert AuditEvent.objects.filter(action="intake.referral_status").count() == 2


def test_a_desk_sees_and_touches_only_referrals_addressed_to_it() -> None:
    ours = warm_desk("fraudehelpdesk")
    theirs = warm_desk("slachtofferhulp")
    intake = sent_intake(
        BANKHELPDESK_URGENT, desks=["fraudehelpdesk", "slachtofferhulp"], contact=CONTACT
    )
    agent = _desk_agent(ours)
    listed = list(selectors.inbox_referrals(agent))
    assert [r.desk_id for r in listed] == [ours.pk]
    other = intake.referrals.get(desk=theirs)
    with pytest.raises(NotFoundError):
        selectors.inbox_referral(agent, other.pk)
    with pytest.raises(NotFoundError):
        services.referral_status_change(
            actor=agent, referral=other, status=ReferralStatus.IN_PROGRESS
        )
    with pytest.raises(PermissionDeniedError):
        selectors.inbox_referrals(actor_with_role(Role.PARTNER_ANALYST, ours.organisation))


def test_the_desk_asks_for_information_and_the_victim_adds_it() -> None:
    desk = warm_desk("fraudehelpdesk")
    intake = sent_intake(BANKHELPDESK_URGENT, desks=["fraudehelpdesk"], contact=CONTACT)
    referral = intake.referrals.get()
    services.referral_request_information(
        actor=_desk_agent(desk), referral=referral, message="Welk nummer belde u?"
    )
    reached = services.intake_add_information(
        actor=SYSTEM, intake=intake, text="Het was 06-87654321."
    )
    assert reached == 1
    events = list(referral.history.all())
    assert [e.event for e in events][-2:] == [HistoryEvent.INFO_REQUESTED, HistoryEvent.INFO_ADDED]
    assert services.event_message(events[-1]) == "Het was 06-87654321."


# --- withdrawal -------------------------------------------------------------------------------


def test_withdrawal_stops_forwarding_tells_the_desk_and_erases_the_copy(
    webhook_receiver: Any, loopback_webhooks: None, django_capture_on_commit_callbacks: Any
) -> None:
    from ketenwacht.delivery import signing

    endpoint = WebhookEndpointFactory.create(url=webhook_receiver.url)
    webhook_receiver.secret = signing.endpoint_secret(endpoint)
    warm_desk(
        "fraudehelpdesk",
        method=ReferralMethod.WEBHOOK,
        endpoint=endpoint,
        organisation=endpoint.organisation,
    )
    warm_desk("politie")
    with django_capture_on_commit_callbacks(execute=True):
        intake = sent_intake(
            BANKHELPDESK_URGENT, desks=["fraudehelpdesk", "politie"], contact=CONTACT
        )
    referral = intake.referrals.get(desk__slug="fraudehelpdesk")
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_withdraw(actor=SYSTEM, intake=intake, referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN and referral.payload_encrypted is None
    assert [r.event_type for r in webhook_receiver.received] == [
        "intake.referral.created",
        "intake.referral.withdrawn",
    ]
    notice = webhook_receiver.received[-1].envelope["data"]
    assert notice["fields"] == {} and notice["referral"] == str(referral.pk)
    # Later additions reach the other desk only; nothing more goes to the withdrawn one.
    with django_capture_on_commit_callbacks(execute=True):
        reached = services.intake_add_information(actor=SYSTEM, intake=intake, text="Nog iets.")
    assert reached == 1
    assert len(webhook_receiver.received) == 2
    with pytest.raises(ConflictError):
        services._forward(SYSTEM, referral, "intake.referral.information", {}, key="x")
    with pytest.raises(ConflictError):
        services.referral_request_information(
            actor=_desk_agent(referral.desk), referral=referral, message="Nog een vraag?"
        )


def test_withdrawing_another_intakes_referral_is_not_found() -> None:
    warm_desk("fraudehelpdesk")
    mine = sent_intake(BANKHELPDESK_URGENT, desks=["fraudehelpdesk"], contact=CONTACT)
    other = sent_intake(BANKHELPDESK_URGENT, desks=["fraudehelpdesk"], contact=CONTACT)
    with pytest.raises(NotFoundError):
        services.referral_withdraw(actor=SYSTEM, intake=mine, referral_id=other.referrals.get().pk)


# --- assisted intake --------------------------------------------------------------------------


def test_assisted_intake_is_warm_from_the_start_at_the_agents_desk() -> None:
    desk = warm_desk("fraudehelpdesk")
    agent = _desk_agent(desk)
    intake, _secret = answered_intake(BANKHELPDESK_URGENT, actor=agent, assisted=True)
    assert intake.is_assisted and intake.assisted_by == agent.user
    sent = services.intake_submit(
        actor=agent, intake=intake, submission=services.Submission(contact=CONTACT)
    )
    referral = sent.referrals.get()
    assert referral.desk == desk and referral.assisted
    assert referral.status == ReferralStatus.IN_PROGRESS
    assert "contact_phone" in _payload(referral)["fields"]
    assert Delivery.objects.count() == 0  # the desk has the caller: nothing to forward


def test_only_desk_agents_of_a_listed_desk_start_assisted_intakes() -> None:
    with pytest.raises(PermissionDeniedError):
        services.intake_start(actor=actor_with_role(Role.PARTNER_ANALYST), assisted=True)
    with pytest.raises(ValidationFailed):
        services.intake_start(actor=actor_with_role(Role.DESK_AGENT), assisted=True)


# --- sightings --------------------------------------------------------------------------------


@pytest.fixture
def intake_group() -> Any:
    platform = OrganisationFactory.create(sector=Sector.PROGRAMME)
    group = SharingGroupFactory.create(slug="slachtofferintake")
    group.members.add(platform)
    make_agreement(group, allowed_kinds=["iban", "phone", "email", "url", "domain", "account"])
    return group


def test_identifiers_become_suspected_intake_sightings_with_agreement(
    intake_group: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        intake = sent_intake(BANKHELPDESK_URGENT, sightings=True)
    sightings = list(Sighting.objects.all())
    assert {(s.kind, s.role) for s in sightings} == {
        ("iban", "beneficiary_account"),
        ("phone", "caller_number"),
    }
    assert {(s.source, s.confidence, s.fraud_type) for s in sightings} == {
        ("intake", "suspected", "bankhelpdesk")
    }
    assert {s.sharing_group_id for s in sightings} == {intake_group.pk}
    intake.refresh_from_db()
    assert intake.sightings_recorded == 2


def test_no_agreement_no_sightings(
    intake_group: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent_intake(BANKHELPDESK_URGENT, sightings=False)
    assert not Sighting.objects.exists()


# --- retention --------------------------------------------------------------------------------


def test_purge_follows_the_retention_of_adr_0003() -> None:
    warm_desk("politie")  # 730 days
    draft, _secret = services.intake_start(actor=SYSTEM)
    without = sent_intake(PURCHASE)
    with_referral = sent_intake(PURCHASE, desks=["politie"], contact=CONTACT)
    now = timezone.now()
    assert services.intakes_purge(now=now + timedelta(days=29)).drafts == 0
    result = services.intakes_purge(now=now + timedelta(days=31))
    assert (result.drafts, result.intakes) == (1, 0)
    result = services.intakes_purge(now=now + timedelta(days=366))
    assert (result.intakes, result.referrals) == (1, 0)
    assert Intake.objects.filter(pk=with_referral.pk).exists()
    result = services.intakes_purge(now=now + timedelta(days=731))
    assert (result.intakes, result.referrals) == (1, 1)
    assert not Intake.objects.filter(pk__in=[draft.pk, without.pk, with_referral.pk]).exists()
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(action="intake.purge").count() == 3

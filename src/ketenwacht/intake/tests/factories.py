"""Factories and helpers of the intake tests: desks by method, intakes walked to the end."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.utils import timezone

from ketenwacht.delivery.models import WebhookEndpoint
from ketenwacht.intake import services
from ketenwacht.intake.constants import ReferralMethod
from ketenwacht.intake.models import Desk, Intake
from ketenwacht.intake.planning import Contact
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.partners.constants import Sector
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import OrganisationFactory


def _days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


# Answer sets that walk the seeded questionnaire to its end, per fraud form.
BANKHELPDESK_URGENT = {
    "victim_type": "person",
    "what_happened": "bank_caller",
    "bank_moved_money": "recent",
    "happened_on": _days_ago(1),
    "lost_money": "yes",
    "amount": "2500.00",
    "payment_method": "bank_transfer",
    "channel": "phone",
    "identifiers": [
        {
            "role": "beneficiary_account",
            "kind": "iban",
            "value": "NL91ABNA0417164300",
            "display": "NL91 ABNA 0417 1643 00",
        },
        {
            "role": "caller_number",
            "kind": "phone",
            "value": "+31612345678",
            "display": "06 12345678",
        },
    ],
    "victim_bank": "ing",
    "story": "Iemand belde namens de bank.",
    "age_band": "65_74",
    "postcode": "3511",
}
PURCHASE = {
    "victim_type": "person",
    "what_happened": "purchase",
    "happened_on": _days_ago(20),
    "lost_money": "yes",
    "amount": "120.00",
    "payment_method": "payment_request",
    "channel": "marketplace",
    "identifiers": [],
    "victim_bank": "",
    "story": "",
    "age_band": "",
    "postcode": "",
}
BUSINESS_INVOICE = {
    "victim_type": "business",
    "business_kvk": "12345678",
    "business_what": "fake_invoice",
    "business_paid_recent": "recent",
    "happened_on": _days_ago(1),
    "lost_money": "yes",
    "amount": "18000.00",
    "payment_method": "bank_transfer",
    "channel": "email",
    "identifiers": [],
    "victim_bank": "rabobank",
    "story": "Factuur met ander rekeningnummer.",
    "age_band": "",
    "postcode": "",
}


def warm_desk(
    slug: str,
    *,
    method: str = ReferralMethod.PORTAL,
    organisation: Organisation | None = None,
    endpoint: WebhookEndpoint | None = None,
    email: str = "",
    field_policy: list[str] | None = None,
) -> Desk:
    """Switch a seeded desk to warm referrals by ``method`` (portal: a new organisation)."""
    desk = Desk.objects.get(slug=slug)
    desk.referral_method = method
    if method == ReferralMethod.PORTAL:
        desk.organisation = organisation or OrganisationFactory.create(sector=Sector.DESK)
    elif organisation is not None:
        desk.organisation = organisation
    desk.webhook_endpoint = endpoint
    desk.referral_email = email
    if field_policy is not None:
        desk.field_policy = field_policy
    desk.save()
    return desk


def answered_intake(
    answers: Mapping[str, Any], *, actor: Actor = SYSTEM, assisted: bool = False
) -> tuple[Intake, str]:
    """A draft with the answers stored through the service, in walking order (up to the first
    question ``answers`` has no answer for)."""
    intake, secret = services.intake_start(actor=actor, assisted=assisted)
    graph = services.intake_graph(intake)
    walk = graph.walk({})
    while not walk.finished and walk.current in answers:
        walk = services.intake_answer(
            intake=intake, question_id=walk.current, value=answers[walk.current]
        )
    intake.refresh_from_db()
    return intake, secret


def sent_intake(
    answers: Mapping[str, Any],
    *,
    desks: Sequence[str] = (),
    contact: Contact | None = None,
    sightings: bool = False,
) -> Intake:
    intake, _secret = answered_intake(answers)
    return services.intake_submit(
        actor=SYSTEM,
        intake=intake,
        submission=services.Submission(
            consented_desks=list(desks),
            contact=contact or Contact(name="Anna de Vries", email="anna@example.nl"),
            sightings_consent=sightings,
        ),
    )


def ensure_seed() -> None:
    """Put the migrations' seed back (fraud types, questionnaire, desks): a live-server test
    runs on a transactional database, which is emptied after each test."""
    import importlib

    from django.apps import apps

    for module in (
        "ketenwacht.knowledge.migrations.0002_seed_fraud_types",
        "ketenwacht.intake.migrations.0002_seed_questionnaire_and_desks",
    ):
        importlib.import_module(module).seed(apps, None)

"""The intake's part of the demo world (``make run``). Idempotent, like ``synth.demo``.

Call ``demo_intake_load()`` after ``synth.demo`` has created the demo organisations: it
switches the desks that have a demo organisation to warm referrals through the portal inbox
(so the demo desk agents ``meldpunt.medewerker`` and ``hulp.medewerker`` have an inbox),
creates the intake sharing group with its agreement (so agreed identifiers become
sightings), and sends a few demo intakes. Real desks in the directory stay as they are.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketenwacht.intake import services
from ketenwacht.intake.constants import ReferralMethod
from ketenwacht.intake.integration import DEFAULT_GROUP_SLUG
from ketenwacht.intake.models import Desk, Referral
from ketenwacht.intake.planning import Contact
from ketenwacht.partners import services as partner_services
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import Role, Sector, VictimFeedback
from ketenwacht.partners.models import Organisation, SharingGroup

# Directory slug -> name of the demo organisation that works its inbox.
DEMO_DESKS = {
    "fraudehelpdesk": "Fraudehelpdesk (demo)",
    "slachtofferhulp": "Slachtofferhulp Nederland (demo)",
    "cmi": "Centraal Meldpunt Identiteitsfraude (demo)",
    "politie": "Politie (demo)",
    "acm-consuwijzer": "Autoriteit Consument & Markt (demo)",
}
GROUP_NAME = "Slachtofferintake (demo)"
GROUP_MEMBERS_SECTORS = (Sector.PROGRAMME, Sector.BANK, Sector.POLICE, Sector.DESK)


def _days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def demo_answers() -> list[dict[str, Any]]:
    """Three victims: bank helpdesk fraud (urgent), purchase fraud, friend in need."""
    common = {"story": "", "age_band": "", "postcode": "", "victim_bank": ""}
    return [
        {
            **common,
            "victim_type": "person",
            "what_happened": "bank_caller",
            "bank_moved_money": "recent",
            "happened_on": _days_ago(0),
            "lost_money": "yes",
            "amount": "4200.00",
            "payment_method": "bank_transfer",
            "channel": "phone",
            "identifiers": [
                {
                    "role": "beneficiary_account",
                    "kind": "iban",
                    "value": "NL91ABNA0417164300",
                    "display": "NL91 ABNA 0417 1643 00",
                }
            ],
            "victim_bank": "ing",
            "story": "Een 'medewerker van de bank' belde over verdachte betalingen.",
            "age_band": "75_plus",
        },
        {
            **common,
            "victim_type": "person",
            "what_happened": "purchase",
            "happened_on": _days_ago(9),
            "lost_money": "yes",
            "amount": "89.95",
            "payment_method": "payment_request",
            "channel": "marketplace",
            "identifiers": [],
        },
        {
            **common,
            "victim_type": "person",
            "what_happened": "friend",
            "friend_paid": "earlier",
            "happened_on": _days_ago(20),
            "lost_money": "yes",
            "amount": "1450.00",
            "payment_method": "bank_transfer",
            "channel": "whatsapp",
            "identifiers": [],
        },
    ]


def _link_desks(changes: Counter[str]) -> None:
    for slug, organisation_name in DEMO_DESKS.items():
        organisation = Organisation.objects.filter(name=organisation_name).first()
        desk = Desk.objects.filter(slug=slug).first()
        if organisation is None or desk is None or desk.organisation_id == organisation.pk:
            continue
        desk.organisation = organisation
        desk.referral_method = ReferralMethod.PORTAL
        desk.save(update_fields=["organisation", "referral_method", "updated_at"])
        changes["intake_desks_linked"] += 1


def _ensure_group(changes: Counter[str]) -> None:
    if SharingGroup.objects.filter(slug=DEFAULT_GROUP_SLUG).exists():
        return
    members = Organisation.objects.filter(sector__in=GROUP_MEMBERS_SECTORS)
    group = partner_services.sharing_group_create(
        actor=SYSTEM,
        name=GROUP_NAME,
        description="Kenmerken van oplichters uit meldingen van slachtoffers, met hun "
        "toestemming. / Fraudsters' identifiers from victims' reports, with their consent.",
        members=members,
    )
    SharingGroup.objects.filter(pk=group.pk).update(slug=DEFAULT_GROUP_SLUG)
    group.refresh_from_db()
    partner_services.agreement_revise(
        actor=SYSTEM,
        group=group,
        purpose="Anderen waarschuwen voor kenmerken die slachtoffers melden (demo).",
        legal_basis="Toestemming van het slachtoffer (AVG art. 6 lid 1 onder a) (demo).",
        allowed_kinds=["iban", "phone", "email", "url", "domain", "account", "wallet"],
        raw_value_roles=[Role.POLICE_ANALYST],
        retention_days={
            "iban": 365,
            "phone": 180,
            "email": 180,
            "url": 90,
            "domain": 90,
            "account": 180,
            "wallet": 365,
        },
        warning_thresholds={"warning_organisations": 2, "warning_confirmed": 1},
        victim_feedback=VictimFeedback.UNIT,
    )
    changes["intake_sharing_groups"] += 1


def _send_demo_intakes(changes: Counter[str]) -> None:
    desk = Desk.objects.filter(slug="fraudehelpdesk", organisation__isnull=False).first()
    if desk is None or Referral.objects.filter(desk=desk).exists():
        return
    for answers in demo_answers():
        intake, _secret = services.intake_start(actor=SYSTEM)
        walk = services.intake_walk(intake)
        while not walk.finished:
            walk = services.intake_answer(
                intake=intake, question_id=walk.current, value=answers[walk.current]
            )
        services.intake_submit(
            actor=SYSTEM,
            intake=intake,
            submission=services.Submission(
                consented_desks=[desk.slug],
                contact=Contact(name="Demo Slachtoffer", email="slachtoffer@demo.example"),
                sightings_consent=bool(answers["identifiers"]),
            ),
        )
        changes["intake_demo_intakes"] += 1


def demo_intake_load() -> Counter[str]:
    """Link demo desks, create the intake sharing group, send demo intakes (idempotent)."""
    changes: Counter[str] = Counter()
    with transaction.atomic():
        _link_desks(changes)
        _ensure_group(changes)
    _send_demo_intakes(changes)
    return changes


# The hook ``manage.py demo_load`` calls for every app (see synth's demo_load command).
demo_extend = demo_intake_load

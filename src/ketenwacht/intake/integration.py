"""The intake's one meeting point with the identifiers app: identifiers become sightings.

With the victim's agreement, each identifier of a sent intake is recorded as a sighting
(source ``intake``, confidence ``suspected``) in the intake sharing group, under that
group's agreement, attributed to the platform's own organisation in that group. Which group:
``KETENWACHT["INTAKE_SIGHTINGS_GROUP"]`` (a sharing-group slug, default
``slachtofferintake``); which organisation: ``KETENWACHT["INTAKE_SIGHTINGS_ORGANISATION"]``
(an organisation slug), or else the group's member of the programme sector. Without either,
nothing is recorded and the intake says so (``sightings_recorded`` stays 0).
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.identifiers.constants import Confidence, Source
from ketenwacht.identifiers.services import sightings_ingest
from ketenwacht.intake.models import Intake
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import Sector, VictimFeedback
from ketenwacht.partners.models import Organisation, SharingGroup
from ketenwacht.partners.selectors import agreement_current

logger = logging.getLogger(__name__)

DEFAULT_GROUP_SLUG = "slachtofferintake"


def intake_group() -> SharingGroup | None:
    """The intake sharing group (``INTAKE_SIGHTINGS_GROUP``), if it exists."""
    config: dict[str, Any] = settings.KETENWACHT
    return SharingGroup.objects.filter(
        slug=config.get("INTAKE_SIGHTINGS_GROUP") or DEFAULT_GROUP_SLUG
    ).first()


def sightings_target() -> tuple[SharingGroup, Organisation] | None:
    """The intake sharing group and the organisation sightings are attributed to."""
    config: dict[str, Any] = settings.KETENWACHT
    group = intake_group()
    if group is None:
        return None
    members = group.members.filter(is_active=True)
    slug = config.get("INTAKE_SIGHTINGS_ORGANISATION") or ""
    organisation = (
        members.filter(slug=slug).first()
        if slug
        else members.filter(sector=Sector.PROGRAMME).order_by("pk").first()
    )
    return (group, organisation) if organisation is not None else None


def victim_feedback_allowed() -> str:
    """What a victim's status page may say about the police cluster their report joined: the
    term (``VictimFeedback``) of the intake sharing group's agreement in force, the agreement
    under which victims' reports reach the police (``link_intake_to_cases``). Nothing without
    a group or an agreement in force."""
    group = intake_group()
    if group is None:
        return VictimFeedback.NONE
    try:
        return str(agreement_current(group=group).victim_feedback)
    except NotFoundError:
        return VictimFeedback.NONE


def _observed_at(intake: Intake) -> datetime:
    if intake.happened_on is None:
        return intake.submitted_at or timezone.now()
    noon = datetime.combine(intake.happened_on, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return min(noon, intake.submitted_at or timezone.now())


def record_intake_sightings(intake_id: UUID) -> int:
    """Record the identifiers of a sent intake whose victim agreed; returns how many."""
    from ketenwacht.intake.services import intake_facts

    intake = Intake.objects.select_related("questionnaire").filter(pk=intake_id).first()
    if intake is None or not intake.sightings_consent or intake.sightings_recorded:
        return 0
    facts = intake_facts(intake)
    target = sightings_target()
    if target is None or not facts.identifiers:
        logger.warning("Intake %s: no intake sharing group configured", intake.reference)
        return 0
    group, organisation = target
    items = [
        {
            "value": item["value"],
            "kind": item["kind"],
            "role": item["role"],
            "fraud_type": facts.fraud_types[0],
            "confidence": Confidence.SUSPECTED,
            "observed_at": _observed_at(intake),
            "sharing_group": group.slug,
        }
        for item in facts.identifiers
    ]
    try:
        result = sightings_ingest(
            actor=SYSTEM,
            items=items,
            source=Source.INTAKE,
            organisation=organisation,
        )
    except DomainError as error:
        logger.warning("Intake %s: sightings refused: %s", intake.reference, error)
        return 0
    with transaction.atomic():
        Intake.objects.filter(pk=intake.pk).update(sightings_recorded=result.recorded)
        audit_record(
            actor=SYSTEM,
            action="intake.sightings_record",
            object_type="intake",
            object_id=intake.reference,
            purpose="identifiers from a victim's report, with the victim's agreement",
            details={"recorded": result.recorded, "failed": result.failed, "group": group.slug},
        )
    return result.recorded


def link_intake_to_cases(intake_id: UUID) -> bool:
    """Link a sent intake to the police's cases (``ketenwacht.cases``) when the victim agreed
    that the fraudster's details may be used to warn the police (the sightings agreement).

    Only pseudonyms of the identifiers reach cases, with the fraud type, damage, date, the
    four-digit postcode and age group (for the cluster's summary and routing). Idempotent per
    intake. Returns whether a report was linked.
    """
    from ketenwacht.cases.services import case_report_link_intake
    from ketenwacht.identifiers.canonical import Canonical, CanonicalError, canonicalise
    from ketenwacht.intake.services import intake_facts

    intake = Intake.objects.select_related("questionnaire").filter(pk=intake_id).first()
    if intake is None or not intake.is_submitted or not intake.sightings_consent:
        return False
    facts = intake_facts(intake)
    identifiers: list[Canonical] = []
    for item in facts.identifiers:
        try:
            identifiers.append(canonicalise(item["value"], item.get("kind") or None))
        except CanonicalError:
            continue
    if not identifiers:
        return False
    submitted = intake.submitted_at or timezone.now()
    try:
        case_report_link_intake(
            actor=SYSTEM,
            intake_id=intake.pk,
            fraud_type=facts.fraud_types[0] if facts.fraud_types else "other",
            damage_cents=intake.amount_cents,
            occurred_on=intake.happened_on,
            postcode4=intake.postcode,
            age_band=intake.age_band,
            identifiers=identifiers,
            reported_on=timezone.localdate(submitted),
        )
    except DomainError as error:
        logger.warning("Intake %s: not linked to cases: %s", intake.reference, error)
        return False
    return True


def unlink_intakes_from_cases(intake_ids: list[UUID]) -> int:
    """Take purged intakes out of the police's cases; returns how many were linked."""
    from ketenwacht.cases.services import case_report_unlink_intake

    return sum(
        1
        for intake_id in intake_ids
        if case_report_unlink_intake(actor=SYSTEM, intake_id=intake_id)
    )

"""Test data for statistics: organisations with tokens, intakes in bulk, partner figures."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from ketenwacht.partners.constants import Scope
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import OrganisationFactory, make_token
from ketenwacht.stats.models import FigureSubmission, PartnerFigure


def figures_token(organisation: Organisation | None = None) -> tuple[Organisation, str]:
    organisation = organisation or OrganisationFactory.create()
    _token, secret = make_token(organisation, scopes=[Scope.STATS_FIGURES])
    return organisation, secret


def questionnaire() -> Any:
    from ketenwacht.intake.models import Questionnaire

    found = Questionnaire.objects.order_by("-version").first()
    if found is None:
        found = Questionnaire.objects.create(
            version=9999, name="stats test", source="", definition={}, is_active=False
        )
    return found


def make_intakes(
    count: int,
    *,
    day: date,
    fraud_form: str = "purchase",
    channel: str = "marketplace",
    payment_method: str = "bank_transfer",
    age_band: str = "45_64",
    postcode: str = "3511",
    amount_cents: int | None = 10_000,
) -> None:
    """``count`` submitted intakes on ``day`` (bulk, with only the statistics facts)."""
    from ketenwacht.intake.constants import IntakeStatus
    from ketenwacht.intake.models import Intake

    moment = timezone.make_aware(datetime.combine(day, time(12)))
    version = questionnaire()
    Intake.objects.bulk_create(
        [
            Intake(
                reference=secrets.token_hex(6),
                secret_hash="0" * 64,
                questionnaire=version,
                status=IntakeStatus.SUBMITTED,
                answers_encrypted=b"",
                fraud_types=[fraud_form],
                channel=channel,
                payment_method=payment_method,
                age_band=age_band,
                postcode=postcode,
                amount_cents=amount_cents,
                submitted_at=moment,
                created_at=moment,
                updated_at=moment,
                purge_after=moment + timedelta(days=3650),
            )
            for _ in range(count)
        ]
    )


def make_figure(
    organisation: Organisation,
    period: date,
    fraud_form: str = "purchase",
    incidents: int = 50,
    damage_cents: int | None = 100_000,
) -> PartnerFigure:
    submission = FigureSubmission.objects.create(
        organisation=organisation, via="api", actor_label="test"
    )
    return PartnerFigure.objects.create(
        organisation=organisation,
        period=period,
        fraud_form=fraud_form,
        incidents=incidents,
        damage_cents=damage_cents,
        submission=submission,
    )

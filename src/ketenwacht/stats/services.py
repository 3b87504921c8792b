"""Writes of statistics: partners' figures, factsheets (draft → consent → public), spikes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import PermissionDeniedError, ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Scope
from ketenwacht.stats import figures as schema
from ketenwacht.stats.constants import SubmissionVia
from ketenwacht.stats.models import FigureSubmission, PartnerFigure


def may_submit_figures(actor: Actor) -> bool:
    if actor.organisation is None:
        return False
    if actor.token is not None:
        return access.has_scope(actor, Scope.STATS_FIGURES)
    return access.can(actor, "stats.submit")


def fraud_form_codes() -> frozenset[str]:
    from ketenwacht.knowledge.selectors import fraud_type_list

    return frozenset(fraud_type_list().values_list("code", flat=True))


@dataclass
class SubmissionResult:
    submission: FigureSubmission | None
    accepted: int = 0
    replaced: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    file_error: dict[str, str] | None = None


def figures_submit(
    *,
    actor: Actor,
    rows: Iterable[Mapping[str, Any]],
    via: str = SubmissionVia.API,
    filename: str = "",
    replace: bool = False,
    today: date | None = None,
) -> SubmissionResult:
    """Store a partner's monthly figures; each bad row gets errors, good rows are kept.

    A month × fraud form the organisation already delivered is refused as a duplicate unless
    ``replace`` is set (a correction: the new values replace the old, audited).
    """
    if not may_submit_figures(actor):
        raise PermissionDeniedError(
            "U mag geen cijfers aanleveren. / You may not submit figures.", code="forbidden"
        )
    assert actor.organisation is not None
    organisation = actor.organisation
    good, row_errors = schema.clean_rows(rows, fraud_forms=fraud_form_codes(), today=today)
    errors = [error.as_dict() for error in row_errors]
    accepted = replaced = 0
    with transaction.atomic():
        submission = FigureSubmission.objects.create(
            organisation=organisation,
            via=via,
            actor_label=actor.label,
            filename=filename[:200],
        )
        existing = {
            (figure.period, figure.fraud_form): figure
            for figure in PartnerFigure.objects.select_for_update().filter(
                organisation=organisation,
                period__in={row.period for row in good},
                fraud_form__in={row.fraud_form for row in good},
            )
        }
        now = timezone.now()
        for row in good:
            current = existing.get((row.period, row.fraud_form))
            if current is not None and not replace:
                errors.append(
                    schema.RowError(
                        row.row,
                        "period",
                        "duplicate",
                        "Deze maand en fraudevorm zijn al aangeleverd; stuur een correctie met "
                        "replace. / This month and fraud form were already delivered; send a "
                        "correction with replace.",
                    ).as_dict()
                )
                continue
            values = {
                "incidents": row.incidents,
                "damage_cents": row.damage_cents,
                "prevented_cents": row.prevented_cents,
                "extra": row.extra,
                "submission": submission,
                "updated_at": now,
            }
            if current is not None:
                for name, value in values.items():
                    setattr(current, name, value)
                current.save()
                replaced += 1
            else:
                PartnerFigure.objects.create(
                    organisation=organisation,
                    period=row.period,
                    fraud_form=row.fraud_form,
                    **values,
                )
            accepted += 1
        errors.sort(key=lambda error: (error["row"], error["field"]))
        submission.accepted = accepted
        submission.rejected = len({error["row"] for error in errors})
        submission.errors = errors[:1000]
        submission.save(update_fields=["accepted", "rejected", "errors"])
        audit_record(
            actor=actor,
            action="stats.figures_submit",
            object_type="stats_submission",
            object_id=submission.pk,
            details={
                "via": via,
                "accepted": accepted,
                "replaced": replaced,
                "rejected": submission.rejected,
            },
        )
    return SubmissionResult(submission, accepted=accepted, replaced=replaced, errors=errors)


def figures_submit_csv(
    *, actor: Actor, data: bytes, filename: str = "", replace: bool = False
) -> SubmissionResult:
    """The same as ``figures_submit`` for a CSV file; a file that cannot be read at all
    (encoding, missing columns) is refused as a whole."""
    if not may_submit_figures(actor):
        raise PermissionDeniedError(
            "U mag geen cijfers aanleveren. / You may not submit figures.", code="forbidden"
        )
    try:
        rows = schema.parse_csv(data)
    except schema.FileError as error:
        raise ValidationFailed(error.detail, code=error.code, field="file") from None
    return figures_submit(
        actor=actor, rows=rows, via=SubmissionVia.CSV, filename=filename, replace=replace
    )


# ---------------------------------------------------------------------------------------------
# Factsheets: draft → consent of every partner (release) → public
# ---------------------------------------------------------------------------------------------


def period_bounds(kind: str, year: int, number: int = 1) -> tuple[date, date]:
    from ketenwacht.stats.constants import PeriodKind

    if kind == PeriodKind.MONTH:
        if not 1 <= number <= 12:
            raise ValidationFailed("Maand 1–12. / Month 1–12.", code="wrong_period", field="number")
        start = date(year, number, 1)
        end = date(year + (number == 12), number % 12 + 1, 1)
    elif kind == PeriodKind.QUARTER:
        if not 1 <= number <= 4:
            raise ValidationFailed(
                "Kwartaal 1–4. / Quarter 1–4.", code="wrong_period", field="number"
            )
        start = date(year, 3 * number - 2, 1)
        end = date(year + (number == 4), (3 * number) % 12 + 1, 1)
    elif kind == PeriodKind.YEAR:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        raise ValidationFailed("Onbekende periode. / Unknown period.", code="wrong_period")
    return start, end


def _require_manager(actor: Actor) -> None:
    if actor.user is None or not access.can(actor, "stats.manage"):
        raise PermissionDeniedError(
            "Alleen het programmateam beheert factsheets. / Only the programme team manages "
            "factsheets.",
            code="forbidden",
        )


def overlapping(start: date, end: date, fraud_form: str, *, exclude: Any = None) -> bool:
    """A factsheet that was (or may become) public whose period and scope overlap.

    Two published tables over overlapping populations invite differencing (Q1 minus January
    minus February is March), so overlapping factsheets are refused; identical ones too (the
    difference of two runs shows the late arrivals).
    """
    from django.db.models import Q

    from ketenwacht.stats.constants import FactsheetStatus
    from ketenwacht.stats.models import Factsheet

    scope = Q(fraud_form="") | Q(fraud_form=fraud_form) if fraud_form else Q()
    queryset = Factsheet.objects.filter(
        scope,
        period_start__lt=end,
        period_end__gt=start,
        status__in=[FactsheetStatus.PENDING, FactsheetStatus.PUBLIC, FactsheetStatus.WITHDRAWN],
    )
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.exists()


def _title(kind: str, start: date, fraud_form: str) -> str:
    from ketenwacht.stats.constants import PeriodKind

    if kind == PeriodKind.MONTH:
        period = start.strftime("%Y-%m")
    elif kind == PeriodKind.QUARTER:
        period = f"{start.year} Q{(start.month - 1) // 3 + 1}"
    else:
        period = str(start.year)
    return f"Zicht op digitale criminaliteit {period}" + (f" · {fraud_form}" if fraud_form else "")


def factsheet_create(
    *,
    actor: Actor,
    period_kind: str,
    year: int,
    number: int = 1,
    fraud_form: str = "",
    advice: str = "",
    noise_epsilon: float | None = None,
    today: date | None = None,
) -> Any:
    """A draft for a completed period: computed now, frozen until recomputed or released."""
    from ketenwacht.stats import factsheets
    from ketenwacht.stats.constants import FactsheetStatus
    from ketenwacht.stats.models import Factsheet, FactsheetTransition

    _require_manager(actor)
    assert actor.organisation is not None
    start, end = period_bounds(period_kind, year, number)
    if end > (today or timezone.localdate()):
        raise ValidationFailed(
            "Alleen afgesloten perioden. / Only completed periods.",
            code="wrong_period",
            field="year",
        )
    if fraud_form and fraud_form not in fraud_form_codes():
        raise ValidationFailed(
            "Onbekende fraudevorm. / Unknown fraud form.",
            code="unknown_fraud_form",
            field="fraud_form",
        )
    if noise_epsilon is not None and not 0 < noise_epsilon <= 10:
        raise ValidationFailed(
            "ε moet tussen 0 en 10 liggen. / ε must be between 0 and 10.",
            code="epsilon_range",
            field="noise_epsilon",
        )
    if overlapping(start, end, fraud_form):
        raise ValidationFailed(
            "Er is al een factsheet (openbaar of ter instemming) die deze periode overlapt; "
            "overlappende tabellen zouden kleine aantallen verraden. / A factsheet (public or "
            "awaiting consent) already overlaps this period; overlapping tables would reveal "
            "small cells.",
            code="overlapping_period",
            field="year",
        )
    with transaction.atomic():
        computed = factsheets.compute(
            start=start, end=end, fraud_form=fraud_form or None, noise_epsilon=noise_epsilon
        )
        intake_definition = factsheets.default_definitions()[0]
        factsheet = Factsheet.objects.create(
            title=_title(period_kind, start, fraud_form),
            period_kind=period_kind,
            period_start=start,
            period_end=end,
            fraud_form=fraud_form,
            advice=advice.strip()[:5000],
            definition=intake_definition,
            definition_digest=intake_definition.digest,
            result_digest=computed.exact_digest,
            content=computed.content,
            organisation=actor.organisation,
            created_by=actor.user,
        )
        _record_epsilon(factsheet, computed.epsilon)
        FactsheetTransition.objects.create(
            factsheet=factsheet, to_status=FactsheetStatus.DRAFT, actor_label=actor.label
        )
        audit_record(
            actor=actor,
            action="stats.factsheet_create",
            object_type="stats_factsheet",
            object_id=factsheet.pk,
            details={"period": [str(start), str(end)], "fraud_form": fraud_form},
        )
    return factsheet


def _record_epsilon(factsheet: Any, spent: Mapping[str, float]) -> None:
    from ketenwacht.stats.models import EpsilonSpend

    for series, epsilon in spent.items():
        EpsilonSpend.objects.create(series=series, epsilon=epsilon, factsheet=factsheet)


def _transition(factsheet: Any, to_status: str, *, actor: Actor) -> None:
    from ketenwacht.stats.models import FactsheetTransition

    previous = factsheet.status
    factsheet.status = to_status
    factsheet.save(update_fields=["status", "published_at"])
    FactsheetTransition.objects.create(
        factsheet=factsheet, from_status=previous, to_status=to_status, actor_label=actor.label
    )


def _lock(factsheet: Any) -> Any:
    from ketenwacht.stats.models import Factsheet

    return Factsheet.objects.select_for_update().get(pk=factsheet.pk)


def factsheet_request_release(*, actor: Actor, factsheet: Any, reason: str) -> Any:
    """Put the draft to every partner (release by consent); it waits as ``pending``."""
    from ketenwacht.release.services import release_request_open
    from ketenwacht.stats.constants import FactsheetStatus, ReleaseAction

    _require_manager(actor)
    with transaction.atomic():
        locked = _lock(factsheet)
        request = release_request_open(
            actor=actor, target=locked, action=ReleaseAction.PUBLISH, reason=reason
        )
        _transition(locked, FactsheetStatus.PENDING, actor=actor)
    return request


def factsheet_apply_release(*, request: Any, factsheet: Any) -> None:
    """Every partner approved (called by the release handler in its transaction)."""
    from ketenwacht.partners.access import SYSTEM
    from ketenwacht.stats.constants import FactsheetStatus

    locked = _lock(factsheet)
    if locked.status != FactsheetStatus.PENDING:
        return
    if request.params.get("result_digest") != locked.result_digest:
        return  # the content changed after the request: consent was for something else
    locked.published_at = timezone.now()
    _transition(locked, FactsheetStatus.PUBLIC, actor=SYSTEM)
    audit_record(
        actor=SYSTEM,
        action="stats.factsheet_publish",
        object_type="stats_factsheet",
        object_id=locked.pk,
        details={"release_request": request.pk},
    )


def factsheet_back_to_draft(*, request: Any, factsheet: Any) -> None:
    from ketenwacht.partners.access import SYSTEM
    from ketenwacht.stats.constants import FactsheetStatus

    locked = _lock(factsheet)
    if locked.status == FactsheetStatus.PENDING:
        _transition(locked, FactsheetStatus.DRAFT, actor=SYSTEM)


def factsheet_withdraw(*, actor: Actor, factsheet: Any) -> Any:
    from ketenwacht.stats.constants import FactsheetStatus

    _require_manager(actor)
    with transaction.atomic():
        locked = _lock(factsheet)
        if locked.status != FactsheetStatus.PUBLIC:
            raise ValidationFailed(
                "Alleen een openbare factsheet kan worden ingetrokken. / Only a public factsheet "
                "can be withdrawn.",
                code="not_public",
            )
        _transition(locked, FactsheetStatus.WITHDRAWN, actor=actor)
        audit_record(
            actor=actor,
            action="stats.factsheet_withdraw",
            object_type="stats_factsheet",
            object_id=locked.pk,
        )
    return locked


def factsheet_reproduce(factsheet: Any) -> bool:
    """Recompute the exact numbers from the stored definitions; True when they match."""
    from ketenwacht.stats import factsheets

    for stored in factsheet.content.get("definitions", []):
        from ketenwacht.stats.models import QueryDefinition

        definition = QueryDefinition.objects.get(pk=stored["id"])
        if definition.digest != stored["digest"]:
            return False
    computed = factsheets.compute(
        start=factsheet.period_start,
        end=factsheet.period_end,
        fraud_form=factsheet.fraud_form or None,
    )
    return bool(computed.exact_digest == factsheet.result_digest)


# ---------------------------------------------------------------------------------------------
# Spikes → alert drafts
# ---------------------------------------------------------------------------------------------


def _alert_author() -> tuple[Any, Any] | None:
    """The organisation (and its sharing group) in whose name spike alerts are drafted."""
    from django.conf import settings

    from ketenwacht.partners.constants import Sector
    from ketenwacht.partners.models import Organisation, SharingGroup

    config = getattr(settings, "KETENWACHT", {})
    slug = config.get("STATS_ALERT_ORGANISATION")
    organisations = Organisation.objects.filter(is_active=True)
    organisation = (
        organisations.filter(slug=slug).first()
        if slug
        else organisations.filter(sector=Sector.PROGRAMME).order_by("pk").first()
    )
    if organisation is None:
        return None
    groups = SharingGroup.objects.filter(members=organisation).order_by("pk")
    group_slug = config.get("STATS_ALERT_GROUP")
    group = groups.filter(slug=group_slug).first() if group_slug else groups.first()
    if group is None:
        return None
    return organisation, group


def spikes_detect(*, actor: Actor, week: date) -> list[Any]:
    """Find spikes in a week; each new one is stored and gets an alert draft for partners."""
    from ketenwacht.alerts.services import alert_create
    from ketenwacht.stats import trends
    from ketenwacht.stats.constants import ALERT_CHANNEL
    from ketenwacht.stats.models import Spike

    if not (actor.is_system or access.can(actor, "stats.manage")):
        raise PermissionDeniedError("Geen toegang. / Forbidden.", code="forbidden")
    created = []
    author = _alert_author()
    for finding in trends.detect(week):
        with transaction.atomic():
            spike, new = Spike.objects.get_or_create(
                week=finding.week,
                fraud_form=finding.fraud_form,
                channel=finding.channel,
                defaults={
                    "count": finding.count,
                    "baseline_median": finding.median,
                    "baseline_mad": finding.mad,
                    "score": finding.score,
                },
            )
            if not new:
                continue
            if author is None:
                spike.note = "no programme organisation with a sharing group: no alert draft"
            else:
                organisation, group = author
                system = Actor(is_system=True, organisation=organisation)
                ratio = "∞" if finding.median == 0 else f"{finding.ratio:.1f}×"
                alert = alert_create(
                    actor=system,
                    group=group,
                    title=(
                        f"Piek {finding.fraud_form} via {finding.channel}, week van "
                        f"{finding.week:%d-%m-%Y}"
                    )[:200],
                    summary=(
                        f"{finding.count} meldingen van slachtoffers tegen een mediaan van "
                        f"{finding.median:g} in de 8 weken ervoor ({ratio}, robuuste z "
                        f"{finding.score:g})."
                    ),
                    body=(
                        "Automatisch concept van de statistiek (Zicht op digitale "
                        "criminaliteit). Controleer of er een nieuwe werkwijze achter zit "
                        "voordat u deelt."
                    ),
                    fraud_type=finding.fraud_form
                    if finding.fraud_form in fraud_form_codes()
                    else None,
                    channels=[ALERT_CHANNEL[finding.channel]]
                    if finding.channel in ALERT_CHANNEL
                    else [],
                )
                spike.alert_id = alert.pk
            spike.save()
            audit_record(
                actor=actor,
                action="stats.spike",
                object_type="stats_spike",
                object_id=spike.pk,
                details={"alert": spike.alert_id, "week": str(finding.week)},
            )
            created.append(spike)
    return created

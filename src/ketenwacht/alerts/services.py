"""Writes of alerts. Each runs in a transaction, locks the alert it changes, writes a version
(content) or a transition (status) and an audit row, and queues deliveries in the same
transaction.

Public services (``actor=`` always explicit):

- ``alert_create`` / ``alert_update`` (edits make versions) / ``alert_share`` /
  ``alert_withdraw`` / ``alert_quick_flag``
- ``alert_indicator_add`` / ``alert_indicator_remove`` / ``alert_raw_value_reveal``
- ``alert_pii_resolve``: turn a finding of the prose scan into an indicator, or redact it
- ``alert_release_request``: ask every member organisation to publish or downgrade
- ``alert_apply_release``: called by the release handler once every member approved
- ``subscription_create`` / ``subscription_deactivate``
- ``digests_send_due`` / ``raw_values_purge``: periodic work
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from ketenwacht.alerts import indicators, notifications, pii
from ketenwacht.alerts.constants import (
    BODY_MAX,
    DEFAULT_MARKING,
    INDICATOR_NOTE_MAX,
    MAX_IMPORTED_INDICATORS,
    MAX_INDICATORS,
    SUMMARY_MAX,
    TITLE_MAX,
    WITHDRAW_REASON_MAX,
    AlertStatus,
    ContactChannel,
    Event,
    JourneyPhase,
    ReleaseAction,
    SubscriptionChannel,
)
from ketenwacht.alerts.models import (
    Alert,
    AlertIndicator,
    AlertTransition,
    AlertVersion,
    Subscription,
)
from ketenwacht.alerts.selectors import recipient_choices
from ketenwacht.audit.services import audit_record
from ketenwacht.delivery.models import WebhookEndpoint
from ketenwacht.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from ketenwacht.knowledge.models import FraudType
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.partners.constants import Marking, Scope
from ketenwacht.partners.models import DataSharingAgreement, SharingGroup
from ketenwacht.partners.selectors import agreement_current
from ketenwacht.release import services as release_services
from ketenwacht.release.models import ReleaseRequest

_UNSET: Any = object()

# ------------------------------------------------------------------------------ checks


def _invalid(
    message: str, *, code: str, field: str | None = None, **details: Any
) -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field, details=details or None)


def _not_found() -> NotFoundError:
    return NotFoundError("Melding niet gevonden. / Alert not found.", code="alert_not_found")


def _may_author(actor: Actor) -> bool:
    if actor.is_system:
        return True
    if actor.token is not None:
        return access.has_scope(actor, Scope.ALERTS_WRITE)
    return access.can(actor, "alerts.write")


def _require_author_rights(actor: Actor) -> None:
    if not _may_author(actor):
        raise PermissionDeniedError(
            "U mag geen meldingen schrijven. / You may not write alerts.", code="forbidden"
        )


def _lock_for_write(actor: Actor, alert: Alert) -> Alert:
    """The alert, locked, if the actor's organisation wrote it (else 404 or 403)."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    facts = locked.facts()
    if not access.may_read_alert(actor, facts):
        raise _not_found()
    if not access.may_write_alert(actor, facts):
        raise PermissionDeniedError(
            "Alleen de opstellende organisatie kan dit. / Only the author organisation can do "
            "this.",
            code="not_author",
        )
    return locked


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise _invalid(
            "Een titel is verplicht. / A title is required.", code="required", field="title"
        )
    if len(title) > TITLE_MAX:
        raise _invalid(
            f"Titel te lang (max. {TITLE_MAX}). / Title too long (at most {TITLE_MAX}).",
            code="too_long",
            field="title",
        )
    return title


def _clean_text(value: str, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise _invalid(
            f"Tekst te lang (max. {limit}). / Text too long (at most {limit}).",
            code="too_long",
            field=field,
        )
    return value


def _clean_codes(values: Iterable[str], allowed: Sequence[str], *, field: str) -> list[str]:
    codes = list(dict.fromkeys(str(value) for value in values))
    unknown = sorted(set(codes) - set(allowed))
    if unknown:
        raise _invalid(
            f"Onbekende waarden: {unknown}. / Unknown values: {unknown}.",
            code="unknown_value",
            field=field,
        )
    return [code for code in allowed if code in codes]  # stable order


def _fraud_type(code: str | None, *, current: str | None = None) -> FraudType | None:
    if not code:
        return None
    fraud_type = FraudType.objects.filter(code=code).first()
    # Inactive types stay on alerts that already had them, but are not chosen anew.
    if fraud_type is None or (not fraud_type.is_active and code != current):
        raise _invalid(
            f"Onbekend fraudetype '{code}'. / Unknown fraud type '{code}'.",
            code="unknown_fraud_type",
            field="fraud_type",
        )
    return fraud_type


def _marking(value: str) -> str:
    if value not in Marking.values:
        raise _invalid(
            f"Onbekende markering '{value}'. / Unknown marking '{value}'.",
            code="unknown_marking",
            field="marking",
        )
    return value


def _require_member(actor: Actor, group: SharingGroup) -> None:
    if not actor.is_system and not access.is_member(actor, group.pk):
        raise _invalid(
            "Uw organisatie hoort niet bij deze deelgroep. / Your organisation is not a member "
            "of this sharing group.",
            code="not_a_member",
            field="group",
        )


def _red_needs_a_person(actor: Actor, marking: str) -> None:
    if marking == Marking.RED and actor.user is None and not actor.is_system:
        raise _invalid(
            "TLP:RED is alleen voor benoemde personen en wordt in het portaal opgesteld. / "
            "TLP:RED is for named people only and is written in the portal.",
            code="red_needs_person",
            field="marking",
        )


def _clean_recipients(group: SharingGroup, user_ids: Iterable[int]) -> list[User]:
    wanted = {int(pk) for pk in user_ids}
    eligible = list(recipient_choices(groups=[group.pk]).filter(pk__in=wanted))
    if len(eligible) != len(wanted):
        raise _invalid(
            "Alleen lezers van leden van de deelgroep kunnen ontvanger zijn. / Only readers in "
            "member organisations of the group can be recipients.",
            code="recipient_not_eligible",
            field="recipients",
        )
    return eligible


def _refuse_personal_data(fields: dict[str, str]) -> None:
    findings = pii.scan_fields(fields)
    if findings:
        raise ValidationFailed(
            "De tekst bevat persoonsgegevens; maak er indicatoren van of haal ze weg. / The "
            "text contains personal data; turn it into indicators or redact it.",
            code="personal_data_in_text",
            field=findings[0].field,
            details={
                "findings": [{"field": f.field, "kind": f.kind, "hint": f.masked} for f in findings]
            },
        )


# ----------------------------------------------------------------------- history rows


def _version(alert: Alert, *, actor: Actor, note: str) -> AlertVersion:
    """Copy the alert's content into a new version and make it current."""
    number = (alert.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = AlertVersion.objects.create(
        alert=alert,
        number=number,
        title=alert.title,
        summary=alert.summary,
        body=alert.body,
        fraud_type_code=alert.fraud_type_id or "",
        phases=list(alert.phases),
        channels=list(alert.channels),
        marking=alert.marking,
        indicators=[i.snapshot() for i in alert.indicators.order_by("created_at", "pk")],
        note=note[:200],
        created_by=actor.user,
    )
    alert.version = number
    alert.updated_at = version.created_at
    alert.save(update_fields=["version", "updated_at"])
    return version


def _transition(alert: Alert, to_status: str, *, actor: Actor, note: str = "") -> None:
    """Move a saved (locked) alert to ``to_status`` and write the history row."""
    AlertTransition.objects.create(
        alert=alert,
        from_status=alert.status,
        to_status=to_status,
        actor_label=actor.label,
        note=note[:300],
    )
    alert.status = to_status
    alert.save(update_fields=["status"])


def _audit(actor: Actor, action: str, alert: Alert, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="alert",
        object_id=alert.uuid,
        details={
            "group": alert.group_id,
            "marking": alert.marking,
            "version": alert.version,
            **details,
        },
    )


# ------------------------------------------------------------------------- lifecycle


def alert_create(
    *,
    actor: Actor,
    group: SharingGroup,
    title: str,
    summary: str = "",
    body: str = "",
    fraud_type: str | None = None,
    phases: Iterable[str] = (),
    channels: Iterable[str] = (),
    marking: str = DEFAULT_MARKING,
    recipients: Iterable[int] = (),
    alert_uuid: uuid.UUID | None = None,
) -> Alert:
    """A draft in the actor's organisation's name, version 1. The text may still hold personal
    data (the scan shows it); sharing refuses until it is resolved. ``alert_uuid`` keeps the id
    an exchange partner gave it (a STIX report id), so the partner finds it again."""
    _require_author_rights(actor)
    if actor.organisation is None:
        raise PermissionDeniedError("Alleen namens een organisatie. / Only for an organisation.")
    _require_member(actor, group)
    marking = _marking(marking)
    _red_needs_a_person(actor, marking)
    alert = Alert(
        title=_clean_title(title),
        summary=_clean_text(summary, field="summary", limit=SUMMARY_MAX),
        body=_clean_text(body, field="body", limit=BODY_MAX),
        fraud_type=_fraud_type(fraud_type),
        phases=_clean_codes(phases, JourneyPhase.values, field="phases"),
        channels=_clean_codes(channels, ContactChannel.values, field="channels"),
        marking=marking,
        group=group,
        author_organisation=actor.organisation,
        created_by=actor.user,
    )
    if alert_uuid is not None:
        if Alert.objects.filter(uuid=alert_uuid).exists():
            raise ConflictError(
                "Een melding met dit id bestaat al. / An alert with this id already exists.",
                code="alert_exists",
            )
        alert.uuid = alert_uuid
    named = _clean_recipients(group, recipients)
    with transaction.atomic():
        alert.save()
        AlertTransition.objects.create(
            alert=alert, from_status="", to_status=AlertStatus.DRAFT, actor_label=actor.label
        )
        alert.recipients.set(named)
        _version(alert, actor=actor, note="created")
        _audit(actor, "alert.create", alert)
    return alert


def _content_changes(
    alert: Alert,
    *,
    actor: Actor,
    title: str,
    summary: str,
    body: str,
    fraud_type: str | None,
    phases: Iterable[str] | None,
    channels: Iterable[str] | None,
    marking: str,
) -> dict[str, Any]:
    """The validated new values of the fields that change (``_UNSET`` = leave as is)."""
    changes: dict[str, Any] = {}
    if title is not _UNSET:
        changes["title"] = _clean_title(title)
    if summary is not _UNSET:
        changes["summary"] = _clean_text(summary, field="summary", limit=SUMMARY_MAX)
    if body is not _UNSET:
        changes["body"] = _clean_text(body, field="body", limit=BODY_MAX)
    if fraud_type is not _UNSET:
        changes["fraud_type"] = _fraud_type(fraud_type, current=alert.fraud_type_id)
    if phases is not _UNSET and phases is not None:
        changes["phases"] = _clean_codes(phases, JourneyPhase.values, field="phases")
    if channels is not _UNSET and channels is not None:
        changes["channels"] = _clean_codes(channels, ContactChannel.values, field="channels")
    if marking is not _UNSET:
        changes["marking"] = _marking(marking)
        _red_needs_a_person(actor, changes["marking"])
    return {name: value for name, value in changes.items() if getattr(alert, name) != value}


def _refuse_downgrade_of_shared(alert: Alert, new_marking: str) -> None:
    if not alert.is_draft and access.marking_is_downgrade(alert.marking, new_marking):
        raise _invalid(
            "Een lagere markering vraagt toestemming van alle leden (vrijgaveverzoek). / A "
            "lower marking needs the consent of every member (release request).",
            code="downgrade_needs_consent",
            field="marking",
        )


def alert_update(
    *,
    actor: Actor,
    alert: Alert,
    title: str = _UNSET,
    summary: str = _UNSET,
    body: str = _UNSET,
    fraud_type: str | None = _UNSET,
    phases: Iterable[str] | None = _UNSET,
    channels: Iterable[str] | None = _UNSET,
    marking: str = _UNSET,
    recipients: Iterable[int] | None = _UNSET,
    group: SharingGroup | None = _UNSET,
) -> Alert:
    """Edit the content; every edit that changes something is a new version.

    A shared alert may be edited (the group is told) but not moved to another group, not
    given a lower marking (that needs consent) and not given personal data in its text. An
    open release request is cancelled: the members consented to what they saw.
    """
    with transaction.atomic():
        locked = _lock_for_write(actor, alert)
        if locked.is_withdrawn:
            raise ConflictError(
                "Een ingetrokken melding kan niet meer worden gewijzigd. / A withdrawn alert "
                "can no longer be changed.",
                code="alert_withdrawn",
            )
        changes = _content_changes(
            locked,
            actor=actor,
            title=title,
            summary=summary,
            body=body,
            fraud_type=fraud_type,
            phases=phases,
            channels=channels,
            marking=marking,
        )
        if group is not _UNSET and group is not None and group.pk != locked.group_id:
            if not locked.is_draft:
                raise _invalid(
                    "Een gedeelde melding blijft in haar deelgroep. / A shared alert stays in "
                    "its sharing group.",
                    code="group_fixed",
                    field="group",
                )
            _require_member(actor, group)
            changes["group"] = group
        if "marking" in changes:
            _refuse_downgrade_of_shared(locked, changes["marking"])
        if not locked.is_draft:
            _refuse_personal_data(
                {name: changes.get(name, getattr(locked, name)) for name in pii.PROSE_FIELDS}
            )
        recipients_changed = False
        if recipients is not _UNSET and recipients is not None:
            target_group = changes.get("group", locked.group)
            named = _clean_recipients(target_group, recipients)
            if {u.pk for u in named} != set(locked.recipients.values_list("pk", flat=True)):
                locked.recipients.set(named)
                recipients_changed = True
        if not changes and not recipients_changed:
            return locked
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save()
        _version(locked, actor=actor, note="edited")
        _audit(
            actor,
            "alert.update",
            locked,
            fields=sorted(changes) + (["recipients"] if recipients_changed else []),
        )
        if not locked.is_draft:
            release_services.release_cancel_open_for(target=locked, reason="alert edited")
            notifications.notify_subscribers(actor=actor, alert=locked, event=Event.UPDATED)
    return locked


def _check_shareable(alert: Alert) -> None:
    if alert.fraud_type_id is None and not alert.is_quick_flag:
        raise _invalid(
            "Kies een fraudetype voordat u deelt. / Choose a fraud type before sharing.",
            code="fraud_type_required",
            field="fraud_type",
        )
    _refuse_personal_data({name: getattr(alert, name) for name in pii.PROSE_FIELDS})
    if alert.marking == Marking.RED and not alert.recipients.exists():
        raise _invalid(
            "Noem bij TLP:RED de personen die het mogen lezen. / Name the people who may read "
            "a TLP:RED alert.",
            code="red_needs_recipients",
            field="recipients",
        )


def alert_share(*, actor: Actor, alert: Alert) -> Alert:
    """Draft → shared: the group can read it; subscriptions whose channel the marking allows
    are told at once by webhook (digests pick it up)."""
    with transaction.atomic():
        locked = _lock_for_write(actor, alert)
        if not locked.is_draft:
            raise ConflictError(
                "Alleen een concept kan worden gedeeld. / Only a draft can be shared.",
                code="not_a_draft",
            )
        _check_shareable(locked)
        _transition(locked, AlertStatus.SHARED, actor=actor)
        locked.shared_at = timezone.now()
        locked.first_shared_version = locked.version
        locked.updated_at = locked.shared_at
        locked.save(update_fields=["shared_at", "first_shared_version", "updated_at"])
        _audit(actor, "alert.share", locked)
        notifications.notify_subscribers(actor=actor, alert=locked, event=Event.SHARED)
    return locked


def alert_withdraw(*, actor: Actor, alert: Alert, reason: str) -> Alert:
    """Shared → withdrawn: stays readable for the group as withdrawn, leaves the public page
    and feed, cancels open release requests, and subscribers are told."""
    reason = _clean_text(reason, field="reason", limit=WITHDRAW_REASON_MAX)
    if not reason:
        raise _invalid("Geef een reden. / Give a reason.", code="reason_required", field="reason")
    with transaction.atomic():
        locked = _lock_for_write(actor, alert)
        if not locked.is_shared:
            raise ConflictError(
                "Alleen een gedeelde melding kan worden ingetrokken. / Only a shared alert can be "
                "withdrawn.",
                code="not_shared",
            )
        _transition(locked, AlertStatus.WITHDRAWN, actor=actor, note=reason)
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_reason = reason
        locked.updated_at = locked.withdrawn_at
        locked.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
        _audit(actor, "alert.withdraw", locked, reason=reason, was_public=locked.is_public)
        release_services.release_cancel_open_for(target=locked, reason="alert withdrawn")
        notifications.notify_subscribers(actor=actor, alert=locked, event=Event.WITHDRAWN)
    return locked


def alert_quick_flag(
    *,
    actor: Actor,
    group: SharingGroup,
    title: str,
    summary: str = "",
    fraud_type: str | None = None,
    channels: Iterable[str] = (),
    marking: str = DEFAULT_MARKING,
    recipients: Iterable[int] = (),
) -> Alert:
    """ "We were just hit by a new method": a minimal alert, shared at once, and the group told
    at once (webhooks, and an e-mail to every reader in the member organisations). Details
    follow by editing it."""
    with transaction.atomic():
        alert = alert_create(
            actor=actor,
            group=group,
            title=title,
            summary=summary,
            fraud_type=fraud_type,
            channels=channels,
            marking=marking,
            recipients=recipients,
        )
        alert.is_quick_flag = True
        alert.save(update_fields=["is_quick_flag"])
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        _check_shareable(locked)
        _transition(locked, AlertStatus.SHARED, actor=actor, note="quick flag")
        locked.shared_at = timezone.now()
        locked.first_shared_version = locked.version
        locked.updated_at = locked.shared_at
        locked.save(update_fields=["shared_at", "first_shared_version", "updated_at"])
        _audit(actor, "alert.quick_flag", locked)
        notifications.notify_subscribers(actor=actor, alert=locked, event=Event.QUICK_FLAG)
        notifications.notify_people_of_quick_flag(actor=actor, alert=locked)
    return locked


# ------------------------------------------------------------------------ indicators


def _agreement_for(alert: Alert) -> DataSharingAgreement:
    try:
        return agreement_current(group=alert.group)
    except NotFoundError:
        raise _invalid(
            "Deze deelgroep heeft geen geldige overeenkomst; indicatoren kunnen niet worden "
            "gedeeld. / This sharing group has no agreement in force; indicators cannot be "
            "shared.",
            code="no_agreement",
        ) from None


def _raw_retention(agreement: DataSharingAgreement, kind: str) -> timedelta | None:
    """Keep the raw value only if the agreement names roles for it and a retention for the kind."""
    days = agreement.retention_days.get(kind)
    if not agreement.raw_value_roles or not days:
        return None
    return timedelta(days=int(days))


def _add_indicator(
    locked: Alert, *, actor: Actor, canonical: indicators.Canonical, note: str
) -> AlertIndicator:
    agreement = _agreement_for(locked)
    if canonical.kind not in agreement.allowed_kinds:
        raise _invalid(
            f"De overeenkomst staat soort '{canonical.kind}' niet toe. / The agreement does not "
            f"allow kind '{canonical.kind}'.",
            code="kind_not_allowed",
            field="value",
        )
    if locked.indicators.count() >= MAX_INDICATORS:
        raise _invalid(
            f"Hoogstens {MAX_INDICATORS} indicatoren. / At most {MAX_INDICATORS} indicators.",
            code="too_many_indicators",
        )
    pseudonym = indicators.pseudonym_for(canonical)
    if locked.indicators.filter(pseudonym=pseudonym).exists():
        raise ConflictError(
            "Deze indicator staat er al bij. / This indicator is already listed.",
            code="duplicate_indicator",
            details={"field": "value"},
        )
    indicator = AlertIndicator(
        alert=locked,
        kind=canonical.kind,
        pseudonym=pseudonym,
        display_hint=indicators.display_hint(canonical),
        note=_clean_text(note, field="note", limit=INDICATOR_NOTE_MAX),
        agreement=agreement,
        created_by=actor.user,
    )
    retention = _raw_retention(agreement, canonical.kind)
    if retention is not None:
        indicator.raw_nonce, indicator.raw_ciphertext = indicators.seal(canonical)
        indicator.raw_expires_at = timezone.now() + retention
    indicator.save()
    _audit(
        actor,
        "alert.indicator_add",
        locked,
        kind=canonical.kind,
        pseudonym=pseudonym.reference,
        raw_kept=retention is not None,
        agreement=agreement.pk,
    )
    return indicator


def _after_content_change(locked: Alert, *, actor: Actor, note: str) -> None:
    _version(locked, actor=actor, note=note)
    if not locked.is_draft:
        release_services.release_cancel_open_for(target=locked, reason="alert edited")
        notifications.notify_subscribers(actor=actor, alert=locked, event=Event.UPDATED)


def alert_indicator_add(
    *, actor: Actor, alert: Alert, value: str, kind: str | None = None, note: str = ""
) -> AlertIndicator:
    """Name an identifier: canonicalised, pseudonymised, raw value kept (encrypted) only where
    the group's agreement allows. BSNs are refused by the canonical functions."""
    canonical = indicators.canonical_of(value, kind or None)
    with transaction.atomic():
        locked = _lock_for_write(actor, alert)
        if locked.is_withdrawn:
            raise ConflictError(
                "Een ingetrokken melding kan niet meer worden gewijzigd. / A withdrawn alert "
                "can no longer be changed.",
                code="alert_withdrawn",
            )
        indicator = _add_indicator(locked, actor=actor, canonical=canonical, note=note)
        _after_content_change(locked, actor=actor, note="indicator added")
    return indicator


@dataclass(frozen=True)
class IndicatorImportError:
    index: int
    code: str
    detail: str


class IndicatorsRejected(ValidationFailed):
    """A bulk import with bad items: nothing was added. ``errors`` lists every bad item."""

    code = "indicators_rejected"

    def __init__(self, errors: Sequence[IndicatorImportError]) -> None:
        super().__init__(
            f"{len(errors)} indicator(en) ongeldig; niets toegevoegd. / {len(errors)} invalid "
            "indicator(s); nothing was added."
        )
        self.errors = list(errors)


def _insert_indicators(rows: list[AlertIndicator]) -> None:
    """Insert with one prepared statement run per row (``executemany``).

    ``bulk_create`` compiles one statement per 2,000 rows with every value inlined as its own
    placeholder, which psycopg then splits and converts again: half of a 10,000-indicator
    import on PostgreSQL. The rows' fields are prepared as Django would save them.
    """
    if not rows:
        return
    meta = AlertIndicator._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    # names from the model's own metadata, values as parameters
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    values = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def alert_indicators_import(
    *, actor: Actor, alert: Alert, items: Sequence[tuple[str, str] | indicators.Canonical]
) -> int:
    """Many ``(kind, value)`` indicators at once (an imported event): all or none.

    The same rules as ``alert_indicator_add`` (canonical form, BSNs refused, the agreement's
    kinds, raw value kept only where the agreement allows), but one lock, one pseudonym query
    per chunk, one bulk insert, one audit row and one new version. A value named twice (or
    already on the alert) is one indicator. Items already canonicalised (``Canonical``, as
    an importer that checked them holds) are taken as they are. Returns the number added.
    """
    if len(items) > MAX_IMPORTED_INDICATORS:
        raise _invalid(
            f"Hoogstens {MAX_IMPORTED_INDICATORS} indicatoren per import. / At most "
            f"{MAX_IMPORTED_INDICATORS} indicators per import.",
            code="too_many_indicators",
        )
    errors: list[IndicatorImportError] = []
    canonicals: list[indicators.Canonical] = []
    for index, item in enumerate(items):
        if isinstance(item, indicators.Canonical):
            canonicals.append(item)
            continue
        kind, value = item
        try:
            canonicals.append(indicators.canonical_of(value, kind or None))
        except indicators.CanonicalError as error:
            errors.append(IndicatorImportError(index, error.code, str(error)))
    with transaction.atomic():
        locked = _lock_for_write(actor, alert)
        if locked.is_withdrawn:
            raise ConflictError(
                "Een ingetrokken melding kan niet meer worden gewijzigd. / A withdrawn alert "
                "can no longer be changed.",
                code="alert_withdrawn",
            )
        agreement = _agreement_for(locked)
        failed = {error.index for error in errors}
        index_of = [i for i in range(len(items)) if i not in failed]
        for index, canonical in zip(index_of, canonicals, strict=True):
            if canonical.kind not in agreement.allowed_kinds:
                errors.append(
                    IndicatorImportError(
                        index,
                        "kind_not_allowed",
                        f"The agreement does not allow kind '{canonical.kind}'.",
                    )
                )
        if errors:
            raise IndicatorsRejected(sorted(errors, key=lambda e: e.index))
        present = set(locked.indicators.values_list("pseudonym_id", flat=True))
        if len(present) + len(canonicals) > MAX_IMPORTED_INDICATORS:
            raise _invalid(
                f"Hoogstens {MAX_IMPORTED_INDICATORS} indicatoren per melding. / At most "
                f"{MAX_IMPORTED_INDICATORS} indicators per alert.",
                code="too_many_indicators",
            )
        found = indicators.pseudonyms_for(canonicals)
        now = timezone.now()
        new: list[AlertIndicator] = []
        for canonical in canonicals:
            pseudonym = found[(canonical.kind, canonical.value)]
            if pseudonym.pk in present:
                continue
            present.add(pseudonym.pk)
            indicator = AlertIndicator(
                alert=locked,
                kind=canonical.kind,
                pseudonym=pseudonym,
                display_hint=indicators.display_hint(canonical),
                agreement=agreement,
                created_by=actor.user,
                created_at=now,
            )
            retention = _raw_retention(agreement, canonical.kind)
            if retention is not None:
                indicator.raw_nonce, indicator.raw_ciphertext = indicators.seal(canonical)
                indicator.raw_expires_at = now + retention
            new.append(indicator)
        _insert_indicators(new)
        kinds: dict[str, int] = {}
        for indicator in new:
            kinds[indicator.kind] = kinds.get(indicator.kind, 0) + 1
        _audit(
            actor,
            "alert.indicators_import",
            locked,
            added=len(new),
            kinds=kinds,
            agreement=agreement.pk,
        )
        if new:
            _after_content_change(locked, actor=actor, note=f"{len(new)} indicators imported")
    return len(new)


def alert_indicator_remove(*, actor: Actor, alert: Alert, indicator_id: int) -> None:
    with transaction.atomic():
        locked = _lock_for_write(actor, alert)
        if locked.is_withdrawn:
            raise ConflictError(
                "Een ingetrokken melding kan niet meer worden gewijzigd. / A withdrawn alert "
                "can no longer be changed.",
                code="alert_withdrawn",
            )
        indicator = locked.indicators.select_related("pseudonym").filter(pk=indicator_id).first()
        if indicator is None:
            raise NotFoundError("Onbekende indicator. / Unknown indicator.", code="not_found")
        reference = indicator.pseudonym.reference
        indicator.delete()
        _audit(actor, "alert.indicator_remove", locked, kind=indicator.kind, pseudonym=reference)
        _after_content_change(locked, actor=actor, note="indicator removed")


@dataclass(frozen=True)
class RevealedIndicator:
    indicator_id: int
    kind: str
    value: str


def alert_raw_value_reveal(
    *, actor: Actor, indicator: AlertIndicator, reason: str
) -> RevealedIndicator:
    """Decrypt a kept raw value for a role the group's agreement in force names; every reveal
    (and every refusal) is an audit row: it is a disclosure."""
    from ketenwacht.alerts.selectors import alert_may_reveal

    reason = _clean_text(reason, field="reason", limit=500)
    if len(reason) < 5:
        raise _invalid(
            "Geef een reden (min. 5 tekens). / Give a reason (at least 5 characters).",
            code="reason_required",
            field="reason",
        )
    alert = indicator.alert
    if not access.may_read_alert(actor, alert.facts()):
        raise _not_found()
    allowed = alert_may_reveal(actor=actor, alert=alert) and indicator.has_raw_value
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="alert.indicator_reveal" if allowed else "alert.indicator_reveal_refused",
            object_type="alert",
            object_id=alert.uuid,
            purpose=reason,
            details={"indicator": indicator.pk, "kind": indicator.kind},
        )
    if not allowed:
        raise PermissionDeniedError(
            "De overeenkomst staat u niet toe deze waarde te zien. / The agreement does not "
            "allow you to see this value.",
            code="reveal_not_allowed",
        )
    assert indicator.raw_nonce is not None and indicator.raw_ciphertext is not None
    value = indicators.unseal(
        indicator.kind, bytes(indicator.raw_nonce), bytes(indicator.raw_ciphertext)
    )
    return RevealedIndicator(indicator_id=indicator.pk, kind=indicator.kind, value=value)


# ------------------------------------------------------------------ personal data scan

RESOLVE_INDICATOR = "indicator"
RESOLVE_REDACT = "redact"


def _scrub_versions(alert: Alert, text: str, replacement: str) -> int:
    """Remove the value from every earlier version too: history must not keep what the
    author was told to take out. The audit row records that it happened, not the value."""
    changed = 0
    pattern = re.compile(re.escape(text))
    for version in alert.versions.all():
        updated = {
            name: pattern.sub(replacement, getattr(version, name)) for name in pii.PROSE_FIELDS
        }
        if any(updated[name] != getattr(version, name) for name in pii.PROSE_FIELDS):
            for name, value in updated.items():
                setattr(version, name, value)
            version.save(update_fields=list(pii.PROSE_FIELDS))
            changed += 1
    return changed


def alert_pii_resolve(
    *, actor: Actor, alert: Alert, field: str, text: str, action: str, note: str = ""
) -> Alert:
    """Resolve one finding of the scan everywhere in the alert: as an indicator (the text
    becomes a masked reference) or redacted."""
    if field not in pii.PROSE_FIELDS or action not in (RESOLVE_INDICATOR, RESOLVE_REDACT):
        raise _invalid("Onbekende keuze. / Unknown choice.", code="invalid_choice")
    with transaction.atomic():
        locked = _lock_for_write(actor, alert)
        if locked.is_withdrawn:
            raise ConflictError(
                "Een ingetrokken melding kan niet meer worden gewijzigd. / A withdrawn alert "
                "can no longer be changed.",
                code="alert_withdrawn",
            )
        finding = next(
            (f for f in pii.scan_text(getattr(locked, field), field=field) if f.text == text),
            None,
        )
        if finding is None:
            raise _invalid(
                "Deze vondst staat niet (meer) in de tekst. / This finding is not (or no longer) "
                "in the text.",
                code="finding_not_found",
            )
        if action == RESOLVE_INDICATOR:
            if not finding.can_be_indicator:
                raise _invalid(
                    "Een BSN kan geen indicator worden; haal het weg. / A BSN cannot become an "
                    "indicator; redact it.",
                    code="bsn_refused",
                )
            canonical = indicators.canonical_of(finding.canonical, finding.kind)
            existing = locked.indicators.filter(pseudonym=indicators.pseudonym_for(canonical))
            indicator = existing.first() or _add_indicator(
                locked, actor=actor, canonical=canonical, note=note
            )
            replacement = pii.placeholder_for_indicator(indicator.kind, indicator.display_hint)
        else:
            replacement = pii.REDACTED
        pattern = re.compile(re.escape(finding.text))
        for name in pii.PROSE_FIELDS:
            setattr(locked, name, pattern.sub(replacement, getattr(locked, name)))
        locked.title = locked.title[:TITLE_MAX]
        locked.summary = locked.summary[:SUMMARY_MAX]
        locked.save(update_fields=list(pii.PROSE_FIELDS))
        scrubbed = _scrub_versions(locked, finding.text, replacement)
        _audit(
            actor,
            "alert.pii_resolve",
            locked,
            kind=finding.kind,
            resolution=action,
            versions_scrubbed=scrubbed,
        )
        _after_content_change(
            locked,
            actor=actor,
            note="personal data made an indicator"
            if action == RESOLVE_INDICATOR
            else "personal data redacted",
        )
    return locked


# ------------------------------------------------------------------ release by consent


def alert_release_request(
    *,
    actor: Actor,
    alert: Alert,
    action: str,
    reason: str,
    marking: str | None = None,
    deadline: datetime | None = None,
) -> ReleaseRequest:
    """Ask every member organisation of the group to publish the alert as a public warning
    (it becomes TLP:CLEAR) or to lower its marking. See ``alerts.releasing``."""
    params: dict[str, Any] = {"marking": marking} if marking else {}
    return release_services.release_request_open(
        actor=actor, target=alert, action=action, reason=reason, params=params, deadline=deadline
    )


def alert_apply_release(*, request: ReleaseRequest, alert: Alert) -> Alert:
    """Every member approved: publish, or lower the marking. Runs in the closing transaction."""
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if not locked.is_shared or locked.version != request.params.get("version"):
        # Edits and withdrawals cancel open requests, so this means a bug: refuse loudly.
        raise ConflictError(
            "De melding is veranderd sinds het verzoek. / The alert changed since the request.",
            code="alert_changed",
        )
    new_marking = (
        Marking.CLEAR if request.action == ReleaseAction.PUBLISH else request.params["marking"]
    )
    previous = locked.marking
    locked.marking = new_marking
    if request.action == ReleaseAction.PUBLISH:
        locked.is_public = True
        locked.published_at = timezone.now()
    locked.save(update_fields=["marking", "is_public", "published_at"])
    _version(
        locked,
        actor=SYSTEM,
        note=f"release request #{request.pk}: {request.action} ({previous} → {new_marking})",
    )
    _audit(
        SYSTEM,
        "alert.publish" if request.action == ReleaseAction.PUBLISH else "alert.downgrade",
        locked,
        release_request=request.pk,
        previous_marking=previous,
    )
    notifications.notify_subscribers(actor=SYSTEM, alert=locked, event=Event.UPDATED)
    return locked


# --------------------------------------------------------------------- subscriptions


def subscription_create(
    *,
    actor: Actor,
    name: str,
    channel: str,
    endpoint: WebhookEndpoint | None = None,
    email: str = "",
    fraud_types: Iterable[str] = (),
    markings: Iterable[str] = (),
) -> Subscription:
    access.require(actor, "alerts.subscriptions")
    if actor.organisation is None:
        raise PermissionDeniedError("Alleen namens een organisatie. / Only for an organisation.")
    name = _clean_title(name)[:100]
    if channel not in SubscriptionChannel.values:
        raise _invalid(
            "Onbekend kanaal. / Unknown channel.", code="unknown_channel", field="channel"
        )
    fraud_type_codes = list(dict.fromkeys(fraud_types))
    known = set(FraudType.objects.filter(code__in=fraud_type_codes).values_list("code", flat=True))
    if set(fraud_type_codes) - known:
        raise _invalid(
            "Onbekend fraudetype. / Unknown fraud type.",
            code="unknown_fraud_type",
            field="fraud_types",
        )
    route = "webhook" if channel == SubscriptionChannel.WEBHOOK else "email"
    marking_codes = _clean_codes(markings, Marking.values, field="markings")
    refused = [m for m in marking_codes if not access.marking_allows(m, route)]
    if refused:
        raise _invalid(
            f"Deze markeringen mogen niet via dit kanaal: {refused}. / These markings may not "
            f"travel by this channel: {refused}.",
            code="marking_not_allowed",
            field="markings",
        )
    if channel == SubscriptionChannel.WEBHOOK:
        if (
            endpoint is None
            or endpoint.organisation_id != actor.organisation.pk
            or not endpoint.is_active
        ):
            raise _invalid(
                "Kies een actief webhook-endpoint van uw organisatie. / Choose an active webhook "
                "endpoint of your organisation.",
                code="endpoint_required",
                field="endpoint",
            )
        email = ""
    else:
        endpoint = None
        email = (email or "").strip()
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise _invalid(
                "Ongeldig e-mailadres. / Invalid e-mail address.",
                code="invalid_email",
                field="email",
            ) from None
    with transaction.atomic():
        subscription = Subscription.objects.create(
            organisation=actor.organisation,
            name=name,
            channel=channel,
            endpoint=endpoint,
            email=email,
            fraud_types=fraud_type_codes,
            markings=marking_codes,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action="alert_subscription.create",
            object_type="alert_subscription",
            object_id=subscription.pk,
            details={
                "channel": channel,
                "fraud_types": fraud_type_codes,
                "markings": marking_codes,
            },
        )
    return subscription


def subscription_deactivate(*, actor: Actor, subscription: Subscription) -> Subscription:
    access.require(actor, "alerts.subscriptions")
    if actor.organisation is None or subscription.organisation_id != actor.organisation.pk:
        raise NotFoundError("Onbekend abonnement. / Unknown subscription.", code="not_found")
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.is_active:
            locked.is_active = False
            locked.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="alert_subscription.deactivate",
                object_type="alert_subscription",
                object_id=locked.pk,
            )
    return locked


# ---------------------------------------------------------------------- periodic work


def digests_send_due(*, now: datetime | None = None) -> int:
    """Send every daily digest that is due; returns how many e-mails were queued."""
    moment = now or timezone.now()
    sent = 0
    for subscription in notifications.digests_due(moment):
        with transaction.atomic():
            locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
            if (
                locked.last_digest_at
                and locked.last_digest_at
                > moment - notifications.DIGEST_PERIOD + notifications.DIGEST_TOLERANCE
            ):
                continue  # another worker sent it meanwhile
            if notifications.digest_send(subscription=locked, now=moment) is not None:
                sent += 1
    return sent


def raw_values_purge(*, now: datetime | None = None) -> int:
    """Delete raw indicator values past the agreement's retention; the pseudonyms stay."""
    moment = now or timezone.now()
    with transaction.atomic():
        count = AlertIndicator.objects.filter(raw_expires_at__lte=moment).update(
            raw_nonce=None, raw_ciphertext=None, raw_expires_at=None
        )
        if count:
            audit_record(
                actor=SYSTEM,
                action="alert.raw_values_purge",
                object_type="retention",
                details={"indicators": count},
            )
    return count


def alert_record_disclosure(*, actor: Actor, alert: Alert, route: str) -> None:
    """An audit row each time a member reads an alert in full (page or API): a disclosure."""
    with transaction.atomic():
        _audit(actor, "alert.view", alert, route=route)

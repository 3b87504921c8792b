"""Writes of the fraud-type taxonomy (programme team). Each writes its audit row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.db import transaction

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import ConflictError, ValidationFailed
from ketenwacht.knowledge.constants import (
    FALLBACK_FRAUD_TYPE,
    FRAUD_TYPE_CODE_RE,
    FRAUD_TYPES_CACHE_KEY,
)
from ketenwacht.knowledge.models import FraudType
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor

EDITABLE_FIELDS = frozenset(
    {"name_nl", "name_en", "description_nl", "description_en", "is_active", "sort_order"}
)


def _clear_catalogue_cache() -> None:
    cache.delete(FRAUD_TYPES_CACHE_KEY)


def _after_write() -> None:
    # Clear now and again after commit: a reader between the two may have cached old rows.
    _clear_catalogue_cache()
    transaction.on_commit(_clear_catalogue_cache)


def fraud_type_check(fraud_type: FraudType) -> None:
    """Validate a fraud type's fields without saving (the admin form uses it too)."""
    if not FRAUD_TYPE_CODE_RE.match(fraud_type.code):
        raise ValidationFailed(
            "Code: kleine letters, cijfers en _, 2–40 tekens. / Code: lower-case letters, digits "
            "and _, 2–40 characters.",
            code="invalid_code",
            field="code",
        )
    if not fraud_type.name_nl.strip() or not fraud_type.name_en.strip():
        raise ValidationFailed(
            "Naam in het Nederlands en Engels is verplicht. / A Dutch and an English name are "
            "required.",
            code="required",
            field="name_nl" if not fraud_type.name_nl.strip() else "name_en",
        )
    if fraud_type.code == FALLBACK_FRAUD_TYPE and not fraud_type.is_active:
        raise ValidationFailed(
            "Het type 'other' blijft actief: meldingen die nergens passen komen daar terecht. / "
            "The type 'other' stays active: reports that fit nowhere else land there.",
            code="fallback_required",
            field="is_active",
        )
    if not 0 <= fraud_type.sort_order <= 32767:
        raise ValidationFailed(
            "Volgorde moet 0–32767 zijn. / Sort order must be 0–32767.",
            code="sort_order_range",
            field="sort_order",
        )


def fraud_type_create(
    *,
    actor: Actor,
    code: str,
    name_nl: str,
    name_en: str,
    description_nl: str = "",
    description_en: str = "",
    is_active: bool = True,
    sort_order: int = 0,
) -> FraudType:
    access.require(actor, "knowledge.manage_fraud_types")
    code = code.strip()
    fraud_type = FraudType(
        code=code,
        name_nl=name_nl.strip(),
        name_en=name_en.strip(),
        description_nl=description_nl.strip(),
        description_en=description_en.strip(),
        is_active=is_active,
        sort_order=sort_order,
    )
    fraud_type_check(fraud_type)
    with transaction.atomic():
        if FraudType.objects.filter(code=code).exists():
            raise ConflictError(
                f"Fraudetype '{code}' bestaat al. / Fraud type '{code}' already exists.",
                code="duplicate_fraud_type",
                details={"field": "code"},
            )
        fraud_type.save(force_insert=True)
        audit_record(
            actor=actor,
            action="fraud_type.create",
            object_type="fraud_type",
            object_id=code,
            details={"name_nl": fraud_type.name_nl, "is_active": is_active},
        )
        _after_write()
    return fraud_type


def fraud_type_update(
    *, actor: Actor, fraud_type: FraudType, changes: Mapping[str, Any]
) -> FraudType:
    """Change names, descriptions, order or active flag. The code never changes: other apps'
    rows refer to it. Retire a type by deactivating it."""
    access.require(actor, "knowledge.manage_fraud_types")
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"Niet te wijzigen: {unknown}. / Cannot be changed: {unknown}.",
            code="not_editable",
            field=unknown[0],
        )
    with transaction.atomic():
        locked = FraudType.objects.select_for_update().get(pk=fraud_type.pk)
        changed: dict[str, Any] = {}
        for name, value in changes.items():
            cleaned = value.strip() if isinstance(value, str) else value
            if getattr(locked, name) != cleaned:
                setattr(locked, name, cleaned)
                changed[name] = cleaned
        if not changed:
            return locked
        fraud_type_check(locked)
        locked.save(update_fields=sorted(changed))
        audit_record(
            actor=actor,
            action="fraud_type.update",
            object_type="fraud_type",
            object_id=locked.code,
            details={"changed": sorted(changed)},
        )
        _after_write()
    return locked

"""Reads of the fraud-type taxonomy. The taxonomy is public knowledge: no actor filtering."""

from __future__ import annotations

from typing import TypedDict

from django.core.cache import cache
from django.db.models import QuerySet

from ketenwacht.errors import NotFoundError
from ketenwacht.knowledge.constants import FRAUD_TYPES_CACHE_KEY, FRAUD_TYPES_CACHE_SECONDS
from ketenwacht.knowledge.models import FraudType


class FraudTypeEntry(TypedDict):
    """A fraud type as plain data, in both languages (what the cache and the API hold)."""

    code: str
    name_nl: str
    name_en: str
    description_nl: str
    description_en: str
    sort_order: int


def fraud_type_list(*, include_inactive: bool = False) -> QuerySet[FraudType]:
    """Fraud types in display order; inactive ones only when asked (e.g. for old records)."""
    fraud_types = FraudType.objects.all()
    return fraud_types if include_inactive else fraud_types.filter(is_active=True)


def fraud_type_get(code: str) -> FraudType:
    """One fraud type by code, active or not (records made earlier keep their code)."""
    try:
        return FraudType.objects.get(code=code)
    except FraudType.DoesNotExist:
        raise NotFoundError(
            f"Onbekend fraudetype '{code}'. / Unknown fraud type '{code}'.",
            code="unknown_fraud_type",
        ) from None


def fraud_type_catalogue() -> list[FraudTypeEntry]:
    """The active fraud types as plain data, cached; every write through the services clears
    the cache, so the time-out only bounds staleness after edits made outside them."""
    cached: list[FraudTypeEntry] | None = cache.get(FRAUD_TYPES_CACHE_KEY)
    if cached is not None:
        return cached
    entries = [
        FraudTypeEntry(
            code=fraud_type.code,
            name_nl=fraud_type.name_nl,
            name_en=fraud_type.name_en,
            description_nl=fraud_type.description_nl,
            description_en=fraud_type.description_en,
            sort_order=fraud_type.sort_order,
        )
        for fraud_type in fraud_type_list()
    ]
    cache.set(FRAUD_TYPES_CACHE_KEY, entries, FRAUD_TYPES_CACHE_SECONDS)
    return entries

"""Shapes of the identifiers API, for the OpenAPI schema and for light input checks.

Items of a batch are validated by the services, item by item, so that one bad item gets its
own error instead of failing the request; these serializers describe them.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ketenwacht.identifiers.canonical import KINDS
from ketenwacht.identifiers.constants import (
    MAX_BATCH_ITEMS,
    PUBLIC_LEVEL_CHOICES,
    Confidence,
    IdentifierRole,
    Level,
)


class ItemErrorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable machine code, e.g. `iban_checksum`.")
    detail = serializers.CharField(help_text="Dutch / English message.")
    field = serializers.CharField(required=False)


class IdentifierProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details; ``errors`` lists bad items (``index``) or fields."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    instance = serializers.CharField(required=False)
    # DRF pops declared fields off the class, so the name may shadow Serializer.errors.
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(), required=False
    )


# --- sightings --------------------------------------------------------------------------------


class SightingItemSerializer(serializers.Serializer[Any]):
    value = serializers.CharField(max_length=2048, help_text="The identifier as written.")
    kind = serializers.ChoiceField(
        choices=list(KINDS), required=False, help_text="Detected from the value when omitted."
    )
    fraud_type = serializers.CharField(help_text="A fraud-type code from /api/v1/fraud-types.")
    role = serializers.ChoiceField(choices=IdentifierRole.choices)
    confidence = serializers.ChoiceField(
        choices=Confidence.choices, required=False, default=Confidence.SUSPECTED
    )
    observed_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    sharing_group = serializers.CharField(
        required=False,
        help_text="Slug of the sharing group; optional when exactly one group of your "
        "organisation allows the kind.",
    )


class SightingBatchRequestSerializer(serializers.Serializer[Any]):
    items = serializers.ListField(
        child=SightingItemSerializer(), max_length=MAX_BATCH_ITEMS, min_length=1
    )
    atomic = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Record nothing unless every item is good (also `?atomic=true`).",
    )


class SightingItemResultSerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField()
    ok = serializers.BooleanField()
    sighting_id = serializers.IntegerField(required=False)
    kind = serializers.CharField(required=False)
    display_hint = serializers.CharField(required=False, help_text="Masked form of the value.")
    expires_at = serializers.DateTimeField(required=False)
    allowlisted = serializers.BooleanField(
        required=False, help_text="An official value: recorded, but never given a fraud verdict."
    )
    error = ItemErrorSerializer(required=False)


class SightingBatchResponseSerializer(serializers.Serializer[Any]):
    batch_id = serializers.UUIDField()
    recorded = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = SightingItemResultSerializer(many=True)


class SightingCreatedSerializer(serializers.Serializer[Any]):
    batch_id = serializers.UUIDField()
    sighting_id = serializers.IntegerField()
    kind = serializers.CharField()
    display_hint = serializers.CharField()
    expires_at = serializers.DateTimeField()
    allowlisted = serializers.BooleanField()


# --- checks -----------------------------------------------------------------------------------


class CountsSerializer(serializers.Serializer[Any]):
    suspected = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    police_report = serializers.IntegerField()


class BilingualSerializer(serializers.Serializer[Any]):
    nl = serializers.CharField()
    en = serializers.CharField()


class AllowlistedSerializer(serializers.Serializer[Any]):
    owner = serializers.CharField()
    category = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # popped off the class by DRF


class CheckResultSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=list(KINDS))
    canonical = serializers.CharField(help_text="The canonical form the value was checked as.")
    display = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    organisations = serializers.IntegerField(help_text="Distinct reporting organisations.")
    sightings = serializers.IntegerField()
    counts = CountsSerializer()
    fraud_types = serializers.ListField(child=serializers.CharField())
    first_seen = serializers.DateTimeField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)
    open_disputes = serializers.IntegerField()
    reported_by_you = serializers.BooleanField()
    allowlisted = AllowlistedSerializer(allow_null=True)
    explanation = BilingualSerializer()


class CheckItemSerializer(serializers.Serializer[Any]):
    value = serializers.CharField(max_length=2048)
    kind = serializers.ChoiceField(choices=list(KINDS), required=False)


class ChecksRequestSerializer(serializers.Serializer[Any]):
    items = serializers.ListField(
        child=CheckItemSerializer(), max_length=MAX_BATCH_ITEMS, min_length=1
    )


class CheckItemResultSerializer(CheckResultSerializer):
    """A check result with its ``index``; bad items carry ``ok: false`` and ``error`` only."""

    index = serializers.IntegerField()
    ok = serializers.BooleanField()
    error = ItemErrorSerializer(required=False)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in ("index", "ok"):
                field.required = False
        return fields


class ChecksResponseSerializer(serializers.Serializer[Any]):
    results = CheckItemResultSerializer(many=True)


class PublicCheckSerializer(serializers.Serializer[Any]):
    # ``under_review``: a dispute about the value is open, so no verdict is given.
    level = serializers.ChoiceField(choices=PUBLIC_LEVEL_CHOICES)
    advice = BilingualSerializer()


# --- reveal -----------------------------------------------------------------------------------


class RevealRequestSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500, help_text="Why you need the value (audited).")


class RevealResponseSerializer(serializers.Serializer[Any]):
    pseudonym_id = serializers.IntegerField()
    kind = serializers.CharField()
    value = serializers.CharField()
    display = serializers.CharField()

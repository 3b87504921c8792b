"""Request and response shapes of the cases API (validation of values is the services')."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ketenwacht.cases.constants import (
    MAX_IDENTIFIERS_PER_REPORT,
    REPORT_NUMBER_MAX_LENGTH,
    AgeBand,
)


class IdentifierSerializer(serializers.Serializer[dict[str, object]]):
    value = serializers.CharField(max_length=2048, trim_whitespace=False)
    kind = serializers.CharField(required=False, allow_blank=True, max_length=16)
    role = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="The identifier's part in the fraud, e.g. beneficiary_account.",
    )


class ReportImportSerializer(serializers.Serializer[dict[str, object]]):
    number = serializers.CharField(
        max_length=REPORT_NUMBER_MAX_LENGTH,
        help_text="Your report number. Sending the same number again changes nothing.",
    )
    reported_on = serializers.DateField(help_text="Date of the report.")
    occurred_on = serializers.DateField(required=False, allow_null=True)
    fraud_type = serializers.CharField(max_length=40, help_text="A fraud type code.")
    damage_cents = serializers.IntegerField(min_value=0, help_text="Damage in euro cents.")
    victim_postcode = serializers.CharField(
        max_length=4, help_text="The victim's four-digit postcode (no letters)."
    )
    victim_age_band = serializers.ChoiceField(
        choices=AgeBand.choices, required=False, allow_blank=True
    )
    victim_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Optional: the same reference on several reports counts one victim once "
        "(stored only as a hash).",
    )
    sharing_group = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text="Optional: the sharing group whose agreement records the identifiers as "
        "sightings (needed when your organisation has several).",
    )
    identifiers = serializers.ListField(
        child=IdentifierSerializer(), max_length=MAX_IDENTIFIERS_PER_REPORT
    )


class IdentifierErrorSerializer(serializers.Serializer[dict[str, object]]):
    code = serializers.CharField()
    detail = serializers.CharField()


class IdentifierOutcomeSerializer(serializers.Serializer[dict[str, object]]):
    index = serializers.IntegerField()
    ok = serializers.BooleanField()
    kind = serializers.CharField(required=False)
    display_hint = serializers.CharField(required=False)
    error = IdentifierErrorSerializer(required=False)


class ReportImportResultSerializer(serializers.Serializer[dict[str, object]]):
    report_id = serializers.IntegerField()
    number = serializers.CharField()
    duplicate = serializers.BooleanField()
    identifiers = IdentifierOutcomeSerializer(many=True)
    sightings_recorded = serializers.IntegerField()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # A class attribute "source" would shadow Field.source; the JSON key is "source".
        fields = super().get_fields()
        fields["source"] = serializers.CharField(help_text="police or partner")
        return fields


class SuspectPostcodeSerializer(serializers.Serializer[dict[str, object]]):
    value = serializers.CharField(max_length=100, help_text="The account (IBAN).")
    kind = serializers.CharField(required=False, allow_blank=True, max_length=16)
    postcode = serializers.CharField(max_length=4, help_text="The holder's four-digit postcode.")
    sharing_group = serializers.CharField(
        max_length=80,
        help_text="The sharing group (with police or prosecutor) whose agreement allows this.",
    )


class SuspectPostcodeResultSerializer(serializers.Serializer[dict[str, object]]):
    accepted = serializers.BooleanField()
    expires_at = serializers.DateTimeField()

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ketenwacht.shield.constants import MAX_SMS_BATCH
from ketenwacht.shield.models import Report


class SmsMessageSerializer(serializers.Serializer[dict[str, object]]):
    id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The operator's own reference; repeating it does not store the text twice.",
    )
    # Length is checked per item by the view, so one long text does not fail the batch.
    text = serializers.CharField(trim_whitespace=False, max_length=100_000)


class SmsBatchSerializer(serializers.Serializer[dict[str, object]]):
    messages = serializers.ListField(
        child=SmsMessageSerializer(), min_length=1, max_length=MAX_SMS_BATCH
    )


class SmsResultSerializer(serializers.Serializer[dict[str, object]]):
    index = serializers.IntegerField()
    id = serializers.CharField()
    reference = serializers.UUIDField()
    verdict = serializers.CharField()
    urls = serializers.IntegerField()
    status_url = serializers.URLField()
    duplicate = serializers.BooleanField()


class SmsErrorSerializer(serializers.Serializer[dict[str, object]]):
    index = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()


class SmsBatchResultSerializer(serializers.Serializer[dict[str, object]]):
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = SmsResultSerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # A class attribute "errors" would shadow Serializer.errors; the JSON key is "errors".
        fields = super().get_fields()
        fields["errors"] = SmsErrorSerializer(many=True)
        return fields


class PartnerReportSerializer(serializers.ModelSerializer[Report]):
    class Meta:
        model = Report
        fields = ["reference", "external_id", "channel", "received_at", "verdict", "verdict_at"]

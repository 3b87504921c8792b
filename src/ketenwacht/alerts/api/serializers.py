"""Alert JSON: what members read through the API (never raw identifier values)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ketenwacht.alerts.constants import (
    BODY_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    WITHDRAW_REASON_MAX,
    ContactChannel,
    JourneyPhase,
)
from ketenwacht.alerts.models import Alert, AlertIndicator
from ketenwacht.alerts.rendering import render_markdown
from ketenwacht.partners.constants import Marking


class IndicatorSerializer(serializers.ModelSerializer[AlertIndicator]):
    pseudonym = serializers.SerializerMethodField(
        help_text="Keyed pseudonym 'v<key version>:<hex HMAC-SHA256>'; equal values match."
    )

    class Meta:
        model = AlertIndicator
        fields = ["kind", "pseudonym", "display_hint", "note"]

    def get_pseudonym(self, indicator: AlertIndicator) -> str:
        return indicator.pseudonym.reference


class NamedRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FindingSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    kind = serializers.CharField()
    hint = serializers.CharField()


class AlertSerializer(serializers.ModelSerializer[Alert]):
    id = serializers.UUIDField(source="uuid", read_only=True)
    quick_flag = serializers.BooleanField(source="is_quick_flag", read_only=True)
    body_markdown = serializers.CharField(source="body", read_only=True)
    body_html = serializers.SerializerMethodField(help_text="The body as sanitised HTML.")
    fraud_type = serializers.CharField(source="fraud_type_id", allow_null=True, read_only=True)
    tlp = serializers.SerializerMethodField()
    group = serializers.SerializerMethodField()
    author_organisation = serializers.SerializerMethodField()
    indicators = IndicatorSerializer(many=True, read_only=True)
    personal_data_findings = serializers.SerializerMethodField(
        help_text="For the author organisation: what blocks sharing until resolved."
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "version",
            "status",
            "quick_flag",
            "title",
            "summary",
            "body_markdown",
            "body_html",
            "fraud_type",
            "phases",
            "channels",
            "marking",
            "tlp",
            "group",
            "author_organisation",
            "is_public",
            "indicators",
            "shared_at",
            "updated_at",
            "withdrawn_reason",
            "personal_data_findings",
        ]
        read_only_fields = fields

    def get_body_html(self, alert: Alert) -> str:
        return str(render_markdown(alert.body))

    def get_tlp(self, alert: Alert) -> str:
        return f"TLP:{alert.marking}"

    @extend_schema_field(NamedRefSerializer)
    def get_group(self, alert: Alert) -> dict[str, Any]:
        return {"id": alert.group_id, "name": alert.group.name}

    @extend_schema_field(NamedRefSerializer)
    def get_author_organisation(self, alert: Alert) -> dict[str, Any]:
        return {"id": alert.author_organisation_id, "name": alert.author_organisation.name}

    @extend_schema_field(FindingSerializer(many=True))
    def get_personal_data_findings(self, alert: Alert) -> list[dict[str, str]]:
        from ketenwacht.alerts.selectors import alert_pii_findings

        if alert.author_organisation_id != self.context.get("organisation_id"):
            return []
        return [
            {"field": f.field, "kind": f.kind, "hint": f.masked} for f in alert_pii_findings(alert)
        ]


class AlertCreateSerializer(serializers.Serializer[Any]):
    group = serializers.IntegerField(help_text="A sharing group your organisation belongs to.")
    title = serializers.CharField(max_length=TITLE_MAX)
    summary = serializers.CharField(max_length=SUMMARY_MAX, required=False, allow_blank=True)
    body = serializers.CharField(
        max_length=BODY_MAX, required=False, allow_blank=True, help_text="Markdown."
    )
    fraud_type = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    phases = serializers.ListField(
        child=serializers.ChoiceField(choices=JourneyPhase.values), required=False
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactChannel.values), required=False
    )
    marking = serializers.ChoiceField(
        choices=Marking.choices,
        required=False,
        help_text="TLP 2.0. RED is for named people and can only be written in the portal.",
    )


class AlertUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    summary = serializers.CharField(max_length=SUMMARY_MAX, required=False, allow_blank=True)
    body = serializers.CharField(max_length=BODY_MAX, required=False, allow_blank=True)
    fraud_type = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    phases = serializers.ListField(
        child=serializers.ChoiceField(choices=JourneyPhase.values), required=False
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactChannel.values), required=False
    )
    marking = serializers.ChoiceField(choices=Marking.choices, required=False)


class WithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=WITHDRAW_REASON_MAX)

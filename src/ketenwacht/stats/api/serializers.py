from __future__ import annotations

from rest_framework import serializers

from ketenwacht.stats.figures import MAX_ROWS
from ketenwacht.stats.models import PartnerFigure


class FigureBatchSerializer(serializers.Serializer[dict[str, object]]):
    replace = serializers.BooleanField(
        default=False, help_text="Replace months already delivered (a correction)."
    )
    # Rows are validated one by one against the declared schema (GET stats/figures/schema).
    figures = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_ROWS
    )


class RowErrorSerializer(serializers.Serializer[dict[str, object]]):
    row = serializers.IntegerField(help_text="1-based position in the batch (CSV: line - 1)")
    field = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField()


class SubmissionResultSerializer(serializers.Serializer[dict[str, object]]):
    submission = serializers.UUIDField()
    accepted = serializers.IntegerField()
    replaced = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


class PartnerFigureSerializer(serializers.ModelSerializer[PartnerFigure]):
    period = serializers.SerializerMethodField()
    damage_eur = serializers.SerializerMethodField()
    prevented_eur = serializers.SerializerMethodField()

    class Meta:
        model = PartnerFigure
        fields = ["period", "fraud_form", "incidents", "damage_eur", "prevented_eur", "extra"]

    def get_period(self, obj: PartnerFigure) -> str:
        return obj.period.strftime("%Y-%m")

    def get_damage_eur(self, obj: PartnerFigure) -> str | None:
        return None if obj.damage_cents is None else f"{obj.damage_cents / 100:.2f}"

    def get_prevented_eur(self, obj: PartnerFigure) -> str | None:
        return None if obj.prevented_cents is None else f"{obj.prevented_cents / 100:.2f}"


class SchemaColumnSerializer(serializers.Serializer[dict[str, object]]):
    name = serializers.CharField()
    kind = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    description = serializers.CharField()

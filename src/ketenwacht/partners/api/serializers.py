from typing import Any

from rest_framework import serializers

from ketenwacht.partners.models import DataSharingAgreement, Organisation, SharingGroup


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = ["id", "name", "slug", "sector", "kvk_number", "website"]


class AgreementSerializer(serializers.ModelSerializer[DataSharingAgreement]):
    class Meta:
        model = DataSharingAgreement
        fields = [
            "version",
            "purpose",
            "legal_basis",
            "allowed_kinds",
            "raw_value_roles",
            "retention_days",
            "warning_thresholds",
            "victim_feedback",
            "valid_from",
            "valid_to",
        ]


class SharingGroupSerializer(serializers.ModelSerializer[SharingGroup]):
    agreement = serializers.SerializerMethodField()

    class Meta:
        model = SharingGroup
        fields = ["id", "name", "slug", "description", "agreement"]

    def get_agreement(self, group: SharingGroup) -> dict[str, Any] | None:
        agreement = self.context["agreements"].get(group.pk)
        return AgreementSerializer(agreement).data if agreement else None

"""The cases API: police and partners push reports; banks supply suspects' postcode areas."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.cases import services
from ketenwacht.cases.api.serializers import (
    ReportImportResultSerializer,
    ReportImportSerializer,
    SuspectPostcodeResultSerializer,
    SuspectPostcodeSerializer,
)
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.permissions import TokenHasScope


class ReportImportView(APIView):
    """``POST /api/v1/cases/reports``: one police report (police or prosecutor token) or
    incident report (other partners). Identifiers are pseudonymised like every sighting and
    link the report to others; a bad identifier gets its own error and the rest still count.
    The same number again is idempotent: ``200`` with ``duplicate: true``."""

    permission_classes = [TokenHasScope]
    required_scope = Scope.CASES_REPORT

    @extend_schema(
        operation_id="cases_report_import",
        summary="Push a police report or incident report",
        request=ReportImportSerializer,
        responses={201: ReportImportResultSerializer, 200: ReportImportResultSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = ReportImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.case_report_import(
            actor=access.actor_from_request(request),
            number=data["number"],
            reported_on=data["reported_on"],
            occurred_on=data.get("occurred_on"),
            fraud_type=data["fraud_type"],
            damage_cents=data["damage_cents"],
            postcode4=data["victim_postcode"],
            age_band=data.get("victim_age_band", ""),
            victim_reference=data.get("victim_reference", ""),
            sharing_group=data.get("sharing_group") or None,
            identifiers=data["identifiers"],
        )
        return Response(result.as_dict(), status=200 if result.duplicate else 201)


class SuspectPostcodeView(APIView):
    """``POST /api/v1/cases/suspect-postcodes``: a bank states the four-digit postcode of an
    account holder, under the agreement of a sharing group it shares with the police or
    prosecutor. Used only to route clusters naming that account."""

    permission_classes = [TokenHasScope]
    required_scope = Scope.CASES_SUSPECT_POSTCODE

    @extend_schema(
        operation_id="cases_suspect_postcode",
        summary="Supply an account holder's postcode area for routing",
        request=SuspectPostcodeSerializer,
        responses={200: SuspectPostcodeResultSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = SuspectPostcodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        location = services.suspect_postcode_supply(
            actor=access.actor_from_request(request),
            value=data["value"],
            kind=data.get("kind") or None,
            postcode4=data["postcode"],
            sharing_group=data["sharing_group"],
        )
        return Response({"accepted": True, "expires_at": location.expires_at})

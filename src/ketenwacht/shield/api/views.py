"""The shield's API: the block list for DNS operators, SMS batches from telecom operators."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.errors import DomainError, ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.permissions import TokenHasScope
from ketenwacht.shield import exports, selectors, services
from ketenwacht.shield.api.serializers import (
    PartnerReportSerializer,
    SmsBatchResultSerializer,
    SmsBatchSerializer,
)
from ketenwacht.shield.constants import MAX_SMS_CHARS, Channel
from ketenwacht.shield.models import Report
from ketenwacht.shield.notify import status_url

CONTENT_TYPES = {
    "rpz": "text/dns; charset=us-ascii",
    "domains": "text/plain; charset=us-ascii",
    "hosts": "text/plain; charset=us-ascii",
}


def _etag_matches(header: str, etag: str) -> bool:
    candidates = {item.strip().removeprefix("W/") for item in header.split(",")}
    return etag in candidates or "*" in candidates


class RpzExportView(APIView):
    """``GET /api/v1/shield/rpz``: the listed blocks as an RPZ zone (default), a domain list or
    a hosts file (``?kind=domains|hosts``). Conditional: send the last ``ETag`` in
    ``If-None-Match`` to get a 304."""

    permission_classes = [TokenHasScope]
    required_scope = Scope.SHIELD_RPZ

    @extend_schema(
        operation_id="shield_rpz_export",
        summary="Download the block list (RPZ zone, domain list or hosts file)",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(exports.FORMATS), default="rpz"),
        ],
        responses={
            (200, "text/dns"): OpenApiResponse(OpenApiTypes.STR, description="The zone file"),
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="List or hosts"),
            304: OpenApiResponse(description="Unchanged since the given ETag"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        # Not "format": DRF reserves that query parameter for choosing a renderer.
        fmt = request.query_params.get("kind", "rpz")
        if fmt not in exports.FORMATS:
            raise ValidationFailed(
                f"Onbekende soort '{fmt}'; kies rpz, domains of hosts. / Unknown kind "
                f"'{fmt}'; choose rpz, domains or hosts.",
                code="unknown_kind",
                field="kind",
            )
        text, etag = exports.render(fmt)
        if _etag_matches(request.headers.get("If-None-Match", ""), etag):
            response: HttpResponse = HttpResponseNotModified()
        else:
            response = HttpResponse(text, content_type=CONTENT_TYPES[fmt])
            response["Content-Disposition"] = f'inline; filename="ketenwacht-shield.{fmt}"'
        response["ETag"] = etag
        patch_cache_control(response, private=True, no_cache=True)
        return response


class SmsReportBatchView(APIView):
    """``POST /api/v1/shield/sms-reports``: a telecom operator forwards reported SMS texts.

    Each message is handled on its own: bad items get an error, good ones are triaged. A
    message whose ``id`` the organisation sent before is not stored twice: the first report's
    reference comes back with ``duplicate: true``.
    """

    permission_classes = [TokenHasScope]
    required_scope = Scope.SHIELD_SUBMIT

    @extend_schema(
        operation_id="shield_sms_reports_create",
        summary="Forward a batch of reported SMS texts",
        request=SmsBatchSerializer,
        responses={200: SmsBatchResultSerializer, 422: SmsBatchResultSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        serializer = SmsBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        context = services.TriageContext.load()
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(serializer.validated_data["messages"]):
            try:
                results.append(self._one(request, actor, index, item, context))
            except DomainError as error:
                errors.append({"index": index, "code": error.code, "detail": str(error.message)})
        body = {"accepted": len(results), "rejected": len(errors), "results": results}
        body["errors"] = errors
        return Response(body, status=200 if results or not errors else 422)

    def _one(
        self,
        request: Request,
        actor: access.Actor,
        index: int,
        item: dict[str, Any],
        context: services.TriageContext,
    ) -> dict[str, Any]:
        external_id = item.get("id", "")
        existing = (
            Report.objects.filter(organisation=actor.organisation, external_id=external_id).first()
            if external_id
            else None
        )
        if existing is not None:
            report, duplicate = existing, True
        else:
            if len(item["text"]) > MAX_SMS_CHARS:
                raise ValidationFailed(
                    f"Een sms-tekst is hoogstens {MAX_SMS_CHARS} tekens. / An SMS text has at "
                    f"most {MAX_SMS_CHARS} characters.",
                    code="sms_too_long",
                )
            report = services.report_receive(
                actor=actor,
                channel=Channel.SMS,
                text=item["text"],
                organisation=actor.organisation,
                external_id=external_id,
                context=context,
            )
            duplicate = False
        return {
            "index": index,
            "id": external_id,
            "reference": str(report.reference),
            "verdict": report.verdict,
            "urls": report.links.count(),
            "status_url": status_url(report),
            "duplicate": duplicate,
        }


class PartnerReportView(APIView):
    """``GET /api/v1/shield/reports/{reference}``: the verdict on a report the organisation
    forwarded."""

    permission_classes = [TokenHasScope]
    required_scope = Scope.SHIELD_SUBMIT

    @extend_schema(operation_id="shield_report_get", responses=PartnerReportSerializer)
    def get(self, request: Request, reference: str) -> Response:
        actor = access.actor_from_request(request)
        report = selectors.partner_report(actor=actor, reference=reference)
        return Response(PartnerReportSerializer(report).data)

"""/api/v1/alerts/exchange/…: STIX 2.1 bundle, MISP feed, MISP event import.

- ``GET alerts/exchange/stix`` — every alert the token may pass on as one STIX 2.1 bundle.
  ``audience=community`` (default) is the ``export`` route: CLEAR and GREEN only, because a
  bundle may be synchronised onward; ``audience=organisation`` is the ``api`` route (up to
  AMBER+STRICT, for the organisation's own systems). RED never leaves.
- ``GET alerts/exchange/misp/manifest.json``, ``…/hashes.csv``, ``…/<event uuid>.json`` — a
  MISP feed (CLEAR and GREEN only) a MISP instance can fetch with the token in a header.
- ``POST alerts/exchange/misp/import?group=<id>[&fraud_type=<code>]`` — one MISP event JSON
  becomes a draft alert of the caller's organisation; every problem is an item of the
  problem's ``errors`` (``field`` is the place in the event) and nothing is imported.

Reading needs ``alerts:read`` (or ``alerts:write``), importing ``alerts:write``. Every response
carrying alert content writes an audit row.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ketenwacht.alerts.api.serializers import AlertSerializer
from ketenwacht.alerts.api.views import AlertApiView, _context, _group_of
from ketenwacht.alerts.exchange import misp, misp_import, stix
from ketenwacht.alerts.models import Alert
from ketenwacht.api.problems import problem
from ketenwacht.audit.services import audit_record
from ketenwacht.errors import NotFoundError, ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor

STIX_CONTENT_TYPE = "application/stix+json;version=2.1"
AUDIENCE_ROUTES = {"community": "export", "organisation": "api"}


class StixRenderer(JSONRenderer):
    media_type = "application/stix+json"
    format = "stix"


class CsvRenderer(JSONRenderer):
    media_type = "text/csv"
    format = "csv"


def _audit_export(actor: Actor, alerts: list[Alert], *, route: str, form: str) -> None:
    if not alerts:
        return
    audit_record(
        actor=actor,
        action="alert.export",
        object_type="alert",
        details={"route": route, "format": form, "alerts": [str(a.uuid) for a in alerts]},
    )


def _json(data: Any, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=content_type)


@extend_schema(tags=["alerts"])
class StixBundleView(AlertApiView):
    renderer_classes = [JSONRenderer, StixRenderer]
    pagination_class = None

    @extend_schema(
        operation_id="alerts_exchange_stix",
        parameters=[
            OpenApiParameter(
                "audience",
                OpenApiTypes.STR,
                enum=list(AUDIENCE_ROUTES),
                description="community (default): CLEAR and GREEN; organisation: up to "
                "AMBER+STRICT, for your own systems. Never RED.",
            ),
            OpenApiParameter(
                "updated_after", OpenApiTypes.DATETIME, description="Only alerts changed since."
            ),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="A STIX 2.1 bundle.")},
    )
    def get(self, request: Request) -> HttpResponse:
        actor = access.actor_from_request(request)
        audience = request.query_params.get("audience", "community")
        if audience not in AUDIENCE_ROUTES:
            raise ValidationFailed(
                "audience is community of organisation. / audience is community or organisation.",
                code="invalid",
                field="audience",
            )
        route = AUDIENCE_ROUTES[audience]
        alerts = stix.exportable_alerts(actor=actor, route=route)
        raw_after = request.query_params.get("updated_after")
        if raw_after:
            after = parse_datetime(raw_after)
            if after is None:
                raise ValidationFailed(
                    "updated_after is geen tijdstip. / updated_after is not a timestamp.",
                    code="invalid",
                    field="updated_after",
                )
            alerts = alerts.filter(updated_at__gt=after)
        selected = list(alerts.order_by("updated_at", "id"))
        _audit_export(actor, selected, route=route, form="stix")
        return _json(stix.bundle(stix.bundle_objects(selected)), STIX_CONTENT_TYPE)


@extend_schema(tags=["alerts"])
class MispManifestView(AlertApiView):
    pagination_class = None

    @extend_schema(
        operation_id="alerts_exchange_misp_manifest",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="MISP manifest.json")},
    )
    def get(self, request: Request) -> HttpResponse:
        actor = access.actor_from_request(request)
        alerts = list(stix.exportable_alerts(actor=actor, route="export"))
        manifest = {}
        for alert in alerts:
            manifest.update({str(alert.uuid): misp.manifest_entry(misp.event_of(alert))})
        _audit_export(actor, alerts, route="export", form="misp-manifest")
        return _json(manifest)


@extend_schema(tags=["alerts"])
class MispHashesView(AlertApiView):
    renderer_classes = [CsvRenderer, JSONRenderer]
    pagination_class = None

    @extend_schema(
        operation_id="alerts_exchange_misp_hashes",
        responses={200: OpenApiResponse(OpenApiTypes.STR, description="MISP hashes.csv")},
    )
    def get(self, request: Request) -> HttpResponse:
        actor = access.actor_from_request(request)
        alerts = list(stix.exportable_alerts(actor=actor, route="export"))
        lines = [line for alert in alerts for line in misp.hashes_lines(misp.event_of(alert))]
        _audit_export(actor, alerts, route="export", form="misp-hashes")
        # md5 hex and a UUID only: nothing a spreadsheet could take for a formula
        return HttpResponse("".join(f"{line}\n" for line in lines), content_type="text/csv")


@extend_schema(tags=["alerts"])
class MispEventView(AlertApiView):
    pagination_class = None

    @extend_schema(
        operation_id="alerts_exchange_misp_event",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="One MISP event.")},
    )
    def get(self, request: Request, event_id: Any) -> HttpResponse:
        actor = access.actor_from_request(request)
        alert = stix.exportable_alerts(actor=actor, route="export").filter(uuid=event_id).first()
        if alert is None:
            raise NotFoundError("Melding niet gevonden. / Alert not found.", code="alert_not_found")
        _audit_export(actor, [alert], route="export", form="misp-event")
        return _json(misp.event_of(alert))


@extend_schema(tags=["alerts"])
class MispImportView(AlertApiView):
    pagination_class = None

    @extend_schema(
        operation_id="alerts_exchange_misp_import",
        parameters=[
            OpenApiParameter("group", OpenApiTypes.INT, required=True),
            OpenApiParameter("fraud_type", OpenApiTypes.STR),
        ],
        request=OpenApiTypes.OBJECT,
        responses={201: AlertSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        try:
            group_id = int(request.query_params.get("group", ""))
        except ValueError:
            raise ValidationFailed(
                "Geef de deelgroep (group). / Give the sharing group (group).",
                code="required",
                field="group",
            ) from None
        group = _group_of(actor, group_id)
        try:
            alert = misp_import.misp_event_import(
                actor=actor,
                group=group,
                payload=request.data,
                fraud_type=request.query_params.get("fraud_type") or None,
            )
        except misp_import.MispImportError as error:
            errors = [
                {"field": item["path"], "code": error.code, "detail": item["error"]}
                for item in error.details.get("errors", [])
            ]
            return problem(
                400, error.code, str(error.message), errors=errors, instance=request.path
            )
        alert = Alert.objects.prefetch_related("indicators__pseudonym").get(pk=alert.pk)
        return Response(AlertSerializer(alert, context=_context(actor)).data, status=201)

"""TAXII 2.1 (read side) at ``/taxii2/``: discovery, API root, collections, objects, manifest.

One collection per sharing group the token's organisation belongs to; its id is derived from
the group's slug. Reading is the ``api`` route (up to AMBER+STRICT, never RED) and needs
``alerts:read`` (or ``alerts:write``). Objects are the STIX objects of ``stix.py``; their
"date added" is the alert's ``updated_at``, so paging and ``added_after`` work per alert: a
page holds whole alerts, ``limit`` counts alerts, ``next`` is the offset of the next alert.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.alerts.exchange import stix
from ketenwacht.alerts.models import Alert
from ketenwacht.audit.services import audit_record
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.models import SharingGroup
from ketenwacht.partners.permissions import TokenHasScope

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class TaxiiRenderer(JSONRenderer):
    media_type = "application/taxii+json"
    format = "taxii"


class TaxiiView(APIView):
    # TAXII 2.1 is its own specification, not part of the /api/v1 OpenAPI document.
    schema = None
    permission_classes = [TokenHasScope]
    renderer_classes = [TaxiiRenderer]

    @property
    def required_scope(self) -> str:
        actor = access.actor_from_request(self.request)
        if Scope.ALERTS_WRITE in actor.scopes:
            return Scope.ALERTS_WRITE
        return Scope.ALERTS_READ

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code < 400:
            response.content_type = TAXII_MEDIA_TYPE  # used when the response renders
        return response


def collection_id(group: SharingGroup) -> str:
    return str(stix.stable_uuid(f"taxii-collection/{group.slug}"))


def _collection(group: SharingGroup) -> dict[str, Any]:
    return {
        "id": collection_id(group),
        "title": group.name,
        "description": group.description,
        "can_read": True,
        "can_write": False,
        "media_types": [TAXII_MEDIA_TYPE],
    }


def _groups(request: Request) -> list[SharingGroup]:
    actor = access.actor_from_request(request)
    if actor.organisation is None:
        return []
    return list(actor.organisation.sharing_groups.order_by("name"))


def _group(request: Request, collection: object) -> SharingGroup:
    for group in _groups(request):
        if collection_id(group) == str(collection):
            return group
    raise NotFound("Unknown collection.")


class DiscoveryView(TaxiiView):
    def get(self, request: Request) -> Response:
        root = request.build_absolute_uri("api/")
        return Response(
            {"title": "Ketenwacht TAXII", "default": root, "api_roots": [root]},
        )


class ApiRootView(TaxiiView):
    def get(self, request: Request) -> Response:
        return Response(
            {
                "title": "Ketenwacht alerts",
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": 10_485_760,
            }
        )


class CollectionsView(TaxiiView):
    def get(self, request: Request) -> Response:
        return Response({"collections": [_collection(g) for g in _groups(request)]})


class CollectionView(TaxiiView):
    def get(self, request: Request, collection: object) -> Response:
        return Response(_collection(_group(request, collection)))


def _page(request: Request, group: SharingGroup) -> tuple[list[Alert], str | None]:
    actor = access.actor_from_request(request)
    alerts = stix.exportable_alerts(actor=actor, route="api").filter(group=group)
    added_after = request.query_params.get("added_after")
    if added_after:
        moment = parse_datetime(added_after)
        if moment is None:
            raise ParseError("added_after is not a timestamp.")
        # dates are published at millisecond precision: "after T" is from T + 1 ms on
        alerts = alerts.filter(updated_at__gte=moment + timedelta(milliseconds=1))
    try:
        limit = min(int(request.query_params.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        offset = int(request.query_params.get("next", 0))
    except ValueError:
        raise ParseError("limit and next are numbers.") from None
    if limit < 1 or offset < 0:
        raise ParseError("limit and next are positive.")
    ordered = alerts.order_by("updated_at", "id")
    page = list(ordered[offset : offset + limit + 1])
    more = len(page) > limit
    return page[:limit], str(offset + limit) if more else None


def _dated(response: Response, alerts: list[Alert]) -> Response:
    if alerts:
        response["X-TAXII-Date-Added-First"] = stix.timestamp(alerts[0].updated_at)
        response["X-TAXII-Date-Added-Last"] = stix.timestamp(alerts[-1].updated_at)
    return response


def _audit(request: Request, group: SharingGroup, alerts: list[Alert], action: str) -> None:
    audit_record(
        actor=access.actor_from_request(request),
        action=action,
        object_type="sharing_group",
        object_id=str(group.pk),
        purpose="taxii",
        details={"alerts": [str(alert.uuid) for alert in alerts]},
    )


class ObjectsView(TaxiiView):
    def get(self, request: Request, collection: object) -> Response:
        group = _group(request, collection)
        alerts, next_offset = _page(request, group)
        types = set(request.query_params.getlist("match[type]"))
        objects = list(stix.bundle_objects(alerts)) if alerts else []
        if types:
            objects = [obj for obj in objects if obj["type"] in types]
        envelope: dict[str, Any] = {"more": next_offset is not None, "objects": objects}
        if next_offset is not None:
            envelope["next"] = next_offset
        _audit(request, group, alerts, "alert.taxii_read")
        return _dated(Response(envelope), alerts)


class ManifestView(TaxiiView):
    def get(self, request: Request, collection: object) -> Response:
        group = _group(request, collection)
        alerts, next_offset = _page(request, group)
        entries = []
        for alert in alerts:
            for obj in stix.alert_objects(alert):
                entries.append(
                    {
                        "id": obj["id"],
                        "date_added": stix.timestamp(alert.updated_at),
                        "version": obj["modified"],
                        "media_type": "application/stix+json;version=2.1",
                    }
                )
        envelope: dict[str, Any] = {"more": next_offset is not None, "objects": entries}
        if next_offset is not None:
            envelope["next"] = next_offset
        return _dated(Response(envelope), alerts)

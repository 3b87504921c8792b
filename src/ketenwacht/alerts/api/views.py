"""/api/v1/alerts: list and create drafts, read, edit, share and withdraw.

Reading needs ``alerts:read`` (or ``alerts:write``); writing ``alerts:write``. A token is an
organisation's system, not a named person: it never sees TLP:RED (see ``partners.access``).
Every response that carries alert content writes an audit row (a disclosure).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from ketenwacht.alerts import selectors, services
from ketenwacht.alerts.api.serializers import (
    AlertCreateSerializer,
    AlertSerializer,
    AlertUpdateSerializer,
    WithdrawSerializer,
)
from ketenwacht.alerts.models import Alert
from ketenwacht.audit.services import audit_record
from ketenwacht.errors import NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.models import SharingGroup
from ketenwacht.partners.permissions import TokenHasScope

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AlertApiView(GenericAPIView[Alert]):
    """``alerts:read`` to read (``alerts:write`` implies it), ``alerts:write`` to change."""

    permission_classes = [TokenHasScope]
    serializer_class = AlertSerializer

    @property
    def required_scope(self) -> str:
        if self.request.method in READ_METHODS:
            actor = access.actor_from_request(self.request)
            if Scope.ALERTS_WRITE in actor.scopes:
                return Scope.ALERTS_WRITE
            return Scope.ALERTS_READ
        return Scope.ALERTS_WRITE


def _context(actor: Actor) -> dict[str, Any]:
    return {"organisation_id": actor.organisation.pk if actor.organisation else None}


def _group_of(actor: Actor, group_id: int) -> SharingGroup:
    group = SharingGroup.objects.filter(pk=group_id).first()
    if group is None or not access.is_member(actor, group.pk):
        raise NotFoundError("Onbekende deelgroep. / Unknown sharing group.", code="unknown_group")
    return group


def _alert(actor: Actor, alert_id: Any) -> Alert:
    return selectors.alert_get(actor=actor, alert_id=alert_id)


@extend_schema(tags=["alerts"])
class AlertListCreateView(AlertApiView):
    @extend_schema(
        operation_id="alerts_list",
        parameters=[
            OpenApiParameter("fraud_type", OpenApiTypes.STR),
            OpenApiParameter("marking", OpenApiTypes.STR),
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR, description="Search title and summary."),
        ],
        responses=AlertSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        params = request.query_params
        alerts = selectors.alert_list(
            actor=actor,
            fraud_type=params.get("fraud_type", ""),
            marking=params.get("marking", ""),
            status=params.get("status", ""),
            search=params.get("q", ""),
        ).prefetch_related("indicators__pseudonym")
        page = self.paginate_queryset(alerts)
        items = list(page) if page is not None else list(alerts)
        if items:
            audit_record(
                actor=actor,
                action="alert.list",
                object_type="alert",
                details={"route": "api", "alerts": [str(alert.uuid) for alert in items]},
            )
        data = AlertSerializer(items, many=True, context=_context(actor)).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="alerts_create",
        request=AlertCreateSerializer,
        responses={201: AlertSerializer},
    )
    def post(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        incoming = AlertCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        group = _group_of(actor, data.pop("group"))
        alert = services.alert_create(actor=actor, group=group, **data)
        return Response(
            AlertSerializer(alert, context=_context(actor)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["alerts"])
class AlertDetailView(AlertApiView):
    @extend_schema(operation_id="alerts_retrieve", responses=AlertSerializer)
    def get(self, request: Request, alert_id: Any) -> Response:
        actor = access.actor_from_request(request)
        alert = _alert(actor, alert_id)
        services.alert_record_disclosure(actor=actor, alert=alert, route="api")
        return Response(AlertSerializer(alert, context=_context(actor)).data)

    @extend_schema(
        operation_id="alerts_update", request=AlertUpdateSerializer, responses=AlertSerializer
    )
    def patch(self, request: Request, alert_id: Any) -> Response:
        actor = access.actor_from_request(request)
        alert = _alert(actor, alert_id)
        incoming = AlertUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        alert = services.alert_update(actor=actor, alert=alert, **incoming.validated_data)
        return Response(AlertSerializer(alert, context=_context(actor)).data)


@extend_schema(tags=["alerts"])
class AlertShareView(AlertApiView):
    @extend_schema(operation_id="alerts_share", request=None, responses=AlertSerializer)
    def post(self, request: Request, alert_id: Any) -> Response:
        actor = access.actor_from_request(request)
        alert = services.alert_share(actor=actor, alert=_alert(actor, alert_id))
        return Response(AlertSerializer(alert, context=_context(actor)).data)


@extend_schema(tags=["alerts"])
class AlertWithdrawView(AlertApiView):
    @extend_schema(
        operation_id="alerts_withdraw", request=WithdrawSerializer, responses=AlertSerializer
    )
    def post(self, request: Request, alert_id: Any) -> Response:
        actor = access.actor_from_request(request)
        incoming = WithdrawSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        alert = services.alert_withdraw(
            actor=actor, alert=_alert(actor, alert_id), reason=incoming.validated_data["reason"]
        )
        return Response(AlertSerializer(alert, context=_context(actor)).data)

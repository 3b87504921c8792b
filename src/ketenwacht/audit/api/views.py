"""The token's organisation's own audit events, newest first."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from ketenwacht.audit import selectors
from ketenwacht.audit.api.serializers import AuditEventSerializer
from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.permissions import TokenHasScope


class AuditEventListView(ListAPIView[AuditEvent]):
    permission_classes = [TokenHasScope]
    required_scope = Scope.AUDIT_READ
    serializer_class = AuditEventSerializer

    @extend_schema(
        operation_id="audit_events_list",
        parameters=[
            OpenApiParameter(
                "action",
                OpenApiTypes.STR,
                description="Only events whose action starts with this.",
            ),
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="Only events with an id above this one."
            ),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AuditEvent]:
        events = selectors.audit_event_list(actor=access.actor_from_request(self.request))
        action = self.request.query_params.get("action", "").strip()
        if action:
            events = events.filter(action__startswith=action)
        after = self.request.query_params.get("after", "").strip()
        if after:
            if not (after.isascii() and after.isdigit()):
                raise ValidationError(
                    {"after": ["Verwacht een getal. / Expected a whole number."]}, code="invalid"
                )
            events = events.filter(pk__gt=int(after))
        return events

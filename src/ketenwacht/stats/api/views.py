"""The statistics API: partners deliver and read back their own monthly figures."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.api.pagination import Pagination
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.permissions import PublicEndpoint, TokenHasScope
from ketenwacht.stats import selectors, services
from ketenwacht.stats.api.serializers import (
    FigureBatchSerializer,
    PartnerFigureSerializer,
    SchemaColumnSerializer,
    SubmissionResultSerializer,
)
from ketenwacht.stats.figures import SCHEMA


def _result_body(result: services.SubmissionResult) -> dict[str, Any]:
    return {
        "submission": str(result.submission.pk) if result.submission else None,
        "accepted": result.accepted,
        "replaced": result.replaced,
        "rejected": len({error["row"] for error in result.errors}),
        "errors": result.errors,
    }


class FigureListView(GenericAPIView):
    """``GET``: your organisation's figures (paginated). ``POST``: deliver monthly figures as
    JSON (``{"figures": [...], "replace": false}``) or as a CSV body (``Content-Type:
    text/csv``; ``?replace=true`` for corrections). Bad rows get per-row errors; the good rows
    are stored. 422 when no row was accepted."""

    permission_classes = [TokenHasScope]
    required_scope = Scope.STATS_FIGURES
    pagination_class = Pagination  # the schema then documents the paginated envelope
    serializer_class = PartnerFigureSerializer

    @extend_schema(
        operation_id="stats_figures_list",
        summary="Your organisation's monthly figures",
        responses={200: PartnerFigureSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        page = self.paginate_queryset(selectors.own_figures(actor=actor))
        return self.get_paginated_response(PartnerFigureSerializer(page, many=True).data)

    @extend_schema(
        operation_id="stats_figures_submit",
        summary="Deliver monthly figures (JSON or CSV)",
        request={"application/json": FigureBatchSerializer, "text/csv": OpenApiTypes.STR},
        responses={
            200: SubmissionResultSerializer,
            422: OpenApiResponse(SubmissionResultSerializer, description="No row accepted"),
        },
    )
    def post(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        if (request.content_type or "").startswith("text/csv"):
            replace = request.query_params.get("replace", "").lower() in {"1", "true", "yes"}
            result = services.figures_submit_csv(
                actor=actor, data=request.body, filename="api.csv", replace=replace
            )
        else:
            serializer = FigureBatchSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            result = services.figures_submit(
                actor=actor,
                rows=serializer.validated_data["figures"],
                replace=serializer.validated_data["replace"],
            )
        body = _result_body(result)
        return Response(body, status=200 if result.accepted or not result.errors else 422)


class FigureSchemaView(APIView):
    """The declared schema of partner figures: columns, kinds, which are required."""

    permission_classes = [PublicEndpoint]

    @extend_schema(
        operation_id="stats_figures_schema",
        summary="Schema of partner figures",
        responses={200: SchemaColumnSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "name": str(c.name),
                    "kind": c.kind,
                    "required": c.required,
                    "description": c.description,
                }
                for c in SCHEMA
            ]
        )

"""Partner API for sightings and checks, the public check, and reveals. Thin: parse, call one
service, render."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.api.problems import problem
from ketenwacht.api.renderers import FastJSONRenderer
from ketenwacht.errors import ValidationFailed
from ketenwacht.gcpause import gc_paused
from ketenwacht.identifiers import selectors, services
from ketenwacht.identifiers.api.permissions import PortalPermission, StaffSessionAuthentication
from ketenwacht.identifiers.api.serializers import (
    CheckResultSerializer,
    ChecksRequestSerializer,
    ChecksResponseSerializer,
    IdentifierProblemSerializer,
    PublicCheckSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
    SightingBatchRequestSerializer,
    SightingBatchResponseSerializer,
    SightingCreatedSerializer,
    SightingItemSerializer,
)
from ketenwacht.identifiers.canonical import KINDS
from ketenwacht.identifiers.ingest import ItemError
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.permissions import PublicEndpoint, TokenHasScope

PROBLEM_TYPE = "application/problem+json"
PROBLEM = OpenApiResponse(IdentifierProblemSerializer, description="Problem details (RFC 9457).")


def problems(*codes: int) -> dict[Any, Any]:
    """Error responses of an operation, typed ``application/problem+json``."""
    return {(code, PROBLEM_TYPE): PROBLEM for code in codes}


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat a request safely: the same key with the same body returns the stored "
    "result for 24 hours; with another body it is refused (422).",
)
VALUE_PARAMETER = OpenApiParameter(
    "value", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True, description="The identifier."
)
KIND_PARAMETER = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=list(KINDS),
    description="Kind of identifier; detected from the value when omitted.",
)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"1", "true", "yes", "on"}


def _items_of(data: Any) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ValidationFailed(
            "Verwacht een object met 'items' (een lijst). / "
            "Expected an object with 'items' (a list).",
            code="invalid",
            field="items",
        )
    return list(data["items"])


def _item_problem(request: Request, errors: list[ItemError], detail: str, code: str) -> Response:
    return problem(
        status.HTTP_400_BAD_REQUEST,
        code,
        detail,
        errors=[
            {
                "index": e.index,
                "code": e.code,
                "detail": e.detail,
                **({"field": e.field} if e.field else {}),
            }
            for e in errors
        ],
        instance=request.get_full_path(),
    )


class SightingsView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_WRITE

    @extend_schema(
        operation_id="sightings_record",
        summary="Record one sighting or a batch of up to 10,000",
        description=(
            "A single sighting object answers 201. An object with `items` is a batch and "
            "answers 200 with a result per item: bad items get their own error and the good "
            "ones are recorded, unless `atomic` is true, when one bad item rejects the whole "
            "batch (400, nothing recorded)."
        ),
        parameters=[
            IDEMPOTENCY_HEADER,
            OpenApiParameter("atomic", OpenApiTypes.BOOL, OpenApiParameter.QUERY),
        ],
        request=PolymorphicProxySerializer(
            component_name="Sighting",
            serializers=[SightingItemSerializer, SightingBatchRequestSerializer],
            resource_type_field_name=None,
        ),
        responses={
            200: SightingBatchResponseSerializer,
            201: SightingCreatedSerializer,
            **problems(400, 413, 422),
        },
    )
    def post(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        data = request.data
        key = request.headers.get("Idempotency-Key")
        if isinstance(data, dict) and "items" not in data:
            return self._single(request, actor, data, key)
        items = _items_of(data)
        body_atomic = data.get("atomic", False) if isinstance(data, dict) else False
        atomic = _truthy(body_atomic) or _truthy(request.query_params.get("atomic", ""))
        try:
            result = services.sightings_ingest(
                actor=actor, items=items, atomic=atomic, idempotency_key=key
            )
        except services.BatchRejected as rejected:
            return _item_problem(request, rejected.errors, str(rejected.message), rejected.code)
        headers = {"Idempotent-Replayed": "true"} if result.replayed else None
        return Response(result.as_dict(), status=status.HTTP_200_OK, headers=headers)

    def _single(
        self, request: Request, actor: access.Actor, item: dict[str, Any], key: str | None
    ) -> Response:
        try:
            result = services.sightings_ingest(
                actor=actor, items=[item], atomic=True, idempotency_key=key
            )
        except services.BatchRejected as rejected:
            error = rejected.errors[0]
            return _item_problem(request, rejected.errors, error.detail, error.code)
        body = {"batch_id": result.batch_id, **result.results[0]}
        body.pop("index"), body.pop("ok")
        headers = {"Idempotent-Replayed": "true"} if result.replayed else None
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


class CheckView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_CHECK

    @extend_schema(
        operation_id="identifiers_check",
        summary="Check one identifier",
        description="Level, counts, fraud types, first and last seen, and an explanation, over "
        "the sharing groups your organisation belongs to. Reporters are never named.",
        parameters=[VALUE_PARAMETER, KIND_PARAMETER],
        responses={200: CheckResultSerializer, **problems(400)},
    )
    def get(self, request: Request) -> Response:
        result = services.check_one(
            actor=access.actor_from_request(request),
            value=request.query_params.get("value", ""),
            kind=request.query_params.get("kind") or None,
        )
        return Response(result.as_dict())


class ChecksView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_CHECK
    renderer_classes = [FastJSONRenderer]  # up to 10,000 results of plain data

    @extend_schema(
        operation_id="identifiers_check_batch",
        summary="Check up to 10,000 identifiers",
        description="A result per item in input order; a bad item gets its own error and the "
        "rest are answered.",
        request=ChecksRequestSerializer,
        responses={200: ChecksResponseSerializer, **problems(400, 413)},
    )
    def post(self, request: Request) -> Response:
        items = _items_of(request.data)
        with gc_paused():  # 10,000 results: see ``gcpause``
            results = services.check_many(actor=access.actor_from_request(request), items=items)
            body = []
            for index, result in enumerate(results):
                if isinstance(result, ItemError):
                    body.append(result.as_dict())
                else:
                    body.append({"index": index, "ok": True, **result.as_dict()})
        return Response({"results": body})


class PublicCheckView(APIView):
    # Open to everyone; credentials are neither needed nor inspected.
    authentication_classes: list[type] = []
    permission_classes = [PublicEndpoint]

    @extend_schema(
        operation_id="public_check",
        summary="Public check: level and advice",
        description="For citizens: the level and what to do, nothing else. Only whole "
        "identifiers are answered (no prefixes, wildcards or ranges). Rate-limited per client.",
        parameters=[VALUE_PARAMETER, KIND_PARAMETER],
        responses={200: PublicCheckSerializer, **problems(400, 429)},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        value = request.query_params.get("value", "")
        if "*" in value:
            raise ValidationFailed(
                "Alleen volledige waarden, geen jokertekens. / Whole values only, no wildcards.",
                code="wildcard_refused",
                field="value",
            )
        try:
            result = services.public_check(
                actor=access.actor_from_request(request),
                value=value,
                kind=request.query_params.get("kind") or None,
            )
        except services.RateLimited as limited:
            return problem(
                status.HTTP_429_TOO_MANY_REQUESTS,
                limited.code,
                str(limited.message),
                instance=request.get_full_path(),
                headers={"Retry-After": str(limited.retry_after)},
            )
        return Response(result.as_dict())


class RevealView(APIView):
    """For a police analyst in the portal (session and second factor), never for tokens."""

    authentication_classes = [StaffSessionAuthentication]
    permission_classes = [PortalPermission]
    required_permission = "identifiers.reveal"

    @extend_schema(
        operation_id="pseudonym_reveal",
        summary="Reveal the raw value of a pseudonym (police analysts; audited)",
        request=RevealRequestSerializer,
        responses={200: RevealResponseSerializer, **problems(400, 403, 404)},
    )
    def post(self, request: Request, pseudonym_id: int) -> Response:
        serializer = RevealRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = access.actor_from_request(request)
        pseudonym = selectors.pseudonym_get(actor=actor, pseudonym_id=pseudonym_id)
        revealed = services.raw_value_reveal(
            actor=actor, pseudonym=pseudonym, reason=serializer.validated_data["reason"]
        )
        return Response(
            {
                "pseudonym_id": revealed.pseudonym_id,
                "kind": revealed.kind,
                "value": revealed.value,
                "display": revealed.display,
            }
        )

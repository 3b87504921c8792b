"""API of the oblivious check and PSI screening. Thin: parse, call one service, render."""

from __future__ import annotations

import base64
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.api.problems import problem
from ketenwacht.errors import ConflictError, ValidationFailed
from ketenwacht.identifiers.services import RateLimited
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.permissions import PublicEndpoint, TokenHasScope
from ketenwacht.privatecheck import psi, services


class EvaluateRequestSerializer(serializers.Serializer):
    elements = serializers.ListField(
        child=serializers.CharField(help_text="A blinded ristretto255 element, base64."),
        min_length=1,
        max_length=services.MAX_ELEMENTS,
    )


class EvaluateResponseSerializer(serializers.Serializer):
    suite = serializers.CharField()
    mode = serializers.IntegerField()
    key_version = serializers.IntegerField()
    prefix_bits = serializers.IntegerField()
    bucket_size = serializers.IntegerField()
    evaluated = serializers.ListField(child=serializers.CharField())


class BucketResponseSerializer(serializers.Serializer):
    key_version = serializers.IntegerField()
    prefix_bits = serializers.IntegerField()
    bucket = serializers.IntegerField()
    record_size = serializers.IntegerField()
    count = serializers.IntegerField()
    records = serializers.CharField(help_text="count × record_size bytes, base64.")


class PsiStartSerializer(serializers.Serializer):
    elements = serializers.CharField(help_text="n blinded OPRF elements (n × 32 bytes), base64.")


class PsiAllowlistEntrySerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    covers_urls = serializers.BooleanField()


class PsiRequestSerializer(serializers.Serializer):
    request = serializers.CharField(help_text="An openmined-psi Request message, base64.")


class PsiResponseSerializer(serializers.Serializer):
    response = serializers.CharField(help_text="An openmined-psi Response message, base64.")


class PsiJobSerializer(serializers.Serializer):
    job = serializers.UUIDField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    client_items = serializers.IntegerField()
    server_items = serializers.IntegerField()
    key_version = serializers.IntegerField(allow_null=True)
    answered = serializers.BooleanField()
    evaluated = serializers.CharField(allow_null=True)
    setup = serializers.CharField(allow_null=True)
    allowlist = PsiAllowlistEntrySerializer(many=True, allow_null=True)


PROBLEM = OpenApiResponse(description="Problem details (RFC 9457).")


def problems(*codes: int) -> dict[Any, Any]:
    return {(code, "application/problem+json"): PROBLEM for code in codes}


BUCKET_PARAMETERS = [
    OpenApiParameter("key_version", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True),
    OpenApiParameter(
        "prefix_bits",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        description="Bits of the tag the bucket number has (default: the server's).",
    ),
]


def _int_param(request: Request, name: str, *, required: bool) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationFailed(f"'{name}' is required.", code="required", field=name)
        return None
    try:
        return int(str(raw))
    except ValueError:
        raise ValidationFailed(f"'{name}' must be a number.", code="invalid", field=name) from None


def _limited(request: Request, limited: RateLimited) -> Response:
    return problem(
        status.HTTP_429_TOO_MANY_REQUESTS,
        limited.code,
        str(limited.message),
        instance=request.get_full_path(),
        headers={"Retry-After": str(limited.retry_after)},
    )


def _evaluate(request: Request, *, public: bool) -> Response:
    data = request.data if isinstance(request.data, dict) else {}
    try:
        result = services.evaluate(
            actor=access.actor_from_request(request), elements=data.get("elements"), public=public
        )
    except RateLimited as limited:
        return _limited(request, limited)
    return Response(result.as_dict())


def _bucket(request: Request, number: int, *, public: bool) -> Response:
    key_version = _int_param(request, "key_version", required=True)
    assert key_version is not None
    try:
        result = services.bucket(
            actor=access.actor_from_request(request),
            key_version=key_version,
            number=number,
            bits=_int_param(request, "prefix_bits", required=False),
            public=public,
        )
    except RateLimited as limited:
        return _limited(request, limited)
    except ConflictError as conflict:
        answer = problem(
            conflict.status, conflict.code, str(conflict.message), instance=request.get_full_path()
        )
        answer.data.update(conflict.details)  # the current prefix_bits, to ask again with
        return answer
    response = Response(result.as_dict())
    response["Cache-Control"] = "no-store"
    return response


class EvaluateView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_CHECK

    @extend_schema(
        operation_id="privatecheck_evaluate",
        summary="Oblivious check: evaluate blinded elements (RFC 9497 OPRF)",
        description="BlindEvaluate with the current OPRF key (ristretto255-SHA512, mode 0). "
        "The platform never sees the value. Rate-limited per token and per client, per element.",
        request=EvaluateRequestSerializer,
        responses={200: EvaluateResponseSerializer, **problems(400, 429)},
    )
    def post(self, request: Request) -> Response:
        return _evaluate(request, public=False)


class BucketView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_CHECK

    @extend_schema(
        operation_id="privatecheck_bucket",
        summary="Oblivious check: one bucket of listed tags",
        description="Tags of the listed identifiers whose tag starts with the bucket number, "
        "each with its level sealed under the tag, padded with dummies to a fixed size. Levels "
        "are the plain check's, over your organisation's sharing groups.",
        parameters=BUCKET_PARAMETERS,
        responses={200: BucketResponseSerializer, **problems(400, 404, 409, 429)},
    )
    def get(self, request: Request, number: int) -> Response:
        return _bucket(request, number, public=False)


class PublicEvaluateView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [PublicEndpoint]

    @extend_schema(
        operation_id="privatecheck_public_evaluate",
        summary="Public oblivious check: evaluate blinded elements",
        description="As the partner variant, with the public check's rate limit per client.",
        request=EvaluateRequestSerializer,
        responses={200: EvaluateResponseSerializer, **problems(400, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        return _evaluate(request, public=True)


class PublicBucketView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [PublicEndpoint]

    @extend_schema(
        operation_id="privatecheck_public_bucket",
        summary="Public oblivious check: one bucket",
        description="Levels of the public check (every sharing group; under review while a "
        "dispute is open).",
        parameters=BUCKET_PARAMETERS,
        responses={200: BucketResponseSerializer, **problems(400, 404, 409, 429)},
        auth=[],
    )
    def get(self, request: Request, number: int) -> Response:
        return _bucket(request, number, public=True)


class PsiJobsView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_CHECK

    @extend_schema(
        operation_id="privatecheck_psi_start",
        summary="Bulk screening by private set intersection: start a job",
        description="Send your items as blinded OPRF elements. The job evaluates them and "
        "builds the openmined-psi setup of the identifiers at warning or above under your "
        "agreements; poll it, unblind, and send your openmined-psi request. The platform learns "
        "only how many items you have.",
        request=PsiStartSerializer,
        responses={202: PsiJobSerializer, **problems(400, 413, 429)},
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        try:
            job = psi.start(
                actor=access.actor_from_request(request), elements_b64=data.get("elements")
            )
        except RateLimited as limited:
            return _limited(request, limited)
        return Response(psi.job_dict(job), status=status.HTTP_202_ACCEPTED)


class PsiJobView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_CHECK

    @extend_schema(
        operation_id="privatecheck_psi_job",
        summary="Bulk screening: job status, progress and result",
        responses={200: PsiJobSerializer, **problems(404)},
    )
    def get(self, request: Request, job: str) -> Response:
        found = psi.job_get(actor=access.actor_from_request(request), job=job)
        return Response(psi.job_dict(found, with_result=True))


class PsiAnswerView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_CHECK

    @extend_schema(
        operation_id="privatecheck_psi_answer",
        summary="Bulk screening: answer your openmined-psi request",
        request=PsiRequestSerializer,
        responses={200: PsiResponseSerializer, **problems(400, 404, 409)},
    )
    def post(self, request: Request, job: str) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        response = psi.answer(
            actor=access.actor_from_request(request), job=job, request_b64=data.get("request")
        )
        return Response({"response": base64.b64encode(response).decode()})

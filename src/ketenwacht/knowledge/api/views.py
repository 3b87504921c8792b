"""The public fraud-type taxonomy: what every form, filter and export refers to."""

from __future__ import annotations

from typing import Any

from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.knowledge import selectors
from ketenwacht.knowledge.api.serializers import FraudTypeSerializer
from ketenwacht.knowledge.constants import FRAUD_TYPES_CACHE_SECONDS
from ketenwacht.knowledge.selectors import FraudTypeEntry
from ketenwacht.partners.permissions import PublicEndpoint


def _localised(entry: FraudTypeEntry, english: bool) -> dict[str, Any]:
    name = entry["name_en"] if english and entry["name_en"] else entry["name_nl"]
    description = (
        entry["description_en"] if english and entry["description_en"] else entry["description_nl"]
    )
    return {**entry, "name": name, "description": description}


class FraudTypeListView(APIView):
    # Public reference data: no credentials needed, none inspected.
    authentication_classes: list[type] = []
    permission_classes = [PublicEndpoint]

    @extend_schema(
        responses=FraudTypeSerializer(many=True),
        operation_id="fraud_types_list",
        auth=[],
        summary="List the active fraud types",
    )
    def get(self, request: Request) -> Response:
        english = (get_language() or "nl").lower().startswith("en")
        entries = [_localised(entry, english) for entry in selectors.fraud_type_catalogue()]
        response = Response(FraudTypeSerializer(entries, many=True).data)
        patch_cache_control(response, public=True, max_age=FRAUD_TYPES_CACHE_SECONDS)
        return response

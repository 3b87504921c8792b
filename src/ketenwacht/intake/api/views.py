"""Public reference data of the intake: the desk directory (who handles what, and which
fields each desk may receive) and the active questionnaire, for other front doors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.intake import selectors, services
from ketenwacht.intake.api.serializers import DeskSerializer, QuestionnaireSerializer
from ketenwacht.partners.permissions import PublicEndpoint


class DeskListView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [PublicEndpoint]

    @extend_schema(
        responses=DeskSerializer(many=True),
        operation_id="intake_desks_list",
        auth=[],
        summary="The desk directory: desks, what they handle, the fields they may receive",
    )
    def get(self, request: Request) -> Response:
        desks = selectors.desks_for_plan().order_by("sort_order", "name")
        return Response(DeskSerializer(desks, many=True).data)


class QuestionnaireView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [PublicEndpoint]

    @extend_schema(
        responses=QuestionnaireSerializer,
        operation_id="intake_questionnaire_active",
        auth=[],
        summary="The active version of the victims' questionnaire (graph as data)",
    )
    def get(self, request: Request) -> Response:
        questionnaire = services.active_questionnaire()
        return Response(QuestionnaireSerializer(questionnaire).data)

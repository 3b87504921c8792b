"""The token's own organisation and its sharing groups with the agreements in force."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.errors import NotFoundError
from ketenwacht.partners import access, selectors
from ketenwacht.partners.api.serializers import OrganisationSerializer, SharingGroupSerializer
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.permissions import TokenHasScope


class MyOrganisationView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.ORGANISATION_READ

    @extend_schema(responses=OrganisationSerializer, operation_id="organisation_me")
    def get(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        return Response(OrganisationSerializer(actor.organisation).data)


class MySharingGroupsView(APIView):
    permission_classes = [TokenHasScope]
    required_scope = Scope.ORGANISATION_READ

    @extend_schema(responses=SharingGroupSerializer(many=True), operation_id="sharing_groups_mine")
    def get(self, request: Request) -> Response:
        actor = access.actor_from_request(request)
        groups = list(selectors.sharing_groups_for(actor=actor))
        agreements = {}
        for group in groups:
            try:
                agreements[group.pk] = selectors.agreement_current(group=group)
            except NotFoundError:
                continue
        serializer = SharingGroupSerializer(groups, many=True, context={"agreements": agreements})
        return Response(serializer.data)

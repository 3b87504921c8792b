from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework import serializers

from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners.models import ApiToken


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor_label", read_only=True)
    actor_user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    actor_token: serializers.SlugRelatedField[ApiToken] = serializers.SlugRelatedField(
        slug_field="key_id", read_only=True
    )
    details = serializers.DictField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "time",
            "actor",
            "actor_user",
            "actor_organisation",
            "actor_token",
            "action",
            "object_type",
            "object_id",
            "purpose",
            "details",
            "client_address",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

"""Audit events in the admin: read-only, filtered like the portal's audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ketenwacht.audit import selectors
from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners import access


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["id", "time", "actor_label", "actor_organisation", "action", "object_type"]
    list_filter = ["object_type"]
    search_fields = ["action", "object_id", "actor_label"]
    date_hierarchy = "time"
    ordering = ["-id"]
    fields = (
        "time",
        "actor_label",
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
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        """Superusers see every event; other staff what the access rules give them."""
        if request.user.is_superuser:
            return super().get_queryset(request)
        return selectors.audit_event_list(actor=access.actor_from_request(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

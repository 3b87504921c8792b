"""Read-only admin: deliveries and their history are changed only by the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketenwacht.delivery.models import Delivery, DeliveryAttempt, WebhookEndpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    fields = ("number", "started_at", "finished_at", "outcome", "http_status", "error")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "organisation__name", "url"]
    exclude = ["secret_salt"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event_type", "channel", "target", "status", "attempts"]
    list_filter = ["status", "channel", "event_type"]
    search_fields = ["idempotency_key", "email_to", "endpoint__name"]
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]

    @admin.display(description="target")
    def target(self, obj: Delivery) -> str:
        return obj.target_label

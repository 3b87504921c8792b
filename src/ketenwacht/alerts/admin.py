"""Read-only admin: alerts change only through their services (versions, audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketenwacht.alerts.models import Alert, AlertVersion, Subscription


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = ["title", "marking", "status", "group", "author_organisation", "updated_at"]
    list_filter = ["status", "marking", "is_public"]
    # Raw prose may hold personal data until the author resolves it: not listed here.
    exclude = ["body"]


@admin.register(AlertVersion)
class AlertVersionAdmin(ReadOnly):
    list_display = ["alert", "number", "marking", "created_at"]
    exclude = ["body"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnly):
    list_display = ["organisation", "name", "channel", "is_active"]

"""Read-only admin: requests and their decisions are history, changed only by services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketenwacht.release.models import ReleaseDecision, ReleaseRequest, ReleaseTransition


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReleaseRequest)
class ReleaseRequestAdmin(ReadOnly):
    list_display = ["id", "summary", "action", "status", "deadline", "created_at"]
    list_filter = ["status", "action"]


@admin.register(ReleaseDecision)
class ReleaseDecisionAdmin(ReadOnly):
    list_display = ["request", "organisation", "decision", "decided_at"]


@admin.register(ReleaseTransition)
class ReleaseTransitionAdmin(ReadOnly):
    list_display = ["request", "from_status", "to_status", "at", "actor_label"]

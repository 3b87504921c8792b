from django.contrib import admin
from django.http import HttpRequest

from ketenwacht.cases.models import Cluster, Hub, PostcodeRange, RoutingRule, Unit


class ReadOnlyAdmin(admin.ModelAdmin):
    """To look, not to change: units and the postcode table come from data
    (``cases_load_units``), routing rules from the programme team's page (audited, and open
    clusters re-routed), clusters and hubs from the linking and the workflow. An edit here
    would skip all of that."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "is_national", "sort_order"]


@admin.register(PostcodeRange)
class PostcodeRangeAdmin(ReadOnlyAdmin):
    list_display = ["first", "last", "unit"]
    list_filter = ["unit"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReadOnlyAdmin):
    list_display = ["position", "name", "method", "unit", "is_active"]


@admin.register(Cluster)
class ClusterAdmin(ReadOnlyAdmin):
    list_display = ["pk", "state", "unit", "report_count", "priority", "is_active"]
    list_filter = ["state", "unit", "is_active"]


@admin.register(Hub)
class HubAdmin(ReadOnlyAdmin):
    list_display = ["pseudonym_id", "report_count", "reason", "override", "is_excluded"]
    list_filter = ["reason", "override", "is_excluded"]

from django.contrib import admin

from ketenwacht.cases.models import Cluster, Hub, PostcodeRange, RoutingRule, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_national", "sort_order"]


@admin.register(PostcodeRange)
class PostcodeRangeAdmin(admin.ModelAdmin):
    list_display = ["first", "last", "unit"]
    list_filter = ["unit"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "method", "unit", "is_active"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    """Read-only: the workflow and linking happen through the services."""

    list_display = ["pk", "state", "unit", "report_count", "priority", "is_active"]
    list_filter = ["state", "unit", "is_active"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Hub)
class HubAdmin(ClusterAdmin):
    list_display = ["pseudonym_id", "report_count", "reason", "override", "is_excluded"]
    list_filter = ["reason", "override", "is_excluded"]

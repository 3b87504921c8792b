"""The taxonomy in the admin: the programme team edits it; nobody deletes (deactivate)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from ketenwacht.errors import DomainError
from ketenwacht.knowledge import services
from ketenwacht.knowledge.models import FraudType
from ketenwacht.partners import access

if TYPE_CHECKING:
    FraudTypeModelForm = forms.ModelForm[FraudType]
    FraudTypeModelAdmin = admin.ModelAdmin[FraudType]
else:  # Django's classes are not subscriptable at run time.
    FraudTypeModelForm = forms.ModelForm
    FraudTypeModelAdmin = admin.ModelAdmin

_FIELDS = ("code", "name_nl", "name_en", "description_nl", "description_en", "is_active")


def _may_manage(request: HttpRequest) -> bool:
    return access.can(access.actor_from_request(request), "knowledge.manage_fraud_types")


class FraudTypeAdminForm(FraudTypeModelForm):
    class Meta:
        model = FraudType
        fields = [*_FIELDS, "sort_order"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        candidate = FraudType(
            **{
                name: cleaned.get(name, getattr(self.instance, name))
                for name in (*_FIELDS, "sort_order")
            }
        )
        try:
            services.fraud_type_check(candidate)
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, str(error.message))
        return cleaned


@admin.register(FraudType)
class FraudTypeAdmin(FraudTypeModelAdmin):
    form = FraudTypeAdminForm
    list_display = ("code", "name_nl", "name_en", "is_active", "sort_order")
    list_filter = ("is_active",)
    search_fields = ("code", "name_nl", "name_en")
    ordering = ("sort_order", "code")

    def get_readonly_fields(
        self, request: HttpRequest, obj: FraudType | None = None
    ) -> tuple[str, ...]:
        # Other apps' rows refer to the code: it is fixed once created.
        return ("code",) if obj is not None else ()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser) or _may_manage(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser) or _may_manage(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: FraudType, form: FraudTypeModelForm, change: bool
    ) -> None:
        actor = access.actor_from_request(request)
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in services.EDITABLE_FIELDS
            }
            services.fraud_type_update(actor=actor, fraud_type=obj, changes=changes)
        else:
            services.fraud_type_create(
                actor=actor,
                code=obj.code,
                name_nl=obj.name_nl,
                name_en=obj.name_en,
                description_nl=obj.description_nl,
                description_en=obj.description_en,
                is_active=obj.is_active,
                sort_order=obj.sort_order,
            )

"""Admin (programme team): questionnaire versions (load a new one) and the desk directory."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from ketenwacht.intake import services
from ketenwacht.intake.models import Desk, Questionnaire
from ketenwacht.knowledge.selectors import fraud_type_catalogue
from ketenwacht.partners import access


class QuestionnaireLoadForm(forms.ModelForm):
    source = forms.CharField(
        label="YAML",
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100}),
        help_text="The whole questionnaire with a higher version number (see docs/intake.md).",
    )

    class Meta:
        model = Questionnaire
        fields = ["source"]

    def clean_source(self) -> str:
        source: str = self.cleaned_data["source"]
        problems = services.questionnaire_problems(source)
        if problems:
            raise forms.ValidationError(problems)
        return source


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    """A version is never edited: adding one loads new YAML through the service."""

    list_display = ["version", "name", "is_active", "created_at", "created_by"]
    form = QuestionnaireLoadForm

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        questionnaire, _created = services.questionnaire_load(
            actor=access.actor_from_request(request), source=form.cleaned_data["source"]
        )
        obj.__dict__.update(
            {k: v for k, v in questionnaire.__dict__.items() if not k.startswith("_")}
        )
        messages.success(request, f"Version {questionnaire.version} is now active.")


class DeskForm(forms.ModelForm):
    class Meta:
        model = Desk
        fields = [
            "slug",
            "name",
            "kind",
            "description_nl",
            "description_en",
            "website",
            "phone",
            "fraud_line",
            "fraud_types",
            "audiences",
            "services",
            "channels",
            "referral_method",
            "referral_email",
            "webhook_endpoint",
            "organisation",
            "field_policy",
            "retention_days",
            "is_active",
            "sort_order",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        known = {entry["code"] for entry in fraud_type_catalogue()}
        for problem in services.desk_problems(cleaned, known_fraud_types=known):
            self.add_error(None, problem)
        return cleaned


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    form = DeskForm
    list_display = ["name", "kind", "referral_method", "organisation", "is_active", "sort_order"]
    list_filter = ["kind", "referral_method", "is_active"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["organisation", "webhook_endpoint"]

"""Administration of organisations, memberships, sharing groups, agreements and API tokens.

- Every add, change and delete made here is written to the audit log, like a service write.
- Agreement versions are never edited: "add" makes the group's next version through
  ``services.agreement_revise`` (which closes the current one); existing versions are read-only.
- Tokens are created in the portal, where their secret is shown once; here they can only be
  viewed (never the secret digest) and revoked.
- The admin site itself is only for staff who passed the second factor through the partner
  login; its own password-only login form is closed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import DomainError
from ketenwacht.partners import access, services
from ketenwacht.partners.constants import IDENTIFIER_KINDS, Role
from ketenwacht.partners.models import (
    ApiToken,
    DataSharingAgreement,
    Membership,
    Organisation,
    SharingGroup,
)
from ketenwacht.partners.validators import normalise_kvk

# --- the admin site: second factor required, no password-only login -----------------------


class PortalOnlyAdminLoginForm(AdminAuthenticationForm):
    """The admin's own login would skip the second factor and the login throttle: refuse it."""

    def clean(self) -> dict[str, Any]:
        raise ValidationError(
            _(
                "Log in through the partner login (%(url)s) with your second factor, "
                "then open the administration."
            ),
            code="use_partner_login",
            params={"url": reverse("partners:login") + "?next=" + reverse("admin:index")},
        )


def admin_site_has_permission(request: HttpRequest) -> bool:
    """Active staff who passed the second factor in this session (django-otp's rule)."""
    user = request.user
    is_verified = getattr(user, "is_verified", None)
    return bool(user.is_active and user.is_staff and is_verified is not None and is_verified())


admin.site.login_form = PortalOnlyAdminLoginForm
admin.site.has_permission = admin_site_has_permission  # type: ignore[method-assign]
admin.site.site_header = _("Ketenwacht administration")
admin.site.site_title = _("Ketenwacht administration")


# --- audited changes -------------------------------------------------------------------------


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit event for each add, change and delete, in the admin's transaction."""

    audit_object_type = ""

    def _audit(self, request: HttpRequest, obj: Model, verb: str, message: Any) -> None:
        audit_record(
            actor=access.actor_from_request(request),
            action=f"{self.audit_object_type}.{verb}",
            object_type=self.audit_object_type,
            object_id=obj.pk,
            details={"via": "admin", "object": str(obj), "change": message},
        )

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "create", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, obj, "delete", "")
        return super().log_deletions(request, queryset)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk delete logs before it deletes, outside one transaction: delete one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


# --- organisations and memberships -----------------------------------------------------------


class OrganisationForm(ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "slug", "sector", "kvk_number", "website", "is_active"]

    def clean_kvk_number(self) -> str:
        # People type "1234 5678" or "12.34.56.78"; the model validator checks the digits.
        return normalise_kvk(self.cleaned_data.get("kvk_number", ""))

    def clean_name(self) -> str:
        name = str(self.cleaned_data.get("name", "")).strip()
        clash = Organisation.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                _("An organisation with this name already exists."), code="duplicate"
            )
        return name


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    audit_object_type = "organisation"
    form = OrganisationForm
    list_display = ["name", "sector", "kvk_number", "is_active"]
    list_filter = ["sector", "is_active"]
    search_fields = ["name", "kvk_number"]
    prepopulated_fields = {"slug": ("name",)}

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The KvK field is shorter than what people type before normalisation.
        form.base_fields["kvk_number"].max_length = None  # type: ignore[attr-defined]
        form.base_fields["kvk_number"].validators = []
        form.base_fields["kvk_number"].widget.attrs.pop("maxlength", None)
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Organisations are deactivated, never deleted: the audit log refers to them.
        return False


class MembershipForm(ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "organisation", "role"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, organisation = data.get("user"), data.get("organisation")
        if user is not None and organisation is not None:
            other = Membership.objects.filter(user=user).exclude(organisation=organisation)
            if other.exists():
                raise ValidationError(
                    _("This user already belongs to another organisation."),
                    code="other_organisation",
                )
        return data


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    audit_object_type = "membership"
    form = MembershipForm
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["user"]


# --- sharing groups and agreements -----------------------------------------------------------


@admin.register(SharingGroup)
class SharingGroupAdmin(AuditedAdmin):
    audit_object_type = "sharing_group"
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ["members"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # agreements and records refer to the group


class AgreementVersionForm(forms.ModelForm):
    """The terms of a new version; the service assigns the version number."""

    allowed_kinds = forms.MultipleChoiceField(
        label=_("Allowed identifier kinds"),
        choices=[(kind, kind) for kind in IDENTIFIER_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )
    raw_value_roles = forms.MultipleChoiceField(
        label=_("Roles that may see raw values"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    retention_days = forms.JSONField(
        label=_("Retention in days per kind"), help_text='{"iban": 365, "email": 180}'
    )
    warning_thresholds = forms.JSONField(
        label=_("Warning thresholds"), required=False, help_text='{"warning_organisations": 2}'
    )
    valid_from = forms.SplitDateTimeField(
        label=_("Valid from"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=_("Empty: from now on."),
    )

    class Meta:
        model = DataSharingAgreement
        fields = [
            "group",
            "purpose",
            "legal_basis",
            "allowed_kinds",
            "raw_value_roles",
            "retention_days",
            "warning_thresholds",
            "victim_feedback",
            "valid_from",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        retention, thresholds = data.get("retention_days"), data.get("warning_thresholds") or {}
        if not isinstance(retention, dict) or not isinstance(thresholds, dict):
            raise ValidationError(_("Retention and thresholds must be JSON objects."))
        try:
            services.agreement_terms_validate(
                purpose=data.get("purpose", ""),
                legal_basis=data.get("legal_basis", ""),
                allowed_kinds=list(data.get("allowed_kinds", [])),
                raw_value_roles=list(data.get("raw_value_roles", [])),
                retention_days=retention,
                warning_thresholds=thresholds,
                victim_feedback=data.get("victim_feedback", ""),
            )
            services.agreement_start_validate(group=data["group"], valid_from=data["valid_from"])
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, str(error.message))
        data["warning_thresholds"] = thresholds
        return data


@admin.register(DataSharingAgreement)
class AgreementAdmin(admin.ModelAdmin):
    """Versions are read-only; adding one makes the group's next version."""

    form = AgreementVersionForm
    list_display = ["group", "version", "valid_from", "valid_to", "new_version_link"]
    list_filter = ["group"]
    ordering = ["group__name", "-version"]

    @admin.display(description=_("New version"))
    def new_version_link(self, obj: DataSharingAgreement) -> SafeString:
        url = reverse("admin:partners_datasharingagreement_add") + f"?from={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("New version based on this one"))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields: list[str] = list(AgreementVersionForm.Meta.fields)
        if obj is not None:
            fields[1:1] = ["version"]
            fields += ["valid_to", "created_by", "created_at", "new_version_link"]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return self.get_fields(request, obj) if obj is not None else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """``?from=<pk>``: start from an existing version's terms."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        source_pk = request.GET.get("from", "")
        source = (
            DataSharingAgreement.objects.filter(pk=source_pk).first()
            if source_pk.isascii() and source_pk.isdigit()
            else None
        )
        if source is not None:
            initial.update(
                group=source.group_id,
                purpose=source.purpose,
                legal_basis=source.legal_basis,
                allowed_kinds=source.allowed_kinds,
                raw_value_roles=source.raw_value_roles,
                retention_days=source.retention_days,
                warning_thresholds=source.warning_thresholds,
                victim_feedback=source.victim_feedback,
            )
        return initial

    def has_add_permission(self, request: HttpRequest) -> bool:
        actor = access.actor_from_request(request)
        return super().has_add_permission(request) and access.can(actor, "agreements.manage")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a change is a new version

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # records keep the version they were made under

    def save_model(
        self, request: HttpRequest, obj: DataSharingAgreement, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        created = services.agreement_revise(
            actor=access.actor_from_request(request),
            group=data["group"],
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
            allowed_kinds=list(data["allowed_kinds"]),
            raw_value_roles=list(data["raw_value_roles"]),
            retention_days=data["retention_days"],
            warning_thresholds=data["warning_thresholds"],
            victim_feedback=data["victim_feedback"],
            valid_from=data["valid_from"],
        )
        obj.pk = created.pk
        obj.refresh_from_db()


# --- API tokens ------------------------------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are viewed and revoked here; never created (the portal shows the secret once)."""

    # secret_hash is deliberately absent everywhere.
    fields = (
        "organisation",
        "name",
        "key_id",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    readonly_fields = fields
    list_display = ["key_id", "name", "organisation", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["organisation"]
    search_fields = ["key_id", "name", "organisation__name"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked tokens stay: the audit log refers to them

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        actor = access.actor_from_request(request)
        return request.user.has_perm("partners.change_apitoken") and access.can(
            actor, "tokens.revoke_any"
        )

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = access.actor_from_request(request)
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                services.token_revoke(actor=actor, token=token)
            except DomainError as error:
                self.message_user(request, str(error.message), messages.ERROR)
                return
            revoked += 1
        self.message_user(request, _("Revoked %(count)d token(s).") % {"count": revoked})

"""Forms of the cases pages. They validate input; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ketenwacht.cases.constants import (
    NOTE_MAX_LENGTH,
    TRANSITIONS,
    ClusterState,
    HubOverride,
    RoutingMethod,
)
from ketenwacht.cases.models import RoutingRule, Unit
from ketenwacht.identifiers.constants import REVEAL_REASON_MIN_LENGTH
from ketenwacht.knowledge.selectors import fraud_type_catalogue
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role


def case_analysts() -> QuerySet[Any]:
    """Users who may see clusters: police analysts of police and prosecutor organisations."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Role.POLICE_ANALYST,
            memberships__organisation__sector__in=list(access.CASE_SECTORS),
            memberships__organisation__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(label=_("New state"), choices=())
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(current, frozenset())
        field = self.fields["to_state"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.value, s.label) for s in ClusterState if s.value in allowed]


class AnalystField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.all())
    assignee = AnalystField(
        label=_("Analyst"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Naming an analyst moves a new or triaged cluster to 'assigned'."),
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = case_analysts()


class NoteForm(forms.Form):
    # The page shows this form empty under the cluster; browsers would mark it invalid at once.
    use_required_attribute = False

    text = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevealForm(forms.Form):
    pseudonym_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for showing the value"),
        min_length=REVEAL_REASON_MIN_LENGTH,
        max_length=500,
        help_text=_("Recorded in the audit log with your name."),
    )


class HubOverrideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=HubOverride.choices)
    note = forms.CharField(label=_("Why"), min_length=5, max_length=NOTE_MAX_LENGTH)


def _fraud_type_choices() -> list[tuple[str, str]]:
    return [(entry["code"], entry["name_en"] or entry["code"]) for entry in fraud_type_catalogue()]


class RoutingRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    method = forms.ChoiceField(label=_("Method"), choices=RoutingMethod.choices)
    unit = forms.ModelChoiceField(
        label=_("Unit (fixed unit only)"), queryset=Unit.objects.all(), required=False
    )
    fraud_types = forms.MultipleChoiceField(
        label=_("Only for these fraud types (none: all)"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_damage_euros = forms.DecimalField(
        label=_("Only from this total damage (euros)"),
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        initial=0,
    )
    min_victims = forms.IntegerField(label=_("Only from this many victims"), min_value=0, initial=0)
    min_share = forms.FloatField(
        label=_("Majority share (victims' regions)"),
        min_value=0,
        max_value=0.99,
        initial=0.5,
        help_text=_("A region must hold more than this share of the victims."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, rule: RoutingRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": rule.name,
                "method": rule.method,
                "unit": rule.unit_id,
                "fraud_types": list(rule.fraud_types),
                "min_damage_euros": Decimal(rule.min_damage_cents) / 100,
                "min_victims": rule.min_victims,
                "min_share": rule.min_share,
                "is_active": rule.is_active,
            }
        super().__init__(*args, **kwargs)
        field = self.fields["fraud_types"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = _fraud_type_choices()

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "method": data["method"],
            "unit": data["unit"],
            "fraud_types": list(data["fraud_types"]),
            "min_damage_cents": int(data["min_damage_euros"] * 100),
            "min_victims": data["min_victims"],
            "min_share": data["min_share"],
            "is_active": data["is_active"],
        }

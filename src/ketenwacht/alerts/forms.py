"""Forms of the alert pages. They validate shape; the services validate meaning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ketenwacht.alerts.constants import (
    BODY_MAX,
    DEFAULT_MARKING,
    INDICATOR_NOTE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    WITHDRAW_REASON_MAX,
    ContactChannel,
    JourneyPhase,
    PiiKind,
    ReleaseAction,
    SubscriptionChannel,
)
from ketenwacht.delivery.models import WebhookEndpoint
from ketenwacht.knowledge.models import FraudType
from ketenwacht.partners.constants import Marking
from ketenwacht.partners.models import SharingGroup
from ketenwacht.release.constants import MAX_REASON_LENGTH


class RecipientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        membership = obj.memberships.select_related("organisation").first()
        organisation = membership.organisation.name if membership else ""
        return f"{obj.get_full_name() or obj.get_username()} ({organisation})"


def _fraud_type_field(required: bool) -> forms.ModelChoiceField[FraudType]:
    return forms.ModelChoiceField(
        label=_("Fraud type"),
        queryset=FraudType.objects.filter(is_active=True),
        required=required,
        to_field_name="code",
        help_text="" if required else _("Leave empty if it is not known yet."),
    )


class AlertForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Sharing group"), queryset=SharingGroup.objects.none())
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One paragraph of plain text, shown in lists, digests and feeds."),
    )
    body = forms.CharField(
        label=_("Body"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown. HTML is shown as text. No names, account numbers or addresses."),
    )
    fraud_type = _fraud_type_field(required=False)
    phases = forms.MultipleChoiceField(
        label=_("Phases of the criminal journey"),
        choices=JourneyPhase.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=ContactChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    marking = forms.ChoiceField(
        label=_("Marking (TLP 2.0)"),
        choices=Marking.choices,
        initial=DEFAULT_MARKING,
        help_text=_(
            "CLEAR: anyone. GREEN: the partnership. AMBER: member organisations and their "
            "clients on a need-to-know basis. AMBER+STRICT: member organisations only. RED: "
            "only the people named below."
        ),
    )
    recipients = RecipientChoiceField(
        label=_("Named people (TLP:RED only)"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        groups: QuerySet[SharingGroup],
        recipients: QuerySet[User],
        group_fixed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ModelChoiceField)
        group_field.queryset = groups
        if group_fixed:
            group_field.disabled = True
        recipient_field = self.fields["recipients"]
        assert isinstance(recipient_field, forms.ModelMultipleChoiceField)
        recipient_field.queryset = recipients


class QuickFlagForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Sharing group"), queryset=SharingGroup.objects.none())
    title = forms.CharField(
        label=_("What happened, in one line"),
        max_length=TITLE_MAX,
        help_text=_("For example: new SMS asking clients to 'verify' their card."),
    )
    summary = forms.CharField(
        label=_("A few words more (optional)"),
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    fraud_type = _fraud_type_field(required=False)
    marking = forms.ChoiceField(
        label=_("Marking (TLP 2.0)"),
        choices=[c for c in Marking.choices if c[0] != Marking.RED],
        initial=DEFAULT_MARKING,
    )

    def __init__(self, *args: Any, groups: QuerySet[SharingGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ModelChoiceField)
        group_field.queryset = groups


class IndicatorForm(forms.Form):
    value = forms.CharField(
        label=_("Identifier"),
        max_length=500,
        help_text=_(
            "IBAN, phone number, e-mail address, URL, domain … It is stored as a pseudonym."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("detect")),
            ("iban", "IBAN"),
            ("phone", _("Phone")),
            ("email", _("E-mail")),
            ("url", "URL"),
            ("domain", _("Domain")),
            ("account", _("Marketplace account")),
            ("wallet", _("Wallet")),
            ("device", _("Device")),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=INDICATOR_NOTE_MAX, required=False)


class PiiResolveForm(forms.Form):
    field = forms.ChoiceField(
        choices=[("title", "title"), ("summary", "summary"), ("body", "body")]
    )
    text = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=PiiKind.choices, required=False)
    action = forms.ChoiceField(choices=[("indicator", "indicator"), ("redact", "redact")])


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the alert withdrawn?"),
        max_length=WITHDRAW_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need the value?"), min_length=5, max_length=500)


class ReleaseRequestForm(forms.Form):
    action = forms.ChoiceField(
        label=_("What do you ask the members?"),
        choices=ReleaseAction.choices,
    )
    marking = forms.ChoiceField(
        label=_("New marking (when lowering)"),
        choices=[("", "—"), *Marking.choices],
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    days = forms.IntegerField(label=_("Days to decide"), min_value=1, max_value=30, initial=7)


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), choices=SubscriptionChannel.choices)
    endpoint = forms.ModelChoiceField(
        label=_("Webhook endpoint"), queryset=WebhookEndpoint.objects.none(), required=False
    )
    email = forms.EmailField(label=_("E-mail address for the digest"), required=False)
    fraud_types = forms.ModelMultipleChoiceField(
        label=_("Only these fraud types (none: all)"),
        queryset=FraudType.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    markings = forms.MultipleChoiceField(
        label=_("Only these markings (none: all the channel may carry)"),
        choices=[c for c in Marking.choices if c[0] != Marking.RED],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, endpoints: QuerySet[WebhookEndpoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        endpoint_field = self.fields["endpoint"]
        assert isinstance(endpoint_field, forms.ModelChoiceField)
        endpoint_field.queryset = endpoints


class AlertFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    fraud_type = forms.ModelChoiceField(
        label=_("Fraud type"),
        queryset=FraudType.objects.all(),
        to_field_name="code",
        required=False,
    )
    marking = forms.ChoiceField(
        label=_("Marking"), choices=[("", "—"), *Marking.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", "—"),
            ("draft", _("Draft")),
            ("shared", _("Shared")),
            ("withdrawn", _("Withdrawn")),
        ],
        required=False,
    )

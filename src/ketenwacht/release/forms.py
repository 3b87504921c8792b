from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ketenwacht.release.constants import MAX_REASON_LENGTH, Decision


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your organisation's decision"),
        choices=Decision.choices,
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Required for a veto; the other members will read it."),
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == Decision.VETO and not data.get("reason", "").strip():
            self.add_error("reason", _("Give a reason for the veto."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you cancel the request?"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

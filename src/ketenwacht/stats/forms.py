from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenwacht.release.constants import MAX_REASON_LENGTH
from ketenwacht.stats.constants import PeriodKind


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, comma or semicolon."))
    replace = forms.BooleanField(
        label=_("Replace months already delivered (a correction)"), required=False
    )


class FactsheetForm(forms.Form):
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2015, max_value=2100)
    number = forms.IntegerField(
        label=_("Month or quarter number"), min_value=1, max_value=12, initial=1
    )
    fraud_form = forms.CharField(label=_("Fraud form (empty: all)"), required=False, max_length=40)
    advice = forms.CharField(
        label=_("Advice"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    noise_epsilon = forms.FloatField(
        label=_("Differential privacy ε for the monthly series (empty: none)"),
        required=False,
        min_value=0.01,
        max_value=10,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["year"].initial = timezone.localdate().year - 1


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should the partners publish it?"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SpikeForm(forms.Form):
    week = forms.DateField(label=_("A day in the week to examine"))

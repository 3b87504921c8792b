"""Forms of the identifiers pages. They validate shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ketenwacht.identifiers.canonical import KINDS
from ketenwacht.identifiers.constants import (
    DISPUTE_OUTCOMES,
    DISPUTE_REASON_MAX_CHARS,
    DISPUTE_STATEMENT_MAX_CHARS,
    EVIDENCE_MAX_FILES,
    PORTAL_CHECK_MAX_LINES,
    WILDCARD_CHARACTERS,
    Confidence,
    DisputeStatus,
)
from ketenwacht.knowledge.selectors import fraud_type_catalogue

KIND_LABELS: dict[str, Any] = {
    "iban": _("Bank account number (IBAN)"),
    "phone": _("Phone number"),
    "email": _("E-mail address"),
    "url": _("Web address (URL)"),
    "domain": _("Website (domain name)"),
    "account": _("Account on a platform or marketplace"),
    "wallet": _("Crypto wallet address"),
    "device": _("Device identifier"),
}


def kind_choices(*, empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *((kind, KIND_LABELS.get(kind, kind)) for kind in KINDS)]


def _refuse_wildcards(value: str) -> str:
    if WILDCARD_CHARACTERS & set(value):
        raise forms.ValidationError(
            _("Enter a whole value; wildcards such as * are not allowed."), code="wildcard"
        )
    return value


class PublicCheckForm(forms.Form):
    value = forms.CharField(
        label=_("Bank account number, phone number, e-mail address or website"),
        help_text=_("Enter the whole value, for example NL91 ABNA 0417 1643 00 or 06 12345678."),
        max_length=2048,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=kind_choices(empty=_("Detect automatically")),
        required=False,
    )

    def clean_value(self) -> str:
        return _refuse_wildcards(self.cleaned_data["value"].strip())


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files in one input; each is checked by the service."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data] if data else []
        single = super().clean
        return [single(item, initial) for item in items if item]


class DisputeForm(forms.Form):
    # Checked on the server: the design system styles :invalid, which would mark the empty
    # required textarea and radios red before anyone typed.
    use_required_attribute = False

    value = forms.CharField(
        label=_("The bank account number, phone number, e-mail address, website or account"),
        help_text=_("The whole value that is listed by mistake."),
        max_length=2048,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=kind_choices(empty=_("Detect automatically")),
        required=False,
    )
    name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send the receipt and the decision to this address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    statement = forms.CharField(
        label=_("Why is the listing a mistake?"),
        help_text=_("Tell us who you are, how you use this account or number and what happened."),
        max_length=DISPUTE_STATEMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"),
        help_text=_("PDF, PNG or JPEG, at most 5 MB each and at most 3 files."),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}
        ),
    )
    declaration = forms.BooleanField(
        label=_(
            "I am the holder of this account, number or address, or act on the holder's behalf."
        ),
    )

    def clean_value(self) -> str:
        return _refuse_wildcards(self.cleaned_data["value"].strip())

    def clean_evidence(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("evidence") or []
        if len(files) > EVIDENCE_MAX_FILES:
            raise forms.ValidationError(
                _("Attach at most %(count)d files.") % {"count": EVIDENCE_MAX_FILES},
                code="too_many_files",
            )
        return files


# --- portal -----------------------------------------------------------------------------------


class CheckOneForm(forms.Form):
    value = forms.CharField(
        label=_("Value"),
        max_length=2048,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=kind_choices(empty=_("Detect automatically")), required=False
    )


class CheckListForm(forms.Form):
    # Checked on the server: the design system styles :invalid, which would mark the empty
    # required textarea and radios red before anyone typed.
    use_required_attribute = False

    values = forms.CharField(
        label=_("Values, one per line"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind of every value"),
        choices=kind_choices(empty=_("Detect per line")),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["values"].help_text = _("At most %(count)d lines. Empty lines are skipped.") % {
            "count": PORTAL_CHECK_MAX_LINES
        }

    def clean_values(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["values"].splitlines()]
        values = [line for line in lines if line]
        if not values:
            raise forms.ValidationError(_("Enter at least one value."), code="required")
        if len(values) > PORTAL_CHECK_MAX_LINES:
            raise forms.ValidationError(
                _("At most %(count)d lines; use the API or an upload for more.")
                % {"count": PORTAL_CHECK_MAX_LINES},
                code="too_many",
            )
        return values


def fraud_type_choices(*, empty: Any) -> list[tuple[str, str]]:
    from django.utils.translation import get_language

    english = (get_language() or "nl").startswith("en")
    return [("", str(empty))] + [
        (entry["code"], entry["name_en"] if english else entry["name_nl"])
        for entry in fraud_type_catalogue()
    ]


class SightingFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    fraud_type = forms.ChoiceField(label=_("Fraud type"), required=False)
    confidence = forms.ChoiceField(
        label=_("Confidence"),
        choices=[("", _("All")), *Confidence.choices],
        required=False,
    )
    observed_from = forms.DateField(
        label=_("Observed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    observed_to = forms.DateField(
        label=_("Observed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices(empty=_("All"))  # type: ignore[attr-defined]
        self.fields["fraud_type"].choices = fraud_type_choices(empty=_("All"))  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("observed_from"), data.get("observed_to")
        if start and end and start > end:
            self.add_error("observed_to", _("The end date lies before the start date."))
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, comma or semicolon separated, at most 20 MB and 100,000 rows. The first "
            "row names the columns: value (required), kind, fraud_type, role, confidence, "
            "observed_at, sharing_group."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    atomic = forms.BooleanField(
        label=_("All or nothing: record nothing if any row is bad (at most 10,000 rows)"),
        required=False,
    )


class DisputeProposeForm(forms.Form):
    # Checked on the server: the design system styles :invalid, which would mark the empty
    # required textarea and radios red before anyone typed.
    use_required_attribute = False

    outcome = forms.ChoiceField(
        label=_("Proposed decision"),
        choices=[(s.value, s.label) for s in DisputeStatus if s in DISPUTE_OUTCOMES],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (sent to the disputer)"),
        max_length=DISPUTE_REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    note = forms.CharField(
        label=_("Internal note (optional)"),
        max_length=DISPUTE_REASON_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DisputeNoteForm(forms.Form):
    # Checked on the server: the design system styles :invalid, which would mark the empty
    # required textarea and radios red before anyone typed.
    use_required_attribute = False

    note = forms.CharField(
        label=_("Note"),
        max_length=DISPUTE_REASON_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

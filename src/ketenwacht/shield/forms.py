"""Forms of the shield's pages. They validate shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ketenwacht.shield.constants import (
    BLOCK_DEFAULT_DAYS,
    BLOCK_MAX_DAYS,
    MAX_MESSAGE_BYTES,
    MAX_TEXT_CHARS,
    BlockPolicy,
    BlockScope,
)

UPLOAD_EXTENSIONS = (".eml", ".msg")


class SubmitForm(forms.Form):
    text = forms.CharField(
        label=_("Paste the message"),
        help_text=_("Paste the whole message, or upload it as a file below."),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        max_length=MAX_TEXT_CHARS,
    )
    message_file = forms.FileField(
        label=_("Or upload the e-mail as a file (.eml or .msg, at most 10 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".eml,.msg,message/rfc822"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address (optional)"),
        help_text=_("Only to send you the verdict. Without it, use the status page."),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get("text") or "").strip()
        upload = data.get("message_file")
        if bool(text) == bool(upload):
            raise forms.ValidationError(
                _("Paste the message or upload a file (one of the two)."), code="one_of"
            )
        if upload is not None:
            if upload.size is not None and upload.size > MAX_MESSAGE_BYTES:
                self.add_error("message_file", _("The file is larger than 10 MB."))
            elif not str(upload.name).lower().endswith(UPLOAD_EXTENSIONS):
                self.add_error("message_file", _("Upload an .eml or .msg file."))
        return data


class AppealForm(forms.Form):
    domain = forms.CharField(label=_("Blocked domain"), max_length=253)
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail address"))
    organisation_name = forms.CharField(
        label=_("Organisation (optional)"), max_length=200, required=False
    )
    statement = forms.CharField(
        label=_("Why is the block a mistake?"),
        help_text=_("Tell us who you are, how the domain is used and what you have done about it."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )


class ProposeForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"), choices=BlockScope.choices, initial=BlockScope.HOST)
    wildcard = forms.BooleanField(
        label=_("Also block every name below it (wildcard)"), required=False
    )
    policy = forms.ChoiceField(
        label=_("What resolvers answer"),
        choices=BlockPolicy.choices,
        initial=BlockPolicy.WARNING,
    )
    days = forms.IntegerField(
        label=_("Duration in days"),
        min_value=1,
        max_value=BLOCK_MAX_DAYS,
        initial=BLOCK_DEFAULT_DAYS,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class RenewForm(forms.Form):
    days = forms.IntegerField(
        label=_("Extend by days"),
        min_value=1,
        max_value=BLOCK_MAX_DAYS,
        initial=BLOCK_DEFAULT_DAYS,
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("uphold", _("Uphold: lift the block")), ("reject", _("Reject: keep the block"))],
    )
    note = forms.CharField(
        label=_("Explanation for the owner"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

"""Forms of the knowledge pages. They validate shape; the services validate meaning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ketenwacht.knowledge.constants import (
    BARRIER_MARKINGS,
    DOCUMENT_MARKINGS,
    TEXT_MAX,
    TITLE_MAX,
    ActionStatus,
    BarrierKind,
    BarrierStatus,
    DocumentKind,
    EntryKind,
    Theme,
)
from ketenwacht.knowledge.models import JourneyPhase, LibraryDocument
from ketenwacht.partners.constants import Marking, Sector
from ketenwacht.partners.models import DataSharingAgreement, Organisation, SharingGroup


def _marking_choices(allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Marking.choices if value in allowed]


if TYPE_CHECKING:
    _PhaseChoiceBase = forms.ModelChoiceField[JourneyPhase]
else:  # Django's field classes are not subscriptable at run time.
    _PhaseChoiceBase = forms.ModelChoiceField


class PhaseChoiceField(_PhaseChoiceBase):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.journey.fraud_type.name}: {obj.position}. {obj.name}"


class BarrierForm(forms.Form):
    phase = PhaseChoiceField(label=_("Phase"), queryset=JourneyPhase.objects.none())
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown. Describe the barrier, not how to get round it."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Owning sectors"), choices=Sector.choices, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=BarrierKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=BarrierStatus.choices)
    effectiveness = forms.CharField(
        label=_("Effectiveness notes"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence_links = forms.CharField(
        label=_("Evidence links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One http(s) link per line."),
    )
    marking = forms.ChoiceField(
        label=_("Marking"),
        choices=_marking_choices(BARRIER_MARKINGS),
        initial=Marking.AMBER,
        help_text=_("Most barriers are TLP:AMBER, so as not to make fraudsters any wiser."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, phases: QuerySet[JourneyPhase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = phases  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        data["phase"] = data["phase"].pk
        data["evidence_links"] = [
            line.strip() for line in data["evidence_links"].splitlines() if line.strip()
        ]
        return data


class PhaseForm(forms.Form):
    name_nl = forms.CharField(label=_("Name (Dutch)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    description_nl = forms.CharField(
        label=_("Description (Dutch)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionPointForm(forms.Form):
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner_organisation = forms.ModelChoiceField(
        label=_("Owner organisation"),
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
    )
    owner_name = forms.CharField(
        label=_("Owner (if not an organisation on the platform)"), required=False, max_length=200
    )
    marking = forms.ChoiceField(label=_("Marking"), choices=Marking.choices, initial=Marking.GREEN)


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=_("Update"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[("", _("(unchanged)")), *ActionStatus.choices],
        required=False,
    )


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown."),
    )
    meeting_date = forms.DateField(
        label=_("Meeting date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    marking = forms.ChoiceField(
        label=_("Marking"),
        choices=Marking.choices,
        initial=Marking.AMBER_STRICT,
        help_text=_(
            "Below TLP:GREEN only the members of this working group read it; GREEN: every "
            "partner; CLEAR: the public."
        ),
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=TITLE_MAX)
    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Assignee"), queryset=None, required=False
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, members: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members  # type: ignore[attr-defined]


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas, e.g. monitor, 2023.")
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    marking = forms.ChoiceField(
        label=_("Marking"), choices=_marking_choices(DOCUMENT_MARKINGS), initial=Marking.AMBER
    )
    group = forms.ModelChoiceField(
        label=_("Sharing group"),
        queryset=SharingGroup.objects.none(),
        required=False,
        help_text=_("Empty: every partner (as far as the marking allows)."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument, CSV or text; at most 20 MB."),
    )

    def __init__(self, *args: Any, groups: QuerySet[SharingGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]

    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class LibrarySearchForm(forms.Form):
    q = forms.CharField(label=_("Title contains"), required=False, max_length=100)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *DocumentKind.choices], required=False
    )


class BottleneckForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    slug = forms.SlugField(label=_("Short name (in the address)"), max_length=80)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    marking = forms.ChoiceField(
        label=_("Marking"), choices=_marking_choices(BARRIER_MARKINGS), initial=Marking.AMBER
    )


class FindingsForm(forms.Form):
    findings = forms.CharField(
        label=_("Findings of this stage"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown."),
    )
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents from the library"),
        queryset=LibraryDocument.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, documents: QuerySet[LibraryDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = documents  # type: ignore[attr-defined]


class AdvanceForm(forms.Form):
    agreement = forms.ModelChoiceField(
        label=_("Data-sharing agreement it produced"),
        queryset=DataSharingAgreement.objects.select_related("group"),
        required=False,
        help_text=_("Required to move to implementation."),
    )


class OpinionForm(forms.Form):
    text = forms.CharField(
        label=_("Opinion of the privacy expert group"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class MemberForm(forms.Form):
    user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Person"), queryset=None)
    is_chair = forms.BooleanField(label=_("Chair"), required=False)

    def __init__(self, *args: Any, candidates: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = _person_label  # type: ignore[attr-defined]


def _person_label(user: Any) -> str:
    membership = user.memberships.select_related("organisation").first()
    organisation = membership.organisation.name if membership else ""
    return f"{user.get_full_name() or user.get_username()} ({organisation})"

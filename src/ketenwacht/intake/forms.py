"""Forms of the wizard (one per kind of question), the plan page, the status page and the
desk inbox. Every refusal names what is wrong; nothing typed is ever dropped silently."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ketenwacht.identifiers.canonical import CanonicalError, canonicalise
from ketenwacht.identifiers.constants import ROLE_KINDS
from ketenwacht.intake.constants import (
    IDENTIFIER_ROLE_LABELS,
    IDENTIFIER_ROWS_SHOWN,
    MAX_AMOUNT_EUROS,
    MAX_IDENTIFIERS,
    MAX_INFO_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_VALUE_LENGTH,
    QuestionKind,
    ReferralStatus,
)
from ketenwacht.intake.models import Desk
from ketenwacht.intake.questionnaire import Question
from ketenwacht.partners.validators import normalise_kvk

OTHER_BANK = "other"
EARLIEST_DATE = date(1990, 1, 1)


def _english() -> bool:
    return (get_language() or "nl").startswith("en")


def canonical_message(error: CanonicalError) -> str:
    """The refusal in the page's language (the identifiers app writes both)."""
    if error.message_nl and error.message_en:
        message = error.message_en if _english() else error.message_nl
    else:
        message = str(error.message)
    suggestion = error.details.get("suggestion")
    if suggestion:
        message = f"{message} ({_('Did you mean')} {suggestion}?)"
    return message


class AnswerForm(forms.Form):
    """The answer to one question. ``answer()`` is what gets stored (JSON)."""

    question: Question

    def __init__(self, question: Question, *args: Any, **kwargs: Any) -> None:
        self.question = question
        super().__init__(*args, **kwargs)

    def stored_value(self) -> Any:
        return self.cleaned_data["answer"]

    @classmethod
    def initial_for(cls, stored: Any) -> dict[str, Any]:
        return {"answer": stored} if stored not in (None, "") else {}


class ChoiceAnswerForm(AnswerForm):
    def __init__(self, question: Question, *args: Any, **kwargs: Any) -> None:
        super().__init__(question, *args, **kwargs)
        self.fields["answer"] = forms.ChoiceField(
            label=str(question.text),
            choices=[(option.value, str(option.label)) for option in question.options],
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Choose one of the answers."),
                "invalid_choice": _("Choose one of the answers shown."),
            },
        )


class AmountAnswerForm(AnswerForm):
    answer = forms.CharField(
        label=_("Amount in euros"),
        max_length=30,
        error_messages={"required": _("Enter the amount, for example 1250 or 1.250,50.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def clean_answer(self) -> str:
        return str(parse_amount(self.cleaned_data["answer"]))


_AMOUNT_CHARS = re.compile(r"^[0-9.,\s]+$")


def parse_amount(text: str) -> Decimal:
    """Euros as people write them: 1250, 1.250, 1.250,50, 1,250.50, € 1250,-."""
    cleaned = text.strip().replace("€", "").replace("EUR", "").replace("eur", "")
    cleaned = cleaned.removesuffix(",-").removesuffix(".-").strip()
    if not cleaned or not _AMOUNT_CHARS.match(cleaned):
        raise ValidationError(
            _("Enter an amount in digits, for example 1250 or 1.250,50."), code="amount_format"
        )
    cleaned = cleaned.replace(" ", "")
    last_sep = max(cleaned.rfind(","), cleaned.rfind("."))
    if last_sep != -1 and len(cleaned) - last_sep - 1 in (1, 2):
        whole, cents = cleaned[:last_sep], cleaned[last_sep + 1 :]
    else:
        whole, cents = cleaned, ""
    whole = whole.replace(",", "").replace(".", "")
    try:
        amount = Decimal(f"{whole or '0'}.{cents or '0'}")
    except InvalidOperation:
        raise ValidationError(
            _("This is not an amount we can read."), code="amount_format"
        ) from None
    if amount <= 0:
        raise ValidationError(_("The amount must be more than 0 euros."), code="amount_zero")
    if amount > MAX_AMOUNT_EUROS:
        raise ValidationError(_("This amount is too large. Please check it."), code="amount_large")
    return amount.quantize(Decimal("0.01"))


class DateAnswerForm(AnswerForm):
    answer = forms.CharField(
        label=_("Date"),
        max_length=20,
        help_text=_("For example 14-03-2025."),
        error_messages={"required": _("Enter the date, for example 14-03-2025.")},
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}),
    )

    def clean_answer(self) -> str:
        return parse_date(self.cleaned_data["answer"]).isoformat()


def parse_date(text: str) -> date:
    text = text.strip()
    parsed = None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y"):
        try:
            parsed = datetime.strptime(text, pattern).date()
            break
        except ValueError:
            continue
    if parsed is None:
        raise ValidationError(
            _("Enter the date as day-month-year, for example 14-03-2025."), code="date_format"
        )
    if parsed > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="date_future")
    if parsed < EARLIEST_DATE:
        raise ValidationError(_("The date is too long ago. Please check it."), code="date_past")
    return parsed


class TextAnswerForm(AnswerForm):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write a few words, or skip this question."),
            "max_length": _("Please keep it under %(limit_value)d characters."),
        },
    )


class KvkAnswerForm(AnswerForm):
    answer = forms.CharField(
        label=_("KvK number"),
        max_length=20,
        error_messages={"required": _("Enter the KvK number, or skip this question.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_answer(self) -> str:
        compact = normalise_kvk(self.cleaned_data["answer"])
        if not re.fullmatch(r"[0-9]{8}", compact) or compact == "00000000":
            raise ValidationError(
                _("A KvK number has exactly eight digits, for example 12345678."),
                code="invalid_kvk",
            )
        return compact


class PostcodeAnswerForm(AnswerForm):
    answer = forms.CharField(
        label=_("Digits of your postcode"),
        max_length=10,
        error_messages={"required": _("Enter the four digits, or skip this question.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": "6"}),
    )

    def clean_answer(self) -> str:
        text = self.cleaned_data["answer"].strip().upper().replace(" ", "")
        digits = text[:4]
        if not re.fullmatch(r"[1-9][0-9]{3}", digits) or (
            len(text) > 4 and not re.fullmatch(r"[A-Z]{2}", text[4:])
        ):
            raise ValidationError(
                _("Enter only the four digits of your postcode, for example 3511."),
                code="invalid_postcode",
            )
        return digits  # letters are never kept: four digits are enough for statistics


class BankAnswerForm(AnswerForm):
    def __init__(self, question: Question, *args: Any, banks: list[Desk], **kwargs: Any) -> None:
        super().__init__(question, *args, **kwargs)
        choices = [(bank.slug, bank.name) for bank in banks]
        choices.append((OTHER_BANK, str(_("Another bank, or I do not know"))))
        self.fields["answer"] = forms.ChoiceField(
            label=str(question.text),
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={"required": _("Choose your bank, or skip this question.")},
        )

    def stored_value(self) -> Any:
        value = self.cleaned_data["answer"]
        return "" if value == OTHER_BANK else value

    @classmethod
    def initial_for(cls, stored: Any) -> dict[str, Any]:
        return {"answer": stored or OTHER_BANK} if stored is not None else {}


class IdentifiersAnswerForm(AnswerForm):
    """Rows of (what it is, the value). Every row with a value must be understood; a row we
    cannot read is explained next to it, never dropped."""

    def __init__(
        self, question: Question, *args: Any, rows: int = IDENTIFIER_ROWS_SHOWN, **kwargs: Any
    ) -> None:
        super().__init__(question, *args, **kwargs)
        data = kwargs.get("data") if "data" in kwargs else (args[0] if args else None)
        if data is not None:
            rows = max(rows, _rows_in(data))
        self.rows = min(max(rows, 1), MAX_IDENTIFIERS)
        role_choices = [(role, str(label)) for role, label in IDENTIFIER_ROLE_LABELS.items()]
        for index in range(self.rows):
            self.fields[f"role_{index}"] = forms.ChoiceField(
                label=_("What is it? (%(number)d)") % {"number": index + 1},
                choices=role_choices,
                required=False,
            )
            self.fields[f"value_{index}"] = forms.CharField(
                label=_("Number, address or name (%(number)d)") % {"number": index + 1},
                max_length=MAX_VALUE_LENGTH,
                required=False,
                widget=forms.TextInput(attrs=_live_check_attrs(index)),
            )

    def row_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"role_{i}"], self[f"value_{i}"]) for i in range(self.rows)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        items: list[dict[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for index in range(self.rows):
            value = (cleaned.get(f"value_{index}") or "").strip()
            if not value:
                continue
            role = cleaned.get(f"role_{index}") or "other"
            try:
                canonical = canonical_for_role(value, role)
            except ValidationError as error:
                self.add_error(f"value_{index}", error)
                continue
            key = (canonical.kind, canonical.value)
            if key not in seen:
                seen.add(key)
                items.append(
                    {
                        "role": role,
                        "kind": canonical.kind,
                        "value": canonical.value,
                        "display": canonical.display,
                    }
                )
        cleaned["answer"] = items
        if not items and not self.errors and self.question.required:
            raise ValidationError(_("Enter at least one detail, or skip this question."))
        return cleaned

    @classmethod
    def initial_for(cls, stored: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for index, item in enumerate(stored or []):
            initial[f"role_{index}"] = item.get("role", "other")
            initial[f"value_{index}"] = item.get("display") or item.get("value", "")
        return initial


def _live_check_attrs(index: int) -> dict[str, str]:
    """htmx explains the value while it is typed; without JavaScript the form checks it."""
    return {
        "autocomplete": "off",
        "spellcheck": "false",
        "hx-post": reverse("intake:check_identifier"),
        "hx-trigger": "input changed delay:600ms, change",
        "hx-target": f"#check-value_{index}",
        "hx-include": f"[name=role_{index}], [name=csrfmiddlewaretoken]",
        "hx-vals": json.dumps({"field": f"value_{index}"}),
        "hx-swap": "innerHTML",
    }


def describe(form: forms.Form, *, help_id: str | None) -> None:
    """aria-describedby and aria-invalid on each input: its help text and its errors."""
    for name, field in form.fields.items():
        ids = []
        if help_id and name == "answer":
            ids.append(help_id)
        if form.is_bound and name in form.errors:
            ids.append("answer-error" if name == "answer" else f"{form[name].auto_id}-error")
            field.widget.attrs["aria-invalid"] = "true"
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)


def _rows_in(data: Any) -> int:
    indexes = [
        int(key.split("_", 1)[1]) + 1
        for key in getattr(data, "keys", lambda: [])()
        if re.fullmatch(r"(role|value)_[0-9]{1,2}", str(key))
    ]
    return max(indexes, default=0)


ROLE_NAMES = {
    "iban": _("a bank account number (IBAN)"),
    "phone": _("a telephone number"),
    "email": _("an e-mail address"),
    "url": _("a web address"),
    "domain": _("a website name"),
    "account": _("an account name"),
    "wallet": _("a crypto wallet address"),
    "device": _("a device identifier"),
}


def canonical_for_role(value: str, role: str) -> Any:
    """The canonical form of ``value`` for a row described as ``role``, or a ValidationError
    that says what is wrong in the victim's language."""
    kinds = ROLE_KINDS.get(role, ROLE_KINDS["other"])
    try:
        canonical = canonicalise(value)
    except CanonicalError as error:
        if len(kinds) == 1:
            try:
                return canonicalise(value, next(iter(kinds)))
            except CanonicalError as specific:
                raise ValidationError(canonical_message(specific), code=specific.code) from None
        raise ValidationError(canonical_message(error), code=error.code) from None
    if canonical.kind not in kinds:
        if len(kinds) == 1:
            try:
                return canonicalise(value, next(iter(kinds)))
            except CanonicalError:
                pass
        raise ValidationError(
            _("This looks like %(kind)s. Choose a description that fits, or 'Something else'.")
            % {"kind": ROLE_NAMES.get(canonical.kind, canonical.kind)},
            code="role_kind_mismatch",
        )
    return canonical


FORMS_BY_KIND: dict[str, type[AnswerForm]] = {
    QuestionKind.CHOICE: ChoiceAnswerForm,
    QuestionKind.AMOUNT: AmountAnswerForm,
    QuestionKind.DATE: DateAnswerForm,
    QuestionKind.TEXT: TextAnswerForm,
    QuestionKind.KVK: KvkAnswerForm,
    QuestionKind.POSTCODE: PostcodeAnswerForm,
    QuestionKind.BANK: BankAnswerForm,
    QuestionKind.IDENTIFIERS: IdentifiersAnswerForm,
}


def answer_form(
    question: Question,
    *,
    data: Any = None,
    stored: Any = None,
    banks: list[Desk] | None = None,
    rows: int | None = None,
) -> AnswerForm:
    form_class = FORMS_BY_KIND[question.kind]
    kwargs: dict[str, Any] = {"data": data, "initial": form_class.initial_for(stored)}
    if question.kind == QuestionKind.BANK:
        kwargs["banks"] = banks or []
    if question.kind == QuestionKind.IDENTIFIERS:
        shown = max(len(stored or []) + 1, IDENTIFIER_ROWS_SHOWN)
        kwargs["rows"] = rows if rows is not None else shown
    form = form_class(question, **kwargs)
    if question.kind not in (QuestionKind.IDENTIFIERS,):
        form.fields["answer"].required = True
    return form


# ------------------------------------------------------------------------ plan and status


class PlanForm(forms.Form):
    """Consent per desk (unticked by default), contact details, sightings agreement."""

    contact_name = forms.CharField(label=_("Your name"), max_length=120, required=False)
    contact_email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an e-mail address like name@example.nl.")},
    )
    contact_phone = forms.CharField(
        label=_("Your telephone number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    sightings = forms.BooleanField(
        label=_(
            "Yes, the fraudster's details I gave may be used to warn banks, shops and the police"
        ),
        required=False,
    )

    def __init__(self, *args: Any, desks: list[Desk], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.desks = desks
        for desk in desks:
            self.fields[f"consent_{desk.slug}"] = forms.BooleanField(
                label=_("Yes, send my report to %(desk)s") % {"desk": desk.name},
                required=False,
            )
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"

    def consented(self) -> list[str]:
        return [desk.slug for desk in self.desks if self.cleaned_data.get(f"consent_{desk.slug}")]

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data.get("contact_phone", "").strip()
        if phone and not re.fullmatch(r"\+?[0-9 ()-]{8,20}", phone):
            raise ValidationError(
                _("Enter a telephone number in digits, for example 06 12345678."),
                code="invalid_phone",
            )
        return phone


class InformationForm(forms.Form):
    information = forms.CharField(
        label=_("Add information"),
        max_length=MAX_INFO_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("It goes to the desks you gave consent to. Never write passwords or PINs."),
        error_messages={"required": _("Write the information you want to add.")},
    )


class StatusEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.nl."),
        },
    )


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=[])
    note = forms.CharField(
        label=_("Note for the victim (optional)"),
        max_length=MAX_INFO_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [(s, ReferralStatus(s).label) for s in allowed]


class InformationRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Question to the victim"),
        max_length=MAX_INFO_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your question.")},
    )

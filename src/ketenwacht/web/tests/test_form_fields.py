"""web/form_fields.html: labels, help and errors that widgets really point at."""

from __future__ import annotations

import re

from django.template.loader import render_to_string

from ketenwacht.partners.forms import SecondFactorForm, TokenCreateForm


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def _described_by(html: str) -> list[str]:
    return [ref for refs in re.findall(r'aria-describedby="([^"]+)"', html) for ref in refs.split()]


def test_help_and_error_of_a_text_field_are_referenced_by_the_input() -> None:
    form = SecondFactorForm(data={"code": ""})
    assert not form.is_valid()
    html = render_to_string("web/form_fields.html", {"form": form})
    assert set(_described_by(html)) == {"id_code_helptext", "id_code_error"}
    assert set(_described_by(html)) <= _ids(html)
    assert '<label for="id_code">' in html


def test_checkbox_group_is_a_fieldset_whose_error_is_referenced() -> None:
    form = TokenCreateForm(data={"name": "feed", "days": "30"})
    assert not form.is_valid()
    html = render_to_string("web/form_fields.html", {"form": form})
    assert re.search(r'<fieldset aria-describedby="id_scopes_error">\s*<legend>', html)
    assert set(_described_by(html)) <= _ids(html)


def test_valid_field_has_no_error_markup() -> None:
    form = TokenCreateForm(data={"name": "feed", "days": "30", "scopes": ["audit:read"]})
    assert form.is_valid()
    html = render_to_string("web/form_fields.html", {"form": form})
    assert "field-error" not in html
    assert "form-field--invalid" not in html

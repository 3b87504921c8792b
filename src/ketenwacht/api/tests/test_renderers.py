"""The msgspec renderer writes the bytes DRF's JSONRenderer writes for plain data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from ketenwacht.api.renderers import FastJSONRenderer

PLAIN: list[Any] = [
    {"results": [{"index": 0, "ok": True, "level": "warning", "measures": {"a": 1.5}}]},
    {"text": 'één — “quoted” \\ back\\slash " and \t tab, emoji 🛡️', "n": -3, "none": None},
    {"lines": "ends\u2028a line\u2029in JavaScript", "nested": [[1, 2], {"x": [True, False]}]},
    [],
    {},
    "plain string",
    12345678901234567890,
    0.1,
]


@pytest.mark.parametrize("data", PLAIN)
def test_the_same_bytes_as_drf_for_plain_data(data: Any) -> None:
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_u2028_and_u2029_are_escaped_as_drf_does() -> None:
    body = FastJSONRenderer().render({"s": "a\u2028b\u2029c"})
    assert b"\\u2028" in body and b"\\u2029" in body
    assert json.loads(body) == {"s": "a\u2028b\u2029c"}


def test_lazy_translations_go_through_drfs_encoder() -> None:
    data = {"detail": gettext_lazy("Not found.")}
    assert json.loads(FastJSONRenderer().render(data)) == json.loads(JSONRenderer().render(data))


def test_no_body_for_none() -> None:
    assert FastJSONRenderer().render(None) == b""


def test_unknown_objects_are_refused_like_drf() -> None:
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"x": object()})

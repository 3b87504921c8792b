"""KvK numbers: eight ASCII digits, written with or without spaces and dots."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ketenwacht.partners.validators import normalise_kvk, validate_kvk


@pytest.mark.parametrize(
    ("raw", "compact"),
    [("12345678", "12345678"), ("1234 5678", "12345678"), ("12.34.56.78", "12345678"), ("", "")],
)
def test_normalise_kvk(raw: str, compact: str) -> None:
    assert normalise_kvk(raw) == compact


@pytest.mark.parametrize("valid", ["12345678", "01234567", "1234 5678"])
def test_validate_kvk_accepts_eight_digits(valid: str) -> None:
    validate_kvk(valid)


@pytest.mark.parametrize(
    "invalid",
    ["1234567", "123456789", "1234567a", "00000000", "١٢٣٤٥٦٧٨", "12345678\n9", "+1234567"],
)
def test_validate_kvk_refuses_everything_else(invalid: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_kvk(invalid)
    assert caught.value.code == "invalid_kvk"

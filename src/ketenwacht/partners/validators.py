"""Validation of organisation data, shared by forms, the API and services."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ASCII digits only: ``\d`` would also accept e.g. Arabic-Indic digits.
_KVK_RE = re.compile(r"[0-9]{8}")


def normalise_kvk(value: str) -> str:
    """KvK numbers are eight digits; people write them with spaces or dots."""
    return re.sub(r"[\s.\-]", "", value or "")


def validate_kvk(value: str) -> None:
    compact = normalise_kvk(value)
    if not _KVK_RE.fullmatch(compact) or compact == "00000000":
        raise ValidationError(
            _("A KvK number has exactly eight digits."),
            code="invalid_kvk",
        )

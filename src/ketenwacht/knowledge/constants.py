"""Vocabularies of the knowledge domain: the fraud-type codes every app refers to.

The taxonomy itself is data (``FraudType`` rows, editable by the programme team); these are
the codes seeded from the design, so code can name them without magic strings.
"""

from __future__ import annotations

import re
from enum import StrEnum


class FraudTypeCode(StrEnum):
    BANKHELPDESK = "bankhelpdesk"
    PURCHASE = "purchase"
    SALES = "sales"
    FRIEND_IN_NEED = "friend_in_need"
    PHISHING = "phishing"
    INVOICE = "invoice"
    ROMANCE = "romance"
    INVESTMENT = "investment"
    IDENTITY = "identity"
    HELPDESK_OTHER = "helpdesk_other"
    OTHER = "other"


SEEDED_FRAUD_TYPE_CODES: tuple[str, ...] = tuple(code.value for code in FraudTypeCode)

# Where a report lands when no other type fits; it must stay active.
FALLBACK_FRAUD_TYPE = FraudTypeCode.OTHER

# Codes are stable identifiers in URLs, exports and other apps' rows: lower-case slugs.
FRAUD_TYPE_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

FRAUD_TYPES_CACHE_KEY = "knowledge:fraud-types:v1"
FRAUD_TYPES_CACHE_SECONDS = 300

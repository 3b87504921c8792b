"""The BSN guard: a citizen service number may not be shared on this platform.

A BSN has nine digits (older ones eight, written with a leading zero) and passes the
"11-proef": 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11. Any bare number of that shape
offered as an identifier is refused, whatever kind it was offered as — we cannot tell a BSN
from another number that happens to pass, and the cost of storing a BSN is the higher one.
"""

from __future__ import annotations

from ketenwacht.identifiers.canonical._text import Separators
from ketenwacht.identifiers.canonical.types import CanonicalError

_SEPARATORS = Separators(" .-")
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
# The longest spelling looks_like_bsn considers: nine digits with separators between them.
BSN_MAX_LENGTH = 13


def passes_elfproef(digits: str) -> bool:
    """True when ``digits`` (8 or 9 ASCII digits) passes the BSN variant of the 11-proef."""
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not (digits.isascii() and digits.isdigit()):
        return False
    total = sum(weight * int(digit) for weight, digit in zip(_WEIGHTS, digits, strict=True))
    return total % 11 == 0


def looks_like_bsn(text: str) -> bool:
    """A bare 8- or 9-digit number (spaces, dots, hyphens allowed) that passes the 11-proef."""
    if len(text) > BSN_MAX_LENGTH:  # keeps the hot path cheap
        return False
    digits = _SEPARATORS.delete(text)
    return 8 <= len(digits) <= 9 and passes_elfproef(digits)


def refuse_bsn(text: str, *, kind: str | None = None) -> None:
    """Raise when ``text`` may be a BSN; the message never repeats the number."""
    if looks_like_bsn(text):
        raise CanonicalError.bilingual(
            "bsn_refused",
            "Dit lijkt een burgerservicenummer (BSN); dat mag hier niet gedeeld worden",
            "this looks like a Dutch citizen service number (BSN), which may not be shared here",
            kind=kind,
        )

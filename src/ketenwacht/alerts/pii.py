"""Personal data in prose: IBANs, phone numbers, e-mail addresses and BSN-like numbers.

Regular expressions find candidates cheaply; the identifiers app's canonical functions confirm
them (a checksum-valid IBAN, a real phone number, a well-formed address, a number passing the
11-proef that the platform refuses as a possible BSN). Before an alert is shared the author
turns each finding into an indicator (pseudonymised) or redacts it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ketenwacht.alerts import indicators
from ketenwacht.alerts.constants import PiiKind

# Fields of an alert that are prose (and so scanned).
PROSE_FIELDS = ("title", "summary", "body")

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

# Upper-case country code and check digits, then groups of four (spaced or not) and a tail.
_IBAN = re.compile(
    _NOT_ALNUM_BEFORE
    + r"[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?"
    + _NOT_ALNUM_AFTER
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?![\w-])"
)
# Dutch numbers (06-12345678, 020 123 4567, +31 (0)6 …, 0031 6 …) and other E.164 numbers.
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)31[ .-]?(?:\(0\)[ .-]?)?[1-9](?:[ .-]?[0-9]){8}"
    r"|0[1-9](?:[ .-]?[0-9]){8}"
    r"|\+[1-9](?:[ .-]?[0-9]){7,14}"
    r")(?![0-9])"
)
# Eight or nine digits, perhaps grouped with spaces, dots or hyphens.
_BSN = re.compile(_NOT_ALNUM_BEFORE + r"[0-9](?:[ .-]?[0-9]){7,8}" + _NOT_ALNUM_AFTER)


@dataclass(frozen=True)
class PiiFinding:
    field: str
    kind: str
    start: int
    end: int
    text: str  # exactly as written in the field
    canonical: str  # the canonical form; "" for a BSN (never kept, not even canonically)

    @property
    def can_be_indicator(self) -> bool:
        return self.kind != PiiKind.BSN

    @property
    def masked(self) -> str:
        """For messages and audit rows: the kind and a hint, never the whole value."""
        if self.kind == PiiKind.BSN:
            return "•••••••••"
        try:
            return indicators.display_hint(indicators.canonical_of(self.canonical, self.kind))
        except indicators.CanonicalError:
            return "•••"


def _confirmed(kind: str, text: str) -> str | None:
    """The canonical value if the identifiers app accepts ``text`` as ``kind``."""
    try:
        return indicators.canonical_of(text, kind).value
    except indicators.CanonicalError:
        return None


def _iban_candidates(text: str) -> Iterator[tuple[int, int, str]]:
    """A grouped IBAN followed by an upper-case word may have swallowed it: retry shorter."""
    for match in _IBAN.finditer(text):
        candidate = match.group()
        while len(candidate.replace(" ", "")) >= 15:
            canonical = _confirmed(PiiKind.IBAN, candidate)
            if canonical is not None:
                yield match.start(), match.start() + len(candidate), canonical
                break
            head, _space, _tail = candidate.rpartition(" ")
            if not head:
                break
            candidate = head


def _simple_candidates(
    pattern: re.Pattern[str], kind: str, text: str
) -> Iterator[tuple[int, int, str]]:
    for match in pattern.finditer(text):
        canonical = _confirmed(kind, match.group())
        if canonical is not None:
            yield match.start(), match.end(), canonical


def _bsn_candidates(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _BSN.finditer(text):
        if indicators.is_bsn_like(match.group()):
            yield match.start(), match.end(), ""


def scan_text(text: str, field: str = "text") -> list[PiiFinding]:
    """Confirmed findings in ``text``, in order; overlapping candidates count once."""
    found: list[PiiFinding] = []
    taken: list[tuple[int, int]] = []
    searches = (
        (PiiKind.IBAN, _iban_candidates(text)),
        (PiiKind.EMAIL, _simple_candidates(_EMAIL, PiiKind.EMAIL, text)),
        (PiiKind.PHONE, _simple_candidates(_PHONE, PiiKind.PHONE, text)),
        (PiiKind.BSN, _bsn_candidates(text)),
    )
    for kind, candidates in searches:
        for start, end, canonical in candidates:
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(PiiFinding(field, kind, start, end, text[start:end], canonical))
    return sorted(found, key=lambda finding: finding.start)


def scan_fields(fields: Mapping[str, str]) -> list[PiiFinding]:
    """Findings in every prose field given (title, summary, body)."""
    return [
        finding
        for name in PROSE_FIELDS
        if name in fields
        for finding in scan_text(fields[name] or "", field=name)
    ]


def placeholder_for_indicator(kind: str, hint: str) -> str:
    return f"[{kind}: {hint}]"


REDACTED = "[…]"

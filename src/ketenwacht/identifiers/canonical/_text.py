"""Input hygiene shared by every kind: trimming, invisible characters, defanged spellings."""

from __future__ import annotations

import re

from ketenwacht.identifiers.canonical.types import CanonicalError

MAX_INPUT_LENGTH = 2048

# Characters that ride along when people copy identifiers from chats, PDFs and web pages:
# no-break and thin spaces, zero-width characters, direction marks, the byte-order mark.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u00a0\u2007\u202f\u2009\u200a\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"), " "
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Defanging as threat-intelligence reports write it: hxxps://evil[.]example, user[@]host.
_DEFANGED_SCHEME = re.compile(r"^(?:hxxp|hXXp|h\*\*p|hxp|h__p)(s?)(?=:|\[:)", re.IGNORECASE)
_DEFANGED_PARTS = re.compile(
    r"\[(?:\.|dot)\]|\((?:\.|dot)\)|\{(?:\.|dot)\}|\[:\]|\[://\]|\[/\]|\[@\]|\[at\]|\(at\)",
    re.IGNORECASE,
)
_REFANGED = {"[:]": ":", "[://]": "://", "[/]": "/"}


def clean(raw: object, *, kind: str | None = None) -> str:
    """Trim the input and refuse what is no identifier at all (not text, empty, binary, huge)."""
    if not isinstance(raw, str):
        raise CanonicalError.bilingual(
            "not_text", "Invoer is geen tekst", "input is not text", kind=kind
        )
    text = raw.strip()
    if not text.isascii():
        text = text.translate(_INVISIBLE).strip()
        _refuse_unencodable(text, kind)
    if not text:
        raise CanonicalError.bilingual("empty", "Invoer is leeg", "input is empty", kind=kind)
    if len(text) > MAX_INPUT_LENGTH:
        raise CanonicalError.bilingual(
            "too_long",
            f"Invoer is langer dan {MAX_INPUT_LENGTH} tekens",
            f"input is longer than {MAX_INPUT_LENGTH} characters",
            kind=kind,
        )
    if not text.isprintable() and _CONTROL.search(text):
        raise CanonicalError.bilingual(
            "control_characters",
            "Invoer bevat stuurtekens",
            "input contains control characters",
            kind=kind,
        )
    return text


def _refuse_unencodable(text: str, kind: str | None) -> None:
    """Lone surrogates (from broken decoding upstream) cannot be stored or hashed as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError.bilingual(
            "not_text", "Invoer is geen geldige tekst", "input is not valid text", kind=kind
        ) from None


class Separators:
    """Characters to delete from identifiers written in groups (``06-1234 5678``).

    ``bytes.translate`` deletes in one C pass; ``str.translate`` with a deletion table walks
    a dict per character and costs more than the rest of the Dutch phone fast path.
    """

    __slots__ = ("_bytes", "_table")

    def __init__(self, chars: str) -> None:
        self._bytes = chars.encode("ascii")
        self._table = str.maketrans("", "", chars)

    def delete(self, text: str) -> str:
        if text.isascii():
            return text.encode("ascii").translate(None, self._bytes).decode("ascii")
        return text.translate(self._table)


def refang(text: str) -> str:
    """Undo defanging (``hxxps://``, ``[.]``, ``(dot)``, ``[@]``) so the real spelling is left."""
    if "[" in text or "(" in text or "{" in text:
        text = _DEFANGED_PARTS.sub(_refang_part, text)
    if text[:1] in "hH" and text[1:2] not in "tT":
        text = _DEFANGED_SCHEME.sub(r"http\1", text)
    return text


def _refang_part(match: re.Match[str]) -> str:
    part = match.group(0).lower()
    if part in _REFANGED:
        return _REFANGED[part]
    return "@" if "at" in part or "@" in part else "."

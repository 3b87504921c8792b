"""Reading a reported message: raw MIME (.eml, SMTP), Outlook .msg, pasted text or an SMS.

What comes out is a ``ParsedMessage``: subjects and senders as plain single-line text, the
visible text, the URLs found, and a list of attachments by name, type and size only.
Attachments are never decoded, opened, executed or rendered: a zip bomb stays a few bytes of
base64 we do not touch. Limits on size, number of parts and nesting depth refuse a message
with a clear reason (``MessageRefused``) before any heavy work.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses

from ketenwacht.errors import ValidationFailed
from ketenwacht.shield import extract
from ketenwacht.shield.constants import (
    EXCERPT_CHARS,
    MAX_DEPTH,
    MAX_HEADER_CHARS,
    MAX_MESSAGE_BYTES,
    MAX_PARTS,
    MAX_TEXT_CHARS,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Markers of an inline forward; the forwarder's own words above it are not the report.
_INLINE_FORWARD = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Doorgestuurd bericht|Original Message|"
    r"Oorspronkelijk bericht|Oorspronkelijk e-mailbericht|Weitergeleitete Nachricht)\s*-{2,}"
    r"|Begin forwarded message:|Begin doorgestuurd bericht:)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_FORWARDED_HEADER = re.compile(
    r"^[ \t>]*(From|Van|Subject|Onderwerp|Date|Datum|Sent|Verzonden)[ \t]*:[ \t]*(.+)$",
    re.IGNORECASE | re.MULTILINE,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_HEADER_START = re.compile(
    rb"\A(?:(?:Return-Path|Received|From|To|Cc|Reply-To|Sender|Subject|Date|Message-ID|"
    rb"MIME-Version|Content-Type|Content-Transfer-Encoding|Delivered-To|X-[\w-]+)[ \t]*:)",
    re.IGNORECASE,
)


class MessageRefused(ValidationFailed):
    """A message we will not read, with a stable code and a Dutch / English reason."""

    status = 422


def _refuse(code: str, message: str) -> MessageRefused:
    return MessageRefused(message, code=code, field="message")


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass
class ParsedMessage:
    subject: str = ""
    sender: str = ""
    original_subject: str = ""
    original_sender: str = ""
    text: str = ""
    urls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    parts: int = 0
    depth: int = 0
    forwarded: bool = False
    defects: list[str] = field(default_factory=list)

    @property
    def excerpt(self) -> str:
        return self.text[:EXCERPT_CHARS]


def one_line(value: str, limit: int = MAX_HEADER_CHARS) -> str:
    """A header value safe to show or reuse: no CR/LF or other controls, bounded length.

    This is what stops header injection: nothing a reporter sends can start a new header line
    in a message we write.
    """
    value = _undo_surrogates(value)
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def _undo_surrogates(value: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; read them as UTF-8 where possible."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")


def decode_header_value(raw: object) -> str:
    """Decode RFC 2047 encoded words; an unknown charset or broken word falls back to raw."""
    if raw is None:
        return ""
    # compat32 hands raw 8-bit header bytes over as a Header in charset "unknown-8bit".
    source: str | Header = raw if isinstance(raw, Header) else _undo_surrogates(str(raw))
    try:
        chunks = decode_header(source)
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return one_line(str(source))
    text = "".join(
        chunk if isinstance(chunk, str) else _decode_quietly(chunk, charset)
        for chunk, charset in chunks
    )
    return one_line(text)


def _decode_quietly(chunk: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if candidate and candidate != "unknown-8bit":
            try:
                return chunk.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    # Undeclared 8-bit bytes are nearly always UTF-8 with a stray byte; keep what reads.
    return chunk.decode("utf-8" if charset == "unknown-8bit" else "cp1252", errors="replace")


def first_address(raw: str) -> str:
    """The first syntactically plausible address of a From header, or empty."""
    for _name, address in getaddresses([raw]):
        address = one_line(address, 254)
        if address.count("@") == 1 and " " not in address and "," not in address:
            return address
    return ""


def decode_text(payload: bytes, charset: str | None, defects: list[str]) -> str:
    """Bytes to text with the declared charset, falling back (UTF-8, then Windows-1252)."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    defects.append("charset_fallback")
    return payload.decode("cp1252", errors="replace")


def _check_size(data: bytes | str) -> None:
    if len(data) > MAX_MESSAGE_BYTES:
        raise _refuse(
            "message_too_large",
            f"Het bericht is groter dan {MAX_MESSAGE_BYTES // (1024 * 1024)} MB. / The message "
            f"is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB.",
        )


def _check_part_count_cheaply(data: bytes) -> None:
    """Refuse a message with absurdly many parts before the parser builds them all."""
    if data.lower().count(b"content-type:") > MAX_PARTS * 2:
        raise _too_many_parts()


def _too_many_parts() -> MessageRefused:
    return _refuse(
        "too_many_parts",
        f"Het bericht heeft meer dan {MAX_PARTS} delen. / The message has more than "
        f"{MAX_PARTS} parts.",
    )


def _too_deep() -> MessageRefused:
    return _refuse(
        "too_deeply_nested",
        f"Het bericht is dieper dan {MAX_DEPTH} niveaus genest. / The message is nested more "
        f"than {MAX_DEPTH} levels deep.",
    )


def looks_like_mime(data: bytes) -> bool:
    return bool(_HEADER_START.match(data.lstrip()[:200]))


def parse_mime(data: bytes) -> ParsedMessage:
    """Parse a raw RFC 5322 message (.eml, SMTP DATA)."""
    _check_size(data)
    if not data.strip():
        raise _refuse("empty_message", "Het bericht is leeg. / The message is empty.")
    _check_part_count_cheaply(data)
    try:
        message = email.message_from_bytes(data)
    except RecursionError:
        raise _too_deep() from None
    parsed = ParsedMessage(
        subject=decode_header_value(message.get("Subject")),
        sender=first_address(decode_header_value(message.get("From"))),
    )
    parsed.defects.extend(type(defect).__name__ for defect in message.defects)
    _walk(message, parsed)
    return parsed


@dataclass
class Bodies:
    """Text collected from one message level, kept apart from forwarded levels below it."""

    texts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def _walk(root: Message, parsed: ParsedMessage) -> None:
    """Iterative walk (no recursion) with part and depth limits."""
    outer = Bodies()
    forwarded = Bodies()
    stack: list[tuple[Message, int, bool]] = [(root, 0, False)]
    while stack:
        part, depth, inside_forward = stack.pop()
        parsed.parts += 1
        if parsed.parts > MAX_PARTS:
            raise _too_many_parts()
        if depth > MAX_DEPTH:
            raise _too_deep()
        parsed.depth = max(parsed.depth, depth)
        content_type = part.get_content_type()
        if content_type == "message/rfc822" or (part is not root and _is_message(part)):
            inside_forward = True
            parsed.forwarded = True
            _note_original(part, parsed)
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                for child in reversed(children):
                    if isinstance(child, Message):
                        stack.append((child, depth + 1, inside_forward))
            continue
        _read_leaf(part, content_type, forwarded if inside_forward else outer, parsed)
    finish_bodies(parsed, outer, forwarded)


def _is_message(part: Message) -> bool:
    """A message embedded as the payload of a message/rfc822 part."""
    return part.get("From") is not None and part.get("Subject") is not None


def _note_original(part: Message, parsed: ParsedMessage) -> None:
    inner = part
    payload = part.get_payload() if part.get_content_type() == "message/rfc822" else None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
    if not parsed.original_subject and inner.get("Subject") is not None:
        parsed.original_subject = decode_header_value(inner.get("Subject"))
    if not parsed.original_sender and inner.get("From") is not None:
        parsed.original_sender = first_address(decode_header_value(inner.get("From")))


def _read_leaf(part: Message, content_type: str, bodies: Bodies, parsed: ParsedMessage) -> None:
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    filename = part.get_filename()
    is_attachment = disposition == "attachment" or bool(filename)
    if content_type.startswith("multipart/"):
        # A multipart whose boundary never appears: the parser leaves its body as text.
        content_type = "text/plain"
    if is_attachment or content_type not in ("text/plain", "text/html"):
        raw = part.get_payload(decode=False)
        parsed.attachments.append(
            Attachment(
                filename=decode_header_value(filename or "")[:255],
                content_type=one_line(content_type, 100),
                # The encoded size: decoding would be opening it.
                size=len(raw) if isinstance(raw, str | bytes) else 0,
            )
        )
        return
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return
    text = decode_text(payload[: MAX_TEXT_CHARS * 4], part.get_content_charset(), parsed.defects)
    if content_type == "text/html":
        links, visible = extract.html_links_and_text(text)
        bodies.links.extend(links)
        bodies.texts.append(visible)
    else:
        bodies.texts.append(text)


def finish_bodies(parsed: ParsedMessage, outer: Bodies, forwarded: Bodies) -> None:
    """The report is the forwarded content when there is any, else the whole message."""
    has_forward = bool(forwarded.texts or forwarded.links)
    source = forwarded if has_forward else _inline_forward(outer, parsed)
    text = "\n".join(source.texts)[:MAX_TEXT_CHARS]
    parsed.text = text
    parsed.urls = extract.unique(source.links + extract.urls_in_text(text))


def _inline_forward(bodies: Bodies, parsed: ParsedMessage) -> Bodies:
    """A forward pasted inline: keep what follows the marker and read its header block."""
    for index, text in enumerate(bodies.texts):
        marker = _INLINE_FORWARD.search(text)
        if marker is None:
            continue
        parsed.forwarded = True
        rest = text[marker.end() :]
        _note_inline_headers(rest[:2000], parsed)
        return Bodies(texts=[rest, *bodies.texts[index + 1 :]], links=bodies.links)
    return bodies


def _note_inline_headers(block: str, parsed: ParsedMessage) -> None:
    for name, value in _FORWARDED_HEADER.findall(block):
        key = name.lower()
        if key in ("subject", "onderwerp") and not parsed.original_subject:
            parsed.original_subject = one_line(value)
        elif key in ("from", "van") and not parsed.original_sender:
            parsed.original_sender = first_address(value) or one_line(value, 254)


def parse_text(text: str) -> ParsedMessage:
    """Pasted text: a whole raw message when it starts with headers, else plain text."""
    _check_size(text.encode("utf-8", "surrogatepass"))
    data = text.encode("utf-8", "replace")
    if looks_like_mime(data):
        return parse_mime(data)
    return parse_plain(text)


def parse_plain(text: str) -> ParsedMessage:
    """An SMS or pasted body without headers."""
    if not text.strip():
        raise _refuse("empty_message", "Het bericht is leeg. / The message is empty.")
    bodies = Bodies(texts=[text[:MAX_TEXT_CHARS]])
    parsed = ParsedMessage(parts=1)
    finish_bodies(parsed, Bodies(), _inline_forward(bodies, parsed))
    return parsed


def parse_upload(filename: str, data: bytes) -> ParsedMessage:
    """An uploaded ``.eml`` or ``.msg`` file; the content decides, not only the name."""
    _check_size(data)
    if data.startswith(OLE_MAGIC):
        from ketenwacht.shield.msg import parse_msg

        return parse_msg(data)
    if filename.lower().endswith(".msg"):
        raise _refuse(
            "msg_unreadable",
            "Dit .msg-bestand kunnen we niet lezen. / We cannot read this .msg file.",
        )
    if not looks_like_mime(data):
        raise _refuse(
            "not_a_message",
            "Dit bestand is geen e-mailbericht (.eml of .msg). / This file is not an e-mail "
            "message (.eml or .msg).",
        )
    return parse_mime(data)

"""A minimal reader for Outlook ``.msg`` files (OLE compound files), built on olefile (BSD).

It reads only the top-level properties a triage needs: subject, sender, plain-text and HTML
bodies, and the names and sizes of attachments. Attachment data streams are never read.
(``extract-msg`` does far more but is GPL-licensed, which this project does not take in.)

Property streams are named ``__substg1.0_TTTTPPPP``: TTTT is the MAPI property tag and PPPP
the type, ``001F`` UTF-16LE text, ``001E`` 8-bit text, ``0102`` binary.
"""

from __future__ import annotations

import olefile

from ketenwacht.shield import extract
from ketenwacht.shield.constants import MAX_PARTS, MAX_TEXT_CHARS
from ketenwacht.shield.parsing import (
    Attachment,
    Bodies,
    MessageRefused,
    ParsedMessage,
    decode_text,
    finish_bodies,
    first_address,
    one_line,
)

PR_SUBJECT = "0037"
PR_BODY = "1000"
PR_HTML = "1013"
PR_SENDER_EMAIL = "0C1F"
PR_SENDER_SMTP = "5D01"
PR_SENT_REPRESENTING_EMAIL = "0065"
PR_INTERNET_CPID = "3FDE"
PR_ATTACH_LONG_FILENAME = "3707"
PR_ATTACH_FILENAME = "3704"
PR_ATTACH_MIME_TAG = "370E"
PR_ATTACH_DATA = "3701"

# Windows code page numbers that MAPI uses for 8-bit strings and HTML bodies.
_CODE_PAGES = {
    65001: "utf-8",
    1252: "cp1252",
    28591: "latin-1",
    20127: "ascii",
    28605: "iso8859-15",
}


def _unreadable() -> MessageRefused:
    return MessageRefused(
        "Dit .msg-bestand kunnen we niet lezen. / We cannot read this .msg file.",
        code="msg_unreadable",
        field="message",
    )


def parse_msg(data: bytes) -> ParsedMessage:
    if not olefile.isOleFile(data=data):
        raise _unreadable()
    try:
        ole = olefile.OleFileIO(data)
    except (OSError, ValueError, IndexError, TypeError):
        raise _unreadable() from None
    try:
        return _read(ole)
    except (OSError, ValueError, IndexError, TypeError, KeyError):
        raise _unreadable() from None
    finally:
        ole.close()


class _Properties:
    """Typed access to one storage's property streams."""

    def __init__(self, ole: olefile.OleFileIO, prefix: list[str], defects: list[str]) -> None:
        self.ole = ole
        self.prefix = prefix
        self.defects = defects
        self.code_page: str | None = None

    def _stream(self, tag: str, kind: str) -> bytes | None:
        path = [*self.prefix, f"__substg1.0_{tag}{kind}"]
        if not self.ole.exists(path):
            return None
        data: bytes = self.ole.openstream(path).read(MAX_TEXT_CHARS * 4)
        return data

    def text(self, tag: str) -> str:
        unicode = self._stream(tag, "001F")
        if unicode is not None:
            return unicode.decode("utf-16-le", errors="replace").rstrip("\x00")
        eight_bit = self._stream(tag, "001E")
        if eight_bit is not None:
            return decode_text(eight_bit.rstrip(b"\x00"), self.code_page, self.defects)
        return ""

    def binary(self, tag: str) -> bytes:
        return self._stream(tag, "0102") or b""

    def size(self, tag: str, kind: str = "0102") -> int:
        path = [*self.prefix, f"__substg1.0_{tag}{kind}"]
        return int(self.ole.get_size(path)) if self.ole.exists(path) else 0


def _read(ole: olefile.OleFileIO) -> ParsedMessage:
    if not ole.exists("__properties_version1.0") and not ole.exists(
        f"__substg1.0_{PR_SUBJECT}001F"
    ):
        raise _unreadable()
    parsed = ParsedMessage(parts=1)
    properties = _Properties(ole, [], parsed.defects)
    properties.code_page = _code_page(ole)
    parsed.subject = one_line(properties.text(PR_SUBJECT))
    sender = (
        properties.text(PR_SENDER_SMTP)
        or properties.text(PR_SENDER_EMAIL)
        or properties.text(PR_SENT_REPRESENTING_EMAIL)
    )
    parsed.sender = first_address(sender)
    bodies = Bodies()
    plain = properties.text(PR_BODY)
    if plain:
        bodies.texts.append(plain[:MAX_TEXT_CHARS])
    html_bytes = properties.binary(PR_HTML) or properties.text(PR_HTML).encode("utf-8")
    if html_bytes:
        html = decode_text(html_bytes, properties.code_page or "utf-8", parsed.defects)
        links, visible = extract.html_links_and_text(html)
        bodies.links.extend(links)
        if not plain:
            bodies.texts.append(visible)
    parsed.attachments = _attachments(ole, parsed.defects)
    parsed.parts += len(parsed.attachments)
    finish_bodies(parsed, bodies, Bodies())
    return parsed


def _code_page(ole: olefile.OleFileIO) -> str | None:
    """PR_INTERNET_CPID from the fixed-size property table, when present."""
    if not ole.exists("__properties_version1.0"):
        return None
    table = ole.openstream("__properties_version1.0").read(64 * 1024)
    # Top-level message: 32-byte header, then 16-byte entries (type, tag, flags, value).
    for offset in range(32, len(table) - 15, 16):
        prop_type = int.from_bytes(table[offset : offset + 2], "little")
        prop_tag = int.from_bytes(table[offset + 2 : offset + 4], "little")
        if prop_tag == int(PR_INTERNET_CPID, 16) and prop_type == 0x0003:
            number = int.from_bytes(table[offset + 8 : offset + 12], "little")
            return _CODE_PAGES.get(number, f"cp{number}")
    return None


def _attachments(ole: olefile.OleFileIO, defects: list[str]) -> list[Attachment]:
    storages = sorted(
        {entry[0] for entry in ole.listdir(streams=True, storages=True) if len(entry) > 1}
    )
    found: list[Attachment] = []
    for storage in storages:
        if not storage.startswith("__attach_version1.0_"):
            continue
        if len(found) >= MAX_PARTS:
            raise MessageRefused(
                f"Het bericht heeft meer dan {MAX_PARTS} delen. / The message has more than "
                f"{MAX_PARTS} parts.",
                code="too_many_parts",
                field="message",
            )
        properties = _Properties(ole, [storage], defects)
        name = properties.text(PR_ATTACH_LONG_FILENAME) or properties.text(PR_ATTACH_FILENAME)
        found.append(
            Attachment(
                filename=one_line(name, 255),
                content_type=one_line(properties.text(PR_ATTACH_MIME_TAG), 100)
                or "application/octet-stream",
                size=properties.size(PR_ATTACH_DATA),
            )
        )
    return found

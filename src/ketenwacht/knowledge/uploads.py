"""Checks on files for the member library: type by extension AND content, and size.

The name a browser sends and the content type it claims are not trusted: the extension must be
on the list (``UPLOAD_TYPES``) and the bytes must look like that format — PDF by its header,
Office Open XML and OpenDocument as ZIP archives with their own manifest, text as UTF-8 without
NUL bytes. Anything else, and anything larger than ``UPLOAD_MAX_BYTES``, is refused.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from ketenwacht.errors import ValidationFailed
from ketenwacht.knowledge.constants import UPLOAD_MAX_BYTES, UPLOAD_TYPES

_OOXML = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_ODF = {"odt": "text", "ods": "spreadsheet", "odp": "presentation"}
_TEXT = {"csv", "txt"}
_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    extension: str
    content_type: str
    size: int
    sha256: str
    original_name: str


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field="file")


def _extension(name: str) -> str:
    suffix = PurePath(name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        allowed = ", ".join(sorted(UPLOAD_TYPES))
        raise _refuse(
            f"Dit bestandstype is niet toegestaan; wel: {allowed}. / This file type is not "
            f"allowed; allowed are: {allowed}.",
            "file_type",
        )
    return suffix


def _looks_like_zip_format(stream: IO[bytes], extension: str) -> bool:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if extension in _OOXML:
                return "[Content_Types].xml" in names and any(
                    name.startswith(_OOXML[extension]) for name in names
                )
            if "mimetype" not in names:
                return False
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
            return mimetype == f"application/vnd.oasis.opendocument.{_ODF[extension]}"
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False


def _looks_like_text(head: bytes, *, truncated: bool) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut off where sniffing stopped is fine; anything else is not.
        return truncated and error.reason == "unexpected end of data"
    return True


def _content_matches(stream: IO[bytes], extension: str) -> bool:
    stream.seek(0)
    head = stream.read(_SNIFF_BYTES)
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in _OOXML or extension in _ODF:
        return head.startswith(b"PK\x03\x04") and _looks_like_zip_format(stream, extension)
    if extension in _TEXT:
        return _looks_like_text(head, truncated=len(head) == _SNIFF_BYTES)
    return False


def _digest(stream: IO[bytes]) -> str:
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def check_upload(stream: IO[bytes], *, name: str, size: int) -> CheckedUpload:
    """Refuse a file that is empty, too large, of a type not allowed or not what it says."""
    extension = _extension(name)
    if size <= 0:
        raise _refuse("Het bestand is leeg. / The file is empty.", "file_empty")
    if size > UPLOAD_MAX_BYTES:
        limit = UPLOAD_MAX_BYTES // (1024 * 1024)
        raise _refuse(
            f"Het bestand is groter dan {limit} MB. / The file is larger than {limit} MB.",
            "file_too_large",
        )
    if not _content_matches(stream, extension):
        raise _refuse(
            f"De inhoud is geen geldig .{extension}-bestand. / The content is not a valid "
            f".{extension} file.",
            "file_content",
        )
    safe_name = PurePath(name.replace("\\", "/")).name[:200]
    return CheckedUpload(
        extension=extension,
        content_type=UPLOAD_TYPES[extension],
        size=size,
        sha256=_digest(stream),
        original_name=safe_name,
    )

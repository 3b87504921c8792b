"""Files of the identifiers app: disputers' evidence, checked and kept in the private store.

The private store is a directory outside the web root (``KETENWACHT["PRIVATE_FILES_DIR"]``,
default ``var/private``): no URL maps to it, files get random names, and the portal sends them
only as downloads (``Content-Disposition: attachment``), so a browser never renders one inline.

The name a browser sends and the content type it claims are not trusted: the extension must be
one of ``EVIDENCE_TYPES`` and the first bytes must be that format's signature (PDF ``%PDF-``,
PNG's eight-byte signature, JPEG's SOI marker). A PNG renamed to ``.pdf`` is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

from ketenwacht.errors import ValidationFailed
from ketenwacht.identifiers.constants import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES

EVIDENCE_DIR = "dispute-evidence"

_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def private_dir() -> Path:
    configured = settings.KETENWACHT.get("PRIVATE_FILES_DIR")
    return Path(str(configured)) if configured else Path(settings.VAR_DIR) / "private"


def evidence_storage() -> FileSystemStorage:
    """Resolved per call, so a changed setting (tests, deployments) takes effect at once."""
    location = private_dir() / EVIDENCE_DIR
    return FileSystemStorage(location=location, base_url=None, file_permissions_mode=0o600)


@dataclass(frozen=True)
class CheckedEvidence:
    extension: str
    content_type: str
    size: int
    sha256: str
    original_name: str


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field="evidence")


def _limit_mb() -> int:
    return EVIDENCE_MAX_BYTES // (1024 * 1024)


def too_large_error(name: str) -> ValidationFailed:
    return _refuse(
        f"'{name}' is groter dan {_limit_mb()} MB. / '{name}' is larger than {_limit_mb()} MB.",
        "file_too_large",
    )


def _safe_name(name: str) -> str:
    return PurePath(name.replace("\\", "/")).name[:200] or "bestand"


def check_evidence(stream: IO[bytes], *, name: str, size: int) -> CheckedEvidence:
    """Refuse a file that is empty, too large, of a type not allowed or not what it says."""
    original = _safe_name(name)
    extension = PurePath(original).suffix.lower().lstrip(".")
    content_type = EVIDENCE_TYPES.get(extension)
    if content_type is None:
        raise _refuse(
            f"'{original}': alleen PDF, PNG of JPEG. / '{original}': only PDF, PNG or JPEG.",
            "file_type",
        )
    if size <= 0:
        raise _refuse(f"'{original}' is leeg. / '{original}' is empty.", "file_empty")
    if size > EVIDENCE_MAX_BYTES:
        raise too_large_error(original)
    stream.seek(0)
    head = stream.read(16)
    if not head.startswith(_SIGNATURES[content_type]):
        raise _refuse(
            f"De inhoud van '{original}' is geen {extension.upper()}. / The content of "
            f"'{original}' is not a {extension.upper()} file.",
            "file_content",
        )
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return CheckedEvidence(
        extension=extension,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        original_name=original,
    )


def store_evidence(stream: IO[bytes], checked: CheckedEvidence) -> str:
    """Write the file under a random name; returns the name to keep on the row."""
    stream.seek(0)
    name = f"{secrets.token_hex(16)}.{checked.extension}"
    return evidence_storage().save(name, File(stream, name=name))


def delete_evidence(stored_names: list[str]) -> None:
    storage = evidence_storage()
    for name in stored_names:
        storage.delete(name)


def open_evidence(stored_name: str) -> IO[bytes]:
    handle: IO[bytes] = evidence_storage().open(stored_name, "rb")
    return handle


class EvidenceSizeGuard(FileUploadHandler):
    """Stops reading an uploaded file once it passes ``EVIDENCE_MAX_BYTES``.

    The file is skipped (it never reaches ``request.FILES``) and its name is noted on the
    request as ``evidence_too_large``, so the form can say which file was too large without
    the server ever holding more than the limit of it.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0
        if request is not None and not hasattr(request, "evidence_too_large"):
            request.evidence_too_large = []  # type: ignore[attr-defined]

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > EVIDENCE_MAX_BYTES:
            if self.request is not None:
                self.request.evidence_too_large.append(_safe_name(self.file_name or ""))  # type: ignore[attr-defined]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers build the file

"""The member library: uploads checked for type (by content) and size; search by title and
tag; downloads audited."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import PermissionDeniedError, ValidationFailed
from ketenwacht.knowledge import selectors, services
from ketenwacht.knowledge.constants import UPLOAD_MAX_BYTES
from ketenwacht.knowledge.models import LibraryDocument
from ketenwacht.knowledge.tests.factories import PDF_BYTES, pdf_upload
from ketenwacht.knowledge.uploads import check_upload
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import SharingGroupFactory, actor_with_role

pytestmark = pytest.mark.django_db


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


def _check(name: str, content: bytes) -> str:
    return check_upload(io.BytesIO(content), name=name, size=len(content)).extension


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("monitor.pdf", PDF_BYTES),
        ("Studie.DOCX", DOCX),
        ("notulen.odt", ODT),
        ("cijfers.csv", b"jaar;aantal\n2023;12\n"),
        ("leesmij.txt", "Één regel tekst.".encode()),
    ],
)
def test_allowed_types_with_matching_content_pass(name: str, content: bytes) -> None:
    assert _check(name, content) == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("script.html", b"<script>alert(1)</script>", "file_type"),
        ("run.exe", b"MZ\x90\x00", "file_type"),
        ("image.svg", b"<svg onload='x'/>", "file_type"),
        ("noextension", PDF_BYTES, "file_type"),
        ("fake.pdf", b"<html>not a pdf</html>", "file_content"),
        ("fake.docx", PDF_BYTES, "file_content"),
        ("zip.docx", _zip({"evil.sh": b"rm -rf /"}), "file_content"),
        ("wrong.odt", _zip({"mimetype": b"application/zip"}), "file_content"),
        ("binary.txt", b"abc\x00def", "file_content"),
        ("latin1.csv", "café".encode("latin-1"), "file_content"),
        ("empty.pdf", b"", "file_empty"),
    ],
)
def test_wrong_type_or_content_is_refused(name: str, content: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _check(name, content)
    assert caught.value.code == code
    assert caught.value.field == "file"


def test_files_above_the_size_limit_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_upload(io.BytesIO(PDF_BYTES), name="big.pdf", size=UPLOAD_MAX_BYTES + 1)
    assert caught.value.code == "file_too_large"


def test_the_stored_name_is_random_and_the_original_name_is_kept_safely() -> None:
    checked = check_upload(io.BytesIO(PDF_BYTES), name="../../etc/passwd.pdf", size=10)
    assert checked.original_name == "passwd.pdf"
    partner = actor_with_role(Role.PARTNER_ANALYST)
    document = services.document_upload(
        actor=partner, title="Monitor", kind="monitor", file=pdf_upload("../x/../Mijn monitor.pdf")
    )
    assert document.file.name == f"knowledge/library/{document.uuid}.pdf"
    assert document.original_name == "Mijn monitor.pdf"
    assert document.file.read() == PDF_BYTES


def test_upload_records_checksum_size_and_audit() -> None:
    partner = actor_with_role(Role.PARTNER_ANALYST)
    document = services.document_upload(
        actor=partner,
        title="Monitor online fraude 2023",
        kind="monitor",
        file=pdf_upload(),
        tags=["Monitor", " 2023 ", "monitor"],
        year=2023,
    )
    assert document.tags == ["monitor", "2023"]
    assert document.size == len(PDF_BYTES)
    assert len(document.sha256) == 64
    assert document.organisation == partner.organisation
    assert AuditEvent.objects.filter(action="library.upload", object_id=str(document.uuid)).exists()


def test_a_refused_upload_leaves_no_row() -> None:
    with pytest.raises(ValidationFailed):
        services.document_upload(
            actor=actor_with_role(Role.PARTNER_ANALYST),
            title="Nep",
            kind="study",
            file=SimpleUploadedFile("nep.pdf", b"GIF89a"),
        )
    assert not LibraryDocument.objects.exists()


def test_red_is_not_a_library_marking() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(
            actor=actor_with_role(Role.PARTNER_ANALYST),
            title="Geheim",
            kind="study",
            file=pdf_upload(),
            marking="RED",
        )
    assert caught.value.field == "marking"


def test_sharing_only_in_groups_of_your_own_organisation() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.document_upload(
            actor=actor_with_role(Role.PARTNER_ANALYST),
            title="Studie",
            kind="study",
            file=pdf_upload(),
            group=SharingGroupFactory.create(),
        )
    assert caught.value.code == "not_a_member"


def test_admins_do_not_upload() -> None:
    with pytest.raises(PermissionDeniedError):
        services.document_upload(
            actor=actor_with_role(Role.ADMIN), title="x", kind="study", file=pdf_upload()
        )


def test_search_by_title_and_tag() -> None:
    partner = actor_with_role(Role.PARTNER_ANALYST)
    for title, tags in (
        ("Monitor online fraude 2023", ["monitor", "2023"]),
        ("Factsheet meldpunten", ["factsheet", "slachtoffers"]),
        ("Panelonderzoek Consumentenbond", ["onderzoek", "slachtoffers"]),
    ):
        services.document_upload(
            actor=partner, title=title, kind="study", file=pdf_upload(), tags=tags
        )

    def titles(**criteria: str) -> list[str]:
        return sorted(doc.title for doc in selectors.document_list(actor=partner, **criteria))

    assert titles(search="monitor") == ["Monitor online fraude 2023"]
    assert titles(tag="Slachtoffers") == ["Factsheet meldpunten", "Panelonderzoek Consumentenbond"]
    assert titles(search="factsheet", tag="slachtoffers") == ["Factsheet meldpunten"]
    assert titles(tag="onbekend") == []
    assert selectors.document_tags(actor=partner) == [
        "2023", "factsheet", "monitor", "onderzoek", "slachtoffers"
    ]  # fmt: skip


def test_only_the_uploading_organisation_or_the_team_removes(
    django_capture_on_commit_callbacks: Any,
) -> None:
    partner = actor_with_role(Role.PARTNER_ANALYST)
    document = services.document_upload(
        actor=partner, title="Monitor", kind="monitor", file=pdf_upload()
    )
    stored = document.file.name or ""
    storage = document.file.storage
    with pytest.raises(PermissionDeniedError):
        services.document_remove(actor=actor_with_role(Role.PARTNER_ANALYST), document=document)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_remove(actor=actor_with_role(Role.PROGRAMME_TEAM), document=document)
    assert not LibraryDocument.objects.exists()
    assert not storage.exists(stored)

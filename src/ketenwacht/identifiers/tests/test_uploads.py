"""CSV uploads of sightings: reading files, preview, partial and atomic modes, chunks, resume."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import PermissionDeniedError, ValidationFailed
from ketenwacht.identifiers import services, uploads
from ketenwacht.identifiers.constants import UploadStatus
from ketenwacht.identifiers.models import Sighting, SightingUpload
from ketenwacht.identifiers.tests.factories import Circle
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import actor_with_role

GOOD = [
    "NL91ABNA0417164300,iban,purchase,beneficiary_account,confirmed",
    "+31612345678,phone,bankhelpdesk,caller_number,suspected",
    "NL02ABNA0123456789,iban,purchase,beneficiary_account,",
]
HEADER = "value,kind,fraud_type,role,confidence"


def csv_file(text: str, name: str = "sightings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def analyst(circle: Circle) -> access.Actor:
    return actor_with_role(Role.PARTNER_ANALYST, circle.members[0])


# --- reading ---------------------------------------------------------------------------------


def test_rows_keep_their_line_numbers_and_skip_blank_lines() -> None:
    text = f"{HEADER}\n{GOOD[0]}\n\n{GOOD[1]}\n"
    rows = list(uploads.read_rows(text, delimiter=","))
    assert [row.number for row in rows] == [2, 4]
    assert rows[0].item == {
        "value": "NL91ABNA0417164300",
        "kind": "iban",
        "fraud_type": "purchase",
        "role": "beneficiary_account",
        "confidence": "confirmed",
    }
    empty_cell = next(uploads.read_rows(f"{HEADER}\n{GOOD[2]}\n", delimiter=","))
    assert empty_cell.item is not None and "confidence" not in empty_cell.item  # default applies


def test_semicolons_bom_and_upper_case_headers_are_read() -> None:
    text = "\ufeffVALUE;Fraud_Type;ROLE\r\nNL91ABNA0417164300;purchase;beneficiary_account\r\n"
    inspected = uploads.inspect_file(text.encode("utf-8"), atomic=False)
    assert inspected.delimiter == ";" and inspected.columns == ["value", "fraud_type", "role"]
    assert inspected.total_rows == 1
    assert inspected.preview[0].item == {
        "value": "NL91ABNA0417164300",
        "fraud_type": "purchase",
        "role": "beneficiary_account",
    }


def test_a_row_with_more_cells_than_columns_is_an_error_row() -> None:
    rows = list(uploads.read_rows(f"{HEADER}\n{GOOD[0]},extra\n", delimiter=","))
    assert rows[0].item is None and rows[0].error is not None
    assert rows[0].error.code == "too_many_columns" and rows[0].error.index == 2


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file_empty"),
        (b"waarde,rol\nx,y\n", "unknown_columns"),
        (b"kind,role\niban,other\n", "no_value_column"),
        (b"value,value\na,b\n", "duplicate_columns"),
        (b"value\n", "no_rows"),
        ("value\nNL91ABNA0417164300 \xe9\n".encode("latin-1"), "file_encoding"),
    ],
)
def test_files_that_cannot_be_processed_are_refused(content: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        uploads.inspect_file(content, atomic=False)
    assert refused.value.code == code and refused.value.field == "file"


def test_atomic_mode_is_limited_to_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_BATCH_ITEMS", 2)
    text = "\n".join([HEADER, *GOOD]).encode()
    with pytest.raises(ValidationFailed) as refused:
        uploads.inspect_file(text, atomic=True)
    assert refused.value.code == "atomic_too_large"
    assert uploads.inspect_file(text, atomic=False).total_rows == 3


# --- create, preview, confirm ------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_recorded_before_confirmation(analyst: access.Actor) -> None:
    upload = uploads.upload_create(actor=analyst, file=csv_file("\n".join([HEADER, *GOOD])))
    assert upload.status == UploadStatus.UPLOADED and upload.total_rows == 3
    assert [row.number for row in uploads.upload_preview(upload)] == [2, 3, 4]
    assert not Sighting.objects.exists()
    assert AuditEvent.objects.get(action="sightings.upload_create").details == {
        "rows": 3,
        "size": upload.size,
        "atomic": False,
    }


@pytest.mark.django_db
def test_only_people_who_record_may_upload(circle: Circle) -> None:
    desk = actor_with_role(Role.DESK_AGENT, circle.members[0])
    with pytest.raises(PermissionDeniedError):
        uploads.upload_create(actor=desk, file=csv_file("\n".join([HEADER, *GOOD])))


@pytest.mark.django_db
def test_upload_with_bad_rows_keeps_the_good_and_reports_the_bad(analyst: access.Actor) -> None:
    text = "\n".join(
        [
            HEADER,
            GOOD[0],
            "NL91ABNA0417164301,iban,purchase,beneficiary_account,",  # checksum
            GOOD[1],
            "111222333,,purchase,other,",  # a BSN: refused
            "NL02ABNA0123456789,iban,nonsense,beneficiary_account,",  # unknown fraud type
            f"{GOOD[2]},surplus",
        ]
    )
    upload = uploads.upload_create(actor=analyst, file=csv_file(text))
    done = uploads.upload_start(actor=analyst, upload=upload)
    assert done.status == UploadStatus.DONE
    assert (done.recorded, done.failed, done.processed_rows) == (2, 4, 6)
    assert Sighting.objects.count() == 2
    errors = [(e.row_number, e.code, e.field) for e in done.errors.all()]
    assert errors == [
        (3, "iban_checksum", "value"),
        (5, "bsn_refused", "value"),
        (6, "unknown_fraud_type", "fraud_type"),
        (7, "too_many_columns", ""),
    ]
    assert bytes(SightingUpload.objects.get(pk=done.pk).content) == b""  # the file is not kept
    finish = AuditEvent.objects.get(action="sightings.upload_finish")
    assert finish.details == {"status": "done", "rows": 6, "recorded": 2, "failed": 4}


@pytest.mark.django_db
def test_atomic_upload_with_a_bad_row_records_nothing_and_lists_every_bad_row(
    analyst: access.Actor,
) -> None:
    text = "\n".join(
        [
            HEADER,
            GOOD[0],
            "NL91ABNA0417164301,iban,purchase,beneficiary_account,",
            GOOD[1],
            f"{GOOD[2]},surplus",
        ]
    )
    upload = uploads.upload_create(actor=analyst, file=csv_file(text), atomic=True)
    done = uploads.upload_start(actor=analyst, upload=upload)
    assert done.status == UploadStatus.REJECTED
    assert not Sighting.objects.exists()
    assert [(e.row_number, e.code) for e in done.errors.order_by("row_number")] == [
        (3, "iban_checksum"),
        (5, "too_many_columns"),
    ]
    assert (done.recorded, done.failed) == (0, 2)


@pytest.mark.django_db
def test_atomic_upload_of_good_rows_records_them_in_one_batch(analyst: access.Actor) -> None:
    upload = uploads.upload_create(
        actor=analyst, file=csv_file("\n".join([HEADER, *GOOD])), atomic=True
    )
    done = uploads.upload_start(actor=analyst, upload=upload)
    assert done.status == UploadStatus.DONE and done.recorded == 3
    assert AuditEvent.objects.filter(action="sightings.ingest").count() == 1


@pytest.mark.django_db
def test_large_files_go_to_the_task(
    analyst: access.Actor, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from ketenwacht.identifiers import tasks

    monkeypatch.setattr(uploads, "UPLOAD_CHUNK_ROWS", 2)
    queued: list[int] = []
    monkeypatch.setattr(tasks.process_upload, "delay", queued.append)
    text = "\n".join([HEADER, *GOOD])
    upload = uploads.upload_create(actor=analyst, file=csv_file(text))
    with django_capture_on_commit_callbacks(execute=True):
        started = uploads.upload_start(actor=analyst, upload=upload)
    assert started.status == UploadStatus.QUEUED and queued == [upload.pk]
    assert not Sighting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_task_records_chunk_by_chunk_with_progress(
    circle: Circle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transactional: the task is sent after the confirming transaction commits."""
    _seed_fraud_types()
    analyst = actor_with_role(Role.PARTNER_ANALYST, circle.members[0])
    monkeypatch.setattr(uploads, "UPLOAD_CHUNK_ROWS", 2)
    progress: list[tuple[int, int]] = []
    original = uploads._record_chunk

    def recording(upload: SightingUpload, actor: access.Actor, rows: list[uploads.Row]) -> None:
        original(upload, actor, rows)
        saved = SightingUpload.objects.get(pk=upload.pk)
        progress.append((saved.processed_rows, saved.recorded))

    monkeypatch.setattr(uploads, "_record_chunk", recording)
    text = "\n".join([HEADER, *GOOD, "NL91ABNA0417164301,iban,purchase,beneficiary_account,"])
    upload = uploads.upload_create(actor=analyst, file=csv_file(text))
    uploads.upload_start(actor=analyst, upload=upload)  # eager Celery runs the task on commit
    done = SightingUpload.objects.get(pk=upload.pk)
    assert done.status == UploadStatus.DONE
    assert progress == [(2, 2), (4, 3)]
    assert (done.recorded, done.failed) == (3, 1)
    assert AuditEvent.objects.filter(action="sightings.ingest").count() == 2


@pytest.mark.django_db
def test_a_resumed_upload_does_not_record_a_chunk_twice(analyst: access.Actor) -> None:
    """A worker died after recording the first chunk but before saving its progress."""
    upload = uploads.upload_create(actor=analyst, file=csv_file("\n".join([HEADER, *GOOD])))
    first_chunk = list(uploads.read_rows("\n".join([HEADER, *GOOD]), delimiter=","))
    services.sightings_ingest(
        actor=analyst,
        items=[row.item for row in first_chunk if row.item],
        organisation=upload.organisation,
        idempotency_key=f"upload:{upload.uuid}:2",
    )
    SightingUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.PROCESSING)
    done = uploads.upload_process(upload_id=upload.pk)
    assert done.status == UploadStatus.DONE and done.recorded == 3
    assert Sighting.objects.count() == 3  # replayed, not recorded again


@pytest.mark.django_db
def test_an_uploader_who_lost_the_role_stops_the_upload(circle: Circle) -> None:
    analyst = actor_with_role(Role.PARTNER_ANALYST, circle.members[0])
    upload = uploads.upload_create(actor=analyst, file=csv_file("\n".join([HEADER, *GOOD])))
    SightingUpload.objects.filter(pk=upload.pk).update(status=UploadStatus.QUEUED)
    assert analyst.user is not None
    analyst.user.memberships.update(role=Role.DESK_AGENT)
    done = uploads.upload_process(upload_id=upload.pk)
    assert done.status == UploadStatus.FAILED and "not allowed" in done.error_message
    assert not Sighting.objects.exists()


@pytest.mark.django_db
def test_cancelled_uploads_drop_the_file(analyst: access.Actor) -> None:
    upload = uploads.upload_create(actor=analyst, file=csv_file("\n".join([HEADER, *GOOD])))
    cancelled = uploads.upload_cancel(actor=analyst, upload=upload)
    assert cancelled.status == UploadStatus.CANCELLED and bytes(cancelled.content) == b""
    with pytest.raises(ValidationFailed):
        uploads.upload_start(actor=analyst, upload=upload)
    assert not Sighting.objects.exists()


def _seed_fraud_types() -> None:
    """A transactional test may run after another emptied the seeded taxonomy."""
    import importlib

    from django.apps import apps
    from django.core.cache import cache

    importlib.import_module("ketenwacht.knowledge.migrations.0002_seed_fraud_types").seed(
        apps, None
    )
    cache.clear()

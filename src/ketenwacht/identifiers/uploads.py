"""CSV uploads of sightings in the portal: inspect, preview, confirm, record in chunks.

A file is one header row (the field names of ``POST /api/v1/sightings``: ``value`` required,
``kind``, ``fraud_type``, ``role``, ``confidence``, ``observed_at``, ``sharing_group``) and a
row per sighting, UTF-8, separated by commas or semicolons (Dutch spreadsheets). Row numbers
are line numbers in the file, so the header is row 1.

* ``upload_create`` checks the file's shape (encoding, header, size, row count) and keeps it
  for the preview; nothing is recorded yet.
* ``upload_start`` — the user confirmed. Small files are recorded at once; larger ones by the
  Celery task ``tasks.process_upload``, in chunks of ``UPLOAD_CHUNK_ROWS`` through
  ``services.sightings_ingest``. Progress counters are saved after every chunk.
* Partial mode (the default): good rows are recorded, bad rows are kept as
  ``SightingUploadError`` rows (row number, code, reason) and can be downloaded as CSV.
  Each chunk carries an idempotency key, so a worker that dies between recording a chunk and
  saving its progress replays the stored result instead of recording twice.
* Atomic mode: one bad row rejects the whole file and nothing is recorded. It is one
  transaction, so it takes at most ``MAX_BATCH_ITEMS`` rows.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import DomainError, PermissionDeniedError, ValidationFailed
from ketenwacht.identifiers import services
from ketenwacht.identifiers.constants import (
    MAX_BATCH_ITEMS,
    UPLOAD_ACTIVE_STATUSES,
    UPLOAD_CHUNK_ROWS,
    UPLOAD_MAX_BYTES,
    UPLOAD_MAX_ROWS,
    UPLOAD_PREVIEW_ROWS,
    UPLOAD_RETENTION_DAYS,
    UPLOAD_UNCONFIRMED_HOURS,
    UploadStatus,
)
from ketenwacht.identifiers.ingest import ITEM_FIELDS, IngestContext, ItemError, prepare_items
from ketenwacht.identifiers.models import SightingUpload, SightingUploadError
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor

logger = logging.getLogger(__name__)

UPLOAD_EXTENSIONS = (".csv", ".txt")


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field="file")


# --- reading the file -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One data row: its line number and either the item to record or why it cannot be."""

    number: int
    item: dict[str, str] | None = None
    error: ItemError | None = None
    cells: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Inspected:
    delimiter: str
    columns: list[str]
    total_rows: int
    preview: list[Row]


def _text_of(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(
            "Het bestand moet UTF-8 zijn (in Excel: 'CSV UTF-8'). / The file must be UTF-8 "
            "(in Excel: 'CSV UTF-8').",
            "file_encoding",
        ) from None


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _columns(header: Sequence[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in header]
    unknown = sorted({c for c in columns if c and c not in ITEM_FIELDS})
    if unknown:
        allowed = ", ".join(sorted(ITEM_FIELDS))
        raise _refuse(
            f"Onbekende kolommen: {', '.join(unknown)}; toegestaan: {allowed}. / Unknown "
            f"columns: {', '.join(unknown)}; allowed: {allowed}.",
            "unknown_columns",
        )
    if "value" not in columns:
        raise _refuse(
            "De eerste regel moet de kolomnamen geven, met ten minste 'value'. / The first row "
            "must name the columns, at least 'value'.",
            "no_value_column",
        )
    named = [c for c in columns if c]
    if len(named) != len(set(named)):
        raise _refuse(
            "Een kolomnaam staat er twee keer in. / A column name appears twice.",
            "duplicate_columns",
        )
    return columns


def _row(number: int, cells: list[str], columns: list[str]) -> Row:
    extra = [cell for cell in cells[len(columns) :] if cell.strip()]
    if extra:
        return Row(
            number,
            error=ItemError(
                number,
                "too_many_columns",
                f"Meer cellen dan kolommen ({len(cells)} > {len(columns)}). / More cells than "
                f"columns ({len(cells)} > {len(columns)}).",
            ),
            cells=cells,
        )
    item = {
        name: cell.strip()
        for name, cell in zip(columns, cells, strict=False)
        if name and cell.strip()
    }
    return Row(number, item=item, cells=cells)


def read_rows(text: str, *, delimiter: str, skip: int = 0) -> Iterator[Row]:
    """Data rows in file order (blank lines skipped), after the first ``skip`` of them."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    columns = _columns(header)
    seen = 0
    previous_line = reader.line_num
    for cells in reader:
        number = previous_line + 1
        previous_line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        seen += 1
        if seen > skip:
            yield _row(number, cells, columns)


def inspect_file(data: bytes, *, atomic: bool) -> Inspected:
    """Check the shape of an upload and count its rows; refuses what cannot be processed."""
    text = _text_of(data)
    if not text.strip():
        raise _refuse("Het bestand is leeg. / The file is empty.", "file_empty")
    delimiter = _delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        columns = _columns(header)
        preview: list[Row] = []
        total = 0
        for row in read_rows(text, delimiter=delimiter):
            total += 1
            if len(preview) < UPLOAD_PREVIEW_ROWS:
                preview.append(row)
            if total > UPLOAD_MAX_ROWS:
                break
    except csv.Error as error:
        raise _refuse(
            f"Dit is geen leesbare CSV: {error}. / This is no readable CSV: {error}.", "csv_error"
        ) from None
    if total == 0:
        raise _refuse(
            "Het bestand heeft geen regels met gegevens. / The file has no data rows.", "no_rows"
        )
    if total > UPLOAD_MAX_ROWS:
        raise _refuse(
            f"Hoogstens {UPLOAD_MAX_ROWS} regels per bestand. / At most {UPLOAD_MAX_ROWS} rows "
            "per file.",
            "too_many_rows",
        )
    if atomic and total > MAX_BATCH_ITEMS:
        raise _refuse(
            f"Alles-of-niets kan tot {MAX_BATCH_ITEMS} regels; splits het bestand of kies "
            f"'goede regels vastleggen'. / All-or-nothing takes at most {MAX_BATCH_ITEMS} rows; "
            "split the file or record the good rows.",
            "atomic_too_large",
        )
    return Inspected(delimiter=delimiter, columns=columns, total_rows=total, preview=preview)


# --- writes -----------------------------------------------------------------------------------


def _require_uploader(actor: Actor) -> None:
    if (
        actor.user is None
        or actor.organisation is None
        or not access.can(actor, "identifiers.record")
    ):
        raise PermissionDeniedError(
            "U heeft geen toegang tot deze handeling. / You are not allowed to do this.",
            code="forbidden",
        )


def upload_create(*, actor: Actor, file: UploadedFile, atomic: bool = False) -> SightingUpload:
    """Keep an uploaded CSV for preview and confirmation; nothing is recorded yet."""
    _require_uploader(actor)
    name = PurePath((file.name or "upload.csv").replace("\\", "/")).name[:200]
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        raise _refuse("Upload een .csv-bestand. / Upload a .csv file.", "file_type")
    size = file.size or 0
    if size > UPLOAD_MAX_BYTES:
        limit = UPLOAD_MAX_BYTES // (1024 * 1024)
        raise _refuse(
            f"Het bestand is groter dan {limit} MB. / The file is larger than {limit} MB.",
            "file_too_large",
        )
    file.seek(0)
    data = file.read(UPLOAD_MAX_BYTES + 1)
    if len(data) > UPLOAD_MAX_BYTES:
        raise _refuse("Het bestand is te groot. / The file is too large.", "file_too_large")
    inspected = inspect_file(data, atomic=atomic)
    organisation = actor.organisation
    assert organisation is not None  # _require_uploader
    with transaction.atomic():
        upload = SightingUpload.objects.create(
            organisation=organisation,
            uploaded_by=actor.user,
            file_name=name,
            size=len(data),
            content=data,
            delimiter=inspected.delimiter,
            columns=inspected.columns,
            total_rows=inspected.total_rows,
            atomic=atomic,
        )
        audit_record(
            actor=actor,
            action="sightings.upload_create",
            object_type="sighting_upload",
            object_id=upload.uuid,
            details={"rows": upload.total_rows, "size": upload.size, "atomic": atomic},
        )
    return upload


def upload_preview(upload: SightingUpload) -> list[Row]:
    """The first rows of a kept upload, for the confirmation page."""
    if not upload.content:
        return []
    text = _text_of(bytes(upload.content))
    rows = []
    for row in read_rows(text, delimiter=upload.delimiter):
        rows.append(row)
        if len(rows) >= UPLOAD_PREVIEW_ROWS:
            break
    return rows


def _locked(upload: SightingUpload, *statuses: str) -> SightingUpload:
    locked = SightingUpload.objects.select_for_update().get(pk=upload.pk)
    if locked.status not in statuses:
        raise ValidationFailed(
            "Deze upload is al verwerkt of geannuleerd. / This upload has already been "
            "processed or cancelled.",
            code="upload_not_waiting",
        )
    return locked


def upload_cancel(*, actor: Actor, upload: SightingUpload) -> SightingUpload:
    _require_uploader(actor)
    with transaction.atomic():
        locked = _locked(upload, UploadStatus.UPLOADED)
        locked.status = UploadStatus.CANCELLED
        locked.content = b""
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "content", "finished_at"])
        audit_record(
            actor=actor,
            action="sightings.upload_cancel",
            object_type="sighting_upload",
            object_id=locked.uuid,
        )
    return locked


def upload_start(*, actor: Actor, upload: SightingUpload) -> SightingUpload:
    """The user confirmed: record the file now (one chunk) or in the background (more)."""
    _require_uploader(actor)
    from ketenwacht.identifiers import tasks

    with transaction.atomic():
        locked = _locked(upload, UploadStatus.UPLOADED)
        locked.status = UploadStatus.QUEUED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="sightings.upload_start",
            object_type="sighting_upload",
            object_id=locked.uuid,
            details={"rows": locked.total_rows, "atomic": locked.atomic},
        )
        in_background = locked.total_rows > UPLOAD_CHUNK_ROWS
        if in_background:
            transaction.on_commit(lambda: tasks.process_upload.delay(locked.pk), robust=True)
    if not in_background:
        return upload_process(upload_id=locked.pk)
    return locked


# --- processing -------------------------------------------------------------------------------


def _claim(upload_id: int) -> SightingUpload | None:
    """Mark the upload processing; ``None`` when there is nothing (more) to do."""
    with transaction.atomic():
        upload = SightingUpload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or upload.status not in UPLOAD_ACTIVE_STATUSES:
            return None
        upload.status = UploadStatus.PROCESSING
        upload.started_at = upload.started_at or timezone.now()
        upload.save(update_fields=["status", "started_at"])
    return upload


def _uploader(upload: SightingUpload) -> Actor:
    """The person who confirmed, as they are now: a lost role stops the upload."""
    if upload.uploaded_by is None:
        return access.Actor()
    return access.actor_for_user(upload.uploaded_by)


def _error_rows(upload: SightingUpload, errors: Sequence[ItemError]) -> list[SightingUploadError]:
    return [
        SightingUploadError(
            upload=upload,
            row_number=error.index,
            code=error.code[:64],
            field=(error.field or "")[:64],
            detail=error.detail,
        )
        for error in errors
    ]


def _record_chunk(upload: SightingUpload, actor: Actor, rows: list[Row]) -> None:
    items = [row.item for row in rows if row.item is not None]
    numbers = [row.number for row in rows if row.item is not None]
    errors = [row.error for row in rows if row.error is not None]
    recorded = 0
    if items:
        result = services.sightings_ingest(
            actor=actor,
            items=items,
            organisation=upload.organisation,
            idempotency_key=f"upload:{upload.uuid}:{rows[0].number}",
        )
        recorded = result.recorded
        for item_result in result.results:
            if not item_result["ok"]:
                error = item_result["error"]
                errors.append(
                    ItemError(
                        numbers[item_result["index"]],
                        error["code"],
                        error["detail"],
                        error.get("field"),
                    )
                )
    with transaction.atomic():
        SightingUploadError.objects.bulk_create(_error_rows(upload, errors), batch_size=1000)
        SightingUpload.objects.filter(pk=upload.pk).update(
            processed_rows=F("processed_rows") + len(rows),
            recorded=F("recorded") + recorded,
            failed=F("failed") + len(errors),
        )


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _process_partial(upload: SightingUpload, actor: Actor, chunk_rows: int) -> str:
    text = _text_of(bytes(upload.content))
    rows = read_rows(text, delimiter=upload.delimiter, skip=upload.processed_rows)
    for chunk in _chunks(rows, chunk_rows):
        _record_chunk(upload, actor, chunk)
    return UploadStatus.DONE


def _process_atomic(upload: SightingUpload, actor: Actor) -> str:
    """All or nothing: every row valid, then one ingest call (one transaction)."""
    rows = list(read_rows(_text_of(bytes(upload.content)), delimiter=upload.delimiter))
    numbers = [row.number for row in rows if row.item is not None]
    items = [row.item for row in rows if row.item is not None]
    errors = [row.error for row in rows if row.error is not None]
    recorded = 0
    if errors:
        # A row that is no item already sinks the file: validate the rest without writing, so
        # the report lists every bad row at once.
        if items:
            context = IngestContext.load(upload.organisation, now=timezone.now())
            _prepared, item_errors = prepare_items(items, context)
            errors += [ItemError(numbers[e.index], e.code, e.detail, e.field) for e in item_errors]
    else:
        try:
            result = services.sightings_ingest(
                actor=actor, items=items, atomic=True, organisation=upload.organisation
            )
            recorded = result.recorded
        except services.BatchRejected as rejected:
            errors = [
                ItemError(numbers[e.index], e.code, e.detail, e.field) for e in rejected.errors
            ]
    with transaction.atomic():
        SightingUploadError.objects.bulk_create(_error_rows(upload, errors), batch_size=1000)
        SightingUpload.objects.filter(pk=upload.pk).update(
            processed_rows=len(rows), recorded=recorded, failed=len(errors)
        )
    return UploadStatus.REJECTED if errors else UploadStatus.DONE


def _finish(upload_id: int, status: str, actor: Actor, message: str = "") -> SightingUpload:
    with transaction.atomic():
        upload = SightingUpload.objects.select_for_update().get(pk=upload_id)
        upload.status = status
        upload.error_message = message
        upload.finished_at = timezone.now()
        upload.content = b""  # the values are recorded (or refused); the file is not kept
        upload.save(update_fields=["status", "error_message", "finished_at", "content"])
        audit_record(
            actor=actor,
            action="sightings.upload_finish",
            object_type="sighting_upload",
            object_id=upload.uuid,
            details={
                "status": status,
                "rows": upload.total_rows,
                "recorded": upload.recorded,
                "failed": upload.failed,
            },
        )
    return upload


def upload_process(*, upload_id: int, chunk_rows: int | None = None) -> SightingUpload:
    """Record a confirmed upload (the task runs this; it resumes after the last saved chunk)."""
    chunk_rows = chunk_rows or UPLOAD_CHUNK_ROWS
    upload = _claim(upload_id)
    if upload is None:
        return SightingUpload.objects.defer("content").get(pk=upload_id)
    actor = _uploader(upload)
    try:
        if upload.atomic:
            status = _process_atomic(upload, actor)
        else:
            status = _process_partial(upload, actor, chunk_rows)
    except DomainError as error:
        # The uploader lost the right to record, the organisation left its groups, …: stop
        # and say why; rows recorded so far stay recorded (partial mode).
        return _finish(upload_id, UploadStatus.FAILED, actor, str(error.message))
    except Exception:
        logger.exception("Upload %s stopped by an unexpected error", upload.uuid)
        return _finish(
            upload_id,
            UploadStatus.FAILED,
            actor,
            "Een onverwachte fout stopte de verwerking; vastgelegde regels blijven staan. / An "
            "unexpected error stopped the processing; rows recorded so far stay recorded.",
        )
    return _finish(upload_id, status, actor)


def uploads_purge(*, actor: Actor = SYSTEM, now: datetime | None = None) -> dict[str, int]:
    """Drop unconfirmed uploads after a day and finished ones (with errors) after a month."""
    moment = now or timezone.now()
    with transaction.atomic():
        stale = SightingUpload.objects.filter(
            status=UploadStatus.UPLOADED,
            created_at__lte=moment - timedelta(hours=UPLOAD_UNCONFIRMED_HOURS),
        ).update(status=UploadStatus.CANCELLED, content=b"", finished_at=moment)
        old = SightingUpload.objects.filter(
            created_at__lte=moment - timedelta(days=UPLOAD_RETENTION_DAYS)
        ).exclude(status__in=UPLOAD_ACTIVE_STATUSES)
        deleted = old.count()
        old.delete()
        counts = {"cancelled": stale, "deleted": deleted}
        if stale or deleted:
            audit_record(
                actor=actor,
                action="sightings.upload_purge",
                object_type="retention",
                details=counts,
            )
    return counts

"""Writes for imports: uploads of data files, their processing, and saved column mappings."""

import contextlib
import csv
import datetime as dt
import hashlib
import io
import itertools
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from drawback.accounts.models import Client, User
from drawback.lib.spreadsheet import csv_row

from .ingest.base import PARTY_MISMATCH
from .ingest.core import IngestResult, get_parser
from .ingest.pipeline import ingest_file
from .models import ColumnMapping, Upload, UploadError
from .signals import data_loaded

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = {".csv", ".txt", ".xlsx", ".json"}
# Errors of the file as a whole: the upload's message is the error itself.
FILE_ERRORS = ("unknown_layout", "file_format", "empty_file", "no_data", "held_by_claim", PARTY_MISMATCH)
# The tariff's rates decide every firm's claims: one firm's upload must not change another's.
TARIFF_IS_SHARED = (
    "The HTS tariff is shared by every firm on this installation: only a platform administrator loads it "
    "(or the command line, manage.py ingest --kind hts)."
)


def _check_file(*, kind: str, name: str, size: int, head: bytes) -> None:
    extension = Path(name).suffix.lower()
    if size == 0:
        raise ValidationError({"file": "The file is empty."})
    if size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB; split it."}
        )
    if extension == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(
            {"file": "Old Excel .xls workbooks are not read; save the sheet as .xlsx or CSV."}
        )
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError({"file": "Upload a CSV, XLSX or (for the HTS tariff) JSON file."})
    if extension == ".json" and kind != Upload.Kind.HTS:
        raise ValidationError({"file": "Only the HTS tariff is read from JSON."})
    if extension == ".xlsx" and not head.startswith(b"PK\x03\x04"):
        raise ValidationError({"file": "The file is named .xlsx but is not an Excel workbook."})
    if extension in (".csv", ".txt", ".json") and b"\x00" in head:
        raise ValidationError({"file": "The file is not text; upload CSV, XLSX or JSON."})


def _check_owner(*, kind: str, client: Client | None, mapping: ColumnMapping | None) -> None:
    if kind not in Upload.Kind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    parser = get_parser(kind)
    if parser.needs_client and client is None:
        raise ValidationError({"kind": f"A {parser.label} belongs to a client."})
    if not parser.needs_client and client is not None:
        raise ValidationError(
            {"kind": "The HTS tariff is shared by all clients; upload it on the tariff page."}
        )
    if mapping is not None and (mapping.client_id != getattr(client, "pk", None) or mapping.kind != kind):
        raise ValidationError({"mapping": "That column mapping belongs to another client or kind."})


def upload_create(
    *,
    client: Client | None,
    kind: str,
    file: UploadedFile | File,
    user: User | None,
    allow_partial: bool = False,
    mapping: ColumnMapping | None = None,
    queue: bool = True,
    await_mapping: bool = False,
    feed=None,
) -> Upload:
    """Store the file, record an Upload in QUEUED and queue `upload_process` after commit.

    Raises ValidationError for a file too large, empty or of the wrong type, or a kind that needs a client
    but has none. With queue=False the caller processes the upload itself (the command line and data feeds
    do); with await_mapping the upload waits for its column mapping (upload_mapping_apply) before anything is
    read; `feed` records the data feed the file came from.
    """
    _check_owner(kind=kind, client=client, mapping=mapping)
    if kind == Upload.Kind.HTS and user is not None and not user.is_platform_admin:
        raise ValidationError({"kind": TARIFF_IS_SHARED})
    name = os.path.basename(file.name or "upload")
    digest = hashlib.sha256()
    size = 0
    head = b""
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 20), b""):
        if not head:
            head = chunk[:8192]
        digest.update(chunk)
        size += len(chunk)
    _check_file(kind=kind, name=name, size=size, head=head)
    file.seek(0)
    upload = Upload(
        client=client,
        kind=kind,
        original_name=name[:255],
        size=size,
        sha256=digest.hexdigest(),
        mapping=mapping,
        allow_partial=allow_partial,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        status=Upload.Status.NEEDS_MAPPING if await_mapping else Upload.Status.QUEUED,
        feed=feed,
    )
    earlier = Upload.objects.filter(client=client, kind=kind, sha256=upload.sha256).exclude(
        status__in=[Upload.Status.REJECTED, Upload.Status.FAILED]
    )
    if client is None and upload.uploaded_by is not None and upload.uploaded_by.firm_id:
        # Another firm's tariff uploads are not this firm's to hear about (imports.selectors.upload_list_for).
        earlier = earlier.filter(
            Q(uploaded_by__firm_id=upload.uploaded_by.firm_id) | Q(uploaded_by__isnull=True)
        )
    earlier = earlier.order_by("-created_at").first()
    if earlier:
        upload.message = (
            f"The same file was uploaded on {earlier.created_at:%Y-%m-%d %H:%M} (upload {earlier.pk}); "
            "loading it again creates no duplicates."
        )
    with transaction.atomic():
        upload.file.save(name, file, save=False)
        upload.save()
        if queue and not await_mapping:
            from .tasks import upload_process as task

            transaction.on_commit(lambda: task.delay(upload.pk))
    return upload


def upload_mapping_apply(*, upload: Upload, mapping: ColumnMapping) -> Upload:
    """Load an upload that waited for its column mapping, with that mapping. Safe to call twice: only the
    call that moves it out of NEEDS_MAPPING queues it."""
    _check_owner(kind=upload.kind, client=upload.client, mapping=mapping)
    with transaction.atomic():
        moved = Upload.objects.filter(pk=upload.pk, status=Upload.Status.NEEDS_MAPPING).update(
            status=Upload.Status.QUEUED, mapping=mapping
        )
        if moved:
            from .tasks import upload_process as task

            transaction.on_commit(lambda: task.delay(upload.pk))
    upload.refresh_from_db()
    return upload


def pending_file_keep(*, file: UploadedFile) -> str:
    """Keep a file whose layout was not recognised while the analyst says what it is; returns its name in
    storage (the page keeps it in the session, so only that person's next form can use it). Raises
    ValidationError, keeping nothing, for a file no upload would take (too large, empty, not CSV or XLSX)."""
    from django.core.files.storage import default_storage

    file.seek(0)
    head = file.read(8192)
    _check_file(kind="", name=os.path.basename(file.name or "upload"), size=file.size, head=head)
    name = f"uploads/pending/{uuid.uuid4().hex}/{os.path.basename(file.name or 'upload')}"
    file.seek(0)
    return default_storage.save(name, file)


def pending_file_open(*, name: str) -> File:
    from django.core.files.storage import default_storage

    handle = default_storage.open(name, "rb")
    return File(handle, name=os.path.basename(name))


def pending_file_discard(*, name: str) -> None:
    from django.core.files.storage import default_storage

    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("could not delete the kept upload %s", name)


def upload_reload(*, upload: Upload, user: User | None, mapping: ColumnMapping | None = None) -> Upload:
    """Load a stored file again (typically with a column mapping saved after its layout was not
    recognised). The earlier upload stays in the history as it was."""
    _check_owner(kind=upload.kind, client=upload.client, mapping=mapping)
    again = Upload.objects.create(
        client=upload.client,
        kind=upload.kind,
        file=upload.file.name,
        original_name=upload.original_name,
        size=upload.size,
        sha256=upload.sha256,
        mapping=mapping,
        allow_partial=upload.allow_partial,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    from .tasks import upload_process as task

    transaction.on_commit(lambda: task.delay(again.pk))
    return again


@contextlib.contextmanager
def _local_path(upload: Upload) -> Iterator[Path]:
    """A path on disk for the stored file (object storage is copied to a temporary file first)."""
    try:
        local = upload.file.path
    except NotImplementedError:  # object storage has no local path
        local = None
    if local:
        yield Path(local)
        return
    suffix = Path(upload.original_name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle, upload.file.open("rb") as source:
        shutil.copyfileobj(source, handle, 1 << 20)
        handle.flush()
        yield Path(handle.name)


def _set_progress(upload_id: int, percent: int) -> None:
    Upload.objects.filter(pk=upload_id).update(progress=max(0, min(percent, 99)), heartbeat_at=timezone.now())


def _stalled_before():
    return timezone.now() - dt.timedelta(minutes=settings.UPLOAD_STALL_MINUTES)


def _gave_up_message(attempts: int) -> str:
    return (
        f"The load was started {attempts} times and never finished (its worker stopped, e.g. out of memory "
        "or past its time limit); nothing was stored. Check the file (size, rows, a hostile workbook) and "
        "upload it again, or split it."
    )


def upload_resume_stalled() -> list[int]:
    """Queue again the uploads whose worker died mid-way: PROCESSING with no heartbeat for
    UPLOAD_STALL_MINUTES. The load writes in one transaction, so a dead worker stored nothing and the file is
    simply processed again, up to UPLOAD_MAX_ATTEMPTS times in all; after that the upload is marked FAILED
    with the reason (a file that kills every worker it meets is not taken up forever). Returns the ids
    queued."""
    stalled = Upload.objects.filter(status=Upload.Status.PROCESSING, heartbeat_at__lt=_stalled_before())
    for upload in stalled.filter(attempts__gte=settings.UPLOAD_MAX_ATTEMPTS).only("pk", "attempts"):
        _fail(upload.pk, _gave_up_message(upload.attempts))
    again = list(stalled.filter(attempts__lt=settings.UPLOAD_MAX_ATTEMPTS).values_list("pk", flat=True))
    from .tasks import upload_process as task

    for pk in again:
        task.delay(pk)
    return again


def _fail(upload_id: int, message: str) -> None:
    Upload.objects.filter(pk=upload_id).update(
        status=Upload.Status.FAILED, progress=100, message=message, finished_at=timezone.now()
    )


def upload_process(*, upload_id: int) -> IngestResult | None:
    """Validate and load one upload. Safe to call twice: only the caller whose conditional UPDATE moves
    the upload out of QUEUED (or takes over a stalled one) processes it; the others return None.

    Progress (0-90% while reading, 90% while writing) is written to Upload.progress as rows are read; the
    final status, counts and rejected rows (the first UPLOAD_MAX_ERROR_ROWS, the others counted) are
    recorded at the end. Any failure on the way, recording included, marks the upload FAILED with the
    reason (the write transaction has been rolled back, so nothing was stored) and is logged: an upload is
    never left PROCESSING by an error. One taken up more than UPLOAD_MAX_ATTEMPTS times is marked FAILED.
    """
    # QUEUED, or PROCESSING by a worker that stopped beating (it died: its transaction was rolled back).
    claimable = Q(status=Upload.Status.QUEUED) | Q(
        status=Upload.Status.PROCESSING, heartbeat_at__lt=_stalled_before()
    )
    claimed = Upload.objects.filter(claimable, pk=upload_id).update(
        status=Upload.Status.PROCESSING, progress=0, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    try:
        upload = Upload.objects.select_related("client", "mapping").get(pk=upload_id)
        if upload.attempts > settings.UPLOAD_MAX_ATTEMPTS:
            _fail(upload_id, _gave_up_message(upload.attempts - 1))
            return None
        saved = []
        if upload.client_id and upload.mapping is None:
            saved = [
                (m.name, m.mapping)
                for m in ColumnMapping.objects.filter(client_id=upload.client_id, kind=upload.kind).order_by(
                    "-created_at"
                )
            ]
        with _local_path(upload) as path:
            result = ingest_file(
                path=path,
                name=upload.original_name,
                kind=upload.kind,
                client=upload.client,
                allow_partial=upload.allow_partial,
                mapping=upload.mapping.mapping if upload.mapping else None,
                mapping_name=upload.mapping.name if upload.mapping else "",
                saved_mappings=saved,
                upload_id=upload.pk,
                progress=lambda fraction: _set_progress(upload_id, int(fraction * 90)),
                before_write=lambda: _set_progress(upload_id, 90),
                keep_errors=settings.UPLOAD_MAX_ERROR_ROWS,
            )
        _record(upload, result)
    except Exception as exc:  # MemoryError included: whatever happened, the upload says so
        logger.exception("upload %s failed", upload_id)
        reason = "not enough memory" if isinstance(exc, MemoryError) else str(exc) or type(exc).__name__
        _fail(upload_id, f"The load failed and nothing was stored: {reason}"[:5000])
        return None
    if result.loaded:
        # After the record: what reacts to new data (assessment, claims resting on it) sees a loaded upload.
        data_loaded.send(sender=Upload, upload=upload, client_id=upload.client_id)
    return result


def _record(upload: Upload, result: IngestResult) -> None:
    batch = []
    for error in result.errors:
        batch.append(
            UploadError(
                upload=upload,
                row=error.row,
                column=error.column[:100],
                value=error.value,
                rule=error.rule[:60],
                message=error.message,
                raw=error.raw,
            )
        )
        if len(batch) >= 5000:
            UploadError.objects.bulk_create(batch)
            batch = []
    UploadError.objects.bulk_create(batch)
    if result.loaded:
        status = Upload.Status.LOADED_WITH_REJECTS if result.error_count else Upload.Status.LOADED
    else:
        status = Upload.Status.REJECTED
    messages = [upload.message] if upload.message else []
    layout = next(
        (e for e in result.errors if e.rule in FILE_ERRORS),
        None,
    )
    if layout:
        messages.append(layout.message)
    elif not result.loaded:
        messages.append(
            f"{result.error_count} errors: nothing was stored. Correct the file or allow partial loading."
        )
    elif result.error_count:
        messages.append(
            f"{result.error_count} errors: the rejected rows were not loaded; download them to correct."
        )
    if result.errors_not_kept:
        messages.append(
            f"The first {settings.UPLOAD_MAX_ERROR_ROWS:,} problems are kept with their rows; "
            f"{result.errors_not_kept:,} more were counted but not kept."
        )
    messages.extend(result.notes)
    if result.mapping_name:
        messages.append(f"Columns read with the saved mapping {result.mapping_name!r}.")
    mapping = upload.mapping
    if mapping is None and result.mapping_name and upload.client_id:
        mapping = ColumnMapping.objects.filter(
            client_id=upload.client_id, kind=upload.kind, name=result.mapping_name
        ).first()
    counts = result.counts
    Upload.objects.filter(pk=upload.pk).update(
        status=status,
        progress=100,
        rows_read=result.rows,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        error_count=result.error_count,
        message="\n".join(messages),
        mapping=mapping,
        finished_at=timezone.now(),
    )


def upload_ingest_now(
    *,
    client: Client | None,
    kind: str,
    path: Path,
    user: User | None = None,
    allow_partial: bool = False,
    mapping: ColumnMapping | None = None,
) -> tuple[Upload, IngestResult | None]:
    """Store a local file as an upload and load it at once (the command line's nightly feeds)."""
    with open(path, "rb") as handle:
        upload = upload_create(
            client=client,
            kind=kind,
            file=File(handle, name=Path(path).name),
            user=user,
            allow_partial=allow_partial,
            mapping=mapping,
            queue=False,
        )
    result = upload_process(upload_id=upload.pk)
    upload.refresh_from_db()
    return upload, result


def column_mapping_save(
    *, client: Client, kind: str, name: str, mapping: dict[str, str], user: User | None
) -> ColumnMapping:
    """Save (or replace) a client's named mapping {our field: their column header} for one kind.

    Raises ValidationError when a field is not one of the kind's, or a required field is left out.
    """
    if kind not in Upload.Kind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    parser = get_parser(kind)
    known = {f.key: f for f in parser.fields}
    cleaned = {k: str(v).strip() for k, v in mapping.items() if str(v or "").strip()}
    unknown = sorted(set(cleaned) - set(known))
    if unknown:
        raise ValidationError({"mapping": f"Not fields of this kind: {', '.join(unknown)}."})
    missing = [f.label for f in parser.fields if f.required and f.key not in cleaned]
    for group in parser.required_any:
        if not any(k in cleaned for k in group):
            missing.append(" or ".join(known[k].label for k in group))
    if missing:
        raise ValidationError({"mapping": f"Map a column to: {', '.join(missing)}."})
    if not name.strip():
        raise ValidationError({"name": "Give the mapping a name."})
    saved, _ = ColumnMapping.objects.update_or_create(
        client=client,
        kind=kind,
        name=name.strip()[:100],
        defaults={
            "mapping": cleaned,
            "created_by": user if user is not None and user.is_authenticated else None,
        },
    )
    return saved


def upload_headers(*, upload: Upload) -> list[str]:
    """The header row of a stored file (for the column-mapping form)."""
    from .ingest.reader import FileFormatError, read_headers

    try:
        with _local_path(upload) as path:
            return [h for h in read_headers(path, upload.original_name) if h]
    except (FileFormatError, OSError):
        return []


def uploaded_headers(*, file: UploadedFile) -> list[str]:
    """The header row of a file not stored yet (to recognise its kind); the file is rewound after."""
    from .ingest.reader import FileFormatError, read_headers

    suffix = Path(file.name or "").suffix
    try:
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            file.seek(0)
            for chunk in file.chunks():
                handle.write(chunk)
            handle.flush()
            return [h for h in read_headers(Path(handle.name), file.name or "upload") if h]
    except (FileFormatError, OSError):
        return []
    finally:
        file.seek(0)


def upload_rejects_csv(*, upload: Upload) -> Iterator[str]:
    """The rejected rows as CSV: the row number, the row as read, and its reasons."""
    errors = upload.errors.order_by("row", "id").iterator(chunk_size=2000)
    first = upload.errors.order_by("row", "id").first()
    headers = list(first.raw) if first and first.raw else []
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    # Headers, cells and reasons all carry text from the uploaded file: none may become a formula.
    writer.writerow(csv_row(["row", *headers, "reasons"]))
    yield flush()
    for row, group in itertools.groupby(errors, key=lambda e: e.row):
        group = list(group)
        raw = group[0].raw or {}
        reasons = "; ".join(
            f"{e.column + ': ' if e.column else ''}{e.message} [{e.rule}]"
            + (f" (value {e.value!r})" if e.value else "")
            for e in group
        )
        writer.writerow(csv_row([row, *(raw.get(h, "") for h in headers), reasons]))
        yield flush()

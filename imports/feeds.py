"""Data feeds: a client's files picked up by themselves from a folder on the server or an S3-compatible
prefix, on a schedule (the beat job `feeds-poll-due` every minute queues the feeds that are due).

Each new file goes through the same service as a browser upload (imports.services.upload_create and
upload_process: the same checks, the same bounds, the same idempotency, the same rejected rows), and its
result is kept as a FeedFile and shown on the client's Uploads page. A file is seen once: by its name, size
and time of change it is skipped without being read again; by its content, the same bytes under another
name are recorded as a duplicate and not loaded again. A feed of documents stores each file as a document
of the client and attaches it to the entries and exports whose numbers its name carries. A file that
fails, is rejected or names nothing is told by e-mail to the feed's analyst.

Where a feed may read is confined: a folder feed reads inside FEED_FOLDER_ROOT/<client code>/, an S3 feed
inside FEED_S3_PREFIX<client code>/ of FEED_S3_BUCKET. The location an analyst types is a sub-folder of
that (no absolute path, no `..`), so no feed can read the server's files or another client's.
"""

import contextlib
import datetime as dt
import fnmatch
import hashlib
import logging
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from drawback.accounts.models import User
from drawback.lib import entry_numbers
from exports.models import Export

from .documents import document_create
from .models import DataFeed, FeedFile, ImportEntry, Upload
from .services import upload_create, upload_process

logger = logging.getLogger(__name__)

# Files still being written by whoever drops them, by the usual conventions.
IN_PROGRESS_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart")


@dataclass(frozen=True)
class SourceFile:
    name: str
    size: int
    modified: str


def clean_location(location: str) -> str:
    """A sub-folder below the client's own feed folder or prefix: relative, without `..`."""
    text = (location or "").strip().replace("\\", "/").strip("/")
    if not text:
        return ""
    parts = PurePosixPath(text).parts
    if any(part in ("..", ".", "") for part in parts) or not re.fullmatch(r"[A-Za-z0-9 _./-]+", text):
        raise ValidationError(
            {"location": "Give a sub-folder of the client's feed folder: letters, digits, - _ . /, no '..'."}
        )
    return "/".join(parts)


def _matches(name: str, pattern: str) -> bool:
    if name.startswith(".") or name.lower().endswith(IN_PROGRESS_SUFFIXES):
        return False
    return fnmatch.fnmatchcase(name.lower(), (pattern or "*").lower())


class FolderSource:
    """The files directly in one folder (sub-folders are other feeds' business)."""

    def __init__(self, feed: DataFeed):
        base = (Path(settings.FEED_FOLDER_ROOT) / feed.client.code).resolve()
        self.folder = (base / clean_location(feed.location)).resolve()
        if self.folder != base and base not in self.folder.parents:  # a symbolic link out of the root
            raise ValidationError({"location": "The feed's folder is outside the client's feed folder."})
        self.where = str(self.folder)

    def list(self, pattern: str) -> list[SourceFile]:
        if not self.folder.is_dir():
            raise FileNotFoundError(f"the folder {self.folder} does not exist")
        found = []
        for entry in sorted(self.folder.iterdir()):
            if entry.is_file() and _matches(entry.name, pattern):
                stat = entry.stat()
                found.append(SourceFile(entry.name, stat.st_size, str(stat.st_mtime_ns)))
        return found

    @contextlib.contextmanager
    def local(self, file: SourceFile) -> Iterator[Path]:
        yield self.folder / file.name


class S3Source:
    """The objects directly under one prefix of the S3-compatible store (the storage settings' endpoint,
    region and credentials)."""

    def __init__(self, feed: DataFeed):
        import boto3

        root = settings.FEED_S3_PREFIX.strip("/")
        parts = [p for p in (root, feed.client.code, clean_location(feed.location)) if p]
        self.bucket = settings.FEED_S3_BUCKET
        if not self.bucket:
            raise ValidationError({"source": "No bucket for S3 feeds: set FEED_S3_BUCKET."})
        self.prefix = "/".join(parts) + "/"
        self.where = f"s3://{self.bucket}/{self.prefix}"
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.AWS_S3_ENDPOINT_URL or None,
            region_name=settings.AWS_S3_REGION_NAME or None,
            aws_access_key_id=settings.AWS_ACCESS_KEY_ID or None,
            aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY or None,
        )

    def list(self, pattern: str) -> list[SourceFile]:
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                if name and "/" not in name and _matches(name, pattern):
                    found.append(SourceFile(name, item["Size"], item["ETag"].strip('"')))
        return sorted(found, key=lambda f: f.name)

    @contextlib.contextmanager
    def local(self, file: SourceFile) -> Iterator[Path]:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / PurePosixPath(file.name).name
            self.client.download_file(self.bucket, self.prefix + file.name, str(path))
            yield path


def feed_source(feed: DataFeed):
    return S3Source(feed) if feed.source == DataFeed.Source.S3 else FolderSource(feed)


# --- writes -------------------------------------------------------------------------------------------


def feed_save(*, client, by: User, values: dict, feed: DataFeed | None = None) -> DataFeed:
    """Create or change a client's feed (firm staff). A new or changed feed is looked at within a minute.
    Raises ValidationError for a location outside the client's folder or an invalid field."""
    feed = feed or DataFeed(client=client)
    for field, value in values.items():
        setattr(feed, field, value)
    feed.location = clean_location(feed.location)
    if feed.analyst_id is None and by.is_firm_staff:
        feed.analyst = by
    feed.next_poll_at = timezone.now()
    feed.full_clean()
    feed.save()
    return feed


def feeds_claim_due(*, now: dt.datetime | None = None) -> list[int]:
    """The active feeds whose time has come, each claimed by one conditional UPDATE that moves its next
    time on (two beat runs, or two schedulers, cannot both take a feed). Returns their ids."""
    now = now or timezone.now()
    due = DataFeed.objects.filter(is_active=True).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )
    claimed = []
    for pk, every in due.values_list("pk", "every_minutes"):
        taken = (
            DataFeed.objects.filter(pk=pk)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .update(next_poll_at=now + dt.timedelta(minutes=every))
        )
        if taken:
            claimed.append(pk)
    return claimed


@dataclass
class FeedPollResult:
    feed_id: int
    seen: int = 0
    outcomes: Counter | None = None
    error: str = ""

    def summary(self) -> str:
        if self.error:
            return f"The feed could not be read: {self.error}"
        if not self.outcomes:
            return f"No new file ({self.seen} seen before)."
        parts = ", ".join(f"{n} {FeedFile.Status(s).label.lower()}" for s, n in sorted(self.outcomes.items()))
        return f"{sum(self.outcomes.values())} new file(s): {parts}."


def feed_poll(*, feed_id: int) -> FeedPollResult:
    """Look at one feed now and take in every file not seen before, one at a time. Safe to run twice at
    once: each file is claimed by inserting its FeedFile row, which only one run can do."""
    feed = DataFeed.objects.select_related("client", "analyst").get(pk=feed_id)
    result = FeedPollResult(feed_id=feed.pk, outcomes=Counter())
    try:
        source = feed_source(feed)
        files = source.list(feed.pattern)
    except Exception as exc:  # an unmounted share, a wrong bucket, refused credentials: said, not raised
        logger.warning("feed %s could not be read: %s", feed.pk, exc)
        result.error = str(exc) or type(exc).__name__
        _finish(feed, result)
        _tell_analyst(feed, f"The feed {feed.name} could not be read: {result.error}")
        return result
    for file in files:
        if FeedFile.objects.filter(
            feed=feed, name=file.name, size=file.size, modified=file.modified
        ).exists():
            result.seen += 1
            continue
        try:
            with transaction.atomic():
                row = FeedFile.objects.create(
                    feed=feed, name=file.name, size=file.size, modified=file.modified
                )
        except IntegrityError:
            continue  # another run took it meanwhile
        _take(feed, source, file, row)
        result.outcomes[row.status] += 1
        if row.status in (FeedFile.Status.FAILED, FeedFile.Status.REJECTED, FeedFile.Status.UNMATCHED):
            _tell_analyst(
                feed, f"{file.name} from the feed {feed.name}: {row.get_status_display()}.\n{row.message}"
            )
    _finish(feed, result)
    return result


def _finish(feed: DataFeed, result: FeedPollResult) -> None:
    DataFeed.objects.filter(pk=feed.pk).update(last_polled_at=timezone.now(), last_result=result.summary())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _take(feed: DataFeed, source, file: SourceFile, row: FeedFile) -> None:
    """Load (or store and attach) one new file and record the outcome on its row; never raises."""
    limit = settings.DOCUMENT_MAX_BYTES if feed.is_documents else settings.UPLOAD_MAX_BYTES
    try:
        if file.size > limit:
            raise ValidationError(f"The file is larger than {limit // (1024 * 1024)} MB; it was not read.")
        with source.local(file) as path:
            row.sha256 = _sha256(path)
            earlier = (
                FeedFile.objects.filter(feed=feed, sha256=row.sha256)
                .exclude(pk=row.pk)
                .exclude(status__in=[FeedFile.Status.FAILED, FeedFile.Status.PROCESSING])
                .first()
            )
            if earlier is not None:
                row.status = FeedFile.Status.DUPLICATE
                row.upload, row.document = earlier.upload, earlier.document
                row.message = f"The same content came as {earlier.name} on {earlier.seen_at:%Y-%m-%d %H:%M}."
            elif feed.is_documents:
                _take_document(feed, path, file, row)
            else:
                _take_data(feed, path, file, row)
    except ValidationError as exc:
        row.status, row.message = FeedFile.Status.REJECTED, " ".join(exc.messages)
    except Exception as exc:
        logger.exception("feed %s file %s failed", feed.pk, file.name)
        row.status, row.message = FeedFile.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    row.save()


def _take_data(feed: DataFeed, path: Path, file: SourceFile, row: FeedFile) -> None:
    with open(path, "rb") as handle:
        upload = upload_create(
            client=feed.client,
            kind=feed.kind,
            file=File(handle, name=PurePosixPath(file.name).name),
            user=None,
            allow_partial=feed.allow_partial,
            feed=feed,
            queue=False,
        )
    upload_process(upload_id=upload.pk)
    upload.refresh_from_db()
    row.upload = upload
    row.message = upload.message
    row.status = {
        Upload.Status.LOADED: FeedFile.Status.LOADED,
        Upload.Status.LOADED_WITH_REJECTS: FeedFile.Status.LOADED,
        Upload.Status.REJECTED: FeedFile.Status.REJECTED,
    }.get(upload.status, FeedFile.Status.FAILED)


ENTRY_IN_NAME = re.compile(r"(?<![A-Z0-9])([A-Z0-9]{3}-?\d{7}-?\d)(?![0-9])")


def references_in_name(client, name: str) -> tuple[list[ImportEntry], list[Export]]:
    """The client's entries and exports a file name carries: entry numbers (with or without dashes, check
    digit verified) and export references (ITN, shipment or bill of lading number) as whole words."""
    stem = PurePosixPath(name).stem.upper()
    numbers = set()
    for text in ENTRY_IN_NAME.findall(stem):
        with contextlib.suppress(entry_numbers.EntryNumberError):
            numbers.add(str(entry_numbers.parse(text)))
    entries = list(ImportEntry.objects.filter(client=client, entry_number__in=numbers)) if numbers else []
    words = {w for w in re.split(r"[\s_.,;()\[\]]+", stem) if w}
    words |= {part for w in words for part in w.split("-") if part}
    exports = list(Export.objects.filter(client=client, export_ref__in=words)) if words else []
    return entries, exports


def _take_document(feed: DataFeed, path: Path, file: SourceFile, row: FeedFile) -> None:
    entries, exports = references_in_name(feed.client, file.name)
    with open(path, "rb") as handle:
        document, _ = document_create(
            client=feed.client,
            user=None,
            file=File(handle, name=PurePosixPath(file.name).name),
            doc_type=feed.doc_type,
            note=f"From the feed {feed.name}"[:300],
            entries=entries,
            exports=exports,
        )
    row.document = document
    if entries or exports:
        row.status = FeedFile.Status.ATTACHED
        named = [f"entry {e.display_number}" for e in entries] + [f"export {x.export_ref}" for x in exports]
        row.message = f"Attached to {', '.join(named)}."
    else:
        row.status = FeedFile.Status.UNMATCHED
        row.message = (
            "No entry number or export reference of this client is in the file's name: the document is kept "
            "with the client's documents; attach it there."
        )


def _tell_analyst(feed: DataFeed, text: str) -> None:
    """E-mail the feed's analyst (else the firm's admins) once the outcome is committed."""
    recipients = [feed.analyst.email] if feed.analyst and feed.analyst.email else []
    if not recipients:
        recipients = list(
            User.objects.filter(firm_id=feed.client.firm_id, role=User.Role.FIRM_ADMIN, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    if not recipients:
        return

    def send():
        try:
            send_mail(
                f"[Drawback] {feed.client.legal_name}: data feed {feed.name}",
                text,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
            )
        except Exception:  # a mail server down must not undo the load; the page shows the outcome
            logger.exception("feed %s: the e-mail to %s was not sent", feed.pk, recipients)

    transaction.on_commit(send)

"""Writes for documents: upload with content checks, attach to entries and exports, delete.

Documents are kept through Django's storage API under random names and are only ever served by the scoped
download view, never by a public media URL. A client user may upload documents to their own client and
attach the documents they uploaded; every other change is for firm staff.
"""

import hashlib
import io
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from drawback.accounts.models import Client, User
from exports.models import Export

from .models import Document, DocumentProof, ImportEntry

HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str


# Extension -> what the file must really be. Both the extension and the leading bytes must agree.
KINDS = {
    ".pdf": Kind("application/pdf", "PDF"),
    ".png": Kind("image/png", "PNG image"),
    ".jpg": Kind("image/jpeg", "JPEG image"),
    ".jpeg": Kind("image/jpeg", "JPEG image"),
    ".tif": Kind("image/tiff", "TIFF image"),
    ".tiff": Kind("image/tiff", "TIFF image"),
    ".xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook"),
    ".csv": Kind("text/csv", "CSV text"),
    ".txt": Kind("text/plain", "plain text"),
}
ALLOWED_EXTENSIONS = ", ".join(sorted(KINDS))


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            if encoding == "utf-8-sig" and exc.start >= len(head) - 3 and len(head) == HEAD_BYTES:
                text = head[: exc.start].decode(encoding)
            else:
                continue
        return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f" for ch in text)
    return False


def _is_xlsx(file: UploadedFile) -> bool:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _matches(ext: str, head: bytes, file: UploadedFile) -> bool:
    if ext == ".pdf":
        return head.startswith(b"%PDF-")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext in (".tif", ".tiff"):
        return head.startswith((b"II*\x00", b"MM\x00*"))
    if ext == ".xlsx":
        return head.startswith(b"PK\x03\x04") and _is_xlsx(file)
    return _is_text(head)


def document_check(*, file: UploadedFile) -> str:
    """The content type of an acceptable file. Raises ValidationError naming what is wrong."""
    if not file.size:
        raise ValidationError("The file is empty.", code="empty")
    if file.size > settings.DOCUMENT_MAX_BYTES:
        limit = settings.DOCUMENT_MAX_BYTES / (1024 * 1024)
        raise ValidationError(f"The file is larger than the {limit:g} MB limit.", code="too_large")
    ext = PurePath(file.name or "").suffix.lower()
    kind = KINDS.get(ext)
    if kind is None:
        raise ValidationError(
            f"Files of type {ext or '(none)'} are not accepted; use {ALLOWED_EXTENSIONS}.", code="extension"
        )
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if not _matches(ext, head, file):
        raise ValidationError(f"The file's content is not a {kind.label}, as its name says.", code="content")
    return kind.content_type


def _sha256(file: UploadedFile) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _same_client(client: Client, entries: Iterable[ImportEntry], exports: Iterable[Export]) -> None:
    if any(e.client_id != client.pk for e in [*entries, *exports]):
        # Views resolve targets inside the client, so this only trips on a programming error.
        raise ValidationError("A document can only be attached to entries and exports of its own client.")


def document_create(
    *,
    client: Client,
    user: User,
    file: UploadedFile,
    doc_type: str,
    note: str = "",
    entries: Iterable[ImportEntry] = (),
    exports: Iterable[Export] = (),
) -> tuple[Document, bool]:
    """Check and store a document of a client and attach it. Returns (document, created).

    The same file (by SHA-256) uploaded again for the same client is not stored twice: the document on
    file is recorded as the type now chosen too (a document can prove several things), attached to the new
    entries/exports and returned with created=False. Raises ValidationError for a file that is empty, too
    large, of a type not accepted, or whose content contradicts its name.
    """
    if doc_type not in Document.Type.values:
        raise ValidationError({"doc_type": "Choose a document type."})
    entries, exports = list(entries), list(exports)
    _same_client(client, entries, exports)
    content_type = document_check(file=file)
    sha256 = _sha256(file)
    existing = Document.objects.filter(client=client, sha256=sha256).order_by("pk").first()
    if existing:
        with transaction.atomic():
            if doc_type != existing.doc_type:
                DocumentProof.objects.get_or_create(
                    document=existing, doc_type=doc_type, defaults={"recorded_by": user}
                )
            _attach(existing, entries, exports)
        return existing, False
    name = PurePath(file.name).name[:255]
    document = Document(
        client=client,
        doc_type=doc_type,
        original_name=name,
        content_type=content_type,
        size=file.size,
        sha256=sha256,
        note=note[:300],
        uploaded_by=user,
    )
    # A random storage name: nothing the user typed reaches the storage path.
    document.file.save(f"{uuid.uuid4().hex}{PurePath(name).suffix.lower()}", file, save=False)
    try:
        with transaction.atomic():
            document.save()
            _attach(document, entries, exports)
    except Exception:
        document.file.delete(save=False)
        raise
    return document, True


def _attach(document: Document, entries: list[ImportEntry], exports: list[Export]) -> None:
    if entries:
        document.import_entries.add(*entries)
    if exports:
        document.exports.add(*exports)


def can_change_document(user: User, document: Document) -> bool:
    """Staff may attach any document of a client they see; a client user only those they uploaded."""
    return user.is_firm_staff or document.uploaded_by_id == user.pk


def document_attach(
    *, document: Document, user: User, entries: Iterable[ImportEntry] = (), exports: Iterable[Export] = ()
) -> None:
    """Attach a document to more entries/exports of its own client. Raises PermissionError for a user
    who may not change it (views answer 404) and ValidationError for a target of another client."""
    if not can_change_document(user, document):
        raise PermissionError("may not change this document")
    entries, exports = list(entries), list(exports)
    _same_client(document.client, entries, exports)
    _attach(document, entries, exports)


def document_detach(
    *, document: Document, user: User, entries: Iterable[ImportEntry] = (), exports: Iterable[Export] = ()
) -> None:
    if not user.is_firm_staff:
        raise PermissionError("only firm staff detach documents")
    document.import_entries.remove(*entries)
    document.exports.remove(*exports)


def document_delete(*, document: Document, user: User) -> None:
    """Delete the record and, once the deletion is committed, the stored file. Firm staff only."""
    if not user.is_firm_staff:
        raise PermissionError("only firm staff delete documents")
    storage, name = document.file.storage, document.file.name
    with transaction.atomic():
        document.delete()
        transaction.on_commit(lambda: storage.delete(name))


def document_open(*, document: Document) -> io.BufferedIOBase:
    """The stored file opened for reading, streamed from whatever storage is configured."""
    return document.file.open("rb")

"""Writes for imports: uploads of data files. (Filled in by the ingestion work.)"""

from django.core.files.uploadedfile import UploadedFile

from drawback.accounts.models import Client, User

from .models import ColumnMapping, Upload


def upload_create(
    *,
    client: Client | None,
    kind: str,
    file: UploadedFile,
    user: User | None,
    allow_partial: bool = False,
    mapping: ColumnMapping | None = None,
) -> Upload:
    """Store the file, record an Upload in QUEUED and queue `upload_process` after commit.

    Raises ValidationError for a file too large or of a kind that needs a client but has none.
    """
    raise NotImplementedError

"""An upload processed by a real Celery worker on Redis (not eager), as in production."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from imports.models import ImportLine, Upload
from tests.imports.helpers import FIXTURES


@pytest.mark.live_services
@pytest.mark.django_db(transaction=True)
def test_upload_is_processed_by_the_worker(live_worker, client_a, analyst):
    content = (FIXTURES / "es003_sample.csv").read_bytes()
    upload = services.upload_create(
        client=client_a, kind="es003", file=SimpleUploadedFile("es003_sample.csv", content), user=analyst
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.status not in (Upload.Status.QUEUED, Upload.Status.PROCESSING):
            break
        time.sleep(0.2)

    assert upload.status == Upload.Status.LOADED, upload.message
    assert (upload.rows_read, upload.created, upload.progress) == (46, 38, 100)
    assert ImportLine.objects.filter(client=client_a).count() == 38

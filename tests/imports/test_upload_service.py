"""upload_create / upload_process: stored files, statuses, progress, rejects, failure handling."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from imports.ingest.core import get_parser
from imports.management.commands.bench_ingest import generate
from imports.models import ImportLine, Upload
from tests.imports.helpers import FIXTURES, sample_rows, write_rows

pytestmark = pytest.mark.django_db


def fixture_file(name, content=None):
    return SimpleUploadedFile(name, content if content is not None else (FIXTURES / name).read_bytes())


def create(client, name="es003_sample.csv", kind="es003", user=None, **options):
    return services.upload_create(client=client, kind=kind, file=fixture_file(name), user=user, **options)


def test_upload_is_stored_queued_and_processed_after_commit(
    client_a, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload = create(client_a, user=analyst)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.QUEUED and len(callbacks) == 1
    assert upload.size == (FIXTURES / "es003_sample.csv").stat().st_size
    assert upload.file.read() == (FIXTURES / "es003_sample.csv").read_bytes()
    assert upload.uploaded_by == analyst

    callbacks[0]()  # Celery runs eagerly in tests: this is the task
    upload.refresh_from_db()
    assert (upload.status, upload.progress, upload.rows_read, upload.created) == (
        Upload.Status.LOADED,
        100,
        46,
        38,
    )
    assert upload.finished_at is not None
    assert ImportLine.objects.filter(client=client_a).count() == 38


def test_processing_twice_does_nothing_the_second_time(client_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload = create(client_a)
    assert services.upload_process(upload_id=upload.pk) is None
    upload.refresh_from_db()
    assert (upload.status, upload.created, upload.unchanged) == (Upload.Status.LOADED, 38, 0)


def test_progress_is_written_while_rows_are_read(client_a, tmp_path, monkeypatch):
    path = tmp_path / "es003.csv"
    generate(path, 30000)
    seen = []
    real = services._set_progress

    def spy(upload_id, percent):
        seen.append(percent)
        real(upload_id, percent)

    monkeypatch.setattr(services, "_set_progress", spy)
    monkeypatch.setattr("imports.ingest.core.PROGRESS_INTERVAL", 0)
    upload, result = services.upload_ingest_now(client=client_a, kind="es003", path=path)

    assert result.error_count == 0 and upload.progress == 100
    reading = [p for p in seen if p < 90]
    assert len(reading) >= 3 and reading == sorted(reading) and reading[-1] > 50
    assert seen[-1] == 90  # just before the write transaction


@pytest.mark.parametrize(
    "name, content, kind, message",
    [
        ("empty.csv", b"", "es003", "The file is empty"),
        ("old.xls", b"\xd0\xcf\x11\xe0rest", "es003", "Old Excel .xls"),
        ("notes.pdf", b"%PDF-1.4", "es003", "Upload a CSV, XLSX"),
        ("tariff.json", b"[]", "es003", "Only the HTS tariff is read from JSON"),
        ("fake.xlsx", b"Entry Summary Number\n", "es003", "not an Excel workbook"),
        ("binary.csv", b"a,b\x00c", "es003", "The file is not text"),
    ],
)
def test_files_of_the_wrong_type_are_refused(client_a, name, content, kind, message):
    with pytest.raises(ValidationError, match=message):
        services.upload_create(client=client_a, kind=kind, file=fixture_file(name, content), user=None)
    assert Upload.objects.count() == 0


def test_size_limit_and_owner_rules(client_a, settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="larger than"):
        create(client_a)
    settings.UPLOAD_MAX_BYTES = 10**9
    with pytest.raises(ValidationError, match="belongs to a client"):
        create(None)
    with pytest.raises(ValidationError, match="shared by all clients"):
        create(client_a, name="hts_sample.csv", kind="hts")


def test_rejected_file_keeps_its_errors_and_stores_nothing(
    client_a, tmp_path, django_capture_on_commit_callbacks
):
    headers, rows = sample_rows("es003_sample.csv")
    rows[3]["Line Tariff Duty Amount"] = "lots"
    content = write_rows(tmp_path / "bad.csv", headers, rows).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        upload = services.upload_create(
            client=client_a, kind="es003", file=fixture_file("bad.csv", content), user=None
        )
    upload.refresh_from_db()

    assert upload.status == Upload.Status.REJECTED
    assert (upload.error_count, upload.created) == (1, 0)
    assert "nothing was stored" in upload.message
    assert ImportLine.objects.count() == 0
    assert list(upload.errors.values_list("row", "column", "value", "rule")) == [
        (5, "Line Tariff Duty Amount", "lots", "number_format"),
        (6, "", "", "rejected_with_line"),
    ]


def test_partial_upload_and_rejects_download(client_a, tmp_path, django_capture_on_commit_callbacks):
    headers, rows = sample_rows("es003_sample.csv")
    rows[3]["Line Tariff Duty Amount"] = "lots"
    content = write_rows(tmp_path / "bad.csv", headers, rows).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        upload = services.upload_create(
            client=client_a,
            kind="es003",
            file=fixture_file("bad.csv", content),
            user=None,
            allow_partial=True,
        )
    upload.refresh_from_db()
    assert (upload.status, upload.created, upload.error_count) == (Upload.Status.LOADED_WITH_REJECTS, 37, 1)

    rejects = list(csv.DictReader(io.StringIO("".join(services.upload_rejects_csv(upload=upload)))))
    assert [r["row"] for r in rejects] == ["5", "6"]
    assert rejects[0]["Line Tariff Duty Amount"] == "lots"
    assert rejects[0]["HTS Number - Full"] == "99038803"
    assert "Line Tariff Duty Amount: Chapter 99 duty is not a number" in rejects[0]["reasons"]
    assert "[number_format]" in rejects[0]["reasons"]
    assert "rejected with line 4 of entry B7679638166: see row 5" in rejects[1]["reasons"]


def test_failure_during_the_write_marks_the_upload_failed_and_rolls_back(client_a, monkeypatch):
    parser = get_parser("es003")
    real_write = parser.write

    def write_then_fail(ctx, staged):
        real_write(ctx, staged)
        raise RuntimeError("disk full")

    monkeypatch.setattr(parser, "write", write_then_fail)
    upload, result = services.upload_ingest_now(
        client=client_a, kind="es003", path=FIXTURES / "es003_sample.csv"
    )

    assert result is None
    assert upload.status == Upload.Status.FAILED and "disk full" in upload.message
    assert ImportLine.objects.count() == 0


def test_same_file_again_is_noted_and_loads_unchanged(client_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = create(client_a)
        second = create(client_a)
    second.refresh_from_db()
    assert f"(upload {first.pk})" in second.message
    assert (second.status, second.created, second.unchanged) == (Upload.Status.LOADED, 0, 38)


def test_reload_with_a_saved_mapping(client_a, analyst, tmp_path, django_capture_on_commit_callbacks):
    from tests.imports.test_layouts import MAPPING, own_layout

    content = own_layout(tmp_path).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        upload = services.upload_create(
            client=client_a, kind="aes", file=fixture_file("own.csv", content), user=analyst
        )
    upload.refresh_from_db()
    assert upload.status == Upload.Status.REJECTED and upload.errors.get().rule == "unknown_layout"
    assert services.upload_headers(upload=upload)[:2] == ["AES ITN #", "Shipment Reference Number"]

    mapping = services.column_mapping_save(
        client=client_a, kind="aes", name="Acme", mapping=MAPPING, user=analyst
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = services.upload_reload(upload=upload, user=analyst, mapping=mapping)
    again.refresh_from_db()
    assert (again.status, again.created, again.mapping) == (Upload.Status.LOADED, 25, mapping)
    assert again.file.name == upload.file.name


def test_an_upload_whose_worker_died_is_processed_again_by_the_beat_job(
    client_a, django_capture_on_commit_callbacks, time_machine
):
    from imports.tasks import upload_resume_stalled

    time_machine.move_to("2026-11-26 09:00:00+00:00", tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        dead = create(client_a)
        alive = create(client_a, name="es003_sample.csv")
    # Both were taken up by a worker; the first one's worker died at 40% (its transaction rolled back).
    Upload.objects.filter(pk=dead.pk).update(status=Upload.Status.PROCESSING, progress=40)
    services._set_progress(dead.pk, 40)
    time_machine.move_to("2026-11-26 09:09:00+00:00", tick=False)
    services._set_progress(dead.pk, 40)  # still beating: not stalled yet
    Upload.objects.filter(pk=alive.pk).update(status=Upload.Status.PROCESSING)
    services._set_progress(alive.pk, 10)
    assert upload_resume_stalled.delay().get() == []
    # A redelivered message for a live upload does nothing.
    assert services.upload_process(upload_id=dead.pk) is None

    time_machine.move_to("2026-11-26 09:19:30+00:00", tick=False)
    services._set_progress(alive.pk, 60)
    assert upload_resume_stalled.delay().get() == [dead.pk]  # eager: processed here
    dead.refresh_from_db()
    assert (dead.status, dead.progress, dead.created) == (Upload.Status.LOADED, 100, 38)
    assert Upload.objects.get(pk=alive.pk).status == Upload.Status.PROCESSING
    assert ImportLine.objects.filter(client=client_a).count() == 38

"""Files built to exhaust us: a workbook that expands to gigabytes, millions of empty rows, giant cells,
a flood of bad rows, a file that kills its worker, a header with nothing under it. Each is refused or
bounded with a reason, through the browser's upload, the API and `manage.py ingest` alike, and no upload
is ever left "processing"."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from drawback.lib.entry_numbers import make
from imports import services
from imports.models import ImportLine, Upload, UploadError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IMPORTS_HEADER = "entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty\n"
ENTRY = make("AAA", 1234567)
GOOD_ROW = f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50\n"


def workbook(shared_string: str = "entry_number", extra_rows: str = "") -> bytes:
    """A minimal XLSX whose first cell is `shared_string` (stored in sharedStrings.xml, which openpyxl reads
    whole), the other headers of imports.csv after it, and whose sheet holds `extra_rows` XML after the
    header row."""
    header = "".join(
        f'<c r="{chr(66 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(IMPORTS_HEADER.strip().split(",")[1:])
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'count="1" uniqueCount="1">'
            f"<si><t>{shared_string}</t></si></sst>"
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            f'<row r="1"><c r="A1" t="s"><v>0</v></c>{header}</row>'
            f"{extra_rows}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def upload(client, name, content, kind="imports", **options):
    file = SimpleUploadedFile(name, content)
    created = services.upload_create(client=client, kind=kind, file=file, user=None, queue=False, **options)
    services.upload_process(upload_id=created.pk)
    created.refresh_from_db()
    return created


def test_a_workbook_that_expands_to_gigabytes_is_refused_before_it_is_read(client_a):
    """One shared string of 64 MiB of the same letter compresses to about 64 KB: the kind of file that
    took the web process to 3.5 GB. Refused from the zip directory, without reading it."""
    bomb = workbook(shared_string="A" * (64 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    started = timezone.now()
    loaded = upload(client_a, "bomb.xlsx", bomb)
    assert (timezone.now() - started).total_seconds() < 10
    assert loaded.status == Upload.Status.REJECTED
    assert "expands" in loaded.message and "not an ordinary spreadsheet" in loaded.message
    assert loaded.errors.get().rule == "file_format"


def test_a_workbook_larger_than_the_limit_uncompressed_is_refused(client_a, settings):
    settings.UPLOAD_XLSX_MAX_MB = 1
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{n:09d}{"x" * 30}</t></is></c></row>'
        for n in range(2, 40000)
    )
    loaded = upload(client_a, "big.xlsx", workbook(extra_rows=rows))
    assert loaded.status == Upload.Status.REJECTED
    assert "at most 1 MB is read" in loaded.message


def test_millions_of_empty_rows_are_refused_at_the_row_limit(client_a, settings):
    settings.UPLOAD_MAX_ROWS = 1000
    csv_rows = (IMPORTS_HEADER + GOOD_ROW + "\n" * 5000).encode()
    loaded = upload(client_a, "empty-rows.csv", csv_rows)
    assert loaded.status == Upload.Status.REJECTED
    assert "more than 1,000 rows" in loaded.message
    # The same in a workbook: one cell far down the sheet makes openpyxl produce every row above it.
    far = '<row r="50000"><c r="A50000" t="inlineStr"><is><t>x</t></is></c></row>'
    loaded = upload(client_a, "empty-rows.xlsx", workbook(extra_rows=far))
    assert loaded.status == Upload.Status.REJECTED
    assert "more than 1,000 rows" in loaded.message
    assert not ImportLine.objects.exists()


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_cell_longer_than_excel_allows_is_refused(client_a, form):
    long_text = "y" * 40_000
    if form == "csv":
        content = IMPORTS_HEADER.rstrip("\n") + ",description\n" + GOOD_ROW.rstrip("\n") + f",{long_text}\n"
        content = content.encode()
    else:
        content = workbook(
            extra_rows=f'<row r="2"><c r="A2" t="inlineStr"><is><t>{long_text}</t></is></c></row>'
        )
    loaded = upload(client_a, f"long.{form}", content)
    assert loaded.status == Upload.Status.REJECTED
    assert "32,767" in loaded.message


def test_only_the_first_rejected_rows_are_kept_and_the_rest_counted(client_a, settings):
    settings.UPLOAD_MAX_ERROR_ROWS = 10
    bad = "".join(f"{ENTRY},{n},2024-03-01,NOTANHTS,5,DOZ,500.00,82.50\n" for n in range(1, 51))
    loaded = upload(client_a, "bad.csv", (IMPORTS_HEADER + bad).encode())
    assert loaded.status == Upload.Status.REJECTED
    assert loaded.error_count == 50
    assert UploadError.objects.filter(upload=loaded).count() == 10
    assert "40 more were counted but not kept" in loaded.message


@pytest.mark.parametrize(
    "content", [IMPORTS_HEADER, IMPORTS_HEADER + "\n\n,,,,,,,\n\n"], ids=["header only", "blank rows"]
)
def test_a_file_with_no_data_rows_is_an_error_not_an_empty_success(client_a, content):
    loaded = upload(client_a, "nothing.csv", content.encode())
    assert loaded.status == Upload.Status.REJECTED
    assert "no data rows" in loaded.message


@pytest.mark.parametrize("where", ["_record", "_local_path"])
def test_a_crash_anywhere_in_processing_leaves_the_upload_failed_not_processing(client_a, monkeypatch, where):
    def crash(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(services, where, crash)
    loaded = upload(client_a, "imports.csv", (IMPORTS_HEADER + GOOD_ROW).encode())
    assert loaded.status == Upload.Status.FAILED
    assert "not enough memory" in loaded.message and loaded.finished_at is not None


def stalled(client, attempts):
    upload = services.upload_create(
        client=client,
        kind="imports",
        file=SimpleUploadedFile("imports.csv", (IMPORTS_HEADER + GOOD_ROW).encode()),
        user=None,
        queue=False,
    )
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.PROCESSING,
        attempts=attempts,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    return upload


def test_an_upload_whose_worker_keeps_dying_is_tried_a_bounded_number_of_times(client_a, settings):
    settings.UPLOAD_MAX_ATTEMPTS = 3
    retried, given_up = stalled(client_a, attempts=1), stalled(client_a, attempts=3)
    assert services.upload_resume_stalled() == [retried.pk]
    retried.refresh_from_db()
    given_up.refresh_from_db()
    assert retried.status == Upload.Status.LOADED and retried.attempts == 2
    assert given_up.status == Upload.Status.FAILED
    assert "started 3 times and never finished" in given_up.message
    # Once failed it is not taken up again.
    assert services.upload_resume_stalled() == []


def test_a_stalled_upload_claimed_past_its_attempts_fails_instead_of_loading(client_a, settings):
    """A redelivered task can take over a stalled upload without the beat job: the limit holds there too."""
    settings.UPLOAD_MAX_ATTEMPTS = 2
    upload = stalled(client_a, attempts=2)
    assert services.upload_process(upload_id=upload.pk) is None
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and not ImportLine.objects.exists()


def test_ingest_command_refuses_a_bomb_with_a_reason(client_a, tmp_path, capsys):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook(shared_string="A" * (32 * 1024 * 1024)))
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest", str(path), client="acme", kind="imports")
    assert exit_.value.code == 1
    assert "not an ordinary spreadsheet" in capsys.readouterr().err


def test_the_upload_page_and_api_answer_a_bomb_with_its_reason(
    client, client_a, django_capture_on_commit_callbacks
):
    """Recognising the kind reads the header row: that reading is bounded too (it was a 500)."""
    analyst = UserFactory(username="ann", role="analyst", firm=client_a.firm)
    client.force_login(analyst)
    bomb = workbook(shared_string="A" * (32 * 1024 * 1024))
    page = client.post("/clients/acme/uploads/", {"kind": "", "file": SimpleUploadedFile("bomb.xlsx", bomb)})
    assert page.status_code == 200 and b"matches no known layout" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        api = client.post(
            "/api/v1/clients/acme/uploads/",
            {"kind": "imports", "file": SimpleUploadedFile("bomb.xlsx", bomb)},
        )
    assert api.status_code == 201
    assert Upload.objects.get(pk=api.json()["id"]).status == Upload.Status.REJECTED


def test_a_file_kept_while_its_kind_is_chosen_is_held_to_the_upload_limits(
    client, client_a, settings, tmp_path
):
    """A file whose header row matches no layout waits on the server while the analyst chooses its kind:
    only a file an upload would take at all (size, type) is kept."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(UserFactory(username="ann", role="analyst", firm=client_a.firm))
    big = b"Colour,Size\n" + b"red,9\n" * 400
    page = client.post("/clients/acme/uploads/", {"kind": "", "file": SimpleUploadedFile("big.csv", big)})
    assert page.status_code == 200 and b"larger than" in page.content
    assert b"matches no known layout" not in page.content
    assert "pending_upload" not in client.session
    assert not (tmp_path / "media" / "uploads" / "pending").exists()
    small = SimpleUploadedFile("small.csv", b"Colour,Size\nred,9\n")
    page = client.post("/clients/acme/uploads/", {"kind": "", "file": small})
    assert b"matches no known layout" in page.content and "pending_upload" in client.session
    assert Upload.objects.count() == 0

"""The product identifier (part number, SKU, style) of an import line: read from uploads under its usual
headers, trimmed and bounded, reloaded without duplicates, shown on the line pages and the API, and never
written back as a formula."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from drawback.lib.entry_numbers import make
from imports.models import ImportLine
from tests.imports.helpers import FIXTURES, load, sample_rows, write_rows

pytestmark = pytest.mark.django_db

ENTRY = make("AAA", 1234567)
HEADER = "entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty"


def write(tmp_path, *rows, header=HEADER + ",part", name="imports.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def parts(client) -> dict[int, str]:
    return dict(ImportLine.objects.filter(client=client).values_list("line_number", "part"))


def test_part_column_is_read_and_trimmed(client_a, tmp_path):
    path = write(
        tmp_path,
        f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50,  TS-100-BLK ",
        f"{ENTRY},2,2024-03-01,6109100012,5,DOZ,500.00,82.50,",
    )
    result = load("imports", path, client_a)

    assert result.summary() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert parts(client_a) == {1: "TS-100-BLK", 2: ""}


@pytest.mark.parametrize("header", ["part_number", "Part Number", "SKU", "style", "product_code"])
def test_part_is_read_under_the_headers_users_bring(client_a, tmp_path, header):
    path = write(
        tmp_path, f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50,SKU-77", header=f"{HEADER},{header}"
    )
    assert load("imports", path, client_a).error_count == 0
    assert parts(client_a) == {1: "SKU-77"}


def test_part_from_a_workbook_under_an_alias(client_a, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*HEADER.split(","), "SKU"])
    sheet.append([ENTRY, 1, "2024-03-01", "6109100012", 5, "DOZ", 500, 82.5, "TS-200"])
    path = tmp_path / "lines.xlsx"
    book.save(path)

    assert load("imports", path, client_a).error_count == 0
    assert parts(client_a) == {1: "TS-200"}


def test_es003_report_with_a_part_number_column(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    for row in rows:
        row["Part Number"] = "P-" + row["Entry Summary Line Number"]
    path = write_rows(tmp_path / "es003.csv", [*headers, "Part Number"], rows)

    assert load("es003", path, client_a).error_count == 0
    line = ImportLine.objects.get(client=client_a, entry__entry_number="B7679638166", line_number=4)
    assert line.part == "P-4"


def test_too_long_part_is_refused_with_row_and_column(client_a, tmp_path):
    path = write(
        tmp_path,
        f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50,OK-1",
        f"{ENTRY},2,2024-03-01,6109100012,5,DOZ,500.00,82.50,{'X' * 61}",
        header=f"{HEADER},part_number",
    )
    result = load("imports", path, client_a)

    assert [(e.row, e.column, e.rule) for e in result.errors] == [(3, "part_number", "too_long")]
    assert "longer than 60 characters" in result.errors[0].message
    assert ImportLine.objects.count() == 0


def test_sixty_characters_fit(client_a, tmp_path):
    path = write(tmp_path, f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50,{'X' * 60}")
    assert load("imports", path, client_a).error_count == 0
    assert parts(client_a) == {1: "X" * 60}


def test_reloading_the_same_file_changes_nothing_and_a_new_part_updates_in_place(client_a, tmp_path):
    row = f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50,"
    path = write(tmp_path, row + "TS-100")
    load("imports", path, client_a)

    again = load("imports", path, client_a)
    assert again.summary() == {"rows": 1, "created": 0, "updated": 0, "unchanged": 1, "errors": 0}
    assert ImportLine.objects.count() == 1

    changed = load("imports", write(tmp_path, row + "TS-101", name="changed.csv"), client_a)
    assert changed.summary()["updated"] == 1
    assert parts(client_a) == {1: "TS-101"}


def test_a_file_without_the_column_keeps_the_recorded_part(client_a, tmp_path):
    load("imports", write(tmp_path, f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50,TS-100"), client_a)
    result = load(
        "imports",
        write(tmp_path, f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50", header=HEADER, name="b.csv"),
        client_a,
    )
    assert result.summary()["unchanged"] == 1
    assert parts(client_a) == {1: "TS-100"}


def test_rejected_rows_file_writes_a_part_as_text_never_a_formula(
    client, analyst, client_a, django_capture_on_commit_callbacks
):
    content = (
        f"{HEADER},part\n"
        f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50,TS-1\n"
        f'{ENTRY},2,2024-03-01,6109100012,5,DOZ,500.00,-1,"=HYPERLINK(""http://x"")"\n'
    ).encode()
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.post(
            "/api/v1/clients/acme/uploads/",
            {
                "file": SimpleUploadedFile("lines.csv", content),
                "kind": "imports",
                "allow_partial": "true",
            },
            format="multipart",
        ).json()
    detail = client.get(body["url"]).json()
    assert (detail["status"], detail["created"], detail["errors"]) == ("partial", 1, 1)

    response = client.get(detail["rejects_url"])
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["row"] for r in rows] == ["3"]
    assert not rows[0]["part"].startswith("=") and "HYPERLINK" in rows[0]["part"]


def test_line_pages_and_api_show_the_part(client, analyst, client_a, client_user_b, tmp_path):
    row = f"{ENTRY},1,2024-03-01,6109100012,5,DOZ,500.00,82.50,TS-100-BLK"
    load("imports", write(tmp_path, row), client_a)
    client.force_login(analyst)

    lines = client.get("/api/v1/clients/acme/lines/").json()["results"]
    assert [(x["line_number"], x["part"]) for x in lines] == [(1, "TS-100-BLK")]
    entry = client.get(f"/api/v1/clients/acme/entries/{ENTRY}/").json()
    assert entry["lines"][0]["part"] == "TS-100-BLK"
    assert "Part TS-100-BLK" in client.get(f"/clients/acme/entries/{ENTRY}/").content.decode()
    assert "Part TS-100-BLK" in client.get("/clients/acme/lines/").content.decode()

    # Another client's user sees none of it.
    client.force_login(client_user_b)
    assert client.get("/api/v1/clients/acme/lines/").status_code == 404
    assert client.get(f"/clients/acme/entries/{ENTRY}/").status_code == 404


def test_sample_fixture_still_loads_without_parts(client_a):
    load("imports", FIXTURES / "imports.csv", client_a)
    assert set(ImportLine.objects.values_list("part", flat=True)) == {""}

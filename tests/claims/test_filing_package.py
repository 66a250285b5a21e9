"""The filing package: three documents per claim, rebuilt in place, PDF and workbook that agree with the
claim, refused for claims that may not be filed."""

import datetime as dt
import io
import subprocess
import zipfile
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from claims.catair import build_filing_plan, parse_catair
from claims.filing import (
    FilingError,
    claim_catair_text,
    claim_filing_text,
    claim_package_build,
    claim_package_documents,
)
from claims.filing.summary import render_claim_summary_pdf
from claims.filing.tasks import claim_package_build_task
from claims.models import Claim
from imports.models import Document
from tests.claims.filing_builders import (
    designate,
    make_claim,
    set_status,
    total_classes,
    unused_substitution_claim,
)
from tests.factories import ExportFactory, ImportEntryFactory, ImportLineFactory

S = Claim.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def claim(client_a, analyst):
    return set_status(unused_substitution_claim(client_a, analyst), S.READY_TO_FILE)


def pdf_text(content: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode()


def stored(doc: Document) -> bytes:
    with doc.file.open("rb") as handle:
        return handle.read()


def test_package_stores_three_documents_linked_to_the_claim(claim, analyst):
    documents = claim_package_build(claim=claim, by=analyst)
    assert sorted(d.original_name for d in documents) == sorted(
        [f"{claim.number}-catair.txt", f"{claim.number}-summary.pdf", f"{claim.number}-designations.xlsx"]
    )
    assert set(claim.documents.values_list("pk", flat=True)) == {d.pk for d in documents}
    for doc in documents:
        assert doc.doc_type == Document.Type.CLAIM_FILING
        assert doc.client == claim.client and doc.uploaded_by == analyst
        assert doc.size == len(stored(doc)) > 0
    text = claim_catair_text(claim=claim)
    assert parse_catair(text).claims[0].header.claim_number == claim.number


def test_task_rebuild_replaces_the_package_without_duplicates(claim, django_capture_on_commit_callbacks):
    first = claim_package_build_task.delay(claim.pk).get()
    old_files = [d.file.name for d in Document.objects.filter(pk__in=first)]
    with django_capture_on_commit_callbacks(execute=True):
        second = claim_package_build_task.delay(claim.pk).get()
    assert len(second) == 3 and not set(first) & set(second)
    assert claim.documents.count() == Document.objects.filter(doc_type="claim_filing").count() == 3
    assert not Document.objects.filter(pk__in=first).exists()
    assert not any(default_storage.exists(name) for name in old_files)


@pytest.mark.parametrize(
    "status", [S.DRAFT, S.VALIDATED, S.FIRST_REVIEW, S.SECOND_REVIEW, S.RETURNED, S.WITHDRAWN]
)
def test_no_package_before_both_reviews_approved(claim, status):
    set_status(claim, status)
    with pytest.raises(FilingError, match="only once both reviews have approved it"):
        claim_package_build(claim=claim)
    assert not Document.objects.exists()


def test_a_filed_claims_package_is_kept_as_transmitted(claim):
    claim_package_build(claim=claim)
    Claim.objects.filter(pk=claim.pk).update(status=S.FILED, filed_on=dt.date(2025, 9, 2))
    claim.refresh_from_db()
    kept = set(claim.documents.values_list("pk", flat=True))
    with pytest.raises(FilingError, match="kept as transmitted"):
        claim_package_build(claim=claim)
    assert set(claim.documents.values_list("pk", flat=True)) == kept


def test_a_filed_claim_without_package_is_packaged_as_of_its_filing_date(claim):
    Claim.objects.filter(pk=claim.pk).update(status=S.ACCEPTED, filed_on=dt.date(2025, 9, 2))
    claim.refresh_from_db()
    claim_package_build(claim=claim)
    assert parse_catair(claim_catair_text(claim=claim)).envelope.transmission_date == dt.date(2025, 9, 2)


def test_failure_midway_keeps_the_previous_package_and_leaves_no_files(claim, media):
    before = {d.pk: d.file.name for d in claim_package_build(claim=claim)}
    files_before = {p.name for p in media.rglob("*") if p.is_file()}
    with mock.patch("claims.filing.services.render_claim_workbook", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            claim_package_build(claim=claim)
    assert set(claim.documents.values_list("pk", flat=True)) == set(before)
    assert {p.name for p in media.rglob("*") if p.is_file()} == files_before
    with mock.patch.object(Document, "save", side_effect=OSError("database went away")):
        with pytest.raises(OSError):
            claim_package_build(claim=claim)
    assert set(claim.documents.values_list("pk", flat=True)) == set(before)
    assert {p.name for p in media.rglob("*") if p.is_file()} == files_before


def test_task_retries_a_storage_error(claim):
    real_save = default_storage.save
    calls = {"n": 0}

    def flaky_save(name, content, max_length=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("storage unavailable")
        return real_save(name, content, max_length=max_length)

    with mock.patch.object(default_storage, "save", side_effect=flaky_save):
        # apply() without propagation runs the scheduled retry inline, as a worker would after the backoff.
        ids = claim_package_build_task.apply(args=[claim.pk], throw=False).get()
    assert len(ids) == 3 and calls["n"] == 4
    assert claim.documents.count() == 3


def test_claim_data_that_cannot_be_filed_stores_nothing(claim):
    claim.class_totals.filter(accounting_class="364").update(claim_amount=Decimal("9999.99"))
    with pytest.raises(FilingError, match="cannot be written for ACE: class 364"):
        claim_package_build(claim=claim)
    assert not Document.objects.exists()


# ---------------------------------------------------------------------------------------------- PDF
def test_pdf_shows_the_claim_number_each_class_total_and_the_grand_total(claim):
    claim_package_build(claim=claim)
    text = pdf_text(stored(claim_package_documents(claim=claim)["summary"]))
    rows = text.splitlines()
    assert claim.display_number in text
    totals = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
    assert totals == {"364": Decimal("2324.23"), "398": Decimal("4.95"), "399": Decimal("17.15")}
    for cls, amount in totals.items():
        assert any(
            row.lstrip().startswith(cls) and row.rstrip().endswith(f"{amount:,.2f}") for row in rows
        ), cls
    (grand,) = [row for row in rows if "Total drawback claimed" in row]
    assert grand.rstrip().endswith("2,346.33")
    assert "59 - 19 U.S.C. 1313(j)(2)" in text
    assert "Page 1 of" in text


def test_pdf_repeats_table_headers_on_every_page(client_a, analyst):
    claim = make_claim(client_a, analyst, provision="59")
    export = ExportFactory(client=client_a, quantity=Decimal("1000"))
    for i in range(70):
        entry = ImportEntryFactory(client=client_a)
        line = ImportLineFactory(entry=entry, line_number=1, description=f"Cotton T-shirts lot {i}")
        designate(claim, line, export, "1", {"364": ("16.335", "16.335")}, egvu="100", svu="100")
    total_classes(claim)
    day = dt.date(2025, 9, 1)
    plan = build_filing_plan(claim=claim, transmission_date=day)
    pages = pdf_text(render_claim_summary_pdf(claim=claim, plan=plan, transmission_date=day)).split("\f")
    pages = [p for p in pages if p.strip()]
    designation_pages = [p for p in pages if "lot " in p]
    assert len(designation_pages) >= 2
    assert all("Import entry" in p and "Entered value" in p for p in designation_pages)
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


# ---------------------------------------------------------------------------------------------- workbook
def test_workbook_reopens_and_its_totals_equal_the_claims(claim):
    claim_package_build(claim=claim)
    content = stored(claim_package_documents(claim=claim)["workbook"])
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Summary", "Designations", "Exports", "Explanations"]
    summary = wb["Summary"]
    rows = {r[0]: r for r in summary.iter_rows(values_only=True) if r and r[0]}
    totals = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
    for cls, amount in totals.items():
        assert Decimal(str(rows[cls][2])) == amount
    assert Decimal(str(rows["Total"][2])) == sum(totals.values())
    assert summary.cell(row=rows_index(summary, "364"), column=3).number_format == "#,##0.00"

    designations = list(wb["Designations"].iter_rows(min_row=2, values_only=True))
    assert len(designations) == claim.designations.count() == 3
    assert all(isinstance(r[9], int | float) for r in designations)  # quantities are numbers
    explanations = list(wb["Explanations"].iter_rows(min_row=2, values_only=True))
    assert [r[4:] for r in explanations[:2]] == [
        (1, "19 U.S.C. 1313(j)(2)", "Substitution: same 8-digit HTS 6109.10.00"),
        (2, "19 CFR 190.51(b)", "99% of duty per unit x 40 DOZ"),
    ]
    assert len(list(wb["Exports"].iter_rows(min_row=2))) == 2


def rows_index(ws, label: str) -> int:
    for row in ws.iter_rows():
        if row[0].value == label:
            return row[0].row
    raise KeyError(label)


def test_workbook_keeps_exact_decimals_without_float_drift(claim):
    claim_package_build(claim=claim)
    content = stored(claim_package_documents(claim=claim)["workbook"])
    with zipfile.ZipFile(io.BytesIO(content)) as xlsx:
        sheet = xlsx.read("xl/worksheets/sheet2.xml").decode()
    # The exact designation amounts as stored (Designation.amounts), written digit for digit.
    assert "<v>1336.6666666</v>" in sheet and "<v>13.71744</v>" in sheet
    assert "1336.666666599" not in sheet and "1336.66666660000" not in sheet


def test_text_to_transmit_is_rebuilt_when_the_package_is_from_an_earlier_day(claim):
    with time_machine.travel(dt.datetime(2025, 9, 1, 15, tzinfo=dt.UTC), tick=False):
        claim_package_build(claim=claim)
    with time_machine.travel(dt.datetime(2025, 9, 3, 9, tzinfo=dt.UTC), tick=False):
        first = claim_filing_text(claim=claim)
        kept = set(claim.documents.values_list("pk", flat=True))
        again = claim_filing_text(claim=claim)
    assert parse_catair(first).envelope.transmission_date == dt.date(2025, 9, 3)
    assert again == first and set(claim.documents.values_list("pk", flat=True)) == kept

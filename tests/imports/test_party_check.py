"""A file that carries an importer or exporter number is loaded only for the client it names: a file of
another importer (or USPPI) is refused whole, with the reason, and nothing of it is stored."""

import pytest

from exports.models import Export
from imports.models import ImportLine, Upload
from imports.services import upload_ingest_now
from tests.factories import ClientFactory
from tests.imports.helpers import FIXTURES, load, sample_rows, write_rows


@pytest.fixture
def borealis(firm):
    return ClientFactory(
        firm=firm, code="borealis", legal_name="Borealis Trading LLC", importer_number="98-7654321AA"
    )


def lines_of(client):
    return sorted(
        ImportLine.objects.filter(client=client).values_list("entry__entry_number", "line_number", "duty")
    )


def test_es003_of_another_importer_is_refused_whole_even_with_partial_loading(client_a, borealis, tmp_path):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    before = lines_of(client_a)
    headers, rows = sample_rows("es003_sample.csv")
    for row in rows:
        row["Importer Number"] = "98-7654321AA"
        row["Line Tariff Duty Amount"] = "$1.00"  # what would be "updated" if the file were taken
    result = load("es003", write_rows(tmp_path / "borealis.csv", headers, rows), client_a, allow_partial=True)
    assert not result.loaded
    (error,) = [e for e in result.errors if e.rule == "party_mismatch"]
    assert (error.row, error.column, error.value) == (2, "Importer Number", "98-7654321AA")
    assert (
        "not Acme Outfitters Inc's: its importer number 98-7654321AA is not the client's (12-3456789AB)"
        in (error.message)
    )
    assert (
        "but that of Borealis Trading LLC" in error.message
        and "on rows 2, 7, 10, 13, 18 and 7 more" in error.message
    )
    assert lines_of(client_a) == before


def test_one_entry_of_another_importer_refuses_the_file(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    last = rows[-1]["Entry Summary Number"]
    for row in rows:
        if row["Entry Summary Number"] == last:
            row["Importer Number"] = "55-5555555AA"
    result = load("es003", write_rows(tmp_path / "mixed.csv", headers, rows), client_a, allow_partial=True)
    assert not result.loaded and ImportLine.objects.count() == 0
    assert result.errors[0].rule == "party_mismatch" and "55-5555555AA" in result.errors[0].message


def test_es003_without_an_importer_number_loads(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    for row in rows:
        row["Importer Number"] = ""
    result = load("es003", write_rows(tmp_path / "blank.csv", headers, rows), client_a)
    assert result.loaded and result.error_count == 0


def test_upload_of_another_clients_file_is_rejected_with_the_reason(client_a, borealis, analyst):
    upload, result = upload_ingest_now(
        client=borealis, kind="es003", path=FIXTURES / "es003_sample.csv", user=analyst, allow_partial=True
    )
    assert upload.status == Upload.Status.REJECTED and upload.created == upload.updated == 0
    assert "This file is not Borealis Trading LLC's" in upload.message
    assert "but that of Acme Outfitters Inc" in upload.message
    assert not ImportLine.objects.filter(client=borealis).exists()


def test_aes_of_the_clients_own_ein_loads_whatever_the_suffix(client_a):
    # The sample gives the USPPI EIN 123456789 without a suffix; Acme's importer number is 12-3456789AB.
    result = load("aes", FIXTURES / "aes_sample.csv", client_a)
    assert result.loaded and result.error_count == 0


def test_aes_of_another_exporter_is_refused(client_a, borealis, tmp_path):
    headers, rows = sample_rows("aes_sample.csv")
    rows[3]["USPPI EIN"] = "987654321"
    result = load("aes", write_rows(tmp_path / "aes.csv", headers, rows), client_a, allow_partial=True)
    assert not result.loaded and not Export.objects.exists()
    assert result.errors[0].rule == "party_mismatch" and result.errors[0].row == 5
    assert "exporter (USPPI) number 98-7654321 is not the client's (12-3456789AB)" in result.errors[0].message
    assert "but that of Borealis Trading LLC" in result.errors[0].message


def test_aes_is_compared_with_the_exporter_number_when_the_client_has_one(client_a, tmp_path):
    client_a.exporter_number = "55-5555555"
    client_a.save()
    result = load("aes", FIXTURES / "aes_sample.csv", client_a)
    assert not result.loaded and "12-3456789 is not the client's (55-555555500)" in result.errors[0].message

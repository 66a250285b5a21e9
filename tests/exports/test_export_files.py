"""AES/EEI listings and the canonical exports.csv."""

import datetime as dt
from decimal import Decimal

import pytest

from exports.models import Export
from tests.imports.helpers import FIXTURES, load, sample_rows, write_rows

pytestmark = pytest.mark.django_db

EXPORTS_HEADER = (
    "export_ref,export_date,hts,quantity,uom,value,destination,disposition,recovered_value,"
    "entry_number,line_number,excepted_goods"
)


def exports_file(tmp_path, *lines, header=EXPORTS_HEADER):
    path = tmp_path / "exports.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def snapshot(client):
    return sorted(
        Export.objects.filter(client=client).values_list(
            "export_ref",
            "export_date",
            "hts",
            "quantity",
            "uom",
            "value",
            "destination",
            "itn",
            "exporter_number",
        )
    )


def test_aes_sample_loads_exports_keyed_by_itn(client_a):
    result = load("aes", FIXTURES / "aes_sample.csv", client_a)

    assert result.summary() == {"rows": 25, "created": 25, "updated": 0, "unchanged": 0, "errors": 0}
    export = Export.objects.get(client=client_a, export_ref="X20261120494882")
    assert (export.itn, export.shipment_ref) == ("X20261120494882", "SR20494882")
    assert export.export_date == dt.date(2026, 11, 20)
    assert (export.exporter_number, export.exporter_name) == ("12-345678900", "ACME OUTFITTERS INC")
    assert (export.consignee, export.destination, export.port_of_export) == (
        "GLOBAL RETAIL LTD",
        "DE",
        "2704",
    )
    assert (export.hts, export.quantity, export.uom, export.value) == (
        "3923900080",
        Decimal("517"),
        "KG",
        Decimal("24847.06"),
    )
    assert export.quantity_available == export.quantity
    assert export.disposition == Export.Disposition.EXPORT


def test_aes_xlsx_with_number_and_date_cells_gives_the_same_exports(client_a, acme_twin):
    load("aes", FIXTURES / "aes_sample.csv", client_a)
    result = load("aes", FIXTURES / "aes_sample.xlsx", acme_twin)
    assert result.error_count == 0
    assert snapshot(acme_twin) == snapshot(client_a)


def test_aes_reference_falls_back_to_shipment_reference_then_bill_of_lading(client_a, tmp_path):
    headers, rows = sample_rows("aes_sample.csv")
    rows = rows[:3]
    rows[0]["ITN"] = ""
    rows[1]["ITN"] = rows[1]["Shipment Reference Number"] = ""
    rows[1]["Bill of Lading Number"] = "MAEU123456789"
    rows[2]["ITN"] = rows[2]["Shipment Reference Number"] = ""
    result = load(
        "aes", write_rows(tmp_path / "aes.csv", [*headers, "Bill of Lading Number"], rows), client_a
    )

    assert [(e.row, e.rule) for e in result.errors] == [(4, "export_ref_required")]
    result = load(
        "aes", write_rows(tmp_path / "aes.csv", [*headers, "Bill of Lading Number"], rows[:2]), client_a
    )
    assert sorted(Export.objects.values_list("export_ref", flat=True)) == ["MAEU123456789", "SR20494882"]


def test_aes_commodity_lines_of_one_shipment_get_their_own_reference(client_a, tmp_path):
    headers, rows = sample_rows("aes_sample.csv")
    second = {
        **rows[0],
        "Schedule B/HTS Number": "6109100012",
        "Quantity 1": "10",
        "Unit of Measure 1": "DOZ",
    }
    with_lines = [{**rows[0], "Line Number": "1"}, {**second, "Line Number": "2"}]
    load("aes", write_rows(tmp_path / "lines.csv", [*headers, "Line Number"], with_lines), client_a)
    assert sorted(Export.objects.values_list("export_ref", "itn")) == [
        ("X20261120494882-1", "X20261120494882"),
        ("X20261120494882-2", "X20261120494882"),
    ]

    result = load("aes", write_rows(tmp_path / "no_lines.csv", headers, [rows[0], second]), client_a)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(3, "ITN", "duplicate_export")]


@pytest.mark.parametrize(
    "column, value, rule",
    [
        ("ITN", "X2026112049488", "itn_format"),
        ("Date of Export", "2026-11-31", "date_format"),
        ("Country of Ultimate Destination", "", "required"),
        ("Schedule B/HTS Number", "39239000", "hts_format"),
        ("Quantity 1", "0", "quantity_not_positive"),
        ("Value of Goods (USD)", "n/a", "number_format"),
        ("USPPI EIN", "12345", "importer_number_format"),
    ],
)
def test_aes_rules_name_row_and_column(client_a, tmp_path, column, value, rule):
    headers, rows = sample_rows("aes_sample.csv")
    rows[4][column] = value
    result = load("aes", write_rows(tmp_path / "aes.csv", headers, rows), client_a)
    assert [(e.row, e.column, e.value, e.rule) for e in result.errors] == [(6, column, value, rule)]
    assert Export.objects.count() == 0


def test_exports_csv_sample_and_direct_identification_link(client_a):
    load("exports", FIXTURES / "exports.csv", client_a)
    direct = Export.objects.get(export_ref="X20231030658915")
    assert (direct.direct_entry_number, direct.direct_line_number, direct.direct_line) == (
        "B7679638166",
        1,
        None,
    )

    # Loading the import line afterwards links the export to it.
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    direct.refresh_from_db()
    assert (direct.direct_line.entry.entry_number, direct.direct_line.line_number) == ("B7679638166", 1)


def test_destruction_rows(client_a, tmp_path):
    path = exports_file(
        tmp_path,
        "D-2025-001,2025-03-01,6109100012,10,DOZ,500.00,,destroy,25.00,,,",
        "X20250301000001,2025-03-01,6109100012,10,DOZ,500.00,CA,export,,,,true",
    )
    result = load("exports", path, client_a)

    assert result.error_count == 0
    destroyed = Export.objects.get(export_ref="D-2025-001")
    assert (destroyed.disposition, destroyed.destination, destroyed.recovered_value) == (
        "destroy",
        "",
        Decimal("25.00"),
    )
    assert Export.objects.get(export_ref="X20250301000001").excepted_goods is True


@pytest.mark.parametrize(
    "line, column, rule",
    [
        ("X1,2025-03-01,6109100012,10,DOZ,500.00,,export,,,,", "destination", "required"),
        (
            "X1,2025-03-01,6109100012,10,DOZ,500.00,DE,destroy,,,,",
            "destination",
            "destination_on_destruction",
        ),
        (
            "X1,2025-03-01,6109100012,10,DOZ,500.00,DE,export,5.00,,,",
            "recovered_value",
            "recovered_value_on_export",
        ),
        ("X1,2025-03-01,6109100012,10,DOZ,500.00,DE,ship,,,,", "disposition", "disposition"),
        ("X1,2025-03-01,6109100012,10,DOZ,500.00,DE,,,B7679638166,,", "line_number", "direct_pair"),
        ("X1,2025-03-01,6109100012,10,DOZ,500.00,DE,,,B7679638167,1,", "entry_number", "check_digit"),
        ("X1,03/01/2025,6109100012,10,DOZ,500.00,DE,,,,,", "export_date", "date_format"),
        ("X1,2025-03-01,6109100012,10,DOZ,500.00,DE,,,,,maybe", "excepted_goods", "boolean_format"),
        ("X0,2025-03-01,6109100012,10,DOZ,500.00,DE,,,,,", "export_ref", "duplicate_export"),
    ],
)
def test_exports_csv_rules(client_a, tmp_path, line, column, rule):
    result = load(
        "exports", exports_file(tmp_path, "X0,2025-03-01,6109100012,1,DOZ,1.00,DE,,,,,", line), client_a
    )
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(3, column, rule)]


def test_claimed_part_of_an_export_is_kept(client_a, tmp_path):
    load("exports", exports_file(tmp_path, "X1,2025-03-01,6109100012,100,DOZ,500.00,DE,,,,,"), client_a)
    Export.objects.filter(export_ref="X1").update(quantity_available=Decimal("60"))  # 40 on a claim

    result = load(
        "exports", exports_file(tmp_path, "X1,2025-03-01,6109100012,120,DOZ,500.00,DE,,,,,"), client_a
    )
    export = Export.objects.get(export_ref="X1")
    assert result.summary()["updated"] == 1
    assert (export.quantity, export.quantity_available) == (Decimal("120"), Decimal("80"))

    result = load(
        "exports", exports_file(tmp_path, "X1,2025-03-01,6109100012,39,DOZ,500.00,DE,,,,,"), client_a
    )
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(2, "quantity", "below_claimed")]


def test_overlapping_export_loads_count_each_export_once(client_a, tmp_path):
    load("exports", FIXTURES / "exports.csv", client_a)
    headers, rows = sample_rows("exports.csv")
    rows = rows[:3] + [{**rows[0], "export_ref": "X20991231000001"}]
    rows[1]["value"] = "1.00"
    result = load("exports", write_rows(tmp_path / "exports.csv", headers, rows), client_a)

    assert result.summary() == {"rows": 4, "created": 1, "updated": 1, "unchanged": 2, "errors": 0}
    assert Export.objects.filter(client=client_a).count() == 26

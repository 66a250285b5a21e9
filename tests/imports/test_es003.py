"""ES-003 entry summary line tariff reports: grouping, Chapter 99 rows, validation, reloads."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection

from imports.models import FilerCodeOffset, ImportEntry, ImportLine, LineCh99Duty
from tests.imports.helpers import FIXTURES, load, sample_rows, write_rows

pytestmark = pytest.mark.django_db

ENTRY = "B7679638166"


def line_snapshot(client):
    return sorted(
        (
            line.entry.entry_number,
            line.line_number,
            line.import_date,
            line.hts,
            line.quantity,
            line.uom,
            line.entered_value,
            line.duty,
            line.country_of_origin,
            tuple((c.ordinal, c.number, c.amount) for c in line.ch99_duties.order_by("ordinal")),
        )
        for line in ImportLine.objects.filter(client=client).select_related("entry")
    )


def test_sample_loads_entries_lines_and_chapter99_rows(client_a):
    result = load("es003", FIXTURES / "es003_sample.csv", client_a)

    assert result.summary() == {"rows": 46, "created": 38, "updated": 0, "unchanged": 0, "errors": 0}
    assert ImportEntry.objects.filter(client=client_a).count() == 12
    entry = ImportEntry.objects.get(client=client_a, entry_number=ENTRY)
    assert (entry.entry_type, entry.port_code, entry.importer_number) == ("01", "2704", "12-3456789AB")
    assert entry.importer_name == "ACME OUTFITTERS INC"
    assert entry.entry_date == entry.import_date == dt.date(2023, 11, 29)
    assert entry.entry_summary_date == dt.date(2023, 12, 7)
    assert entry.liquidation_date == dt.date(2024, 10, 8)
    assert entry.liquidation_status == "LIQUIDATED"
    assert entry.reconciliation is False

    # Line 4: ordinal 1 is the Section 301 row ($0 value, its own duty), ordinal 2 the Chapter 61 row.
    line = entry.lines.get(line_number=4)
    assert line.hts == "6109100012"
    assert line.entered_value == Decimal("283476.57")
    assert line.duty == Decimal("46773.63")
    assert (line.quantity, line.uom, line.quantity_available) == (Decimal("4465"), "DOZ", Decimal("4465"))
    assert (line.country_of_origin, line.country_of_export) == ("CN", "CN")
    assert line.manufacturer_id == "CNACMSHO123SHA"
    assert [(c.ordinal, c.number, c.amount) for c in line.ch99_duties.all()] == [
        (1, "9903.88.03", Decimal("70869.14"))
    ]
    assert entry.lines.get(line_number=1).ch99_duties.count() == 0
    assert LineCh99Duty.objects.filter(line__client=client_a).count() == 8
    assert any("Entry Date for 12 entries" in note for note in result.notes)


def test_xlsx_gives_the_same_lines_as_csv(client_a, acme_twin):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    result = load("es003", FIXTURES / "es003_sample.xlsx", acme_twin)

    assert result.error_count == 0
    assert line_snapshot(acme_twin) == line_snapshot(client_a)


def test_import_date_column_is_used_when_filled(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    for row in rows:
        row["Import Date"] = "11/20/2023" if row["Entry Summary Number"] == ENTRY else ""
    result = load("es003", write_rows(tmp_path / "es003.csv", [*headers, "Import Date"], rows), client_a)

    entry = ImportEntry.objects.get(client=client_a, entry_number=ENTRY)
    assert entry.import_date == dt.date(2023, 11, 20)
    assert entry.entry_date == dt.date(2023, 11, 29)
    assert set(entry.lines.values_list("import_date", flat=True)) == {dt.date(2023, 11, 20)}
    assert any("Entry Date for 11 entries" in note for note in result.notes)


def test_bad_check_digit_rejects_the_file_with_row_and_column(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    for row in rows:
        if row["Entry Summary Number"] == "EJ889913623":
            row["Entry Summary Number"] = "EJ889913624"
    result = load("es003", write_rows(tmp_path / "es003.csv", headers, rows), client_a)

    assert not result.loaded
    counted = [e for e in result.errors if e.counted]
    assert [(e.row, e.column, e.value, e.rule) for e in counted] == [
        (7, "Entry Summary Number", "EJ889913624", "check_digit")
    ]
    assert "expected 3" in counted[0].message
    # Every row of the entry is rejected with it, pointing at the row that holds the error.
    assert sorted(e.row for e in result.errors) == [7, 8, 9]
    assert ImportEntry.objects.count() == 0


def test_filer_code_offset_accepts_the_approved_check_digit(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    rows = [r for r in rows if r["Entry Summary Number"] == "EJ889913623"]
    for row in rows:
        row["Entry Summary Number"] = "EJ889913625"  # computed digit 3, plus 2
    path = write_rows(tmp_path / "es003.csv", headers, rows)

    assert load("es003", path, client_a).errors[0].rule == "check_digit"
    FilerCodeOffset.objects.create(filer_code="EJ8", offset=2)
    result = load("es003", path, client_a)
    assert result.summary()["created"] == 3


@pytest.mark.parametrize(
    "column, value, rule",
    [
        ("Line Tariff Goods Value Amount", "$1,2x4.00", "number_format"),
        ("Line Tariff Duty Amount", "-$5.00", "negative"),
        ("Line Tariff Duty Amount", "$5.001", "precision"),
        ("Line Tariff Quantity (1)", "0", "quantity_not_positive"),
        ("Line Tariff Quantity (1)", "", "required"),
        ("Line Tariff UOM (1) Code", "", "required"),
        ("HTS Number - Full", "61091000", "hts_format"),
        ("Country of Origin Code", "CHN", "country_format"),
        ("Entry Summary Line Number", "x", "integer_format"),
        ("Line Tariff UOM (1) Code", "K G", "uom_format"),
        ("Manufacturer ID", "CNACMSHO123SHA-EXTRA-LONG", "too_long"),
        ("Line Tariff Goods Value Amount", "$100,000,000,000,000.00", "too_large"),
    ],
)
def test_each_line_cell_rule_names_row_column_and_value(client_a, tmp_path, column, value, rule):
    headers, rows = sample_rows("es003_sample.csv")
    rows[1][column] = value  # file row 3: entry B7679638166 line 2
    result = load("es003", write_rows(tmp_path / "es003.csv", headers, rows), client_a)

    counted = [e for e in result.errors if e.counted]
    assert [(e.row, e.column, e.value, e.rule) for e in counted] == [(3, column, value, rule)]
    assert ImportLine.objects.count() == 0


@pytest.mark.parametrize(
    "column, value, rule",
    [
        ("Entry Date", "29/11/2023", "date_format"),
        ("Entry Summary Date", "2023-12-7x", "date_format"),
        ("Liquidation Date", "2024-13-01", "date_format"),
        ("Port of Entry Code", "27A4", "port_code_format"),
        ("Entry Type Code", "1A", "entry_type_format"),
        ("Importer Number", "12-34", "importer_number_format"),
        ("Entry Summary Number", "B76796381", "entry_number_format"),
    ],
)
def test_each_entry_cell_rule_is_reported_once_for_the_entry(client_a, tmp_path, column, value, rule):
    headers, rows = sample_rows("es003_sample.csv")
    for row in rows[:5]:  # file rows 2-6: every row of entry B7679638166
        row[column] = value
    result = load("es003", write_rows(tmp_path / "es003.csv", headers, rows), client_a, allow_partial=True)

    counted = [e for e in result.errors if e.counted]
    assert [(e.row, e.column, e.value, e.rule) for e in counted] == [(2, column, value, rule)]
    assert sorted(e.row for e in result.errors) == [2, 3, 4, 5, 6]
    assert result.summary()["created"] == 34  # the other 11 entries load


def test_line_needs_exactly_one_chapter_1_97_row(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    only_ch99 = [
        r for r in rows if r["Entry Summary Number"] == ENTRY and r["Entry Summary Line Number"] == "4"
    ]
    two = [
        dict(r) for r in rows if r["Entry Summary Number"] == ENTRY and r["Entry Summary Line Number"] == "1"
    ]
    two.append({**two[0], "Tariff Ordinal Number": "2", "HTS Number - Full": "7102390010"})
    path = write_rows(tmp_path / "es003.csv", headers, only_ch99[:1] + two)

    result = load("es003", path, client_a)
    assert [(e.row, e.rule) for e in result.errors if e.counted] == [
        (2, "no_commodity_row"),
        (3, "several_commodity_rows"),
    ]


def test_chapter99_number_twice_on_a_line_is_an_error(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    group = [r for r in rows if r["Entry Summary Number"] == ENTRY and r["Entry Summary Line Number"] == "4"]
    extra = {**group[0], "Tariff Ordinal Number": "3"}
    result = load("es003", write_rows(tmp_path / "es003.csv", headers, [*group, extra]), client_a)

    assert [(e.row, e.column, e.rule) for e in result.errors if e.counted] == [
        (4, "HTS Number - Full", "duplicate_ch99")
    ]


def test_entry_level_columns_must_agree_on_every_row(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    rows[2]["Liquidation Date"] = "10/09/2024"  # row 4, same entry as rows 2-6
    result = load("es003", write_rows(tmp_path / "es003.csv", headers, rows), client_a)

    [error] = [e for e in result.errors if e.counted]
    assert (error.row, error.column, error.value, error.rule) == (
        4,
        "Liquidation Date",
        "10/09/2024",
        "entry_inconsistent",
    )
    assert "row 2" in error.message


def test_scattered_rows_of_a_line_are_grouped(client_a, acme_twin, tmp_path):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    headers, rows = sample_rows("es003_sample.csv")
    random.Random(7).shuffle(rows)
    result = load("es003", write_rows(tmp_path / "shuffled.csv", headers, rows), acme_twin)

    assert result.summary() == {"rows": 46, "created": 38, "updated": 0, "unchanged": 0, "errors": 0}
    assert line_snapshot(acme_twin) == line_snapshot(client_a)


def test_reloading_the_same_file_creates_no_duplicates(client_a):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    before = line_snapshot(client_a)
    result = load("es003", FIXTURES / "es003_sample.csv", client_a)

    assert result.summary() == {"rows": 46, "created": 0, "updated": 0, "unchanged": 38, "errors": 0}
    assert line_snapshot(client_a) == before
    assert ImportLine.objects.count() == 38 and LineCh99Duty.objects.count() == 8


def test_overlapping_load_counts_created_updated_unchanged(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    first_entries = {ENTRY, "EJ889913623"}
    load(
        "es003",
        write_rows(
            tmp_path / "a.csv", headers, [r for r in rows if r["Entry Summary Number"] in first_entries]
        ),
        client_a,
    )

    second = [dict(r) for r in rows if r["Entry Summary Number"] in {ENTRY, "9K217723789"}]
    for row in second:
        key = (row["Entry Summary Number"], row["Entry Summary Line Number"], row["Tariff Ordinal Number"])
        if key == (ENTRY, "1", "1"):
            row["Line Tariff Goods Value Amount"] = "$46,300.00"  # value corrected
        if key == (ENTRY, "4", "1"):
            row["Line Tariff Duty Amount"] = "$70,000.00"  # Chapter 99 amount corrected
    result = load("es003", write_rows(tmp_path / "b.csv", headers, second), client_a)

    # ENTRY lines 1 and 4 changed, lines 2-3 not; 9K217723789 brings 3 new lines.
    assert result.summary() == {"rows": 8, "created": 3, "updated": 2, "unchanged": 2, "errors": 0}
    entry = ImportEntry.objects.get(entry_number=ENTRY)
    assert entry.lines.get(line_number=1).entered_value == Decimal("46300.00")
    assert entry.lines.get(line_number=4).ch99_duties.get().amount == Decimal("70000.00")
    # EJ889913623 is not in the second file and is kept as it was.
    assert ImportLine.objects.filter(entry__entry_number="EJ889913623").count() == 3


def test_entry_header_change_counts_its_lines_as_updated(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    rows = [r for r in rows if r["Entry Summary Number"] == ENTRY]
    load("es003", write_rows(tmp_path / "a.csv", headers, rows), client_a)
    for row in rows:
        row["Liquidation Status"] = "FINAL"
    result = load("es003", write_rows(tmp_path / "b.csv", headers, rows), client_a)

    assert result.summary()["updated"] == 4
    assert ImportEntry.objects.get(entry_number=ENTRY).liquidation_status == "FINAL"


def test_removed_chapter99_row_is_deleted_on_reload(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    rows = [r for r in rows if r["Entry Summary Number"] == ENTRY]
    load("es003", write_rows(tmp_path / "a.csv", headers, rows), client_a)
    without = [r for r in rows if not r["HTS Number - Full"].startswith("99")]
    result = load("es003", write_rows(tmp_path / "b.csv", headers, without), client_a)

    assert result.summary()["updated"] == 1
    assert LineCh99Duty.objects.count() == 0


def test_failed_load_stores_nothing_and_keeps_earlier_data(client_a, tmp_path):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    before = line_snapshot(client_a)
    headers, rows = sample_rows("es003_sample.csv")
    for row in rows:
        row["Line Tariff Goods Value Amount"] = "$1.00" if row["HTS Number - Full"][:2] != "99" else "$0.00"
    rows.append({**rows[0], "Entry Summary Number": "ZZZ0000001X"})  # one bad row among good ones
    result = load("es003", write_rows(tmp_path / "bad.csv", headers, rows), client_a)

    assert not result.loaded and result.error_count == 1
    assert line_snapshot(client_a) == before


def test_partial_load_keeps_valid_lines_and_rejects_the_rest(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    rows[3]["Line Tariff Duty Amount"] = "lots"  # row 5: the Chapter 99 row of ENTRY line 4
    result = load("es003", write_rows(tmp_path / "es003.csv", headers, rows), client_a, allow_partial=True)

    assert result.loaded
    assert result.summary() == {"rows": 46, "created": 37, "updated": 0, "unchanged": 0, "errors": 1}
    # The commodity row of the same line is rejected with it, so no line loses its Chapter 99 duty.
    assert sorted((e.row, e.rule, e.counted) for e in result.errors) == [
        (5, "number_format", True),
        (6, "rejected_with_line", False),
    ]
    assert result.errors[0].raw["Entry Summary Number"] == ENTRY
    assert not ImportLine.objects.filter(entry__entry_number=ENTRY, line_number=4).exists()


def test_designated_part_of_a_line_is_kept(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    rows = [r for r in rows if r["Entry Summary Number"] == ENTRY]
    load("es003", write_rows(tmp_path / "a.csv", headers, rows), client_a)
    line = ImportLine.objects.get(entry__entry_number=ENTRY, line_number=2)  # quantity 1852
    line.quantity_available = Decimal("1352")  # 500 designated on a claim
    line.designation_method = ImportLine.Method.SUBSTITUTION
    line.save()

    rows[1]["Line Tariff Quantity (1)"] = "2000"
    result = load("es003", write_rows(tmp_path / "b.csv", headers, rows), client_a)
    line.refresh_from_db()
    assert result.summary()["updated"] == 1
    assert (line.quantity, line.quantity_available) == (Decimal("2000"), Decimal("1500"))
    assert line.designation_method == ImportLine.Method.SUBSTITUTION

    rows[1]["Line Tariff Quantity (1)"] = "499"
    result = load("es003", write_rows(tmp_path / "c.csv", headers, rows), client_a)
    [error] = [e for e in result.errors if e.counted]
    assert (error.row, error.column, error.value, error.rule) == (
        3,
        "Line Tariff Quantity (1)",
        "499",
        "below_designated",
    )
    line.refresh_from_db()
    assert (line.quantity, line.quantity_available) == (Decimal("2000"), Decimal("1500"))


def test_unknown_layout_lists_the_expected_columns(client_a, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Entry,Line,Tariff,Amount\nB7679638166,1,7102390050,1.00\n")
    result = load("es003", path, client_a)

    [error] = result.errors
    assert error.rule == "unknown_layout" and error.row == 1
    assert "missing Entry Summary Number" in error.message
    assert "- es003 (ACE ES-003 entry summary line tariff report): Entry Summary Number*" in error.message
    assert "- aes (AES/EEI export listing)" in error.message
    assert "column mapping" in error.message


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="compares the PostgreSQL COPY path with the ORM path"
)
def test_copy_and_orm_writers_store_the_same_data(client_a, acme_twin, settings, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    first = [r for r in rows if r["Entry Summary Number"] != "9K288467217"]
    second = [dict(r) for r in rows if r["Entry Summary Number"] in {ENTRY, "9K288467217"}]
    second[0]["Line Tariff Goods Value Amount"] = "$1.00"
    second[3]["Line Tariff Duty Amount"] = "$2.00"
    a, b = write_rows(tmp_path / "a.csv", headers, first), write_rows(tmp_path / "b.csv", headers, second)

    results = {}
    for client, method in ((client_a, "copy"), (acme_twin, "orm")):
        settings.INGEST_WRITE_METHOD = method
        results[method] = [load("es003", a, client).summary(), load("es003", b, client).summary()]
    assert results["copy"] == results["orm"]
    assert line_snapshot(client_a) == line_snapshot(acme_twin)


def test_tariff_ordinal_twice_on_a_line_is_an_error(client_a, tmp_path):
    headers, rows = sample_rows("es003_sample.csv")
    group = [r for r in rows if r["Entry Summary Number"] == ENTRY and r["Entry Summary Line Number"] == "4"]
    group[1]["Tariff Ordinal Number"] = "1"
    result = load("es003", write_rows(tmp_path / "es003.csv", headers, group), client_a)
    assert [(e.row, e.column, e.rule) for e in result.errors if e.counted] == [
        (3, "Tariff Ordinal Number", "duplicate_ordinal")
    ]


def test_empty_file_and_header_only_file(client_a, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert [e.rule for e in load("es003", empty, client_a).errors] == ["empty_file"]

    header_only = tmp_path / "header.csv"
    header_only.write_text((FIXTURES / "es003_sample.csv").read_text().splitlines()[0] + "\n\n")
    result = load("es003", header_only, client_a)
    # A header with nothing under it is an error, not "Loaded, 0 rows" (issue 9, section 5).
    assert not result.loaded
    assert [(e.row, e.rule) for e in result.errors] == [(2, "no_data")]
    assert result.summary()["errors"] == 1

"""The canonical imports.csv of the data contract."""

import datetime as dt
from decimal import Decimal

import pytest

from imports.models import ImportEntry, ImportLine
from tests.imports.helpers import FIXTURES, load

pytestmark = pytest.mark.django_db

HEADER = (
    "entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty,ch99,mpf,hmf,country_of_origin"
)


def write(tmp_path, *lines, header=HEADER, name="imports.csv", bom=False):
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_sample_holds_the_same_data_as_the_es003_sample(client_a, client_b):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    result = load("imports", FIXTURES / "imports.csv", client_a)
    assert result.summary() == {"rows": 38, "created": 0, "updated": 0, "unchanged": 38, "errors": 0}

    load("imports", FIXTURES / "imports.csv", client_b)
    line = ImportLine.objects.get(client=client_b, entry__entry_number="B7679638166", line_number=4)
    assert [(c.ordinal, c.number, c.amount) for c in line.ch99_duties.all()] == [
        (1, "9903.88.03", Decimal("70869.14"))
    ]


def test_general_rules_bom_any_order_case_unknown_columns_blank_lines_dotted_hts(client_a, tmp_path):
    path = write(
        tmp_path,
        "1,B76-7963816-6,2023-11-29,7102.39.0050,673,ct,46269.49,0,,9903.88.03=10.00;9903.01.24=2.50",
        "",
        "2,B7679638166,2023-11-29,8471300100,1852.5,NO,95038.13,0.00,x,",
        header="LINE_NUMBER,Entry_Number,import_date,HTS,quantity,uom,entered_value,duty,note,ch99",
        bom=True,
    )
    result = load("imports", path, client_a)

    assert result.summary() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    first = ImportLine.objects.get(line_number=1)
    assert (first.hts, first.uom, first.import_date) == ("7102390050", "CT", dt.date(2023, 11, 29))
    assert [(c.ordinal, c.number, c.amount) for c in first.ch99_duties.all()] == [
        (1, "9903.88.03", Decimal("10.00")),
        (2, "9903.01.24", Decimal("2.50")),
    ]
    assert ImportLine.objects.get(line_number=2).quantity == Decimal("1852.5")
    assert ImportEntry.objects.get().entry_date is None


@pytest.mark.parametrize(
    "line, column, rule",
    [
        ("B7679638166,1,11/29/2023,7102390050,1,NO,1,0,,,,", "import_date", "date_format"),
        ("B7679638166,0,2023-11-29,7102390050,1,NO,1,0,,,,", "line_number", "integer_format"),
        ("B7679638167,1,2023-11-29,7102390050,1,NO,1,0,,,,", "entry_number", "check_digit"),
        ("B7679638166,1,2023-11-29,9903880300,1,NO,1,0,,,,", "hts", "hts_chapter99"),
        ("B7679638166,1,2023-11-29,7102390050,-1,NO,1,0,,,,", "quantity", "quantity_not_positive"),
        ("B7679638166,1,2023-11-29,7102390050,1,NO,1,-2,,,,", "duty", "negative"),
        ("B7679638166,1,2023-11-29,7102390050,1,NO,1,0.001,,,,", "duty", "precision"),
        ("B7679638166,1,2023-11-29,7102390050,1.00001,NO,1,0,,,,", "quantity", "precision"),
        ("B7679638166,1,2023-11-29,7102390050,1,,1,0,,,,", "uom", "required"),
        ("B7679638166,1,2023-11-29,7102390050,1,NO,$1.00,0,,,,", "entered_value", "number_format"),
        ('B7679638166,1,2023-11-29,7102390050,"1,000",NO,1,0,,,,', "quantity", "number_format"),
        ("B7679638166,1,2023-11-29,7102390050,1,NO,1,0,9903.88.03:5,,,", "ch99", "ch99_format"),
        (
            "B7679638166,1,2023-11-29,7102390050,1,NO,1,0,9903.88.03=5;9903.88.03=1,,,",
            "ch99",
            "duplicate_ch99",
        ),
        ("B7679638166,1,2023-11-29,7102390050,1,NO,1,0,,1.2345678,,", "mpf", "precision"),
        ("B7679638166,1,2023-11-29,7102390050,1,NO,1,0,,,,China", "country_of_origin", "country_format"),
    ],
)
def test_rules_name_row_and_column(client_a, tmp_path, line, column, rule):
    result = load(
        "imports", write(tmp_path, "B7679638166,2,2023-11-29,7102390050,1,NO,1,0,,,,", line), client_a
    )

    assert [(e.row, e.column, e.rule) for e in result.errors] == [(3, column, rule)]
    assert ImportLine.objects.count() == 0


def test_amounts_are_stored_exactly(client_a, tmp_path):
    result = load(
        "imports", write(tmp_path, "B7679638166,1,2023-11-29,7102390050,3,NO,0.10,0.07,,0.000001,,"), client_a
    )
    line = ImportLine.objects.get()
    assert result.error_count == 0
    assert (line.entered_value, line.duty, line.mpf) == (
        Decimal("0.10"),
        Decimal("0.07"),
        Decimal("0.000001"),
    )


def test_duplicate_line_and_different_import_dates_in_one_entry(client_a, tmp_path):
    path = write(
        tmp_path,
        "B7679638166,1,2023-11-29,7102390050,1,NO,1,0,,,,",
        "B7679638166,1,2023-11-29,7102390050,1,NO,1,0,,,,",
        "B7679638166,2,2023-11-30,7102390050,1,NO,1,0,,,,",
    )
    result = load("imports", path, client_a)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [
        (3, "line_number", "duplicate_line"),
        (4, "import_date", "entry_inconsistent"),
    ]


def test_absent_optional_columns_leave_stored_values_alone(client_a, tmp_path):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    path = write(
        tmp_path,
        "B7679638166,1,2023-11-29,7102390050,673,CT,46269.49,0.00",
        header="entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty",
    )
    result = load("imports", path, client_a)

    line = ImportLine.objects.get(entry__entry_number="B7679638166", line_number=1)
    assert result.summary()["unchanged"] == 1
    assert line.country_of_origin == "CN" and line.manufacturer_id == "CNACMSHO123SHA"


def test_changed_import_date_moves_every_line_of_the_entry(client_a, tmp_path):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    path = write(tmp_path, "B7679638166,1,2023-11-20,7102390050,673,CT,46269.49,0.00,,,,CN")
    result = load("imports", path, client_a)

    assert result.summary()["updated"] == 1
    entry = ImportEntry.objects.get(entry_number="B7679638166")
    assert entry.import_date == dt.date(2023, 11, 20)
    assert set(entry.lines.values_list("import_date", flat=True)) == {dt.date(2023, 11, 20)}


def test_non_utf8_canonical_file_is_rejected(client_a, tmp_path):
    path = tmp_path / "imports.csv"
    path.write_bytes(
        (HEADER + "\nB7679638166,1,2023-11-29,7102390050,1,NO,1,0,,,,Caf\xe9\n").encode("latin-1")
    )
    result = load("imports", path, client_a)
    assert [e.rule for e in result.errors] == ["file_format"]
    assert "UTF-8" in result.errors[0].message

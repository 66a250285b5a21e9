"""Dates and countries that cannot be true are row errors, not data: an export dated 9999-12-31 or
1800-01-01, a destination `ZZ`. Loaded with exit code 0 before; now refused with the row and the reason."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from exports.models import Export
from imports.ingest.base import CellError, DateReader, country, plausible_dates
from imports.models import ImportLine
from tests.imports.helpers import FIXTURES, load

pytestmark = pytest.mark.django_db

EXPORTS_HEADER = "export_ref,export_date,hts,quantity,uom,value,destination\n"


@time_machine.travel(dt.date(2026, 12, 6))
def test_the_plausible_window_reaches_back_fifteen_years_and_ahead_one():
    assert plausible_dates() == (dt.date(2011, 1, 1), dt.date(2027, 12, 7))
    read = DateReader(("iso", "us"))
    assert read("2011-01-01") == dt.date(2011, 1, 1) and read("12/07/2027") == dt.date(2027, 12, 7)
    for text in ("9999-12-31", "1800-01-01", "2010-12-31", "2027-12-08"):
        with pytest.raises(CellError) as error:
            read(text, what="export date")
        assert error.value.rule == "date_out_of_range"
        assert "outside the plausible window 2011-01-01 to 2027-12-07" in error.value.message


def test_countries_come_from_the_iso_list():
    assert country("de") == "DE" and country("XK") == "XK"
    for code in ("ZZ", "UK", "XX"):
        with pytest.raises(CellError) as error:
            country(code, what="destination")
        assert error.value.rule == "country_unknown"


def test_exports_out_of_range_are_rejected_row_by_row(client_a, tmp_path):
    path = tmp_path / "exports.csv"
    path.write_text(
        EXPORTS_HEADER
        + "X20250601000001,9999-12-31,6109100012,10,DOZ,100.00,DE\n"
        + "X20250601000002,1800-01-01,6109100012,10,DOZ,100.00,DE\n"
        + "X20250601000003,2025-06-01,6109100012,10,DOZ,100.00,ZZ\n"
        + "X20250601000004,2025-06-01,6109100012,10,DOZ,100.00,DE\n"
    )
    result = load("exports", path, client_a, allow_partial=True)
    assert [(e.row, e.column, e.rule) for e in result.errors if e.counted] == [
        (2, "export_date", "date_out_of_range"),
        (3, "export_date", "date_out_of_range"),
        (4, "destination", "country_unknown"),
    ]
    assert list(Export.objects.values_list("export_ref", flat=True)) == ["X20250601000004"]


def test_ingest_command_exits_non_zero_on_implausible_rows(client_a, tmp_path, capsys):
    path = tmp_path / "exports.csv"
    path.write_text(EXPORTS_HEADER + "X20250601000001,9999-12-31,6109100012,10,DOZ,100.00,ZZ\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest", str(path), client="acme", kind="exports")
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "[date_out_of_range]" in err and "[country_unknown]" in err
    assert not Export.objects.exists()


def test_import_lines_and_es003_entries_are_checked_the_same_way(client_a, tmp_path):
    imports = (FIXTURES / "imports.csv").read_text().splitlines()
    bad = imports[1].replace("2023-11-29", "1800-01-01")
    bad_country = imports[2].rsplit(",", 1)[0] + ",ZZ"
    path = tmp_path / "imports.csv"
    path.write_text("\n".join([imports[0], bad, bad_country]) + "\n")
    result = load("imports", path, client_a)
    assert {e.rule for e in result.errors if e.counted} == {"date_out_of_range", "country_unknown"}
    assert not ImportLine.objects.exists()

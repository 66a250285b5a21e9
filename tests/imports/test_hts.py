"""The USITC HTS download, CSV as published and the JSON variant."""

from decimal import Decimal

import pytest

from imports.models import TariffLine
from tests.imports.helpers import FIXTURES, load

pytestmark = pytest.mark.django_db

HEADER = (
    '"HTS Number","Indent","Description","Unit of Quantity","General Rate of Duty",'
    '"Special Rate of Duty","Column 2 Rate of Duty","Quota Quantity","Additional Duties"'
)


def tariff(hts):
    return TariffLine.objects.get(hts=hts)


def test_csv_sample_loads_8_and_10_digit_lines_with_parsed_rates():
    result = load("hts", FIXTURES / "hts_sample.csv", None)

    assert result.summary() == {"rows": 16, "created": 16, "updated": 0, "unchanged": 0, "errors": 0}
    cotton = tariff("6109100012")
    # The 10-digit line has no rate of its own: it inherits 16.5% from 6109.10.00.
    assert (cotton.general_rate, cotton.rate_kind, cotton.ad_valorem_rate) == (
        "16.5%",
        "ad_valorem",
        Decimal("0.165"),
    )
    assert (cotton.unit_of_quantity, cotton.uom, cotton.indent) == ("doz. kg", "DOZ", 2)
    assert not cotton.begins_with_other  # "Men's or boys': Other T-shirts" does not begin with Other
    assert tariff("3923900080").begins_with_other and tariff("39239000").begins_with_other
    juice = tariff("20098920")
    assert (juice.rate_kind, juice.specific_rate, juice.specific_unit) == ("specific", Decimal("0.005"), "L")
    bolts = tariff("7318152095")
    assert (bolts.rate_kind, bolts.specific_rate, bolts.specific_unit, bolts.ad_valorem_rate) == (
        "compound",
        Decimal("0.025"),
        "KG",
        Decimal("0.05"),
    )
    assert (tariff("84713001").rate_kind, tariff("84713001").ad_valorem_rate) == ("free", Decimal("0"))
    assert tariff("8471300100").description == ""
    assert tariff("61091000").special_rate.startswith("Free (A,AU")


def test_json_variant_gives_the_same_tariff():
    load("hts", FIXTURES / "hts_sample.csv", None)
    from_csv = {
        t.hts: (t.description, t.uom, t.general_rate, t.rate_kind, t.ad_valorem_rate, t.begins_with_other)
        for t in TariffLine.objects.all()
    }
    TariffLine.objects.all().delete()
    result = load("hts", FIXTURES / "hts_sample.json", None)

    assert result.error_count == 0 and result.counts.created == 16
    from_json = {
        t.hts: (t.description, t.uom, t.general_rate, t.rate_kind, t.ad_valorem_rate, t.begins_with_other)
        for t in TariffLine.objects.all()
    }
    assert from_json == from_csv
    assert tariff("6109100004").unit_of_quantity == '["doz.", "kg"]'


def test_bom_indent_only_rows_and_headings_are_read_past(tmp_path):
    path = tmp_path / "hts.csv"
    path.write_text(
        "\ufeff"
        + HEADER
        + "\n"
        + '"6109","0","T-shirts, singlets","","","","","",""\n'
        + '"","1","Of textile materials:","","","","","",""\n'
        + '"6109.10.00","1","Of cotton","","16.5%","","45%","",""\n',
        encoding="utf-8",
    )
    result = load("hts", path, None)
    assert result.summary() == {"rows": 3, "created": 1, "updated": 0, "unchanged": 0, "errors": 0}
    assert tariff("61091000").column2_rate == "45%"


def test_reload_counts_updated_and_unchanged_and_inherits_from_stored_subheading(tmp_path):
    load("hts", FIXTURES / "hts_sample.csv", None)
    path = tmp_path / "hts.csv"
    path.write_text(
        HEADER
        + "\n"
        + '"6109.10.00","1","Of cotton","","17%","","","",""\n'
        + '"8471.30.01","1","Portable automatic data processing machines, weighing not more than 10 kg",'
        + '"No.","Free","","","",""\n'
    )
    result = load("hts", path, None)
    assert result.summary() == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1, "errors": 0}

    # A file holding only a 10-digit line takes the rate of the subheading already stored.
    only_stat = tmp_path / "stat.csv"
    only_stat.write_text(HEADER + "\n" + '"6109.10.00.99","2","Other","doz. kg","","","","",""\n')
    load("hts", only_stat, None)
    assert (tariff("6109100099").general_rate, tariff("6109100099").ad_valorem_rate) == (
        "17%",
        Decimal("0.17"),
    )


def test_bad_rows_name_row_and_column(tmp_path):
    path = tmp_path / "hts.csv"
    path.write_text(
        HEADER
        + "\n"
        + '"6109.10.0","1","Of cotton","","16.5%","","","",""\n'
        + '"6109.10.00","x","Of cotton","","16.5%","","","",""\n'
        + '"6109.10.00","1","Of cotton","","16.5%","","","",""\n'
        + '"6109.10.00","1","Of cotton","","16.5%","","","",""\n'
    )
    result = load("hts", path, None)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [
        (2, "HTS Number", "hts_format"),
        (3, "Indent", "integer_format"),
        (5, "HTS Number", "duplicate_hts"),
    ]
    assert TariffLine.objects.count() == 0


def test_text_rates_are_kept_for_manual_handling(tmp_path):
    path = tmp_path / "hts.csv"
    path.write_text(
        HEADER
        + "\n"
        + '"9999.00.01","1","Parts","","The rate applicable to the article of which it is a part",'
        + '"","","",""\n'
        + '"9999.00.02","1","Mixed","","1.5¢/kg + 0.5¢/liter","","","",""\n',
        encoding="utf-8",
    )
    load("hts", path, None)
    assert tariff("99990001").rate_kind == "text" and tariff("99990001").ad_valorem_rate is None
    assert tariff("99990002").rate_kind == "text"

"""How class totals become 43-record cents (claims/catair/amounts.py)."""

import datetime as dt
from decimal import Decimal

import pytest

from claims.catair import build_claim_file
from claims.catair.amounts import AmountError, apportion_class
from tests.claims.filing_builders import designate, make_claim, total_classes
from tests.factories import ExportFactory, ImportLineFactory

D = Decimal


def test_lines_that_round_cleanly_keep_their_half_up_cents():
    result = apportion_class(
        total=D("30.01"), claims=[D("10.004"), D("20.006")], calculated=[D("10.004"), D("20.006")]
    )
    assert result.claim_amounts == [D("10.00"), D("20.01")]
    assert result.filed_total == D("30.01") and result.shortfall == 0


def test_excess_cent_is_taken_from_the_line_rounded_up_most():
    # Exact 0.995 + 0.995 + 1.000 = 2.990 -> class total 2.99; half-up per line gives 1.00 + 1.00 + 1.00.
    result = apportion_class(
        total=D("2.99"), claims=[D("0.995"), D("0.995"), D("1.000")], calculated=[D("2"), D("2"), D("2")]
    )
    assert result.claim_amounts == [D("0.99"), D("1.00"), D("1.00")]
    assert sum(result.claim_amounts) == D("2.99") and result.shortfall == 0


def test_missing_cent_goes_to_a_line_below_its_maximum():
    # 0.994 x 3 = 2.982 -> 2.98; half-up gives 0.99 x 3 = 2.97. The second line claims less than its
    # calculated maximum (lesser-of), so it can take the cent without exceeding what ACE allows.
    result = apportion_class(
        total=D("2.98"),
        claims=[D("0.994"), D("0.994"), D("0.994")],
        calculated=[D("0.994"), D("1.50"), D("0.994")],
    )
    assert result.claim_amounts == [D("0.99"), D("1.00"), D("0.99")]
    assert result.shortfall == 0


def test_no_line_is_pushed_over_its_maximum_and_the_shortfall_is_reported():
    # Direct identification: every line claims its full maximum, so no line may take the missing cent.
    result = apportion_class(total=D("2.98"), claims=[D("0.994")] * 3, calculated=[D("0.994")] * 3)
    assert result.claim_amounts == [D("0.99")] * 3
    assert result.calculated_amounts == [D("0.99")] * 3
    assert result.filed_total == D("2.97") and result.shortfall == D("0.01")


def test_total_that_rounding_cannot_explain_is_an_error():
    with pytest.raises(AmountError, match="not the designations' amounts rounded"):
        apportion_class(total=D("5.00"), claims=[D("1.00"), D("1.00")], calculated=[D("1"), D("1")])


def test_line_claiming_more_than_its_maximum_is_an_error():
    with pytest.raises(AmountError, match="more than its calculated"):
        apportion_class(total=D("2.00"), claims=[D("2.00")], calculated=[D("1.00")])


def test_claim_file_reports_the_shortfall_and_files_the_sum_of_its_lines(client_a, analyst):
    claim = make_claim(client_a, analyst, provision="58")
    for _ in range(3):
        line = ImportLineFactory(entry__client=client_a, uom="NO")
        export = ExportFactory(client=client_a, uom="NO")
        designate(claim, line, export, "1", {"364": ("0.994", "0.994")}, method="direct")
    totals = total_classes(claim)
    assert totals["364"] == D("2.98")
    claim_file = build_claim_file(claim=claim, transmission_date=dt.date(2025, 9, 1))
    assert claim_file.class_totals == {"364": D("2.97")} == claim_file.revenue_sums()
    assert claim_file.shortfalls == {"364": D("0.01")}
    assert claim_file.duty_total == D("2.97")

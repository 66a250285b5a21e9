"""The per-line eligible amount (claims.eligibility), checked against the worked cases. No database."""

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from claims.eligibility import line_eligibility
from claims.risk.base import expected_duty
from drawback.lib.chapter99 import Chapter99Table, Heading
from drawback.lib.hts import parse_rate
from drawback.lib.money import to_cents

ROOT = Path(__file__).resolve().parents[2]
CASES = {c["id"]: c for c in json.loads((ROOT / "tests" / "fixtures" / "cases.json").read_text())}


def _date(text):
    return dt.date.fromisoformat(text) if text else None


@pytest.fixture(scope="module")
def table() -> Chapter99Table:
    with open(ROOT / "imports" / "data" / "chapter99.csv", newline="", encoding="utf-8-sig") as handle:
        return Chapter99Table(
            Heading(
                program=row["program"],
                ch99_from=row["ch99_from"],
                ch99_to=row["ch99_to"],
                effective_from=_date(row["effective_from"]),
                effective_to=_date(row["effective_to"]),
                drawback_eligible=row["drawback_eligible"],
                basis=row["basis"],
            )
            for row in csv.DictReader(handle)
        )


def test_dbk_001_duty_mpf_hmf_on_400_of_1000_units(table):
    case = CASES["DBK-001"]["inputs"]["import"]
    line = line_eligibility(
        duty=Decimal(case["duty_paid"]),
        mpf=Decimal(case["mpf_apportioned_to_line"]),
        hmf=Decimal(case["hmf_apportioned_to_line"]),
        entry_date=dt.date(2023, 1, 15),
        table=table,
    )
    refund = line.refund(quantity=Decimal("400"), line_quantity=Decimal("1000"))
    assert to_cents(refund) == Decimal(CASES["DBK-001"]["expected"]["total"])


def test_dbk_033_section_232_excluded_mpf_kept(table):
    line = line_eligibility(
        duty=Decimal("0"),
        mpf=Decimal("34.64"),
        ch99=[("9903.81.87", Decimal("2500.00"))],
        entry_date=dt.date(2025, 3, 20),
        table=table,
    )
    assert line.ch99_excluded == Decimal("2500.00") and line.ch99_eligible == 0
    assert to_cents(line.refund(quantity=Decimal("1"), line_quantity=Decimal("1"))) == Decimal("34.29")


@pytest.mark.parametrize(
    "case_id, number, entry_date, paid, expected",
    [
        ("DBK-034", "9903.01.24", "2025-03-10", "1000.00", "198.00"),  # fentanyl excluded, MFN 200 kept
        ("DBK-036", "9903.01.25", "2025-04-10", "1000.00", "1188.00"),  # reciprocal eligible
        ("DBK-038", "9903.03.01", "2026-03-02", "500.00", "693.00"),  # Section 122 eligible
    ],
)
def test_chapter99_eligibility_by_the_table(table, case_id, number, entry_date, paid, expected):
    line = line_eligibility(
        duty=Decimal("200.00"),
        ch99=[(number, Decimal(paid))],
        entry_date=dt.date.fromisoformat(entry_date),
        table=table,
    )
    assert to_cents(line.refund(quantity=Decimal("10"), line_quantity=Decimal("10"))) == Decimal(expected)


def test_unknown_heading_is_left_out_with_its_reason(table):
    line = line_eligibility(
        duty=Decimal("0"), ch99=[("9903.05.01", Decimal("100"))], entry_date=dt.date(2026, 8, 1), table=table
    )
    assert line.total == 0 and "eligibility unknown" in line.ch99[0].reason


def test_dbk_040_refund_kept_exact_until_rounded(table):
    one = line_eligibility(duty=Decimal("10.00"), entry_date=dt.date(2024, 1, 1), table=table)
    assert to_cents(one.refund(quantity=Decimal("1"), line_quantity=Decimal("3"))) == Decimal("3.30")
    seven = line_eligibility(duty=Decimal("100.00"), entry_date=dt.date(2024, 1, 1), table=table)
    assert to_cents(seven.refund(quantity=Decimal("3"), line_quantity=Decimal("7"))) == Decimal("42.43")


def test_dbk_047_manufacturing_basis_leaves_mpf_out(table):
    line = line_eligibility(
        duty=Decimal("0.13"),
        mpf=Decimal("50.00"),
        entry_date=dt.date(2024, 1, 1),
        table=table,
        unused_merchandise=False,
    )
    assert line.mpf == 0 and line.total == Decimal("0.13")


@pytest.mark.parametrize(
    "rate, value, quantity, uom, expected",
    [
        ("16.5%", "20000.00", "2000", "DOZ", "3300.000"),  # DBK-004
        ("1.4¢/kg", "0", "10000", "KG", "140.00"),  # DBK-006
        ("2¢/kg + 5%", "5000.00", "1000", "KG", "270.00"),  # DBK-007
        ("Free", "10000.00", "1", "NO", "0"),
        ("1.4¢/kg", "100.00", "10", "NO", None),  # unit the line does not report
        ("The rate applicable to the article", "100.00", "1", "NO", None),
    ],
)
def test_expected_duty_from_the_general_rate(rate, value, quantity, uom, expected):
    result = expected_duty(
        parse_rate(rate), entered_value=Decimal(value), quantity=Decimal(quantity), uom=uom
    )
    assert result == (Decimal(expected) if expected is not None else None)

"""Pure helpers: check digits, dates, money and HTS text."""

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pytest

from drawback.lib import dates, entry_numbers, hts, identifiers, money


def test_cbp_check_digit_example():
    assert entry_numbers.check_digit("B76", "0324527") == 8
    assert entry_numbers.check_digit("CLM", "0000000") == 7


def test_filer_offset_accepts_shifted_digit():
    # CATAIR App. E step 6: E5X numbers in CBP's sample are computed +2.
    with pytest.raises(entry_numbers.EntryNumberError):
        entry_numbers.parse("E5X-5319301-6")
    assert str(entry_numbers.parse("E5X-5319301-6", {"E5X": 2})) == "E5X53193016"


def test_bad_check_digit_is_rejected_with_expected_value():
    with pytest.raises(entry_numbers.EntryNumberError, match="expected 8"):
        entry_numbers.parse("B76-0324527-9")


@pytest.mark.parametrize(
    "import_date, strict_last, inclusive_last, claim_last",
    [
        (dt.date(2021, 6, 15), dt.date(2026, 6, 14), dt.date(2026, 6, 15), dt.date(2026, 6, 15)),
        (dt.date(2020, 2, 29), dt.date(2025, 2, 27), dt.date(2025, 2, 28), dt.date(2025, 2, 28)),
    ],
)
def test_five_year_windows(import_date, strict_last, inclusive_last, claim_last):
    assert dates.last_export_day(import_date) == strict_last
    assert dates.last_export_day(import_date, dates.ExportWindow.INCLUSIVE) == inclusive_last
    assert dates.last_claim_day(import_date) == claim_last


def test_money_parses_report_text_exactly():
    assert money.parse_money("$1,234.56") == Decimal("1234.56")
    assert money.parse_money("(12.50)", allow_negative=True) == Decimal("-12.50")
    assert money.parse_money("") is None
    with pytest.raises(money.MoneyFormatError):
        money.parse_money("12,34x")
    assert money.to_cents(Decimal("0.005")) == Decimal("0.01")
    assert money.to_cents(Decimal("2.344999")) == Decimal("2.34")


@pytest.mark.parametrize(
    "text, kind, ad_valorem, specific",
    [
        ("Free", "free", "0", []),
        ("2.5%", "ad_valorem", "0.025", []),
        ("1.4¢/kg", "specific", "0", [("0.014", "KG")]),
        ("$1.035/kg", "specific", "0", [("1.035", "KG")]),
        ("3.7¢/kg + 5%", "compound", "0.05", [("0.037", "KG")]),
        ("The rate applicable to the article of which it is a part", "text", "0", []),
    ],
)
def test_rate_forms(text, kind, ad_valorem, specific):
    rate = hts.parse_rate(text)
    assert rate.kind == kind
    assert rate.ad_valorem == Decimal(ad_valorem)
    assert [(p.amount, p.unit) for p in rate.specific] == [(Decimal(a), u) for a, u in specific]


def test_other_test_and_units():
    assert hts.begins_with_other("Other")
    assert hts.begins_with_other("- Other:")
    assert not hts.begins_with_other("Weighing not over 0.5 carat each")
    assert not hts.begins_with_other("Others")
    assert hts.unit_codes("doz. kg") == ["DOZ", "KG"]
    assert hts.unit_codes('["No.","kg"]') == ["NO", "KG"]
    assert hts.chapter99_code("99038803") == "9903.88.03"


def test_importer_numbers():
    assert identifiers.normalize_importer_number("12-3456789AB") == "12-3456789AB"
    assert identifiers.normalize_importer_number("123456789") == "12-345678900"
    with pytest.raises(identifiers.IdentifierError):
        identifiers.normalize_importer_number("12-34")


def test_pure_helpers_import_without_django():
    code = (
        "import sys; import drawback.lib.money, drawback.lib.dates, drawback.lib.hts; "
        "print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_mpf_apportionment_cfr_examples():
    from drawback.lib.mpf import apportion_mpf

    # 19 CFR 190.51(b)(2) Example 1.
    got = apportion_mpf(
        Decimal("485.00"),
        [(1, Decimal("50000"), False), (2, Decimal("90000"), False), (3, Decimal("200000"), False)],
    )
    assert [got[k].ratio for k in (1, 2, 3)] == [Decimal("0.1471"), Decimal("0.2647"), Decimal("0.5882")]
    assert [got[k].amount for k in (1, 2, 3)] == [
        Decimal("71.3435"),
        Decimal("128.3795"),
        Decimal("285.2770"),
    ]
    # Example 2: the MPF-exempt cloth line leaves the denominator.
    got = apportion_mpf(
        Decimal("485.00"),
        [(1, Decimal("7000"), True), (2, Decimal("1500000"), False), (3, Decimal("500000"), False)],
    )
    assert (got[1].amount, got[2].amount, got[3].amount) == (
        Decimal("0"),
        Decimal("363.75"),
        Decimal("121.25"),
    )


def test_chapter99_decisions_follow_the_table():
    import csv
    from pathlib import Path

    from drawback.lib.chapter99 import Chapter99Table, Heading
    from drawback.lib.dates import parse_date

    path = Path(__file__).resolve().parents[2] / "imports" / "data" / "chapter99.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        table = Chapter99Table(
            Heading(
                r["program"],
                r["ch99_from"],
                r["ch99_to"],
                parse_date(r["effective_from"]),
                parse_date(r["effective_to"]),
                r["drawback_eligible"],
                r["basis"],
            )
            for r in csv.DictReader(handle)
        )
    assert table.decide("9903.88.03", dt.date(2024, 3, 1)).eligible  # Section 301 List 3
    assert not table.decide("9903.01.24", dt.date(2025, 5, 1)).eligible  # IEEPA China fentanyl
    assert table.decide("9903.01.25", dt.date(2025, 5, 1)).eligible  # IEEPA reciprocal
    assert not table.decide("9903.99.99", dt.date(2025, 5, 1)).eligible  # no heading
    late = table.decide("9903.01.25", dt.date(2026, 3, 1))
    assert late.eligible and "outside the effective dates" in late.warning

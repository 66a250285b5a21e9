"""Entry-level fee files: MPF apportioned by 19 CFR 190.51(b)(2), HMF by value share."""

from decimal import Decimal

import pytest

from drawback.lib.entry_numbers import make
from imports.models import ImportEntry, ImportLine
from tests.imports.helpers import FIXTURES, load, sample_rows, write_rows

pytestmark = pytest.mark.django_db

ENTRY = make("B76", 5550001)


def es003_entry(tmp_path, values, *, name="lines.csv"):
    """An ES-003 file of one entry whose lines carry the given goods values (one row per line)."""
    headers, rows = sample_rows("es003_sample.csv")
    template = rows[0]
    out = []
    for number, value in enumerate(values, start=1):
        out.append(
            {
                **template,
                "Entry Summary Number": ENTRY,
                "Entry Summary Line Number": str(number),
                "Line Tariff Goods Value Amount": f"${value:,.2f}",
                "Line Tariff Quantity (1)": "1000",
            }
        )
    return write_rows(tmp_path / name, headers, out)


def fees_file(tmp_path, *lines, name="fees.csv"):
    path = tmp_path / name
    path.write_text(
        "Entry Summary Number,Entry Summary Line Number,MPF Amount,HMF Amount,MPF Exempt\n" + "\n".join(lines)
    )
    return path


def line_fees():
    return [
        (line.line_number, line.mpf, line.hmf, line.mpf_exempt)
        for line in ImportLine.objects.filter(entry__entry_number=ENTRY).order_by("line_number")
    ]


def test_cfr_example_1_apportionment(client_a, tmp_path):
    # 19 CFR 190.51(b)(2) Example 1: values $50,000 / $90,000 / $200,000, MPF $485.
    load("es003", es003_entry(tmp_path, [50000, 90000, 200000]), client_a)
    result = load("fees", fees_file(tmp_path, f"{ENTRY},,$485.00,,"), client_a)

    assert result.summary() == {"rows": 1, "created": 0, "updated": 1, "unchanged": 0, "errors": 0}
    assert [(n, mpf) for n, mpf, _, _ in line_fees()] == [
        (1, Decimal("71.3435")),
        (2, Decimal("128.3795")),
        (3, Decimal("285.2770")),
    ]
    assert ImportEntry.objects.get(entry_number=ENTRY).mpf == Decimal("485.00")


def test_cfr_example_2_exempt_line_leaves_the_denominator(client_a, tmp_path):
    # Example 2: the $7,000 cloth line is exempt; $1,500,000 and $500,000 share MPF $485 as .75 / .25.
    load("es003", es003_entry(tmp_path, [7000, 1500000, 500000]), client_a)
    load("fees", fees_file(tmp_path, f"{ENTRY},,485.00,,", f"{ENTRY},1,,,Y"), client_a)

    assert [(n, mpf, exempt) for n, mpf, _, exempt in line_fees()] == [
        (1, Decimal("0"), True),
        (2, Decimal("363.75"), False),
        (3, Decimal("121.25"), False),
    ]


def test_hmf_follows_each_lines_share_of_the_whole_value(client_a, tmp_path):
    load("es003", es003_entry(tmp_path, [6000, 3000, 1000]), client_a)
    load("fees", fees_file(tmp_path, f"{ENTRY},,$100.00,$12.50,", f"{ENTRY},3,,,Y"), client_a)

    assert line_fees() == [
        (1, Decimal("66.67"), Decimal("7.50"), False),
        (2, Decimal("33.33"), Decimal("3.75"), False),
        (3, Decimal("0"), Decimal("1.25"), True),
    ]


def test_fees_are_apportioned_again_when_lines_change(client_a, tmp_path):
    load("es003", es003_entry(tmp_path, [50000, 90000, 200000]), client_a)
    load("fees", fees_file(tmp_path, f"{ENTRY},,$485.00,$0.00,"), client_a)
    # A corrected line report: line 3 is now worth $110,000 (Example 1 becomes 50/90/110 of 250,000).
    result = load("es003", es003_entry(tmp_path, [50000, 90000, 110000], name="corrected.csv"), client_a)

    assert result.summary()["updated"] == 1
    assert [mpf for _, mpf, _, _ in line_fees()] == [
        Decimal("97.0000"),
        Decimal("174.6000"),
        Decimal("213.4000"),
    ]


def test_reloading_the_same_fees_changes_nothing(client_a, tmp_path):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    first = load("fees", FIXTURES / "fees_sample.csv", client_a)
    again = load("fees", FIXTURES / "fees_sample.csv", client_a)

    assert first.summary() == {"rows": 4, "created": 0, "updated": 2, "unchanged": 0, "errors": 0}
    assert again.summary() == {"rows": 4, "created": 0, "updated": 0, "unchanged": 2, "errors": 0}
    exempt = ImportLine.objects.get(entry__entry_number="B7679638166", line_number=3)
    assert exempt.mpf_exempt and exempt.mpf == 0 and exempt.hmf > 0


@pytest.mark.parametrize(
    "line, column, rule",
    [
        ("B7679638166,,,,", "MPF Amount", "required"),
        ("B7679638166,,$12.345,,", "MPF Amount", "precision"),
        ("B7679638166,,1.00,,Y", "MPF Exempt", "exempt_on_entry_row"),
        ("B7679638166,2,5.00,,Y", "MPF Amount", "line_fee_not_supported"),
        ("B7679638166,2,,,", "MPF Exempt", "required"),
        ("B7679638166,2,,,maybe", "MPF Exempt", "boolean_format"),
        ("B7679638166,9,,,Y", "Entry Summary Line Number", "unknown_line"),
        ("B7622292856,,1.00,,", "Entry Summary Number", "check_digit"),
        (f"{ENTRY},,1.00,,", "Entry Summary Number", "unknown_entry"),
    ],
)
def test_fee_rules_name_row_and_column(client_a, tmp_path, line, column, rule):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    result = load("fees", fees_file(tmp_path, "EJ889913623,,1.00,,", line), client_a)

    assert [(e.row, e.column, e.rule) for e in result.errors] == [(3, column, rule)]
    assert not ImportEntry.objects.filter(mpf__isnull=False).exists()


def test_an_entry_row_given_twice_is_an_error(client_a, tmp_path):
    load("es003", FIXTURES / "es003_sample.csv", client_a)
    result = load("fees", fees_file(tmp_path, "EJ889913623,,1.00,,", "EJ889913623,,2.00,,"), client_a)
    assert [(e.row, e.rule) for e in result.errors] == [(3, "duplicate_row")]

"""validate_claim_file: a written claim is clean, and each broken rule (PF-01, 02, 09, 14, 19) is caught."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from claims.catair import claim_to_catair, claims_to_catair, validate_claim_file
from claims.models import Claim
from tests.claims.filing_builders import grant_accelerated_payment, unused_substitution_claim


@pytest.fixture
def lines(client_a, analyst) -> list[str]:
    claim = unused_substitution_claim(client_a, analyst)
    return claim_to_catair(claim=claim, transmission_date=dt.date(2025, 9, 1)).splitlines()


def put(record: str, start: int, text: str) -> str:
    """Overwrite columns from `start` (1-based) with `text`."""
    return record[: start - 1] + text + record[start - 1 + len(text) :]


def index(lines: list[str], code: str, nth: int = 0) -> int:
    return [i for i, r in enumerate(lines) if r.startswith(code)][nth]


def problems(lines: list[str]) -> list[tuple[str, int | None, str]]:
    return [(p.rule, p.line, p.message) for p in validate_claim_file("\n".join(lines) + "\n")]


def rules(lines: list[str]) -> set[str]:
    return {rule for rule, _, _ in problems(lines)}


def test_written_claim_is_clean(lines):
    assert validate_claim_file("\n".join(lines)) == []


# ---------------------------------------------------------------------------------------------- PF-01
@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda r: r[:79], "79 characters long"),
        (lambda r: put(r, 13, "cotton"), "lower-case"),
        (lambda r: put(r, 70, "ZZ"), "filler at 70-80"),
        (lambda r: put(r, 3, "000000000000A000"), "quantity at 3-18 must be right-justified digits"),
    ],
)
def test_pf01_syntax_of_a_42_record(lines, change, expected):
    i = index(lines, "42")
    lines[i] = change(lines[i])
    found = problems(lines)
    assert any(rule == "PF-01" and line == i + 1 and expected in message for rule, line, message in found)


def test_pf01_invalid_date(lines):
    i = index(lines, "70")
    lines[i] = put(lines[i], 33, "133125")
    assert ("PF-01", i + 1) in {(r, line) for r, line, _ in problems(lines)}


def test_pf01_punctuation_in_an_alphanumeric_field(lines):
    i = index(lines, "71")
    lines[i] = put(lines[i], 53, "X-2025")
    assert any("unique_identifier" in m for r, _, m in problems(lines) if r == "PF-01")


def test_pf01_unknown_record(lines):
    lines.insert(3, "30" + " " * 78)  # ACS-era D30 does not exist in ACE
    assert ("PF-01", 4) in {(r, line) for r, line, _ in problems(lines)}


# ---------------------------------------------------------------------------------------------- PF-02
def test_pf02_record_out_of_order(lines):
    i = index(lines, "43")
    lines[i], lines[i - 1] = lines[i - 1], lines[i]  # a 43 before the last 42
    assert any("cannot follow" in m for r, _, m in problems(lines) if r == "PF-02")


def test_pf02_claim_without_its_totals(lines):
    del lines[index(lines, "90")]
    assert any("not closed by its 89- and 90-records" in m for r, _, m in problems(lines) if r == "PF-02")


def test_pf02_record_after_the_90_must_open_a_claim(lines):
    lines.insert(index(lines, "90") + 1, lines[index(lines, "43")])
    assert any("ENTRY SUMMARY HEADER MISSING" in m for r, _, m in problems(lines) if r == "PF-02")


def test_pf02_trailers_echo_their_headers(lines):
    y, z = index(lines, "Y"), index(lines, "Z")
    lines[y] = put(lines[y], 4, "1001")
    lines[z] = put(lines[z], 6, "XYZ")
    messages = [m for r, _, m in problems(lines) if r == "PF-02"]
    assert "Y-record port must echo the B-record" in messages
    assert "Z-record sender_id must echo the A-record" in messages


def test_pf02_missing_batch_trailer(lines):
    lines.pop()
    assert any("must end with the Z-record" in m for r, _, m in problems(lines) if r == "PF-02")


def test_pf02_tftea_claim_needs_its_export_grouping(lines):
    lines = [r for r in lines if r[:2] not in ("70", "71", "72")]
    assert any("need a 70/71 grouping" in m for r, _, m in problems(lines) if r == "PF-02")


# ---------------------------------------------------------------------------------------------- PF-09
def test_pf09_missing_export_destroy_indicator(lines):
    i = index(lines, "70")
    lines[i] = put(lines[i], 3, " ")
    assert ("PF-09", i + 1, "EXPORT / DESTROY INDICATOR MISSING (E or D)") in problems(lines)
    assert not any(r == "PF-01" and line == i + 1 for r, line, _ in problems(lines))


def test_pf09_hts_must_have_ten_digits(lines):
    i = index(lines, "70")
    lines[i] = put(lines[i], 4, "61091000  ")
    assert any(r == "PF-09" and "10 digits" in m for r, _, m in problems(lines))


def test_pf09_destruction_has_no_country(lines):
    i = index(lines, "70", 1)
    assert lines[i][2] == "D"
    lines[i] = put(lines[i], 71, "DE")
    assert ("PF-09", i + 1, "a destruction has no country") in problems(lines)


def test_pf09_bill_of_lading_needs_a_carrier(lines):
    i = index(lines, "70")
    lines[i] = put(lines[i], 73, "Y")
    assert any(r == "PF-09" and "carrier" in m for r, _, m in problems(lines))


# ---------------------------------------------------------------------------------------------- PF-14
def test_pf14_class_total_differs_from_its_43_records(lines):
    i = index(lines, "89")
    lines[i] = put(lines[i], 6, "00000232424")
    assert any(
        r == "PF-14" and "class 364 total $2,324.24 differs from its 43-records' sum $2,324.23" in m
        for r, _, m in problems(lines)
    )


def test_pf14_zero_amount_43_record(lines):
    i = index(lines, "43")
    lines[i] = put(lines[i], 6, "00000000")
    assert any(r == "PF-14" and "claims $0" in m for r, _, m in problems(lines))


def test_pf14_grand_totals_cross_foot(lines):
    i = index(lines, "90")
    lines[i] = put(lines[i], 15, "00000002211")
    assert any(r == "PF-14" and "grand total user fee $22.11" in m for r, _, m in problems(lines))


def test_pf14_class_claimed_but_not_totalled(lines):
    i = index(lines, "89")
    lines[i] = put(lines[i], 35, " " * 14)  # drop class 399 from the 89
    assert any(r == "PF-14" and "class 399 has no 89-record total" in m for r, _, m in problems(lines))


# ---------------------------------------------------------------------------------------------- PF-19
def test_pf19_more_than_three_42_records_per_41(lines):
    i = index(lines, "42")
    lines[i + 1 : i + 1] = [lines[i]] * 3
    assert any(r == "PF-19" and "more than 3 42-record(s) per 41-record" in m for r, _, m in problems(lines))


def test_pf19_more_than_twenty_43_records_per_import(lines):
    i = index(lines, "43")
    lines[i + 1 : i + 1] = [lines[i]] * 20
    assert any(r == "PF-19" and "more than 20 43-record(s)" in m for r, _, m in problems(lines))


def test_pf19_more_than_32_classifications(lines):
    i = index(lines, "41")
    lines[i + 2 : i + 2] = [lines[i], lines[i + 1]] * 32
    assert any(r == "PF-19" and "more than 32 41-record(s)" in m for r, _, m in problems(lines))


def test_pf19_more_than_nine_89_records(lines):
    i = index(lines, "89")
    lines[i + 1 : i + 1] = [lines[i]] * 9
    assert any(r == "PF-19" and "more than 9 89-record(s)" in m for r, _, m in problems(lines))


def test_written_variants_are_clean(client_a, analyst):
    """Accelerated payment with a single transaction bond, direct identification, and a batch of two."""
    grant_accelerated_payment(client_a, bond_type="9", bond_amount=Decimal("50000"), bond_number="25B000777")
    ap = unused_substitution_claim(client_a, analyst, seq=1)
    direct = unused_substitution_claim(client_a, analyst, seq=2)
    Claim.objects.filter(pk=ap.pk).update(accelerated_payment=True)
    Claim.objects.filter(pk=direct.pk).update(provision="58", drawback_port="1001")
    text = claims_to_catair(
        claims=list(Claim.objects.filter(pk__in=[ap.pk, direct.pk]).order_by("pk")),
        transmission_date=dt.date(2025, 9, 1),
    )
    assert "\n31" in text and text.count("\nB") == 2
    assert validate_claim_file(text) == []


def test_benchmark_command_round_trips_and_reports_figures():
    out = io.StringIO()
    call_command("bench_catair", imports=40, exports=4, repeat=1, pdf_lines=0, stdout=out)
    report = out.getvalue()
    assert "40 import groupings and 4 exports" in report and "0 problems" in report
    assert "records/s" in report

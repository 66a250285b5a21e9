"""The file validator catches every rule the writer keeps that shows in the file (PF-03..PF-18 besides the
syntax, order, export, totals and size rules of test_filing_validate), the writer refuses what it cannot
write truthfully (no communication password, an export after the transmission date), and a missing password
in production is a configuration error before anything is transmitted."""

import dataclasses
import datetime as dt

import pytest
from django.core.checks import Error

from claims.catair import CatairError, claim_to_catair, render_file, validate_claim_file
from claims.catair.data import Block, CatairFile, Envelope
from claims.checks import check_catair_password
from claims.management.commands.bench_catair import synthetic_claim
from claims.models import Claim
from exports.models import Export
from tests.claims.filing_builders import grant_accelerated_payment, unused_substitution_claim

TRANSMITTED = dt.date(2025, 9, 1)


@pytest.fixture
def claim(client_a, analyst):
    return unused_substitution_claim(client_a, analyst)


@pytest.fixture
def lines(claim) -> list[str]:
    return claim_to_catair(claim=claim, transmission_date=TRANSMITTED).splitlines()


def put(record: str, start: int, text: str) -> str:
    return record[: start - 1] + text + record[start - 1 + len(text) :]


def at(lines: list[str], code: str, nth: int = 0) -> int:
    return [i for i, r in enumerate(lines) if r.startswith(code)][nth]


def found(lines: list[str]) -> list[tuple[str, int | None, str]]:
    return [(p.rule, p.line, p.message) for p in validate_claim_file("\n".join(lines) + "\n")]


def change(lines, code, start, text, nth=0):
    i = at(lines, code, nth)
    lines[i] = put(lines[i], start, text)
    return i + 1


CASES = [
    # (what, record, position, text, rule, words)
    ("password blank", "A", 9, "      ", "PF-01", "password at 9-14 is mandatory"),
    ("filing port", "10", 18, "2704", "PF-03", "not a drawback office"),
    ("claim check digit", "10", 16, "9", "PF-04", "claim number HDS-0000001-9"),
    ("entry check digit", "40", 18, "9", "PF-05", "import entry E5X-5319301-9"),
    ("provision", "10", 34, "99", "PF-06", "not a TFTEA provision"),
    ("commercial ruling", "10", 43, "1", "PF-06", "commercial ruling (pos 43)"),
    ("method code", "40", 56, "01", "PF-06", "accounting method must be 00 for provision 59"),
    ("line number", "40", 19, "     ", "PF-06", "entry summary line number is required"),
    ("ITIN gap", "40", 51, "00004", "PF-07", "00004 where 00001 is due"),
    ("ITIN cited", "72", 13, "00009", "PF-07", "ITIN 00009 is cited but no 40-record has it"),
    ("export after transmission", "70", 33, "090225", "PF-10", "after the transmission date 09/01/2025"),
    ("claim above calculated", "43", 6, "99999999", "PF-12", "above its calculated amount"),
    ("unknown class", "43", 3, "999", "PF-14", "999 is not a drawback accounting class"),
    ("AP without bond", "10", 36, "    Y", "PF-15", "needs the 31-record of its bond"),
    ("waiver reason", "10", 37, "123", "PF-15", "needs reason 999"),
    ("waived AP", "10", 40, "Y", "PF-15", "cannot be waived"),
    ("BOM certification", "10", 74, "X", "PF-16", "bill of materials certification (pos 74) is not for"),
    ("wine certification", "10", 73, "X", "PF-16", "wine certification (pos 73) is not for"),
    ("retail indicator", "10", 77, "Y", "PF-16", "only for 56 and 70"),
    ("Superfund", "10", 78, "X", "PF-16", "Superfund certification (pos 78) is not for"),
    ("USMCA without 64", "10", 76, "X", "PF-17", "needs a 64-record"),
    ("claimant ID", "10", 49, "123456789   ", "PF-18", "claimant ID '123456789'"),
]


@pytest.mark.parametrize("what, code, start, text, rule, words", CASES, ids=[c[0] for c in CASES])
def test_each_rule_the_writer_keeps_is_caught(lines, what, code, start, text, rule, words):
    assert validate_claim_file("\n".join(lines)) == []
    line = change(lines, code, start, text)
    problems = found(lines)
    assert any(r == rule and words in m for r, _, m in problems), problems
    assert any(n == line for r, n, _ in problems if r == rule) or rule in ("PF-07",), problems


def test_export_groupings_out_of_chronological_order(lines):
    start = at(lines, "70")
    group = lines[start : at(lines, "89")]
    earlier = [put(group[0], 33, "050125"), *group[1:]]  # an export of May 1 after those of June and July
    lines[start + len(group) : start + len(group)] = earlier
    problems = found(lines)
    assert ("PF-10", start + len(group) + 1) in {(r, n) for r, n, _ in problems}
    assert any("chronological order: 05/01/2025 comes after 07/15/2025" in m for _, _, m in problems)


def test_replacement_citing_an_export_over_five_years_old(lines):
    change(lines, "10", 3, "R")
    change(lines, "70", 33, "080120")
    assert any(r == "PF-10" and "more than 5 years" in m for r, _, m in found(lines))


@pytest.mark.parametrize(
    "text, words",
    [
        ("7B 457", "bond type must be 8"),
        ("8C 457", "bond designation must be B"),
        ("9B 457", "single transaction bond needs its amount and number"),
    ],
)
def test_bond_record_of_accelerated_payment(client_a, analyst, text, words):
    grant_accelerated_payment(client_a)
    claim = unused_substitution_claim(client_a, analyst)
    Claim.objects.filter(pk=claim.pk).update(accelerated_payment=True)
    claim.refresh_from_db()
    lines = claim_to_catair(claim=claim, transmission_date=TRANSMITTED).splitlines()
    assert validate_claim_file("\n".join(lines)) == []
    change(lines, "31", 3, text)
    assert any(r == "PF-15" and words in m for r, _, m in found(lines))


def test_check_digit_offsets_granted_by_cbp_are_honoured(lines):
    change(lines, "40", 18, str((int(lines[at(lines, "40")][17]) + 3) % 10))
    assert any(r == "PF-05" for r, _, _ in found(lines))
    fixed = validate_claim_file("\n".join(lines), offsets={"E5X": 3})
    assert not [p for p in fixed if p.rule == "PF-05" and p.line == at(lines, "40") + 1]


def test_large_generated_claim_with_exports_out_of_order_and_after_transmission():
    claim = synthetic_claim(400, 40)
    # Latest first, and the last one after the transmission date.
    shuffled = [
        dataclasses.replace(e, date=dt.date(2025, 8, 20) - dt.timedelta(days=i))
        for i, e in enumerate(claim.exports)
    ]
    shuffled[0] = dataclasses.replace(shuffled[0], date=dt.date(2025, 9, 2))
    catair = CatairFile(
        Envelope("3901", "HDS", TRANSMITTED, password="BENCH1"),
        [Block("3901", "HDS", [dataclasses.replace(claim, exports=shuffled)])],
    )
    problems = validate_claim_file(render_file(catair))
    rules = [p.rule for p in problems]
    assert set(rules) == {"PF-10"}
    assert sum("chronological" in p.message for p in problems) == len(shuffled) - 1
    assert sum("after the transmission date" in p.message for p in problems) == 1
    # The same claim as the benchmark writes it is clean.
    clean = CatairFile(
        Envelope("3901", "HDS", TRANSMITTED, password="BENCH1"), [Block("3901", "HDS", [claim])]
    )
    assert validate_claim_file(render_file(clean)) == []


# ---------------------------------------------------------------------------------------------- writer


def test_writer_refuses_a_file_without_the_communication_password(claim, settings):
    settings.CATAIR_PASSWORD = ""
    with pytest.raises(CatairError, match="CATAIR_PASSWORD is not set: the A-record communication password"):
        claim_to_catair(claim=claim, transmission_date=TRANSMITTED)


def test_writer_refuses_a_password_that_does_not_fit(claim, settings):
    settings.CATAIR_PASSWORD = "seven77"
    with pytest.raises(CatairError, match="1 to 6 letters or digits"):
        claim_to_catair(claim=claim, transmission_date=TRANSMITTED)


def test_written_password_is_the_one_configured(claim, settings):
    settings.CATAIR_PASSWORD = "ab12"
    assert claim_to_catair(claim=claim, transmission_date=TRANSMITTED).splitlines()[0][8:14] == "AB12  "


def test_writer_refuses_an_export_after_the_transmission_date(claim):
    Export.objects.filter(designations__claim=claim).update(export_date=dt.date(2025, 9, 2))
    with pytest.raises(CatairError, match="after the transmission date 09/01/2025"):
        claim_to_catair(claim=claim, transmission_date=TRANSMITTED)


def test_preflight_judges_the_claim_without_the_installations_password(claim, settings):
    from claims.preflight import claim_preflight

    settings.CATAIR_PASSWORD = ""
    assert not [i for i in claim_preflight(claim=claim, on=TRANSMITTED) if i.rule == "PF-01"]


# ---------------------------------------------------------------------------------------------- settings


def test_missing_password_is_a_configuration_error_in_production(settings):
    settings.DEBUG, settings.CBP_GATEWAY, settings.CATAIR_PASSWORD = False, "files", ""
    (error,) = check_catair_password(None)
    assert isinstance(error, Error) and error.id == "claims.E001" and "CATAIR_PASSWORD" in error.msg


def test_malformed_password_is_an_error_wherever(settings):
    settings.DEBUG, settings.CBP_GATEWAY, settings.CATAIR_PASSWORD = True, "sandbox", "toolong7"
    assert [e.id for e in check_catair_password(None)] == ["claims.E002"]


@pytest.mark.parametrize(
    "debug, gateway, password", [(False, "files", "AB12CD"), (True, "files", ""), (False, "sandbox", "")]
)
def test_no_error_with_a_password_in_development_or_with_the_sandbox(settings, debug, gateway, password):
    settings.DEBUG, settings.CBP_GATEWAY, settings.CATAIR_PASSWORD = debug, gateway, password
    assert check_catair_password(None) == []

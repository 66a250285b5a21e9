"""Write a claim, parse the file back, and get the same claim data; the GIST sample decodes as documented."""

import datetime as dt
from decimal import Decimal

import pytest

from claims.catair import build_claim_file, claim_to_catair, claims_to_catair, parse_catair
from claims.catair.spec import CatairSyntaxError, decode, encode
from claims.models import Claim
from tests.claims.filing_builders import grant_accelerated_payment, unused_substitution_claim

DAY = dt.date(2025, 9, 1)


@pytest.fixture
def claim(client_a, analyst):
    return unused_substitution_claim(client_a, analyst)


def test_parsed_file_equals_what_the_writer_decided(claim):
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    parsed = parse_catair(text)
    assert parsed.envelope.transmission_date == DAY
    assert [(b.port, b.filer_code) for b in parsed.blocks] == [("3901", "HDS")]
    assert parsed.claims == [build_claim_file(claim=claim, transmission_date=DAY)]


def test_parsed_file_carries_the_claims_designations(claim):
    parsed = parse_catair(claim_to_catair(claim=claim, transmission_date=DAY)).claims[0]
    assert parsed.header.claim_number == claim.number
    assert parsed.header.provision == "59"
    # Each designation's import line and quantity is in the grouping its export's 72-record cites.
    by_itin = {item.itin: item for item in parsed.imports}
    exports = {e.unique_identifier: e for e in parsed.exports}
    for d in claim.designations.select_related("import_line__entry", "export"):
        export = exports[d.export.export_ref.replace("-", " ")]
        cited = [by_itin[i] for i in export.itins]
        match = [
            item
            for item in cited
            if item.filer_code + item.entry_number == d.import_line.entry.entry_number
            and item.line_number == d.import_line.line_number
        ]
        assert len(match) == 1
        assert match[0].classifications[-1].hts == d.import_line.hts
        assert match[0].classifications[-1].quantities[0].quantity == d.quantity
    # Per class, the 43-records add up to the claim's class totals (rounded once, product decision 6).
    totals = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
    assert parsed.revenue_sums() == totals == parsed.class_totals
    assert parsed.grand_total == sum(totals.values())


def test_round_trip_with_accelerated_payment_and_bond(claim, client_a):
    grant_accelerated_payment(client_a)
    Claim.objects.filter(pk=claim.pk).update(accelerated_payment=True, waiver_prior_notice=True)
    claim.refresh_from_db()
    parsed = parse_catair(claim_to_catair(claim=claim, transmission_date=DAY)).claims[0]
    assert parsed.header.accelerated_payment and parsed.header.waiver_prior_notice
    assert (parsed.bond.bond_type, parsed.bond.designation, parsed.bond.surety_code) == ("8", "B", "457")
    assert parsed.bond.amount is None  # continuous bond: no amount or number
    assert parsed == build_claim_file(claim=claim, transmission_date=DAY)


def test_round_trip_of_a_batch_of_two_claims(claim, client_a, analyst):
    second = unused_substitution_claim(client_a, analyst, seq=2)
    Claim.objects.filter(pk=second.pk).update(drawback_port="5301")
    second.refresh_from_db()
    parsed = parse_catair(claims_to_catair(claims=[claim, second], transmission_date=DAY))
    assert [b.port for b in parsed.blocks] == ["3901", "5301"]
    assert parsed.claims == [
        build_claim_file(claim=claim, transmission_date=DAY),
        build_claim_file(claim=second, transmission_date=DAY),
    ]


def test_round_trip_keeps_chapter_99_order_and_destruction(claim):
    parsed = parse_catair(claim_to_catair(claim=claim, transmission_date=DAY)).claims[0]
    destroyed = [e for e in parsed.exports if e.indicator == "D"]
    assert len(destroyed) == 1 and destroyed[0].country == "" and destroyed[0].date == dt.date(2025, 7, 15)
    shirts = parsed.imports[0]
    assert [c.hts for c in shirts.classifications] == ["99038815", "99030125", "6109100012"]


def test_parser_reports_a_misplaced_record_with_its_line():
    text = "\n".join(
        [
            encode(
                "A", {"site_code": "3901", "sender_id": "HDS", "password": "TEST01", "application_id": "DE"}
            ),
            "42" + " " * 78,
        ]
    )
    with pytest.raises(CatairSyntaxError, match="line 2"):
        parse_catair(text)


# --- The GIST sample (catair.md): its copies collapse runs of spaces, so each record is rebuilt with the
# spaces where the layout puts them, and must decode to the values catair.md documents.
def _at(pieces: dict[int, str]) -> str:
    record = [" "] * 80
    for start, text in pieces.items():
        record[start - 1 : start - 1 + len(text)] = text
    return "".join(record)


def test_gist_batch_header():
    _, v = decode(_at({1: "A1001E5SKPMGLL082525", 26: "DE"}))
    assert (v["site_code"], v["sender_id"], v["password"]) == ("1001", "E5S", "KPMGLL")
    assert v["transmission_date"] == dt.date(2025, 8, 25)
    assert v["application_id"] == "DE"


def test_gist_block_header():
    _, v = decode(_at({1: "B", 4: "9900CLMDE"}))
    assert (v["port"], v["filer_code"], v["application_id"]) == ("9900", "CLM", "DE")


def test_gist_claim_header():
    code, v = decode(_at({1: "10ACLM", 9: "00000007", 18: "3901", 34: "59", 48: "XXX-XXXXXXXXX"}))
    assert code == "10"
    assert (v["action"], v["filer_code"], v["entry_number"], v["port"], v["provision"]) == (
        "A",
        "CLM",
        "00000007",
        "3901",
        "59",
    )
    assert v["electronic_signature"] == "X"
    assert v["claimant_id"] == "XX-XXXXXXXXX"


def test_gist_import_records():
    _, v40 = decode(_at({1: "40E", 6: "E5X", 11: "5319301600122", 51: "0000100"}))
    assert (v40["action"], v40["filer_code"], v40["entry_number"], v40["line_number"]) == (
        "E",
        "E5X",
        "53193016",
        122,
    )
    assert (v40["itin"], v40["accounting_method"]) == (1, 0)
    _, v41 = decode(_at({1: "41870431002087043100 - VEHICLE:GVW<=2.5MT;SPARK IGNIT"}))
    assert v41["hts"] == "8704310020"
    assert v41["description"] == "87043100 - VEHICLE:GVW<=2.5MT;SPARK IGNIT"
    _, v42 = decode(_at({1: "420000000000460000 NO", 38: "00000000044581000000000002675100"}))
    assert v42["quantity"] == Decimal("46.0000") and v42["uom"] == "NO"
    assert v42["entered_value_per_unit"] == Decimal("445.8100")
    assert v42["substituted_value_per_unit"] == Decimal("267.5100")
    # The (j)(2) lesser-of ratio SVU / EGVU = 0.6001 that the 43-records show.
    assert round(v42["substituted_value_per_unit"] / v42["entered_value_per_unit"], 4) == Decimal("0.6001")


@pytest.mark.parametrize(
    "raw, cls, claimed, calculated",
    [
        ("433640030452500507543", "364", "3045.25", "5075.43"),
        ("433980000152200002537", "398", "15.22", "25.37"),
        ("433990000014600000244", "399", "1.46", "2.44"),
    ],
)
def test_gist_revenue_records(raw, cls, claimed, calculated):
    _, v = decode(_at({1: raw}))
    assert v["accounting_class"] == cls
    assert v["claim_amount"] == Decimal(claimed)
    assert v["calculated_amount"] == Decimal(calculated)

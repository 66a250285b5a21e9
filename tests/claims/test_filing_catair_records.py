"""The CATAIR writer, record by record, against the positions in docs/reference/catair.md (CAT27 Rev 27)."""

import datetime as dt
from decimal import Decimal

import pytest

from claims.catair import CatairError, claim_to_catair, claims_to_catair
from claims.catair.spec import RECORD_LENGTH, RECORDS
from claims.models import Claim
from drawback.lib.entry_numbers import make
from imports.models import Document
from tests.claims.filing_builders import (
    designate,
    grant_accelerated_payment,
    make_claim,
    total_classes,
    unused_substitution_claim,
)
from tests.factories import ExportFactory, ImportLineFactory

DAY = dt.date(2025, 9, 1)


def pos(record: str, start: int, end: int) -> str:
    """Columns start..end, 1-based and inclusive, as CATAIR states them."""
    return record[start - 1 : end]


def records(text: str, code: str) -> list[str]:
    return [r for r in text.splitlines() if (r[:1] if code.isalpha() else r[:2]) == code]


@pytest.fixture
def claim(client_a, analyst):
    return unused_substitution_claim(client_a, analyst)


@pytest.fixture
def text(claim):
    return claim_to_catair(claim=claim, transmission_date=DAY)


@pytest.mark.parametrize("code", sorted(RECORDS))
def test_each_layout_covers_80_columns_once(code):
    covered = []
    for f in RECORDS[code].fields:
        covered += list(range(f.start, f.end + 1))
    assert covered == list(range(1, RECORD_LENGTH + 1))


def test_every_record_is_80_upper_case_characters(text):
    lines = text.splitlines()
    assert lines and all(len(r) == 80 for r in lines)
    assert text == text.upper()
    assert all(" " <= c <= "~" for r in lines for c in r)


def test_record_order(text):
    codes = [r[:1] if r[0] in "ABYZ" else r[:2] for r in text.splitlines()]
    assert codes == (
        ["A", "B", "10"]
        + ["40", "41", "42", "41", "42", "41", "42", "43", "43"]  # shirts destroyed: ch99 x2 + ch 61
        + ["40", "41", "42", "41", "42", "41", "42", "43", "43", "43"]  # shirts exported: 364, 398, 399
        + ["40", "41", "42", "43"]  # sweaters exported
        + ["70", "71", "72", "70", "71", "72"]
        + ["89", "90", "Y", "Z"]
    )


def test_header_10_record_positions(claim, text, client_a):
    (r,) = records(text, "10")
    assert pos(r, 1, 2) == "10"
    assert pos(r, 3, 3) == "A"
    assert pos(r, 4, 6) == claim.number[:3] == "HDS"
    assert pos(r, 7, 8) == "  "
    assert pos(r, 9, 16) == claim.number[3:]
    assert pos(r, 18, 21) == "3901"
    assert pos(r, 34, 35) == "59"
    # No accelerated payment: bond waived / none required, reason 999 (CAT27 10-record pos 36-39).
    assert pos(r, 36, 39) == "0999"
    assert pos(r, 40, 40) == " "
    assert pos(r, 48, 48) == "X"  # electronic signature
    assert pos(r, 49, 60) == client_a.importer_number.ljust(12)
    assert pos(r, 75, 75) == "X"  # a destruction: 1313(x) valuation certification
    assert pos(r, 79, 80) == "  "


def test_import_40_record_positions(text):
    shirts_exported = records(text, "40")[1]
    assert pos(shirts_exported, 3, 3) == "E"
    assert pos(shirts_exported, 6, 8) == "E5X"
    assert pos(shirts_exported, 11, 18) == make("E5X", 5319301)[3:]
    assert pos(shirts_exported, 19, 23) == "00001"  # entry summary line 1
    assert pos(shirts_exported, 51, 55) == "00002"  # ITIN
    assert pos(shirts_exported, 56, 57) == "00"  # provision 59 requires method 00
    assert records(text, "40")[0][2] == "D"  # the destroyed quantity is its own grouping


def test_chapter_99_numbers_come_first_in_ordinal_order(text):
    first_grouping = text.splitlines()[3:12]
    classifications = [pos(r, 3, 12) for r in first_grouping if r.startswith("41")]
    # ES-003 ordinal 1 = 9903.88.15, ordinal 2 = 9903.01.25, then the Chapter 1-97 number.
    assert classifications == ["  99038815", "  99030125", "6109100012"]
    assert all(r.startswith("42") for r in first_grouping[2:7:2])  # each 41 has its 42


def test_classification_41_and_quantity_42_positions(text):
    r41 = records(text, "41")[-1]
    assert pos(r41, 3, 12) == "6110202079"
    assert pos(r41, 13, 62).rstrip() == "COTTON SWEATERS"
    r42 = records(text, "42")[-1]
    assert pos(r42, 3, 18) == "0000000000200000"  # 20.0000 DOZ: four implied decimals
    assert pos(r42, 19, 21) == "DOZ"
    assert pos(r42, 22, 37) == " " * 16  # allowable quantity is for 1313(b) only
    assert pos(r42, 38, 53) == "0000000002000000"  # EGVU 200.0000
    assert pos(r42, 54, 69) == "0000000001500000"  # SVU 150.0000 (lesser-of applies)


def test_revenue_43_record_positions(text):
    r = records(text, "43")[-1]
    assert pos(r, 3, 5) == "364"
    assert pos(r, 6, 13) == "00065340"  # 653.40 claimed: two implied decimals
    assert pos(r, 14, 21) == "00065340"
    assert pos(r, 22, 80) == " " * 59


def test_export_70_71_72_positions(text):
    exported, destroyed = records(text, "70")
    assert pos(exported, 3, 3) == "E"
    assert pos(exported, 4, 13) == "6109100012"
    assert pos(exported, 14, 29) == "0000000000600000"  # 60 DOZ designated against it
    assert pos(exported, 30, 32) == "DOZ"
    assert pos(exported, 33, 38) == "060125"
    assert pos(exported, 41, 70).rstrip() == "ACME OUTFITTERS INC"  # AN: punctuation dropped
    assert pos(exported, 71, 72) == "DE"
    assert pos(destroyed, 3, 3) == "D"
    assert pos(destroyed, 4, 13) == "6109100000"  # 8-digit number padded with 00
    assert pos(destroyed, 71, 77) == " " * 7  # no country or B/L on a destruction
    description = records(text, "71")[0]
    assert pos(description, 3, 52).rstrip() == "T-SHIRTS AND SWEATERS"
    assert pos(description, 53, 80).rstrip() == "X20250601000123"
    links = records(text, "72")
    assert (pos(links[0], 3, 7), pos(links[0], 8, 12), pos(links[0], 13, 17)) == ("00002", "00003", "     ")
    assert pos(links[1], 3, 7) == "00001"


def test_totals_89_and_90_positions(text, claim):
    (r89,) = records(text, "89")
    totals = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
    assert (pos(r89, 3, 5), pos(r89, 6, 16)) == ("364", "00000232423")
    assert Decimal(pos(r89, 6, 16)) / 100 == totals["364"]
    assert (pos(r89, 19, 21), pos(r89, 22, 32)) == ("398", "00000000495")
    assert (pos(r89, 35, 37), pos(r89, 38, 48)) == ("399", "00000001715")
    assert pos(r89, 51, 80) == " " * 30
    (r90,) = records(text, "90")
    assert pos(r90, 3, 13) == "00000232423"  # duty = 364 + 369
    assert pos(r90, 15, 25) == "00000002210"  # user fee = 398 + 399
    assert pos(r90, 27, 37) == "00000000000"  # IR tax: zeros when none


def test_envelope_records(text, claim):
    a, b, y, z = records(text, "A")[0], records(text, "B")[0], records(text, "Y")[0], records(text, "Z")[0]
    assert pos(a, 2, 5) == "3901" and pos(a, 6, 8) == "HDS"
    assert pos(a, 15, 20) == "090125" and pos(a, 26, 27) == "DE"
    assert pos(b, 4, 7) == "3901" and pos(b, 8, 10) == "HDS" and pos(b, 11, 12) == "DE"
    assert pos(y, 4, 12) == pos(b, 4, 12)
    assert pos(z, 2, 8) == pos(a, 2, 8) and pos(z, 15, 20) == "090125"


def test_cbp_check_digit_example_on_the_claim_number(client_a, analyst, firm):
    """APP-E: filer B76, sequence 0324527 -> check digit 8 (B76-0324527-8)."""
    assert make("B76", "0324527") == "B7603245278"
    firm.filer_code = "B76"
    firm.save()
    claim = unused_substitution_claim(client_a, analyst, seq=324527)
    (r,) = records(claim_to_catair(claim=claim, transmission_date=DAY), "10")
    assert (pos(r, 4, 6), pos(r, 9, 16)) == ("B76", "03245278")


def test_accelerated_payment_adds_the_31_bond_record(claim, client_a):
    grant_accelerated_payment(
        client_a, bond_type="9", bond_amount=Decimal("25000.00"), bond_number="25B004512"
    )
    Claim.objects.filter(pk=claim.pk).update(accelerated_payment=True)
    claim.refresh_from_db()
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    (r10,) = records(text, "10")
    assert pos(r10, 36, 40) == "    Y"  # bond required, AP requested
    (r31,) = records(text, "31")
    assert text.splitlines()[3] == r31  # right after the 10-record
    assert pos(r31, 3, 5) == "9B "
    assert pos(r31, 6, 8) == "457"
    assert pos(r31, 9, 18) == "0000025000"  # whole dollars
    assert pos(r31, 19, 28) == "25B004512 "


def test_accelerated_payment_without_a_bond_is_refused(claim):
    Claim.objects.filter(pk=claim.pk).update(accelerated_payment=True)
    claim.refresh_from_db()
    with pytest.raises(CatairError, match="no accelerated payment privilege"):
        claim_to_catair(claim=claim, transmission_date=DAY)


def test_correction_is_a_full_replacement_under_the_original_number(claim, client_a, analyst):
    correction = unused_substitution_claim(client_a, analyst, seq=77)
    Claim.objects.filter(pk=correction.pk).update(replaces=claim)
    correction.refresh_from_db()
    (r,) = records(claim_to_catair(claim=correction, transmission_date=DAY), "10")
    assert pos(r, 3, 3) == "R"
    assert pos(r, 9, 16) == claim.number[3:]


def test_notice_of_intent_and_waiver_of_prior_notice_flags(claim, client_a):
    notice = Document.objects.create(
        client=client_a,
        doc_type="notice_of_intent",
        file="n.pdf",
        original_name="7553.pdf",
        size=1,
        sha256="0",
    )
    export = claim.designations.first().export
    export.documents.add(notice)
    Claim.objects.filter(pk=claim.pk).update(waiver_prior_notice=True)
    claim.refresh_from_db()
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    assert pos(records(text, "10")[0], 42, 42) == "Y"
    flags = {pos(r, 3, 3): pos(r, 39, 39) for r in records(text, "70")}
    assert flags["E" if export.disposition == "export" else "D"] == "Y"


def test_direct_identification_uses_method_01_and_no_svu(client_a, analyst):
    claim = make_claim(client_a, analyst, provision="58")
    line = ImportLineFactory(entry__client=client_a, uom="NO", quantity=Decimal("10"))
    export = ExportFactory(client=client_a, uom="NO", quantity=Decimal("10"))
    designate(
        claim, line, export, "10", {"364": ("163.35", "163.35")}, egvu="1000", svu="900", method="direct"
    )
    total_classes(claim)
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    assert pos(records(text, "40")[0], 56, 57) == "01"
    assert pos(records(text, "42")[0], 54, 69) == " " * 16


def test_batch_of_two_claims_in_one_block(claim, client_a, analyst):
    second = unused_substitution_claim(client_a, analyst, seq=2)
    text = claims_to_catair(claims=[claim, second], transmission_date=DAY)
    assert len(records(text, "A")) == len(records(text, "B")) == 1
    assert [pos(r, 9, 16) for r in records(text, "10")] == [claim.number[3:], second.number[3:]]
    assert len(records(text, "90")) == 2


def test_claims_for_different_ports_go_in_separate_blocks(claim, client_a, analyst):
    other = unused_substitution_claim(client_a, analyst, seq=3)
    Claim.objects.filter(pk=other.pk).update(drawback_port="1001")
    other.refresh_from_db()
    text = claims_to_catair(claims=[claim, other], transmission_date=DAY)
    assert [pos(r, 4, 7) for r in records(text, "B")] == ["3901", "1001"]
    assert [pos(r, 4, 7) for r in records(text, "Y")] == ["3901", "1001"]


def test_manufacturing_provisions_are_refused_without_their_production_records(client_a, analyst):
    # 1313(a)/(b) claims are written from the production lot their designations name (tests/manufacturing).
    claim = make_claim(client_a, analyst, provision="71")
    with pytest.raises(CatairError, match="manufacturing provision"):
        claim_to_catair(claim=claim, transmission_date=DAY)


def test_class_total_that_does_not_match_the_designations_is_refused(claim):
    claim.class_totals.filter(accounting_class="364").update(claim_amount=Decimal("2400.00"))
    with pytest.raises(CatairError, match="class 364"):
        claim_to_catair(claim=claim, transmission_date=DAY)

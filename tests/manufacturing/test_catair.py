"""Manufacturing and rejected-merchandise claims written to CATAIR: their provisions, the 40-record's action,
ruling and basis, the manufactured articles (50/51/52) and the exports' links (73), parsed back by the
round-trip parser to the same claim data, and passing the file validator and pre-flight."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest

from claims.catair import build_claim_file, claim_to_catair, parse_catair, validate_claim_file
from claims.catair.spec import decode
from claims.catair.writer import build_filing_plan
from claims.filing.summary import render_claim_summary_pdf
from claims.manufacturing.services import type_choice_save
from claims.models import Claim, RejectedReturn
from claims.preflight import claim_preflight
from imports.models import ImportLine

from .helpers import manufacturer, rows, write

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 1)


@pytest.fixture
def claims(client_a, analyst):
    manufacturer(client_a)
    RejectedReturn.objects.update(unused=False)  # the returned ovens go under 1313(c)
    type_choice_save(client=client_a, user=analyst, filing_date=DAY)
    return {c.provision: c for c in Claim.objects.filter(client=client_a)}


def records(claim):
    return [decode(line) for line in claim_to_catair(claim=claim, transmission_date=DAY).splitlines()]


@pytest.mark.parametrize("provision", ["51", "52", "55", "59"])
def test_parsed_file_equals_what_the_writer_decided_and_passes_the_validator(claims, provision):
    claim = claims[provision]
    text = claim_to_catair(claim=claim, transmission_date=DAY)

    assert parse_catair(text).claims == [build_claim_file(claim=claim, transmission_date=DAY)]
    assert list(validate_claim_file(text)) == []


def test_a_direct_identification_manufacturing_claim_on_the_wire(claims):
    recs = records(claims["51"])
    codes = [code for code, _ in recs]
    header = dict(recs)["10"]
    assert (header["provision"], header["bom_certification"]) == ("51", "X")
    assert codes[codes.index("40") : codes.index("70")] == ["40", "41", "42", "43", "50", "51", "52"]
    imp, article, desc, link = (dict(recs)[c] for c in ("40", "50", "51", "52"))
    assert (imp["action"], imp["manufacture_ruling"], imp["basis_of_claim"], imp["accounting_method"]) == (
        "X",
        "301234",
        "02",
        1,
    )
    assert (article["action"], article["hts"], article["quantity"], article["uom"]) == (
        "E",
        "8516604060",
        400,
        "NO",
    )
    assert article["production_date"] == dt.date(2025, 2, 28)
    assert (desc["mtin"], link["itin_1"]) == (2, 1)
    assert dict(recs)["73"]["mtin_1"] == 2 and "72" not in codes


def test_manufacturing_and_rejected_claims_pass_pre_flight(claims):
    for provision in ("51", "52", "55"):
        errors = [i for i in claim_preflight(claim=claims[provision], on=DAY) if i.is_error]
        assert errors == [], (provision, errors)


def test_a_manufacturing_claim_without_its_lot_is_not_written(claims):
    claim = claims["52"]
    claim.designations.update(manufacture={})
    errors = [i for i in claim_preflight(claim=claim, on=DAY) if i.is_error]
    # The file cannot be written, and nothing else stands for the bill of materials.
    assert {i.rule for i in errors} == {"PF-01", "CFR-190.51-BOM"}
    assert "needs the production lot" in next(i for i in errors if i.rule == "PF-01").message


# ------------------------------------------------------------------------- 42-record Allowable QTY, 1313(b)
def quantities(claim):
    """(HTS, quantity, allowable quantity) of each 41/42 pair of the written file, and the 40's basis."""
    recs = records(claim)
    out = []
    for i, (code, values) in enumerate(recs):
        if code == "42":
            out.append((recs[i - 1][1]["hts"], values["quantity"], values["allowable_quantity"]))
    return out, [values["basis_of_claim"] for code, values in recs if code == "40"]


def roundtrip_ok(claim):
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    assert parse_catair(text).claims == [build_claim_file(claim=claim, transmission_date=DAY)]
    assert list(validate_claim_file(text)) == []


def test_a_1313b_claim_without_waste_or_relative_value_leaves_the_allowable_quantity_blank(claims):
    got, bases = quantities(claims["52"])
    # The bolts: 400 ovens x 2.5 kg used, nothing reduces it.
    assert (got, bases) == ([("7318152095", Decimal("1000"), None)], ["01"])
    line = claim_to_catair(claim=claims["52"], transmission_date=DAY).splitlines()[5]
    assert line.startswith("42") and line[21:37] == " " * 16


def test_a_1313b_claim_with_valuable_waste_files_the_quantity_net_of_waste(client_a, analyst):
    manufacturer(client_a)
    # The plastic housings' import is designated by substitution, so it goes under 1313(b) (52).
    ImportLine.objects.filter(entry__entry_number="M4K41000015", line_number=2).update(
        designation_method="substitution"
    )
    type_choice_save(client=client_a, user=analyst, filing_date=DAY)
    claim = Claim.objects.get(client=client_a, provision="52")

    got, bases = quantities(claim)

    # 400 ovens x 4 kg used = 1,600 kg designated; the 0.4 kg of scrap an oven is worth $0.50/kg against
    # $2.90/kg of resin, so drawback is allowed on 1,600 - 400 x 0.2 / 2.90 = 1,572.41379... kg, cut to
    # 1,572.4137 (rounding half-up would file 1,572.4138, more than the records show).
    assert ("3923900080", Decimal("1600"), Decimal("1572.4137")) in got
    assert ("7318152095", Decimal("1000"), None) in got  # the bolts leave no waste
    assert "02" in bases
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    plastic = next(
        line
        for line in text.splitlines()
        if line.startswith("42") and "KG" in line[18:21] and line[2:18] == "0000000016000000"
    )
    assert plastic[21:37] == "0000000015724137"
    roundtrip_ok(claim)
    # The claim summary shows it under the designated quantity.
    plan = build_filing_plan(claim=claim, transmission_date=DAY)
    pdf = render_claim_summary_pdf(claim=claim, plan=plan, transmission_date=DAY)
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    assert "allowable 1,572.4137 KG" in text.decode()


def test_a_1313b_claim_with_co_products_files_the_relative_value_quantity(client_a, analyst, tmp_path):
    headers, data = rows("bom")
    for row in data:
        row["article_value"] = "300"
    # Each oven comes with two grill racks of $50: the oven carries 300 / 400 of the value at separation.
    extra = {"item_type": "coproduct", "part": "GRILL-RACK", "hts": "", "quantity_per_unit": "2"}
    data.append({**data[0], **extra, "uom": "NO", "unit_value": "50", "appears_in": ""})
    manufacturer(client_a, bom=write(tmp_path / "bom.csv", headers, data))
    type_choice_save(client=client_a, user=analyst, filing_date=DAY)
    claims = {c.provision: c for c in Claim.objects.filter(client=client_a)}

    got, bases = quantities(claims["52"])

    # The bolts: 1,000 kg designated, drawback allowed on the oven's 0.75 of it.
    assert (got, bases) == ([("7318152095", Decimal("1000"), Decimal("750"))], ["03"])
    roundtrip_ok(claims["52"])
    # Under 1313(a) the field stays blank even with waste and relative value ("1313(b) claims only").
    got, bases = quantities(claims["51"])
    assert bases == ["07"] and [allowable for _, _, allowable in got] == [None]
    roundtrip_ok(claims["51"])


def test_the_validator_holds_the_allowable_quantity_to_1313b_and_below_the_quantity(claims):
    text = claim_to_catair(claim=claims["52"], transmission_date=DAY)
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith("42"))

    def with_allowable(digits, basis=None):
        changed = list(lines)
        changed[n] = changed[n][:21] + digits + changed[n][37:]
        if basis:
            changed[n - 2] = changed[n - 2][:36] + basis + changed[n - 2][38:]
        return [(p.rule, p.message) for p in validate_claim_file("\n".join(changed) + "\n")]

    assert with_allowable("0000000009000000") == []  # 900 of 1,000 kg
    assert with_allowable("0000000011000000") == [
        ("PF-06", "allowable quantity 1100.0000 is more than the quantity 1000.0000")
    ]
    assert with_allowable(" " * 16, basis="02") == [
        (
            "PF-06",
            "basis of claim 02 allows drawback on less than the quantity: the allowable quantity (positions "
            "22-37) is required",
        )
    ]
    unused = claim_to_catair(claim=claims["59"], transmission_date=DAY).splitlines()
    m = next(i for i, line in enumerate(unused) if line.startswith("42"))
    unused[m] = unused[m][:21] + "0000000000010000" + unused[m][37:]
    assert [(p.rule, p.message) for p in validate_claim_file("\n".join(unused) + "\n")] == [
        ("PF-06", "the allowable quantity is for 1313(b) claims only, not provision 59")
    ]

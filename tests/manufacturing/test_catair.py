"""Manufacturing and rejected-merchandise claims written to CATAIR: their provisions, the 40-record's action,
ruling and basis, the manufactured articles (50/51/52) and the exports' links (73), parsed back by the
round-trip parser to the same claim data, and passing the file validator and pre-flight."""

import datetime as dt

import pytest

from claims.catair import build_claim_file, claim_to_catair, parse_catair, validate_claim_file
from claims.catair.spec import decode
from claims.manufacturing.services import type_choice_save
from claims.models import Claim, RejectedReturn
from claims.preflight import claim_preflight

from .helpers import manufacturer

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

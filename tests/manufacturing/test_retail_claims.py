"""A retail return claimed from a client's records: saved as provision 56 with the 10-record's Retail Sales
Substitution Indicator (pos 77) `Y` only when another import is designated (1313(c)(2)), blank when the
returned goods' own line is identified; parsed back by the round-trip parser, passing the file validator and
pre-flight, and pre-flight naming what breaks the 1-year window or the same part."""

import datetime as dt
from pathlib import Path

import pytest

from claims.catair import build_claim_file, claim_to_catair, parse_catair, validate_claim_file
from claims.catair.spec import decode
from claims.manufacturing.services import type_choice_save
from claims.models import Claim, RejectedReturn
from claims.preflight import claim_preflight
from imports.models import ImportLine

from .helpers import load_rows, retail_setup

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 1)
HTS = Path(__file__).resolve().parents[1] / "fixtures" / "hts_sample.csv"


def retail_client(client, tmp_path, *, other_duty: str):
    """Countertop ovens, part OV-200: 5 sold at retail from line 1 of the first entry (9.00 duty a unit) came
    back and were exported; the second entry's line (imported within the year before) is the same part, as
    an earlier return of it shows."""
    retail_setup(client)
    files = {
        "imports": (
            "entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty,mpf,country_of_origin,"
            "description",
            [
                "M4K-4100001-5,1,2025-01-10,8516604060,10,NO,3000.00,90.00,,CN,Countertop ovens",
                f"M4K-4100002-3,1,2025-06-01,8516604060,10,NO,4000.00,{other_duty},,CN,Countertop ovens",
            ],
        ),
        "exports": (
            "export_ref,export_date,hts,quantity,uom,value,destination,entry_number,line_number",
            ["X20251120000001,2025-11-20,8516604060,5,NO,2000.00,GB,M4K-4100001-5,1"],
        ),
        "returns": (
            "return_ref,reason,entry_number,line_number,quantity,uom,rejected_on,returned_on,proof,part,unused,"
            "export_ref",
            [
                "RMA-1,retail,M4K-4100001-5,1,5,NO,2025-10-25,2025-11-01,RMA slip 1,OV-200,,X20251120000001",
                "RMA-0,retail,M4K-4100002-3,1,1,NO,2025-07-01,2025-07-10,RMA slip 0,OV-200,,",
            ],
        ),
    }
    load_rows(client, tmp_path, files)


def saved(client, analyst, tmp_path, *, other_duty: str) -> Claim:
    retail_client(client, tmp_path, other_duty=other_duty)
    [claim] = type_choice_save(client=client, user=analyst, filing_date=DAY)
    return claim


def records(claim):
    return [(line, decode(line)) for line in claim_to_catair(claim=claim, transmission_date=DAY).splitlines()]


def test_a_designated_import_is_filed_as_56_with_pos_77_y(client_a, analyst, tmp_path):
    claim = saved(client_a, analyst, tmp_path, other_duty="200.00")

    [designation] = claim.designations.select_related("import_line__entry")
    assert (claim.provision, designation.method) == ("56", "substitution")
    assert (designation.import_line.entry.entry_number, designation.quantity) == ("M4K41000023", 5)
    assert designation.refund == 99
    recs = records(claim)
    raw_header, header = next((raw, rec[1]) for raw, rec in recs if rec[0] == "10")
    assert (header["provision"], raw_header[76]) == ("56", "Y")
    imp = next(rec[1] for _, rec in recs if rec[0] == "40")
    # catair.md 1.5: 56 takes an accounting method 01-08, pos 77 or not: 01, not based on one.
    assert (imp["line_number"], imp["accounting_method"]) == (1, 1)
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    assert parse_catair(text).claims == [build_claim_file(claim=claim, transmission_date=DAY)]
    assert parse_catair(text).claims[0].header.retail_substitution is True
    assert list(validate_claim_file(text)) == []
    assert [i for i in claim_preflight(claim=claim, on=DAY) if i.is_error] == []


def test_the_returned_goods_own_line_is_filed_as_56_with_pos_77_blank(client_a, analyst, tmp_path):
    claim = saved(client_a, analyst, tmp_path, other_duty="50.00")

    [designation] = claim.designations.select_related("import_line__entry")
    assert (claim.provision, designation.method) == ("56", "direct")
    assert designation.import_line.entry.entry_number == "M4K41000015"
    recs = records(claim)
    raw_header = next(raw for raw, rec in recs if rec[0] == "10")
    assert raw_header[76] == " "
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    assert parse_catair(text).claims[0].header.retail_substitution is False
    assert parse_catair(text).claims == [build_claim_file(claim=claim, transmission_date=DAY)]
    assert list(validate_claim_file(text)) == []
    assert [i for i in claim_preflight(claim=claim, on=DAY) if i.is_error] == []


def test_pre_flight_refuses_a_designated_import_of_another_part(client_a, analyst, tmp_path):
    claim = saved(client_a, analyst, tmp_path, other_duty="200.00")
    RejectedReturn.objects.filter(return_ref="RMA-0").update(part="OV-300")

    errors = [i for i in claim_preflight(claim=claim, on=DAY) if i.is_error]

    assert [(i.rule, i.message) for i in errors] == [
        (
            "RET-C2",
            "entry M4K-4100002-3 line 1 for export X20251120000001: return RMA-1: M4K-4100002-3 line 1 is "
            "part OV-300, the returned goods OV-200: not the same (19 U.S.C. 1313(c)(2); 19 CFR 190.2 "
            "(substituted merchandise (2)))",
        )
    ]


def test_pre_flight_refuses_a_designated_import_more_than_a_year_before_the_export(
    client_a, analyst, tmp_path
):
    claim = saved(client_a, analyst, tmp_path, other_duty="200.00")
    ImportLine.objects.filter(entry__entry_number="M4K41000023").update(import_date=dt.date(2024, 11, 19))

    errors = [i for i in claim_preflight(claim=claim, on=DAY) if i.is_error]

    messages = {i.rule: i.message for i in errors}
    assert (
        "more than 1 year before the export 2025-11-20 (the designated import must be from 2024-11-20 on)"
        in (messages["RET-C2"])
    )
    assert "1313(c)(2)" in messages["PF-10-RETAIL"]
    ImportLine.objects.filter(entry__entry_number="M4K41000023").update(import_date=dt.date(2024, 11, 20))
    assert [i for i in claim_preflight(claim=claim, on=DAY) if i.is_error] == []


def test_the_file_validator_refuses_a_retail_substitution_of_another_subheading(client_a, analyst, tmp_path):
    claim = saved(client_a, analyst, tmp_path, other_duty="200.00")
    text = claim_to_catair(claim=claim, transmission_date=DAY)
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("41"))
    lines[i] = lines[i][:2] + "8516500000" + lines[i][12:]

    problems = validate_claim_file("\n".join(lines) + "\n")

    assert [(p.rule, p.record) for p in problems] == [("PF-06", "72")]
    assert (
        "ITIN 00001 is classified 85165000, the returned goods exported under 85166040" in problems[0].message
    )


def test_direct_and_designated_retail_returns_go_on_separate_claims():
    """Pos 77 is one indicator for the whole claim: a 56 claim is direct identification or substitution."""
    from claims.building.split import split_into_claims

    def row(export_id, method, provision="56"):
        return {
            "line_id": export_id,
            "export_id": export_id,
            "export_date": dt.date(2025, 11, 20),
            "export_ref": f"X{export_id}",
            "entry_number": "M4K41000015",
            "line_number": export_id,
            "provision": provision,
            "method": method,
            "disposition": "export",
            "substituted_value_per_unit": None,
        }

    claims = split_into_claims(
        [row(1, "direct"), row(2, "substitution"), row(3, "direct"), row(4, "direct", "55")]
    )

    assert [(p, [r["export_id"] for r in rows]) for p, rows in claims] == [
        ("55", [4]),
        ("56", [1, 3]),
        ("56", [2]),
    ]


def test_the_page_shows_the_designation_and_saves_it_as_a_pos_77_claim(
    client, client_a, analyst, tmp_path, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from claims.models import TypeChoiceRun

    retail_client(client_a, tmp_path, other_duty="200.00")
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("claims:types-run", args=["acme"]), {"filing_date": "2026-12-01"})
    html = client.get(response["Location"]).content.decode()

    assert "Rejected merchandise, another import designated (1313(c)(2))" in html
    assert "Rejected merchandise (1313(c)): the claims would refund $44.55, $54.45 less" in html
    assert "Provision 56 (pos 77 Y)" in html
    run = TypeChoiceRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("claims:types-save", args=["acme"]), {"run": run.pk})
    [claim] = Claim.objects.filter(client=client_a)
    assert [d.method for d in claim.designations.all()] == ["substitution"]
    raw_header = claim_to_catair(claim=claim, transmission_date=DAY).splitlines()[2]
    assert raw_header[:2] == "10" and raw_header[76] == "Y"

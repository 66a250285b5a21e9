"""The product identifier recorded on import lines (the `part` column of the import uploads) in a retail
return's designation of another import (19 U.S.C. 1313(c)(2)): a line no return names is designated when its
recorded part is the returned goods', refused when it differs; the recorded part wins over a return's word
about its line; pre-flight RET-C2 reads it the same way."""

import datetime as dt
from pathlib import Path

import pytest

from claims.manufacturing.data import type_inputs
from claims.manufacturing.services import type_choice_save
from claims.manufacturing.types import choose_types
from claims.preflight import claim_preflight
from imports.models import ImportLine

from .helpers import load_rows, retail_setup

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 1)
HTS = Path(__file__).resolve().parents[1] / "fixtures" / "hts_sample.csv"
RETURNED = "M4K41000015"  # line 1: the returned goods' own line, 18.00 duty a unit
OTHER = "M4K41000023"  # line 1: imported within the year before the export, 20.00 duty a unit
RMA_0 = "RMA-0,retail,M4K-4100002-3,1,1,NO,2025-07-01,2025-07-10,RMA slip 0,{part},,"


def retail_client(client, tmp_path, *, own_part="OV-200", other_part="OV-200", extra_returns=()):
    """5 countertop ovens sold at retail from the first entry came back and were exported; the second entry's
    line, which no return names unless `extra_returns` do, carries its part in the import file."""
    retail_setup(client)
    files = {
        "imports": (
            "entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty,country_of_origin,"
            "description,part_number",
            [
                f"M4K-4100001-5,1,2025-01-10,8516604060,10,NO,3000.00,180.00,CN,Ovens,{own_part}",
                f"M4K-4100002-3,1,2025-06-01,8516604060,10,NO,4000.00,200.00,CN,Ovens,{other_part}",
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
                *extra_returns,
            ],
        ),
    }
    load_rows(client, tmp_path, files)


def chosen(client):
    """(entry number, "substitution" or "direct") of each designation, and the export's choice."""
    inputs = type_inputs(client, DAY)
    result = choose_types(**inputs.kwargs(), alternatives=False)
    lines = [
        (d.line.entry_number, "substitution" if d.designated_import else "direct")
        for d in result.designations
    ]
    return lines, result.choice("X20251120000001")


def test_a_line_no_return_names_is_designated_on_its_recorded_part(client_a, tmp_path):
    retail_client(client_a, tmp_path)

    lines, choice = chosen(client_a)

    assert lines == [(OTHER, "substitution")]
    assert choice.label == "Rejected merchandise, another import designated (1313(c)(2))"
    assert any("same 8-digit 85166040 and part OV-200" in step.text for step in choice.steps)


def test_a_line_recorded_with_another_part_is_not_designated(client_a, tmp_path):
    retail_client(client_a, tmp_path, other_part="OV-300")

    lines, _ = chosen(client_a)

    assert lines == [(RETURNED, "direct")]


def test_a_line_without_a_recorded_part_takes_what_a_return_says(client_a, tmp_path):
    retail_client(client_a, tmp_path, other_part="", extra_returns=[RMA_0.format(part="OV-200")])

    lines, _ = chosen(client_a)

    assert lines == [(OTHER, "substitution")]


def test_the_recorded_part_wins_over_a_returns_word_about_its_line(client_a, tmp_path):
    retail_client(client_a, tmp_path, other_part="OV-300", extra_returns=[RMA_0.format(part="OV-200")])

    lines, _ = chosen(client_a)

    assert lines == [(RETURNED, "direct")]


def test_a_return_contradicted_by_its_own_lines_recorded_part_designates_nothing(client_a, tmp_path):
    retail_client(client_a, tmp_path, own_part="OV-100")

    lines, choice = chosen(client_a)

    assert lines == [(RETURNED, "direct")]
    assert any(
        "return RMA-1 gives part OV-200, but its import line M4K-4100001-5 line 1 is recorded as part OV-100"
        in step.text
        for step in choice.steps
    )


def test_pre_flight_passes_a_designation_on_the_recorded_part_and_names_a_changed_one(
    client_a, analyst, tmp_path
):
    retail_client(client_a, tmp_path)
    [claim] = type_choice_save(client=client_a, user=analyst, filing_date=DAY)
    [designation] = claim.designations.select_related("import_line__entry")
    assert (designation.import_line.entry.entry_number, designation.method) == (OTHER, "substitution")
    assert [i for i in claim_preflight(claim=claim, on=DAY) if i.is_error] == []

    ImportLine.objects.filter(entry__entry_number=OTHER).update(part="OV-300")
    messages = [(i.rule, i.message) for i in claim_preflight(claim=claim, on=DAY) if i.is_error]
    assert len(messages) == 1 and messages[0][0] == "RET-C2"
    assert "M4K-4100002-3 line 1 is part OV-300, the returned goods OV-200: not the same" in messages[0][1]

    ImportLine.objects.filter(entry__entry_number=OTHER).update(part="OV-200")
    ImportLine.objects.filter(entry__entry_number=RETURNED).update(part="OV-100")
    messages = [(i.rule, i.message) for i in claim_preflight(claim=claim, on=DAY) if i.is_error]
    assert len(messages) == 1 and messages[0][0] == "RET-C2"
    assert "is recorded as part OV-100: the line's recorded part stands" in messages[0][1]

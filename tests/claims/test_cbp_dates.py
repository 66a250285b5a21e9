"""Liquidation, protest and CBP request deadlines, checked against the worked cases DBK-028..031."""

import datetime as dt
import json
from pathlib import Path

import pytest

from drawback.lib import dates

CASES = {
    c["id"]: c
    for c in json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "cases.json").read_text())
}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_dbk_028_deemed_liquidation_one_year_after_complete_claim_and_refund_90_days_later():
    case = CASES["DBK-028"]
    claim_date = d(case["inputs"]["complete_claim_date"])
    deemed = dates.deemed_liquidation_date(claim_date, extended=False, suspended=False)
    assert deemed == d(case["expected"]["deemed_liquidation_date"])
    assert dates.refund_due_date(deemed) == d(case["expected"]["refund_due_by"])


def test_dbk_029_no_deemed_liquidation_while_designated_imports_are_not_final():
    case = CASES["DBK-029"]
    claim_date = d(case["inputs"]["complete_claim_date"])
    assert case["expected"]["deemed_liquidated_on_2026-04-07"] is False
    assert dates.deemed_liquidation_date(claim_date, imports_final=False) is None
    # The same claim on final imports would have been deemed liquidated on that day.
    assert dates.deemed_liquidation_date(claim_date) == d("2026-04-07")


def test_dbk_030_extended_liquidation_outer_limit_is_four_years():
    case = CASES["DBK-030"]
    claim_date = d(case["inputs"]["complete_claim_date"])
    assert dates.deemed_liquidation_date(claim_date, extended=True) == d(
        case["expected"]["latest_deemed_liquidation"]
    )


def test_suspended_claim_has_no_deemed_liquidation_date():
    assert dates.deemed_liquidation_date(d("2025-04-07"), extended=True, suspended=True) is None


def test_deemed_liquidation_from_29_february_falls_on_28_february():
    assert dates.deemed_liquidation_date(d("2028-02-29")) == d("2029-02-28")


def test_dbk_031_protest_due_180_days_after_liquidation():
    case = CASES["DBK-031"]
    liquidated = d(case["inputs"]["drawback_liquidation_date"])
    assert dates.protest_deadline(liquidated) == d(case["expected"]["protest_due_by"])


@pytest.mark.parametrize(
    "kind, issued, due",
    [
        ("cf28", "2026-01-15", "2026-02-14"),
        ("cf29", "2026-01-15", "2026-02-04"),
        ("cf28", "2028-02-10", "2028-03-11"),
    ],
)
def test_cbp_request_due_dates(kind, issued, due):
    assert dates.cbp_request_due_date(kind, d(issued)) == d(due)


def test_dbk_046_notice_of_intent_working_days_before_export_and_destruction():
    case = CASES["DBK-046"]
    export_day = d(case["inputs"]["intended_export_date"])
    destruction_day = d(case["inputs"]["intended_destruction_date"])
    assert dates.notice_of_intent_due(export_day) == d(case["expected"]["export_NOI_file_by"])
    assert dates.notice_of_intent_due(destruction_day, destruction=True) == d(
        case["expected"]["destruction_NOI_file_by"]
    )
    assert dates.CBP_NOI_ANSWER_WORKING_DAYS == case["expected"]["cbp_response_window_working_days"]


def test_working_days_skip_weekends_and_given_holidays():
    # Export Tuesday 2025-07-08: five working days back crosses a weekend and Independence Day.
    assert dates.notice_of_intent_due(d("2025-07-08")) == d("2025-07-01")
    assert dates.notice_of_intent_due(d("2025-07-08"), holidays=frozenset({d("2025-07-04")})) == d(
        "2025-06-30"
    )
    assert dates.working_days_after(d("2025-06-06"), 2) == d("2025-06-10")

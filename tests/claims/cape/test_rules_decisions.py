"""CAPE Phase 1 eligibility, every rule, and the path decision for every state, on hand-made entries."""

import datetime as dt
from decimal import Decimal as D

import pytest

from claims.cape.decisions import CAPE, DRAWBACK, LATER, NONE, REFUNDED, CapeState, Money, decide
from claims.cape.rules import EntryFacts, cape_verdict, liquidation_state

TODAY = dt.date(2026, 6, 30)


def facts(**kw) -> EntryFacts:
    base = {"entry_number": "ABC12345678", "entry_type": "01", "ieepa_paid": D("100.00")}
    return EntryFacts(**{**base, **kw})


@pytest.mark.parametrize(
    ("kw", "rule"),
    [
        ({"ieepa_paid": D("0")}, "NO-IEEPA"),
        ({"entry_type": "47"}, "TYPE-47"),
        ({"entry_type": "08"}, "TYPE-08"),
        ({"entry_type": "09"}, "RECONCILIATION"),
        ({"reconciliation": True}, "RECONCILIATION"),
        ({"designated": True}, "DRAWBACK"),
        ({"protest_status": "Open"}, "PROTEST"),
        ({"protest_status": "suspended"}, "PROTEST"),
        ({"surety_paid": True}, "SURETY"),
        ({"entry_type": "03"}, "ADCVD"),
        ({"adcvd": True, "liquidation_status": "Suspended"}, "ADCVD"),
        (
            {"liquidation_status": "Liquidated", "liquidation_date": TODAY - dt.timedelta(days=81)},
            "PAST-80-DAYS",
        ),
        (
            {"liquidation_status": "Final liquidation", "liquidation_date": TODAY - dt.timedelta(days=10)},
            "FINAL",
        ),
        ({"liquidation_status": "Liquidated"}, "NO-LIQUIDATION-DATE"),
    ],
)
def test_each_phase_1_refusal_with_its_reason(kw, rule):
    verdict = cape_verdict(facts(**kw), TODAY)
    assert not verdict.eligible
    assert verdict.rule == rule
    assert verdict.reason


@pytest.mark.parametrize(
    "kw",
    [
        {},  # unliquidated
        {"liquidation_status": "Unliquidated"},
        {"liquidation_status": "Suspended"},
        {"liquidation_status": "Extended"},
        {"liquidation_status": "Under Review"},
        {"liquidation_status": "Liquidated", "liquidation_date": TODAY - dt.timedelta(days=80)},  # day 80: in
        {"liquidation_status": "", "liquidation_date": TODAY - dt.timedelta(days=3)},
        {"protest_status": "closed"},
        {
            "entry_type": "03",
            "liquidation_status": "Liquidated",
            "liquidation_date": TODAY,
        },  # AD/CVD, liquidated
    ],
)
def test_phase_1_takes(kw):
    verdict = cape_verdict(facts(**kw), TODAY)
    assert verdict.eligible, verdict.reason


def test_the_window_closes_on_day_80():
    f = facts(liquidation_status="Liquidated", liquidation_date=dt.date(2026, 4, 1))
    assert f.window_closes() == dt.date(2026, 6, 20)
    assert cape_verdict(f, dt.date(2026, 6, 20)).eligible
    late = cape_verdict(f, dt.date(2026, 6, 21))
    assert not late.eligible and late.closed


def test_liquidation_words():
    assert liquidation_state("", None) == "unliquidated"
    assert liquidation_state("LIQUIDATED", None) == "liquidated"
    assert liquidation_state("Reliquidated", dt.date(2026, 1, 1)) == "liquidated"
    assert liquidation_state("under-review", None) == "under review"


MONEY = Money(ieepa_paid=D("300.00"), ieepa_drawback_eligible=D("100.00"), other_duties=D("500.00"))


def decided(state=None, verdict_kw=None, firm_path=CAPE, money=MONEY):
    verdict = cape_verdict(facts(**(verdict_kw or {})), TODAY)
    return decide(money, verdict, state or CapeState(), firm_path=firm_path)


def test_eligible_entry_goes_to_cape_and_waits():
    d = decided()
    assert (d.path, d.held) == (CAPE, True)
    assert d.ieepa_to_cape == D("300.00") and d.ieepa_to_drawback == 0
    assert d.other_to_drawback == D("500.00")
    assert not d.counts_ieepa
    assert "held from drawback" in d.reason


def test_declared_entry_still_waits():
    d = decided(CapeState(status="declared", declaration="CAPE-acme-001.csv"))
    assert (d.path, d.held) == (CAPE, True)
    assert "CAPE-acme-001.csv" in d.reason


def test_accepted_entry_is_released_with_ieepa_counted_zero():
    d = decided(CapeState(status="accepted", accepted_on=dt.date(2026, 6, 1)))
    assert (d.path, d.held, d.counts_ieepa) == (CAPE, False, False)
    assert d.ieepa_to_cape == D("300.00")
    assert d.other_to_drawback == D("500.00")


def test_refunded_and_reliquidated_entries_count_no_ieepa():
    for state in (
        CapeState(status="refunded", refunded_on=dt.date(2026, 6, 10), refund_amount=D("300.00")),
        CapeState(ieepa_removed=True, reliquidated_on=dt.date(2026, 6, 10)),
    ):
        d = decided(state)
        assert (d.path, d.held, d.counts_ieepa) == (REFUNDED, False, False)
        assert d.ieepa_refunded == D("300.00") and d.ieepa_to_drawback == 0


def test_past_window_goes_to_drawback_where_the_table_allows():
    d = decided(
        verdict_kw={"liquidation_status": "Liquidated", "liquidation_date": TODAY - dt.timedelta(days=120)}
    )
    assert (d.path, d.held, d.counts_ieepa) == (DRAWBACK, False, True)
    assert d.ieepa_to_drawback == D("100.00")  # the eligible part only
    assert d.ieepa_not_recovered == D("200.00")
    assert "80 days" in d.reason


def test_already_on_a_drawback_claim_goes_to_drawback():
    d = decided(verdict_kw={"designated": True})
    assert d.path == DRAWBACK and not d.held


def test_temporary_refusal_keeps_ieepa_out_of_drawback():
    d = decided(verdict_kw={"protest_status": "open"})
    assert (d.path, d.held, d.counts_ieepa) == (LATER, False, False)
    assert d.ieepa_not_recovered == D("300.00")


def test_rejected_entry_may_go_to_drawback_with_cbps_reason():
    d = decided(CapeState(status="rejected", cbp_reason="ENTRY HAS OPEN PROTEST"))
    assert d.path == DRAWBACK and not d.held
    assert "ENTRY HAS OPEN PROTEST" in d.reason


def test_analyst_release_is_recorded_in_the_reason():
    d = decided(CapeState(released=True, release_note="alice, 2026-06-30: export deadline"))
    assert (d.path, d.held) == (DRAWBACK, False)
    assert "export deadline" in d.reason


def test_firm_setting_drawback_holds_nothing():
    d = decided(firm_path=DRAWBACK)
    assert (d.path, d.held, d.ieepa_to_drawback) == (DRAWBACK, False, D("100.00"))


def test_no_ieepa_no_decision():
    d = decided(money=Money(D("0"), D("0"), D("50")))
    assert (d.path, d.held) == (NONE, False)

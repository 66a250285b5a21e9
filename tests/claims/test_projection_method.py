"""The projection method on hand-made histories: no history, one payment, a long tail, a claim a CF-29
reduced, a claim half-way through its wait, claims not yet filed, the monthly band, the track record.
Pure: no database."""

import datetime as dt
from decimal import Decimal

from claims.projection.method import (
    DEFAULT_ACCELERATED_DAYS,
    ClaimRecord,
    Item,
    Snapshot,
    Stage,
    Unclaimed,
    add_months,
    monthly,
    next_filing,
    project,
    track_record,
)

TODAY = dt.date(2026, 12, 6)
D = Decimal


def claim(n=1, **fields) -> ClaimRecord:
    values = {
        "claim_id": n,
        "number": f"HDS-{n:07d}-0",
        "office": "1001",
        "office_name": "New York",
        "claimed": D("10000.00"),
        "accelerated_requested": False,
        "created_on": dt.date(2026, 1, 1),
    }
    values.update(fields)
    return ClaimRecord(**values)


def paid_after(n, lag, *, filed=dt.date(2026, 6, 1), office="1001", name="New York", amount="10000.00"):
    """A past claim with accelerated payment `lag` days after filing."""
    return claim(
        100 + n,
        office=office,
        office_name=name,
        filed_on=filed,
        accelerated_requested=True,
        accelerated_paid_on=filed + dt.timedelta(days=lag),
        accelerated_paid=D(amount),
    )


def liquidated(n, *, ratio="1", cf29=False, filed=dt.date(2025, 6, 1), lag=320, refund_lag=30):
    claimed = D("10000.00")
    liq_on = filed + dt.timedelta(days=lag)
    return claim(
        200 + n,
        created_on=filed - dt.timedelta(days=30),
        filed_on=filed,
        claimed=claimed,
        cf29_on=filed + dt.timedelta(days=280) if cf29 else None,
        liquidated_on=liq_on,
        liquidated=claimed * D(ratio),
        settled_on=liq_on + dt.timedelta(days=refund_lag),
        settled=claimed * D(ratio),
    )


def items(projection, kind):
    return [i for i in projection.items if i.kind == kind]


def test_no_history_uses_the_documented_defaults():
    open_ap = claim(1, filed_on=dt.date(2026, 12, 1), accelerated_requested=True)
    open_plain = claim(2, filed_on=dt.date(2026, 12, 1))
    p = project(claims=[open_ap, open_plain], history=[], today=TODAY)
    (ap,) = items(p, "accelerated")
    assert ap.claim_id == 1 and ap.amount == D("10000.00")
    assert ap.on == dt.date(2026, 12, 1) + dt.timedelta(days=DEFAULT_ACCELERATED_DAYS)
    assert "the default" in ap.basis and "fewer than 3 accelerated payments" in ap.basis
    # The accelerated claim liquidates as claimed by default: nothing more at liquidation.
    (refund,) = items(p, "liquidation")
    assert refund.claim_id == 2 and refund.amount == D("10000.00")
    # Deemed liquidation one year after the claim, paid within 90 days (1504(a)(2)(A), 1504(a)(3)).
    assert refund.on == dt.date(2027, 12, 1) + dt.timedelta(days=90)
    assert "deemed liquidation 2027-12-01" in refund.basis
    assert refund.low == refund.high == refund.amount


def test_one_payment_is_not_enough_to_call_it_observed():
    history = [paid_after(1, 37)]
    p = project(
        claims=[claim(1, filed_on=dt.date(2026, 12, 1), accelerated_requested=True)],
        history=history,
        today=TODAY,
    )
    (ap,) = items(p, "accelerated")
    assert ap.on == dt.date(2026, 12, 22)  # the default, not the one payment's 37 days
    assert "fewer than 3 accelerated payments observed" in ap.basis


def test_observed_median_and_range_at_the_office():
    history = [paid_after(i, lag) for i, lag in enumerate([21, 30, 37, 40, 58])]
    p = project(claims=[claim(1, filed_on=TODAY, accelerated_requested=True)], history=history, today=TODAY)
    (ap,) = items(p, "accelerated")
    assert ap.on == TODAY + dt.timedelta(days=37)
    assert (ap.earliest, ap.latest) == (TODAY + dt.timedelta(days=21), TODAY + dt.timedelta(days=58))
    assert ap.basis == (
        f"accelerated payment about {TODAY + dt.timedelta(days=37)}: filed {TODAY} + 37 days, median of 5 "
        "accelerated payments at New York in the last 12 months (range 21-58 days)"
    )


def test_another_office_falls_back_to_every_office_and_old_events_do_not_count():
    history = [paid_after(i, 30, office="2809", name="San Francisco") for i in range(3)]
    history.append(paid_after(9, 90, filed=dt.date(2024, 1, 1)))  # paid long before the 12 months
    p = project(claims=[claim(1, filed_on=TODAY, accelerated_requested=True)], history=history, today=TODAY)
    (ap,) = items(p, "accelerated")
    assert ap.on == TODAY + dt.timedelta(days=30)
    assert "median of 3 accelerated payments at every office" in ap.basis


def test_a_long_tail_widens_the_range_but_not_the_median():
    lags = [20, 21, 22, 23, 24, 25, 200]
    history = [paid_after(i, lag, filed=dt.date(2026, 3, 1)) for i, lag in enumerate(lags)]
    p = project(claims=[claim(1, filed_on=TODAY, accelerated_requested=True)], history=history, today=TODAY)
    (ap,) = items(p, "accelerated")
    assert ap.on == TODAY + dt.timedelta(days=23)
    assert ap.latest == TODAY + dt.timedelta(days=200)
    assert "range 20-200 days" in ap.basis
    # The band: the payment is expected in December/January, but may fall in any month up to June.
    months = {m.month: m for m in p.months}
    assert months[dt.date(2026, 12, 1)].expected == D("10000.00")
    assert months[dt.date(2026, 12, 1)].low == 0  # not sure to fall in December
    for month in (dt.date(2027, 1, 1), dt.date(2027, 3, 1), dt.date(2027, 6, 1)):
        assert months[month].high == D("10000.00")
    assert months[dt.date(2027, 7, 1)].high == 0


def test_a_claim_already_waiting_counts_only_the_longer_lags():
    history = [paid_after(i, lag) for i, lag in enumerate([20, 25, 35, 40, 60])]
    filed = TODAY - dt.timedelta(days=30)
    p = project(claims=[claim(1, filed_on=filed, accelerated_requested=True)], history=history, today=TODAY)
    (ap,) = items(p, "accelerated")
    assert ap.on == filed + dt.timedelta(days=40)
    assert "median of the 3 of 5 accelerated payments" in ap.basis
    assert "longer than the 30 days already passed" in ap.basis


def test_an_overdue_payment_is_expected_now():
    history = [paid_after(i, lag) for i, lag in enumerate([20, 25, 35])]
    filed = TODAY - dt.timedelta(days=100)
    p = project(claims=[claim(1, filed_on=filed, accelerated_requested=True)], history=history, today=TODAY)
    (ap,) = items(p, "accelerated")
    assert ap.on == TODAY and "overdue: 100 days have passed" in ap.basis


def test_a_cf29_that_reduced_claims_lowers_the_expected_liquidation():
    """Three earlier claims were liquidated at 95% after a CF-29, three as claimed. An open claim with a
    CF-29 is expected at 95%; one without at the median of all six, with the 95% as its low end."""
    history = [liquidated(i, ratio="0.95", cf29=True) for i in range(3)]
    history += [liquidated(10 + i, ratio="1") for i in range(3)]
    with_cf29 = claim(1, filed_on=dt.date(2026, 3, 2), cf29_on=dt.date(2026, 11, 20))
    without = claim(2, filed_on=dt.date(2026, 3, 2))
    p = project(claims=[with_cf29, without], history=history, today=TODAY)
    first, second = sorted(items(p, "liquidation"), key=lambda i: i.claim_id)
    assert first.amount == D("9500.00") and "median of 3 claims liquidated after a CF-29" in first.basis
    assert second.amount == D("9750.00") and "median of 6 liquidations" in second.basis
    assert second.low == D("9500.00") and second.high == D("10000.00")
    assert "range 95.0%-100.0%" in second.basis
    # Liquidation 320 days after filing (observed), refund 30 days later (observed).
    assert first.on == dt.date(2026, 3, 2) + dt.timedelta(days=350)


def test_accelerated_payment_then_a_reduced_liquidation_is_a_bill():
    """Accelerated payment paid the claim in full; CBP liquidated it at 95%: the 5% is owed back."""
    record = claim(
        1,
        filed_on=dt.date(2025, 11, 1),
        accelerated_requested=True,
        accelerated_paid_on=dt.date(2025, 11, 25),
        accelerated_paid=D("10000.00"),
        cf29_on=dt.date(2026, 9, 1),
        liquidated_on=dt.date(2026, 11, 20),
        liquidated=D("9500.00"),
    )
    assert record.stage == Stage.LIQUIDATED
    p = project(claims=[record], history=[], today=TODAY)
    (bill,) = items(p, "balance")
    assert bill.amount == D("-500.00") and bill.label == "Bill on liquidation"
    assert bill.on == dt.date(2026, 11, 20) + dt.timedelta(days=90)
    # Settled: nothing more.
    settled = record.__class__(
        **{**record.__dict__, "settled_on": dt.date(2026, 12, 1), "settled": D("-500")}
    )
    assert project(claims=[settled], history=[], today=TODAY).items == []


def test_a_claim_in_review_is_filed_after_the_observed_review_time():
    history = [
        claim(
            300 + i,
            created_on=dt.date(2026, 9, 1),
            review_started_on=dt.date(2026, 10, 1),
            filed_on=dt.date(2026, 10, 1) + dt.timedelta(days=lag),
        )
        for i, lag in enumerate([10, 12, 20])
    ]
    record = claim(1, review_started_on=dt.date(2026, 12, 1), accelerated_requested=True)
    assert record.stage == Stage.REVIEW
    p = project(claims=[record], history=history, today=TODAY)
    (ap,) = items(p, "accelerated")
    # Five days in review already: the lags longer than that are 10, 12, 20 -> median 12 -> filed 2026-12-13.
    assert "filing about 2026-12-13 (in review since 2026-12-01 + 12 days" in ap.basis
    assert ap.on == dt.date(2026, 12, 13) + dt.timedelta(days=DEFAULT_ACCELERATED_DAYS)


def test_exports_not_yet_claimed_follow_the_clients_cadence():
    filings = [dt.date(2026, 1, 10), dt.date(2026, 4, 10), dt.date(2026, 7, 10), dt.date(2026, 10, 8)]
    on, words = next_filing(filings, TODAY)
    assert on == dt.date(2027, 1, 6)  # the last filing + the median of 90, 91, 90 days
    assert "median of 3 intervals" in words
    p = project(
        claims=[],
        history=[],
        today=TODAY,
        unclaimed=Unclaimed(refund=D("2500.00"), exports=12, as_of=TODAY),
        filings=filings,
        accelerated=True,
    )
    (item,) = items(p, "unclaimed")
    assert item.claim_id is None and item.amount == D("2500.00")
    assert item.on == dt.date(2027, 1, 6) + dt.timedelta(days=DEFAULT_ACCELERATED_DAYS)
    assert item.basis.startswith("exports not yet claimed (12): $2,500.00 the optimizer would claim")


def test_events_after_the_day_are_not_known_as_of_it():
    record = liquidated(1)
    as_of = record.filed_on + dt.timedelta(days=10)
    earlier = record.as_of(as_of)
    assert earlier.stage == Stage.FILED and earlier.liquidated is None and earlier.settled == 0
    assert record.as_of(record.created_on - dt.timedelta(days=1)) is None


def test_the_monthly_band_holds_the_expected_amount():
    sure = Item(
        "a",
        "A",
        1,
        "1",
        dt.date(2027, 1, 10),
        dt.date(2027, 1, 2),
        dt.date(2027, 1, 30),
        D("100"),
        D("90"),
        D("110"),
        "",
    )
    spread = Item(
        "b",
        "B",
        2,
        "2",
        dt.date(2027, 2, 10),
        dt.date(2027, 1, 2),
        dt.date(2027, 3, 30),
        D("50"),
        D("50"),
        D("50"),
        "",
    )
    bill = Item(
        "c",
        "C",
        3,
        "3",
        dt.date(2027, 2, 1),
        dt.date(2027, 2, 1),
        dt.date(2027, 2, 1),
        D("-20"),
        D("-20"),
        D("-20"),
        "",
    )
    late = Item(
        "d",
        "D",
        4,
        "4",
        dt.date(2030, 1, 1),
        dt.date(2030, 1, 1),
        dt.date(2030, 1, 1),
        D("7"),
        D("7"),
        D("7"),
        "",
    )
    months, later = monthly([sure, spread, bill, late], TODAY, 4)
    by = {m.month: m for m in months}
    jan, feb = by[dt.date(2027, 1, 1)], by[dt.date(2027, 2, 1)]
    assert (jan.expected, jan.low, jan.high) == (D("100"), D("90"), D("160"))
    assert (feb.expected, feb.low, feb.high) == (D("30"), D("-20"), D("30"))
    assert later == D("7")
    for m in months:
        assert m.low <= m.expected <= m.high


def test_track_record_compares_projected_with_arrived_per_horizon():
    nov, oct_, sep = dt.date(2026, 11, 1), dt.date(2026, 10, 1), dt.date(2026, 9, 1)
    snapshots = [
        Snapshot(dt.date(2026, 11, 1), {nov: D("110")}),  # 1 month ahead for November
        Snapshot(dt.date(2026, 11, 15), {nov: D("999")}),  # not the first of the month: ignored
        Snapshot(dt.date(2026, 10, 1), {oct_: D("80"), nov: D("150")}),  # 2 ahead for November
        Snapshot(dt.date(2026, 9, 1), {sep: D("50")}),
    ]
    actual = {nov: D("100"), oct_: D("100")}  # nothing arrived in September
    record = track_record(snapshots, actual, today=TODAY, months=3, horizons=(1, 2))
    rows = {r.month: r for r in record.rows}
    assert rows[nov].projected == {1: D("110"), 2: D("150")}
    assert rows[oct_].projected == {1: D("80"), 2: D("0")}
    assert rows[sep].projected == {1: D("50"), 2: None}
    one, two = record.accuracy
    # 1 month ahead: November 10 off, October 20 off, September 50 projected and nothing came: 80 missed
    # over the 200 received. 2 months ahead: September has no snapshot; 50 + 100 missed over 200.
    assert (one.months, one.error) == (3, D("40.0"))
    assert (two.months, two.error) == (2, D("75.0"))


def test_add_months_crosses_years():
    assert add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)

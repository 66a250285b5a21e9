"""The projection over stored claims: what each claim's record holds, the client's projection, the monthly
snapshot (once a day, as known that day), the track record against money received, and the engine's
estimate of exports not yet claimed."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from claims.cbp.models import CbpRequest, Liquidation, Payment
from claims.models import Claim, ClaimTransition, ProjectionSnapshot
from claims.projection import selectors, services
from claims.projection.history import claim_records
from tests.claims.build_data import client_lines
from tests.claims.filing_builders import grant_accelerated_payment
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


def filed_claim(client, *, filed, amount="10000.00", accelerated=False, status=Claim.Status.ACCEPTED, **kw):
    claim = ClaimFactory(client=client, accelerated_payment=accelerated, status=status, **kw)
    Claim.objects.filter(pk=claim.pk).update(
        filed_on=filed, created_at=dt.datetime.combine(filed - dt.timedelta(days=20), dt.time(9), dt.UTC)
    )
    claim.class_totals.create(accounting_class="364", claim_amount=D(amount), calculated_amount=D(amount))
    claim.refresh_from_db()
    return claim


def pay(claim, kind, day, amount):
    Payment.objects.create(claim=claim, kind=kind, paid_on=day, total=D(amount), amounts={"364": amount})


@time_machine.travel(NOW)
def test_a_claims_record_holds_its_dates_and_money(client_a, analyst):
    claim = filed_claim(client_a, filed=dt.date(2025, 9, 1), accelerated=True, status=Claim.Status.LIQUIDATED)
    ClaimTransition.objects.create(claim=claim, from_status="validated", to_status="first_review", by=analyst)
    pay(claim, "accelerated", dt.date(2025, 9, 25), "10000.00")
    CbpRequest.objects.create(
        claim=claim, kind="cf29", issued_on=dt.date(2026, 6, 1), due_on=dt.date(2026, 6, 21)
    )
    Liquidation.objects.create(claim=claim, liquidated_on=dt.date(2026, 8, 1), total=D("9500.00"))
    pay(claim, "bill", dt.date(2026, 9, 1), "500.00")
    ClaimFactory(client=client_a, status=Claim.Status.WITHDRAWN)  # brings nothing: not read
    (record,) = claim_records(claims=Claim.objects.filter(client=client_a))
    assert (record.claimed, record.accelerated_paid, record.accelerated_paid_on) == (
        D("10000.00"),
        D("10000.00"),
        dt.date(2025, 9, 25),
    )
    assert (record.cf29_on, record.liquidated_on, record.liquidated) == (
        dt.date(2026, 6, 1),
        dt.date(2026, 8, 1),
        D("9500.00"),
    )
    assert (record.settled, record.settled_on) == (D("-500.00"), dt.date(2026, 9, 1))
    assert record.review_started_on == dt.date(2026, 12, 6) and record.office_name == "New York"
    assert record.stage == "settled"


@time_machine.travel(NOW)
def test_the_clients_projection_uses_the_firms_history(client_a, client_b):
    """Three of client_b's claims were paid 30 days after filing: client_a's pending claim is expected
    30 days after its own filing, on the firm's history."""
    for i in range(3):
        paid = filed_claim(client_b, filed=dt.date(2026, 6, 1) + dt.timedelta(days=i), accelerated=True)
        pay(paid, "accelerated", paid.filed_on + dt.timedelta(days=30), "10000.00")
    grant_accelerated_payment(client_a)
    waiting = filed_claim(client_a, filed=dt.date(2026, 12, 1), accelerated=True)
    projection = selectors.client_projection(client=client_a)
    (item,) = [i for i in projection.items if i.kind == "accelerated"]
    assert item.claim_id == waiting.pk and item.on == dt.date(2026, 12, 31)
    assert "median of 3 accelerated payments at New York" in item.basis
    assert projection.months[0].month == dt.date(2026, 12, 1) and projection.months[0].expected == D(
        "10000.00"
    )


@time_machine.travel(NOW)
def test_a_snapshot_is_kept_once_a_day_and_a_past_one_knows_only_the_past(client_a):
    claim = filed_claim(client_a, filed=dt.date(2026, 10, 1), status=Claim.Status.LIQUIDATED)
    Liquidation.objects.create(claim=claim, liquidated_on=dt.date(2026, 11, 20), total=D("10000.00"))
    today, created = services.projection_snapshot_take(client=client_a)
    again, created_again = services.projection_snapshot_take(client=client_a)
    assert created and not created_again and again.pk == today.pk
    assert [i["kind"] for i in today.items] == ["balance"]  # liquidated, the refund still to come
    past, _ = services.projection_snapshot_take(client=client_a, on=dt.date(2026, 11, 1))
    # On 1 November the claim was filed and not liquidated: a refund on liquidation was projected.
    assert [i["kind"] for i in past.items] == ["liquidation"]
    assert ProjectionSnapshot.objects.filter(client=client_a).count() == 2
    assert services.projection_snapshots_take() == 0  # client_a has today's already; nobody else is active
    assert past.months[0]["month"] == "2026-11-01"


@time_machine.travel(NOW)
def test_track_record_sets_snapshots_against_money_received(client_a, client_b):
    ProjectionSnapshot.objects.create(
        client=client_a,
        taken_on=dt.date(2026, 11, 1),
        months=[{"month": "2026-11-01", "expected": "800", "low": "0", "high": "900"}],
        expected_total=D("800"),
        method_version="1",
    )
    ProjectionSnapshot.objects.create(
        client=client_b,
        taken_on=dt.date(2026, 11, 2),
        months=[{"month": "2026-11-01", "expected": "300", "low": "0", "high": "300"}],
        expected_total=D("300"),
        method_version="1",
    )
    a = filed_claim(client_a, filed=dt.date(2026, 10, 1))
    b = filed_claim(client_b, filed=dt.date(2026, 10, 1))
    pay(a, "accelerated", dt.date(2026, 11, 10), "1000.00")
    pay(b, "liquidation_refund", dt.date(2026, 11, 20), "400.00")
    pay(b, "bill", dt.date(2026, 11, 21), "150.00")
    pay(a, "accelerated", dt.date(2026, 12, 2), "999.00")  # this month: not complete, not compared
    from drawback.accounts.models import Client

    one = selectors.track_record(clients=Client.objects.filter(pk=client_a.pk), months=2)
    november = one.rows[-1]
    assert (november.month, november.actual, november.projected[1]) == (
        dt.date(2026, 11, 1),
        D("1000.00"),
        D("800"),
    )
    assert one.accuracy[0].error == D("20.0")
    both = selectors.track_record(clients=Client.objects.all(), months=2)
    assert (both.rows[-1].actual, both.rows[-1].projected[1]) == (D("1250.00"), D("1100"))


@time_machine.travel(NOW)
def test_the_estimate_runs_the_optimizer_on_exports_not_yet_claimed(client_a):
    """build_data's client: the optimum over its four exports claims $1,909.39 (see its docstring)."""
    client_lines(client_a)
    estimate = services.client_estimate_refresh(client=client_a)
    assert estimate.error == ""
    assert (estimate.unclaimed_refund, estimate.unclaimed_exports) == (D("1909.39"), 4)
    assert estimate.as_of == dt.date(2026, 12, 6) and [b["days"] for b in estimate.at_risk] == [30, 90, 180]
    projection = selectors.client_projection(client=client_a)
    (item,) = projection.items
    assert item.kind == "unclaimed" and item.amount == D("1909.39")
    assert item.basis.startswith("exports not yet claimed (4): $1,909.39")

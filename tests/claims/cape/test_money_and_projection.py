"""The 80-day window in money at risk (client's and firm-wide), IEEPA refunds received and expected on the
dashboard, and their projection from observed CAPE lags."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from claims.building.money_at_risk import money_at_risk
from claims.cape.models import CapeEntry
from claims.cape.projection import DEFAULT_CAPE_DAYS, Pending, observed_lags, project_cape
from claims.cape.selectors import cape_windows
from dashboards.figures import firm_money_at_risk, other_refunds

from .cape_data import ieepa_entry

TODAY = dt.date(2026, 7, 1)


def test_default_lag_until_enough_refunds_are_observed():
    p = project_cape([Pending("B76-1", D("100.00"), dt.date(2026, 6, 1))], [40, 50], TODAY)
    (item,) = p.items
    assert item.on == dt.date(2026, 6, 1) + dt.timedelta(days=DEFAULT_CAPE_DAYS)
    assert "default" in item.basis and "60 to 90 days" in item.basis
    assert p.expected == D("100.00")


def test_observed_median_lag_once_three_refunds_are_seen():
    p = project_cape([Pending("B76-1", D("100.00"), dt.date(2026, 6, 1))], [40, 50, 70], TODAY)
    (item,) = p.items
    assert item.on == dt.date(2026, 7, 21)  # 50 days
    assert (item.earliest, item.latest) == (dt.date(2026, 7, 11), dt.date(2026, 8, 10))
    assert "median of 3 CAPE refunds" in item.basis


def test_part_of_the_lag_passed_uses_the_longer_lags_only():
    p = project_cape([Pending("B76-1", D("1"), dt.date(2026, 5, 1))], [40, 50, 70], TODAY)  # 61 days passed
    assert p.items[0].on == dt.date(2026, 5, 1) + dt.timedelta(days=70)


def test_an_entry_still_to_declare_starts_today():
    p = project_cape([Pending("B76-1", D("5"), None)], [], TODAY)
    assert p.items[0].on == TODAY + dt.timedelta(days=DEFAULT_CAPE_DAYS)


def test_observed_lags_keep_the_last_12_months():
    refunds = [(dt.date(2026, 4, 1), dt.date(2026, 6, 1)), (dt.date(2025, 1, 1), dt.date(2025, 3, 1))]
    assert observed_lags(refunds, TODAY) == [61]


@pytest.mark.django_db
def test_window_closing_entries_are_money_at_risk(client_a):
    today = timezone.localdate()
    soon = ieepa_entry(
        client_a, liquidation_status="Liquidated", liquidation_date=today - dt.timedelta(days=70)
    )
    ieepa_entry(
        client_a, liquidation_status="Liquidated", liquidation_date=today - dt.timedelta(days=81)
    )  # closed
    ieepa_entry(client_a)  # unliquidated: no window yet
    (w,) = cape_windows(client=client_a, today=today)
    assert (w.entry_id, w.days_left, w.amount) == (soon.pk, 10, D("1000.00"))
    report = money_at_risk(client=client_a, today=today)
    assert report.cape_refund == D("1000.00")
    (row,) = firm_money_at_risk(clients=type(client_a).objects.filter(pk=client_a.pk), today=today)
    assert (row.cape, row.cape_entries, row.cape_first_days) == (D("1000.00"), 1, 10)


@pytest.mark.django_db
def test_dashboard_shows_ieepa_refunds_received_and_expected(client_a):
    today = timezone.localdate()
    assert other_refunds(client=client_a, today=today) == []
    ieepa_entry(client_a)  # CAPE should take it: 1,000 expected
    refunded = ieepa_entry(client_a, ieepa=D("400.00"))
    CapeEntry.objects.create(
        client=client_a,
        entry=refunded,
        status="refunded",
        refund_amount=D("400.00"),
        interest_amount=D("6.50"),
        refunded_on=today,
        accepted_on=today - dt.timedelta(days=60),
    )
    (row,) = other_refunds(client=client_a, today=today)
    assert (row.received, row.expected) == (D("406.50"), D("1000.00"))


@pytest.mark.django_db
def test_dashboard_api_and_workbook_carry_ieepa_refunds(client, client_a, client_user_a):
    import io

    from openpyxl import load_workbook

    ieepa_entry(client_a)
    client.force_login(client_user_a)
    data = client.get(f"/api/v1/clients/{client_a.code}/dashboard/").json()
    assert data["other_refunds"] == [
        {"label": "IEEPA duties refunded through CAPE", "received": "0.00", "expected": "1000.00"}
    ]
    book = load_workbook(io.BytesIO(client.get(f"/clients/{client_a.code}/dashboard.xlsx").content))
    rows = list(book["Other refunds"].iter_rows(values_only=True))
    assert rows[1][0] == "IEEPA duties refunded through CAPE" and float(rows[1][2]) == 1000.0

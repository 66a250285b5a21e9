"""In a real browser: a client user logs in and lands on their dashboard: the pipeline, the money chart
drawn with data, the projection table with a basis on each row, the applications and rulings, and the PDF
downloaded; an analyst sees the firm's portfolio."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from claims.cbp.models import Payment
from claims.models import Claim
from claims.privileges.services import privilege_create, privilege_status_change
from drawback.accounts.models import Privilege
from tests.conftest import PASSWORD
from tests.factories import ClaimFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(client_a, analyst):
    today = timezone.localdate()
    for i, status in enumerate([Claim.Status.ACCEPTED, Claim.Status.ACCELERATED_PAID, Claim.Status.DRAFT]):
        claim = ClaimFactory(client=client_a, status=status, accelerated_payment=True)
        claim.class_totals.create(
            accounting_class="364", claim_amount=Decimal(f"{1000 * (i + 1)}.00"), calculated_amount=0
        )
        if status != Claim.Status.DRAFT:
            Claim.objects.filter(pk=claim.pk).update(filed_on=today - dt.timedelta(days=40 + i))
        if status == Claim.Status.ACCELERATED_PAID:
            Payment.objects.create(
                claim=claim,
                kind="accelerated",
                paid_on=today - dt.timedelta(days=10),
                total=Decimal("2000.00"),
            )
    privilege_create(
        client=client_a,
        by=analyst,
        kind=Privilege.Kind.ACCELERATED_PAYMENT,
        status=Privilege.Status.APPROVED,
        reference="AP-BROWSER-1",
        granted_on=dt.date(2024, 1, 1),
        bond_type="8",
        surety_code="457",
        bond_effective_on=dt.date(2024, 1, 1),
    )
    ruling = privilege_create(
        client=client_a, by=analyst, kind=Privilege.Kind.MANUFACTURING_RULING, reference="H-BROWSER-2"
    )
    privilege_status_change(privilege=ruling, to=Privilege.Status.SUBMITTED, by=analyst, on=today)
    return client_a


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_client_user_reads_the_dashboard_and_downloads_the_pdf(page, live_server, portal, client_user_a):
    log_in(page, live_server, client_user_a)
    page.wait_for_url(f"{live_server.url}/clients/acme/")

    pipeline = page.locator("#pipeline")
    assert pipeline.locator('tr[data-stage="accepted"] td').nth(1).inner_text() == "1"
    assert pipeline.locator('tr[data-stage="accelerated_paid"] td').nth(2).inner_text() == "$2,000.00"
    assert pipeline.locator('#pipeline-chart rect[data-series="stage"]').count() == 7

    # The money chart is drawn with the money received and the money projected, bars of real height.
    chart = page.locator("#money-chart")
    assert chart.is_visible()
    received = chart.locator('rect[data-series="received"]')
    drawn = {
        Decimal(received.nth(i).get_attribute("data-value")): float(received.nth(i).get_attribute("height"))
        for i in range(received.count())
    }
    assert drawn[Decimal("2000")] > 10  # last month's accelerated payment, a bar of real height
    projected = chart.locator('rect[data-series="projected"]')
    assert any(Decimal(projected.nth(i).get_attribute("data-value")) > 0 for i in range(projected.count()))
    assert page.locator("#money-table").is_visible()

    rows = page.locator("#projection-table tbody tr")
    assert rows.count() == 2  # accelerated payment of the accepted claim and of the draft
    for i in range(rows.count()):
        basis = rows.nth(i).locator("td.basis").inner_text()
        assert " about " in basis and ("median of" in basis or "default" in basis or "deemed" in basis)

    applications = page.locator("#applications")
    assert applications.get_by_text("AP-BROWSER-1").is_visible()
    assert applications.get_by_text("H-BROWSER-2").is_visible()
    assert applications.get_by_text("Submitted to CBP").is_visible()

    with page.expect_download() as download_info:
        page.click("#download-pdf")
    download = download_info.value
    assert download.suggested_filename.startswith("dashboard-acme-") and download.suggested_filename.endswith(
        ".pdf"
    )
    with open(download.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"


def test_analyst_sees_the_firm_portfolio(page, live_server, portal, client_b, analyst):
    log_in(page, live_server, analyst)
    page.wait_for_url(f"{live_server.url}/")
    portfolio = page.locator("#portfolio")
    assert portfolio.get_by_role("link", name="Acme Outfitters Inc").is_visible()
    assert portfolio.get_by_role("link", name="Borealis Trading LLC").is_visible()
    acme = portfolio.locator("tr", has_text="Acme Outfitters Inc")
    assert "$2,000.00" in acme.inner_text()  # received this year
    assert page.locator("#queues").is_visible() and page.locator("#firm-track-record").is_visible()
    portfolio.get_by_role("link", name="Money at risk, all clients").click()
    page.wait_for_url(f"{live_server.url}/money-at-risk/")
    assert page.get_by_role("link", name="Acme Outfitters Inc").is_visible()

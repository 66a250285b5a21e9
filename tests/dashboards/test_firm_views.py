"""The firm's views over all its clients: the money-at-risk page reads each client's report kept for its
current data (the cache the client's own page fills) before the nightly figures, and never runs the
optimizer itself; a prospect's workspace is nobody's client, so it is in no list, figure or nightly job."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from claims.building.money_at_risk import money_at_risk_kept
from claims.models import Claim, ClientEstimate, Notification, ProjectionSnapshot
from claims.privileges.services import privilege_warnings_notify
from claims.projection.services import client_estimates_refresh, projection_snapshots_take
from dashboards import figures
from dashboards.digest import digests_send
from drawback.accounts.models import Client
from drawback.accounts.tenancy import clients_for
from imports.models import TariffLine
from tests.claims.filing_builders import grant_accelerated_payment
from tests.claims.test_build_money_at_risk import line
from tests.factories import ClaimFactory, ExportFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 15, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def estimate(client, refund: str, **kw) -> ClientEstimate:
    return ClientEstimate.objects.create(
        client=client,
        as_of=TODAY - dt.timedelta(days=1),
        computed_at=NOW - dt.timedelta(hours=13),
        at_risk=[
            {"days": 30, "from": 0, "lines": 1, "refund": refund},
            {"days": 90, "from": 31, "lines": 0, "refund": "0.00"},
            {"days": 180, "from": 91, "lines": 0, "refund": "0.00"},
        ],
        at_risk_refund=Decimal(refund),
        unclaimed_refund=Decimal("12.00"),
        **kw,
    )


@pytest.fixture
def at_risk(client_a):
    """One line of Acme closing in 13 days that the export brings $99.00 on."""
    TariffLine.objects.create(hts="61091000", description="Of cotton", general_rate="10%")
    line(client_a, "2021-12-10")
    ExportFactory(
        client=client_a, export_ref="X-RISK", export_date=dt.date(2022, 9, 1), value=5000, quantity=25
    )


@pytest.fixture
def workspace(firm):
    """A prospect's workspace of the firm, with contacts, a claim and the nightly figures, flagged active
    so that only `is_workspace` keeps it out."""
    ws = Client.objects.create(
        firm=firm,
        code="prospect-1",
        legal_name="Prospect Workspace Co",
        importer_number="98-7654321",
        contact_emails="someone@prospect.example.com",
        is_workspace=True,
        is_active=True,
    )
    ClaimFactory(client=ws, status=Claim.Status.READY_TO_FILE)
    estimate(ws, "777.00")
    grant_accelerated_payment(ws, bond_amount=Decimal("10.00"), expires_on=TODAY + dt.timedelta(days=30))
    return ws


def page_text(client, user) -> str:
    client.force_login(user)
    response = client.get("/money-at-risk/")
    assert response.status_code == 200
    return response.content.decode()


def test_firm_page_reads_each_clients_current_report_before_the_nightly_figures(
    client, client_a, analyst, at_risk, django_assert_max_num_queries
):
    estimate(client_a, "1.00")
    html = page_text(client, analyst)
    # Nothing computed for the data as it stands: the nightly figures, with their date; no optimizer run.
    assert "$1.00" in html and "nightly figures" in html and "2026-11-25" in html
    assert money_at_risk_kept(client=client_a) is None
    # The client's own page works it out and keeps it: the firm's page then shows that, as of today.
    client.get("/clients/acme/money-at-risk/")
    html = page_text(client, analyst)
    assert "$99.00" in html and "current data" in html and "2026-11-26" in html and "$1.00" not in html
    # A change to the data makes the kept report stale: back to the nightly figures.
    ExportFactory(client=client_a, export_ref="X-MORE", export_date=dt.date(2022, 9, 2), quantity=5)
    assert "$1.00" in page_text(client, analyst)


def test_nightly_estimate_leaves_the_report_for_the_pages(client_a, at_risk):
    client_estimates_refresh(today=TODAY)
    kept = money_at_risk_kept(client=client_a, today=TODAY)
    assert kept is not None and kept.refund == Decimal("99.00")
    assert ClientEstimate.objects.get(client=client_a).at_risk_refund == Decimal("99.00")


def test_a_workspace_is_in_no_firm_list_figure_or_nightly_job(
    client, client_a, analyst, workspace, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    # Acme holds what the workspace holds: the jobs below do reach a client of the firm.
    Client.objects.filter(pk=client_a.pk).update(contact_emails="cfo@acme.example.com")
    client_a.refresh_from_db()
    ClaimFactory(client=client_a, status=Claim.Status.READY_TO_FILE)
    grant_accelerated_payment(
        client_a, bond_amount=Decimal("10.00"), expires_on=TODAY + dt.timedelta(days=30)
    )
    clients = clients_for(analyst)
    assert workspace not in clients and client_a in clients
    # The firm's home: portfolio and work queues; the firm's money at risk.
    client.force_login(analyst)
    home = client.get("/").content.decode()
    assert "Acme Outfitters Inc" in home and "Prospect Workspace Co" not in home
    assert workspace.pk not in {row.client.pk for row in figures.portfolio(clients=clients, today=TODAY)}
    queues = figures.work_queues(user=analyst, today=TODAY)
    assert {c.client_id for c in queues.ready_to_file} == {client_a.pk}
    assert "$777.00" not in page_text(client, analyst)
    assert workspace.pk not in {r.client.pk for r in figures.firm_money_at_risk(clients=clients, today=TODAY)}
    # Nightly and daily jobs: no estimate, snapshot, privilege warning or digest for a workspace.
    projection_snapshots_take(on=TODAY)
    assert not ProjectionSnapshot.objects.filter(client=workspace).exists()
    assert ProjectionSnapshot.objects.filter(client=client_a).exists()
    ClientEstimate.objects.filter(client=workspace).delete()
    client_estimates_refresh(today=TODAY)
    assert not ClientEstimate.objects.filter(client=workspace).exists()
    assert ClientEstimate.objects.filter(client=client_a).exists()
    privilege_warnings_notify(today=TODAY)
    digests_send(today=dt.date(2026, 12, 1))
    assert Notification.objects.filter(client=client_a, event="privilege_expiry").exists()
    assert Notification.objects.filter(client=client_a, event="digest").exists()
    assert not Notification.objects.filter(client=workspace).exists()
    assert not [m for m in mail.outbox if "someone@prospect.example.com" in m.to]

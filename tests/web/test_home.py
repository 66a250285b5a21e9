"""The firm's client list with data health, and a client's overview page."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from claims.models import Finding
from imports.models import Upload
from tests.factories import ExportFactory, ImportEntryFactory, ImportLineFactory


def row_for(response, code):
    return next(r for r in response.context["rows"] if r.client.code == code)


@time_machine.travel(dt.date(2029, 1, 10))
def test_client_list_counts_data_and_findings_per_client(data, client, analyst):
    ExportFactory(client=data.a.client)
    Finding.objects.create(
        client=data.a.client, rule="R-W", severity="warning", message="w", fingerprint="w1"
    )
    Finding.objects.create(
        client=data.a.client,
        rule="R-E",
        severity="error",
        message="done",
        fingerprint="e2",
        status="resolved",
    )
    client.force_login(analyst)
    response = client.get("/")
    a, b = row_for(response, "acme"), row_for(response, "borealis")
    assert (a.entries, a.lines, a.exports, a.documents) == (1, 2, 2, 1)
    assert (a.open_errors, a.open_warnings) == (1, 1)  # the resolved one is not open
    assert (b.entries, b.lines, b.exports, b.open_errors, b.open_warnings) == (1, 2, 1, 1, 0)


def test_last_upload_and_its_status(data, client, analyst):
    Upload.objects.create(
        client=data.a.client, kind="es003", original_name="old.csv", sha256="1", status="loaded"
    )
    Upload.objects.create(
        client=data.a.client, kind="es003", original_name="new.csv", sha256="2", status="rejected"
    )
    client.force_login(analyst)
    response = client.get("/")
    assert row_for(response, "acme").last_upload.original_name == "new.csv"
    assert row_for(response, "borealis").last_upload is None
    html = response.content.decode()
    assert "new.csv" in html and "Rejected: nothing stored" in html and "old.csv" not in html


@time_machine.travel(dt.datetime(2029, 1, 10, 12, tzinfo=dt.UTC))
def test_lines_expiring_within_90_days_of_their_last_export_day(client_a, client, analyst):
    """Today 2029-01-10; strict window: last export day = 5th anniversary - 1 (product decision 1)."""
    counted = {
        dt.date(2024, 1, 10): False,  # last export day 2029-01-09: already passed
        dt.date(2024, 1, 11): True,  # last export day today
        dt.date(2024, 4, 10): True,  # 2029-04-09: today + 89 days
        dt.date(2024, 4, 11): True,  # 2029-04-10: today + 90 days
        dt.date(2024, 4, 12): False,  # 2029-04-11: 91 days away
    }
    for day in counted:
        ImportLineFactory(entry=ImportEntryFactory(client=client_a, import_date=day), line_number=1)
    # A line with nothing left to designate is not at risk.
    entry = ImportEntryFactory(client=client_a, import_date=dt.date(2024, 3, 1))
    ImportLineFactory(entry=entry, line_number=1, quantity_available=Decimal(0))
    client.force_login(analyst)
    row = row_for(client.get("/"), "acme")
    assert row.expiring_lines == sum(counted.values()) == 3
    assert (row.expiring_from, row.expiring_to) == (dt.date(2024, 1, 11), dt.date(2024, 4, 11))


@time_machine.travel(dt.datetime(2029, 1, 10, 12, tzinfo=dt.UTC))
def test_inclusive_window_moves_the_expiry_by_a_day(client_a, client, analyst):
    client_a.firm.export_window = "inclusive"
    client_a.firm.save()
    entry = ImportEntryFactory(client=client_a, import_date=dt.date(2024, 1, 10))  # last day 2029-01-10
    ImportLineFactory(entry=entry, line_number=1)
    client.force_login(analyst)
    assert row_for(client.get("/"), "acme").expiring_lines == 1


def test_client_list_query_count_does_not_grow_with_clients(
    firm, client, analyst, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ClientFactory

    client.force_login(analyst)
    first = ClientFactory(firm=firm)
    Upload.objects.create(client=first, kind="es003", original_name="f.csv", sha256="x")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for _ in range(6):
        c = ClientFactory(firm=firm)
        ImportLineFactory(entry__client=c)
        Upload.objects.create(client=c, kind="es003", original_name="f.csv", sha256="x")
    with CaptureQueriesContext(connection) as seven:
        client.get("/")
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_expiring_link_opens_the_filtered_lines(data, client, analyst):
    client.force_login(analyst)
    html = client.get("/clients/acme/").content.decode()
    assert "available=true" in html and "imported_from=" in html


@pytest.mark.parametrize("tab", ["Overview", "Import lines", "Exports", "Documents"])
def test_client_pages_show_the_clients_tabs(data, client, analyst, tab):
    client.force_login(analyst)
    html = client.get("/clients/acme/exports/").content.decode()
    assert f">{tab}</a>" in html
    assert 'aria-current="page">Exports' in html


def test_client_user_sees_no_firm_navigation(data, client, client_user_a):
    client.force_login(client_user_a)
    html = client.get("/clients/acme/").content.decode()
    assert ">Clients</a>" not in html and ">Admin</a>" not in html
    assert "Acme Outfitters Inc" in html

"""The CAPE page: analysts see what CAPE should take and act; client users read the same page; the API."""

import csv
import io

import pytest
from django.urls import reverse

from claims.cape.models import CapeDeclaration, CapeEntry

from .cape_data import ieepa_entry

pytestmark = pytest.mark.django_db


def test_analyst_writes_downloads_and_records_a_declaration(client, client_a, analyst):
    entry = ieepa_entry(client_a)
    client.force_login(analyst)
    page = client.get(reverse("cape:page", args=[client_a.code])).content.decode()
    assert entry.display_number in page and "held from drawback" in page and 'id="cape-write"' in page
    response = client.post(reverse("cape:declarations-create", args=[client_a.code]), follow=True)
    assert "1 entries declared on CAPE-acme-001.csv" in response.content.decode()
    declaration = CapeDeclaration.objects.get()
    download = client.get(reverse("cape:declaration-download", args=[client_a.code, declaration.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="CAPE-acme-001.csv"'
    assert list(csv.reader(io.StringIO(download.content.decode()))) == [
        ["Entry Number"],
        [entry.entry_number],
    ]
    client.post(
        reverse("cape:declaration-action", args=[client_a.code, declaration.pk]),
        {"action": "submitted", "submitted_on": "2026-11-02", "ace_reference": "CAPE-1"},
    )
    declaration.refresh_from_db()
    assert (str(declaration.submitted_on), declaration.ace_reference) == ("2026-11-02", "CAPE-1")


def test_release_needs_a_reason_and_is_shown(client, client_a, analyst):
    entry = ieepa_entry(client_a)
    client.force_login(analyst)
    url = reverse("cape:entry-action", args=[client_a.code, entry.pk])
    response = client.post(url, {"action": "release", "reason": ""}, follow=True)
    assert "say why" in response.content.decode()
    client.post(url, {"action": "release", "reason": "counsel decided"})
    assert CapeEntry.objects.get(entry=entry).release_reason == "counsel decided"
    page = client.get(reverse("cape:page", args=[client_a.code])).content.decode()
    assert "counsel decided" in page


def test_client_user_reads_without_actions(client, client_a, client_user_a):
    entry = ieepa_entry(client_a)
    client.force_login(client_user_a)
    page = client.get(reverse("cape:page", args=[client_a.code])).content.decode()
    assert entry.display_number in page
    assert 'id="cape-write"' not in page and 'name="action"' not in page and 'id="cape-upload"' not in page
    assert client.post(reverse("cape:declarations-create", args=[client_a.code])).status_code == 404
    assert not CapeDeclaration.objects.exists()


def test_api_lists_each_entry_with_its_path(client, client_a, client_user_a):
    entry = ieepa_entry(client_a)
    client.force_login(client_user_a)
    (row,) = client.get(f"/api/v1/clients/{client_a.code}/cape/entries/").json()
    assert row["entry_number"] == entry.entry_number
    assert (row["path"], row["held_from_drawback"], row["status"]) == ("cape", True, "not_declared")
    assert (row["ieepa_paid"], row["ieepa_to_cape"], row["ieepa_to_drawback"]) == (
        "1000.00",
        "1000.00",
        "0.00",
    )

"""`designate_types` and the type choice page: the choice per export, its explanation and the alternative it
beat, for firm staff only."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from claims.models import Designation
from imports.models import ImportLine

from .helpers import manufacturer

pytestmark = pytest.mark.django_db


def test_designate_types_writes_the_designations_and_the_choices(client_a, tmp_path):
    manufacturer(client_a)
    out, choices = tmp_path / "types.csv", tmp_path / "choices.csv"
    stdout = StringIO()
    before = list(ImportLine.objects.values_list("quantity_available", flat=True))

    call_command(
        "designate_types",
        "--client",
        "acme",
        "--filing-date",
        "2026-12-01",
        "--out",
        str(out),
        "--choices",
        str(choices),
        stdout=stdout,
    )

    summary = json.loads(stdout.getvalue().splitlines()[-1])
    assert (summary["refund"], summary["exports"], summary["rows"]) == ("1357.60", 3, 4)
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["export_ref"], r["type"], r["provision"]) for r in rows} == {
        ("X20250310000401", "manufacturing", "51"),
        ("X20250310000401", "manufacturing", "52"),
        ("X20250915000302", "unused", "59"),
        ("X20251120000020", "unused", "58"),
    }
    plastic = next(r for r in rows if r["provision"] == "51")
    assert (plastic["entry_number"], plastic["lot"], plastic["basis"], plastic["quantity"]) == (
        "M4K-4100001-5",
        "LOT-2401",
        "02",
        "1572.4137",
    )
    with open(choices, newline="") as handle:
        made = {r["export_ref"]: r for r in csv.DictReader(handle)}
    assert made["X20250310000401"]["alternative"] == "unused"
    assert made["X20250310000401"]["choice_earns"] == "82.05"
    assert made["X20251120000020"]["alternative"] == "rejected"
    assert "X20250310000401: manufacturing 372.75; beat unused by 82.05" in stdout.getvalue()
    # Nothing stored changes.
    assert list(ImportLine.objects.values_list("quantity_available", flat=True)) == before
    assert not Designation.objects.exists()


def test_designate_types_refuses_an_unknown_client_or_date(client_a, tmp_path):
    with pytest.raises(CommandError, match="no client"):
        call_command(
            "designate_types", "--client", "zz", "--filing-date", "2026-12-01", "--out", str(tmp_path / "x")
        )
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command(
            "designate_types", "--client", "acme", "--filing-date", "12/01/2026", "--out", str(tmp_path / "x")
        )


def test_the_type_choice_page_shows_the_choice_and_the_alternative(client, client_a, analyst):
    manufacturer(client_a)
    client.force_login(analyst)

    page = client.get(reverse("claims:types", args=["acme"]), {"filing_date": "2026-12-01"})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-export="X20250310000401" data-type="manufacturing"' in html
    assert "Unused merchandise (1313(j)): the claims would refund $1,275.55, $82.05 less" in html
    assert "ruling H301234 in force from 2024-01-01" in html
    assert 'data-export="X20251120000020" data-type="unused"' in html
    assert "$1,357.60" in html
    build = client.get(reverse("claims:build", args=["acme"])).content.decode()
    assert reverse("claims:types", args=["acme"]) in build


def test_a_bad_filing_date_says_so_and_uses_today(client, client_a, analyst):
    client.force_login(analyst)
    page = client.get(reverse("claims:types", args=["acme"]), {"filing_date": "soon"})
    assert page.status_code == 200 and "must be a date YYYY-MM-DD" in page.content.decode()


def test_client_users_do_not_see_the_type_choice(client, client_a, client_user_a):
    client.force_login(client_user_a)
    assert client.get(reverse("claims:types", args=["acme"])).status_code == 404

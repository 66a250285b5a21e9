"""`manage.py seed_demo`: realistic data through the real pipeline, one user per role, and repeatable."""

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.models import Claim, ClientEstimate, Finding, Payment, ProjectionSnapshot
from drawback.accounts.models import Client, Privilege, User
from exports.models import Export
from imports.models import Document, ImportLine, LineCh99Duty, Upload


def counts():
    return (
        Client.objects.count(),
        ImportLine.objects.count(),
        LineCh99Duty.objects.count(),
        Export.objects.count(),
        Document.objects.count(),
        User.objects.count(),
        Upload.objects.count(),
        Claim.objects.count(),
        Payment.objects.count(),
        Privilege.objects.count(),
        ProjectionSnapshot.objects.count(),
    )


@pytest.mark.django_db
def test_demo_loads_realistic_data_once(settings, tmp_path):
    settings.CBP_GATEWAY = "sandbox"
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    settings.CATAIR_PASSWORD = ""  # a bare seed_demo files with the demo's own ABI password
    call_command("seed_demo", "--address", "http://127.0.0.1:8010", stdout=out)
    first = counts()
    clients, lines, ch99, exports, documents, users, uploads, claims, *_ = first
    assert clients == 3 and lines >= 3000 and ch99 >= 1000 and 300 <= exports <= 1000 and documents > 500
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    assert all(u.client_id for u in User.objects.filter(role="client_user"))
    assert "password: demo-analyst-2026" in out.getvalue()
    assert "log in at http://127.0.0.1:8010/login/" in out.getvalue()
    # ES-003 lines carry their merchandise description: a product is found by its name.
    assert ImportLine.objects.filter(client__code="acme", description__icontains="T-shirts").count() > 100
    assert not ImportLine.objects.filter(description="").exists()
    # Data went through ingestion: every upload loaded cleanly, and the assessment found what it should.
    assert set(Upload.objects.values_list("status", flat=True)) == {"loaded"}
    assert Finding.objects.filter(rule="R-FIVE-YEAR").exists()
    assert Finding.objects.filter(rule="R-CH99-EXCLUDED").exists()
    # An optimizer run saved as drafts, and one claim reviewed twice and filed with the sandbox CBP.
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert Claim.Status.FILED in statuses and Claim.Status.DRAFT in statuses
    filed = Claim.objects.get(status=Claim.Status.FILED)
    assert filed.transitions.filter(to_status=Claim.Status.SECOND_REVIEW).exists()
    assert filed.documents.count() == 3  # the filing package
    # The portal's history: claims filed, paid, liquidated and closed over two years and more, CBP
    # requests, privileges in several states, a snapshot of each past month, the optimizer's estimates.
    history = Claim.objects.filter(notes__startswith="Demo history")
    assert min(history.values_list("filed_on", flat=True)) < timezone.localdate() - dt.timedelta(days=2 * 365)
    assert {Claim.Status.CLOSED, Claim.Status.LIQUIDATED, Claim.Status.ACCELERATED_PAID} <= set(
        history.values_list("status", flat=True)
    )
    assert {"accelerated", "liquidation_refund", "bill"} <= set(
        Payment.objects.values_list("kind", flat=True)
    )
    assert {"cf28", "cf29"} <= set(history.values_list("cbp_requests__kind", flat=True))
    assert {"approved", "submitted", "under_review", "denied", "withdrawn", "expired"} <= set(
        Privilege.objects.values_list("status", flat=True)
    )
    assert ProjectionSnapshot.objects.filter(client__code="acme").count() == 25
    assert ClientEstimate.objects.filter(error="").count() == 2
    # The client holding accelerated payment has its claims ask for it; the other's do not.
    assert history.filter(client__code="acme", accelerated_payment=True).exists()
    assert not Claim.objects.filter(client__code="borealis", accelerated_payment=True).exists()
    # The manufacturer: its exported ovens carry manufacturing drawback where that pays more.
    from claims.manufacturing.data import type_inputs
    from claims.manufacturing.types import DESIGNATED, Kind, choose_types

    keystone = Client.objects.get(code="keystone")
    assert keystone.bills_of_materials.count() == 1 and keystone.production_lots.count() == 2
    result = choose_types(**type_inputs(keystone, dt.date(2026, 12, 1)).kwargs(), alternatives=True)
    assert result.choice("X20250310000401").chosen == Kind.MANUFACTURING
    # Ovens sold at retail and returned: a later import of the same part pays more than their own line.
    retail = result.choice("X20260210000031")
    assert retail.chosen == Kind.REJECTED and retail.option == DESIGNATED
    assert retail.alternative == Kind.REJECTED and retail.alternative_option == ""
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert counts() == first
    assert "already loaded" in again.getvalue()


def test_make_run_serves_and_prints_the_port_asked():
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(["make", "-n", "run", "PORT=8010"], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "seed_demo --address http://127.0.0.1:8010" in out.stdout
    assert "runserver 127.0.0.1:8010" in out.stdout

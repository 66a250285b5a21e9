"""Findings pages and API: what each role sees and may do, and the tenant boundary (404, never data)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Finding
from tests.claims.risk_data import assess, entry_with_papers, only
from tests.factories import ExportFactory, FirmFactory, ImportLineFactory, UserFactory


@pytest.fixture
def two_clients(risk_clean, client_b, risk_media):
    """Acme has a warning (export without proof) and an error (check digit); Borealis has a warning."""
    ExportFactory(client=risk_clean.client, export_ref="ACME-BARE", export_date=dt.date(2025, 7, 1))
    entry = entry_with_papers(risk_clean.client, entry_number="B7603245279")
    ImportLineFactory(entry=entry, duty=Decimal("165.00"), entered_value=Decimal("1000.00"))
    ExportFactory(client=client_b, export_ref="BOREALIS-BARE")
    for client in (risk_clean.client, client_b):
        assess(client, today=dt.date(2026, 6, 1))
    return risk_clean.client, client_b


def page_url(client) -> str:
    return reverse("findings:finding-list", args=[client.code])


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_analyst_sees_summary_findings_and_acknowledge_forms(client, analyst, two_clients):
    acme, _ = two_clients
    client.force_login(analyst)
    response = client.get(page_url(acme))
    html = response.content.decode()
    assert response.status_code == 200
    assert "ACME-BARE" in html and "BOREALIS-BARE" not in html
    assert 'id="risk-summary"' in html and "Re-assess now" in html
    warning = only(acme, "R-EXPORT-DOCS")
    error = only(acme, "R-CHECK-DIGIT")
    assert reverse("findings:finding-acknowledge", args=[acme.code, warning.pk]) in html
    assert 'class="acknowledge"' in html
    assert reverse("findings:finding-acknowledge", args=[acme.code, error.pk]) not in html


def test_page_filters_by_severity_and_rule(client, analyst, two_clients):
    acme, _ = two_clients
    client.force_login(analyst)
    html = client.get(page_url(acme), {"severity": "error"}).content.decode()
    assert "B76-0324527-9" in html and "ACME-BARE has no bill" not in html
    html = client.get(page_url(acme), {"rule": "R-EXPORT-DOCS"}).content.decode()
    assert "ACME-BARE has no bill" in html and "B76-0324527-9: check digit" not in html


def test_acknowledge_from_the_page(client, analyst, two_clients):
    acme, _ = two_clients
    warning = only(acme, "R-EXPORT-DOCS")
    client.force_login(analyst)
    url = reverse("findings:finding-acknowledge", args=[acme.code, warning.pk])
    response = client.post(
        url, {"comment": "B/L arrives Monday", "next": page_url(acme) + "?rule=R-EXPORT-DOCS"}
    )
    assert response.status_code == 302 and response.url.endswith("?rule=R-EXPORT-DOCS")
    warning.refresh_from_db()
    assert warning.status == Finding.Status.ACKNOWLEDGED and warning.comment == "B/L arrives Monday"
    # No comment: nothing changes, the page says why.
    error = only(acme, "R-CHECK-DIGIT")
    url = reverse("findings:finding-acknowledge", args=[acme.code, error.pk])
    response = client.post(url, {"comment": "looks fine"}, follow=True)
    assert "cannot be acknowledged" in response.content.decode()
    error.refresh_from_db()
    assert error.status == Finding.Status.OPEN


def test_reassess_button_queues_the_assessment(
    client, analyst, two_clients, django_capture_on_commit_callbacks
):
    acme, _ = two_clients
    ExportFactory(client=acme, export_ref="NEW-BARE")
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(reverse("findings:assess-now", args=[acme.code]))
    assert response.status_code == 302 and len(queued) == 1
    assert Finding.objects.filter(client=acme, fingerprint="R-EXPORT-DOCS:export:NEW-BARE").exists()


def test_client_user_reads_own_findings_but_cannot_act(client, client_user_a, two_clients):
    acme, borealis = two_clients
    warning = only(acme, "R-EXPORT-DOCS")
    client.force_login(client_user_a)
    html = client.get(page_url(acme)).content.decode()
    assert "ACME-BARE" in html and "Re-assess now" not in html
    assert 'class="acknowledge"' not in html and "/acknowledge/" not in html
    assert client.get(page_url(borealis)).status_code == 404
    url = reverse("findings:finding-acknowledge", args=[acme.code, warning.pk])
    assert client.post(url, {"comment": "fine"}).status_code == 404
    assert client.post(reverse("findings:assess-now", args=[acme.code])).status_code == 404
    warning.refresh_from_db()
    assert warning.status == Finding.Status.OPEN


def test_staff_of_another_firm_get_404(client, two_clients):
    acme, _ = two_clients
    outsider = UserFactory(username="oscar", role="analyst", firm=FirmFactory(name="Other Brokers"))
    client.force_login(outsider)
    assert client.get(page_url(acme)).status_code == 404
    assert api(outsider).get(f"/api/v1/clients/{acme.code}/findings/").status_code == 404


def test_anonymous_is_sent_to_log_in(client, two_clients):
    acme, _ = two_clients
    response = client.get(page_url(acme))
    assert response.status_code == 302 and "/login/" in response.url


# API -------------------------------------------------------------------------------------------------


def test_api_lists_findings_with_filters(analyst, two_clients):
    acme, _ = two_clients
    data = api(analyst).get(f"/api/v1/clients/{acme.code}/findings/").json()
    assert data["count"] == 2
    assert {r["rule"] for r in data["results"]} == {"R-EXPORT-DOCS", "R-CHECK-DIGIT"}
    assert data["results"][0]["severity"] == "error"  # errors first
    errors = api(analyst).get(f"/api/v1/clients/{acme.code}/findings/", {"severity": "error"}).json()
    assert [r["rule"] for r in errors["results"]] == ["R-CHECK-DIGIT"]
    assert errors["results"][0]["amount_at_stake"] == "163.35"
    bad = api(analyst).get(f"/api/v1/clients/{acme.code}/findings/", {"severity": "fatal"})
    assert bad.status_code == 400


def test_api_acknowledge(analyst, two_clients):
    acme, _ = two_clients
    warning, error = only(acme, "R-EXPORT-DOCS"), only(acme, "R-CHECK-DIGIT")
    response = api(analyst).post(f"/api/v1/findings/{warning.pk}/acknowledge/", {"comment": "B/L on its way"})
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged" and response.json()["acknowledged_by"] == "alice"
    response = api(analyst).post(f"/api/v1/findings/{error.pk}/acknowledge/", {"comment": "fine"})
    assert response.status_code == 400 and "fixing the data" in response.json()["detail"][0]
    response = api(analyst).post(f"/api/v1/findings/{warning.pk}/acknowledge/", {})
    assert response.status_code == 400


def test_api_tenant_boundary(client_user_a, client_user_b, two_clients):
    acme, borealis = two_clients
    acme_warning = only(acme, "R-EXPORT-DOCS")
    assert api(client_user_a).get(f"/api/v1/clients/{acme.code}/findings/").status_code == 200
    for path in ("findings", "risk-summary"):
        assert api(client_user_a).get(f"/api/v1/clients/{borealis.code}/{path}/").status_code == 404
    # Neither another client's user nor the client's own user may acknowledge.
    for user in (client_user_b, client_user_a):
        response = api(user).post(f"/api/v1/findings/{acme_warning.pk}/acknowledge/", {"comment": "x"})
        assert response.status_code == 404
    assert api(client_user_a).post(f"/api/v1/clients/{acme.code}/assess/").status_code == 404
    acme_warning.refresh_from_db()
    assert acme_warning.status == Finding.Status.OPEN


def test_api_risk_summary_and_assess(analyst, two_clients, django_capture_on_commit_callbacks):
    acme, _ = two_clients
    data = api(analyst).get(f"/api/v1/clients/{acme.code}/risk-summary/").json()
    assert data["by_severity"]["error"] == {"open": 1, "acknowledged": 0, "amount": "163.35"}
    assert data["by_severity"]["warning"]["open"] == 1
    assert data["money_at_stake"] == "163.35"
    assert [r["rule"] for r in data["by_rule"]] == ["R-CHECK-DIGIT", "R-EXPORT-DOCS"]
    ExportFactory(client=acme, export_ref="NEW-BARE")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(analyst).post(f"/api/v1/clients/{acme.code}/assess/")
    assert response.status_code == 202
    assert Finding.objects.filter(client=acme, fingerprint="R-EXPORT-DOCS:export:NEW-BARE").exists()

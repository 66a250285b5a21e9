"""finding_acknowledge: open warnings only, a comment, firm staff of the client's firm only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Finding
from claims.risk.services import finding_acknowledge
from tests.claims.risk_data import assess, entry_with_papers, only
from tests.factories import ClientFactory, ExportFactory, FirmFactory, ImportLineFactory, UserFactory


@pytest.fixture
def assessed(risk_clean):
    ExportFactory(client=risk_clean.client, export_ref="BARE")  # warning: no proof of export
    entry_with_papers(risk_clean.client, entry_number="B7603245279")  # error: check digit
    fentanyl = entry_with_papers(risk_clean.client, import_date=dt.date(2025, 5, 1))
    line = ImportLineFactory(entry=fentanyl, duty=Decimal("1650.00"))
    line.ch99_duties.create(ordinal=1, number="9903.01.24", amount=Decimal("10.00"))  # information
    assess(risk_clean.client, today=dt.date(2026, 6, 1))
    return risk_clean


def test_analyst_acknowledges_an_open_warning_with_a_comment(assessed, analyst):
    warning = only(assessed.client, "R-EXPORT-DOCS")
    finding_acknowledge(finding=warning, user=analyst, comment="  B/L held by the forwarder; upload Friday. ")
    warning.refresh_from_db()
    assert warning.status == Finding.Status.ACKNOWLEDGED
    assert warning.acknowledged_by == analyst and warning.acknowledged_at is not None
    assert warning.comment == "B/L held by the forwarder; upload Friday."


def test_comment_is_required(assessed, analyst):
    warning = only(assessed.client, "R-EXPORT-DOCS")
    with pytest.raises(ValidationError, match="Say why"):
        finding_acknowledge(finding=warning, user=analyst, comment="   ")
    warning.refresh_from_db()
    assert warning.status == Finding.Status.OPEN


def test_errors_and_information_cannot_be_acknowledged(assessed, reviewer):
    with pytest.raises(ValidationError, match="fixing the data"):
        finding_acknowledge(finding=only(assessed.client, "R-CHECK-DIGIT"), user=reviewer, comment="ok")
    with pytest.raises(ValidationError, match="information needs no action"):
        finding_acknowledge(finding=only(assessed.client, "R-CH99-EXCLUDED"), user=reviewer, comment="ok")


def test_only_open_warnings(assessed, analyst):
    warning = only(assessed.client, "R-EXPORT-DOCS")
    finding_acknowledge(finding=warning, user=analyst, comment="first")
    with pytest.raises(ValidationError, match="acknowledged, not open"):
        finding_acknowledge(finding=warning, user=analyst, comment="second")
    Finding.objects.filter(pk=warning.pk).update(status=Finding.Status.RESOLVED)
    with pytest.raises(ValidationError, match="resolved, not open"):
        finding_acknowledge(finding=warning, user=analyst, comment="third")


def test_client_users_and_other_firms_cannot_acknowledge(assessed, client_user_a):
    warning = only(assessed.client, "R-EXPORT-DOCS")
    with pytest.raises(PermissionDenied):
        finding_acknowledge(finding=warning, user=client_user_a, comment="fine by us")
    outsider = UserFactory(username="oscar", role="analyst", firm=FirmFactory(name="Other Brokers"))
    ClientFactory(firm=outsider.firm)
    with pytest.raises(PermissionDenied):
        finding_acknowledge(finding=warning, user=outsider, comment="not mine")
    warning.refresh_from_db()
    assert warning.status == Finding.Status.OPEN and warning.comment == ""

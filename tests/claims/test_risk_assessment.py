"""assess_client as a whole: idempotent, resolves what was fixed, reopens what comes back, keeps
acknowledgements while they still apply; the task, the on-commit hook and the command."""

import datetime as dt
import io
import json
import time
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from claims.models import Finding
from claims.risk.services import assessment_request, finding_acknowledge
from claims.tasks import assess_client_task
from imports.models import ImportLine
from tests.claims.risk_data import TODAY, assess, entry_with_papers, findings, only
from tests.factories import ExportFactory, ImportLineFactory


@pytest.fixture
def messy(risk_clean):
    """A line near its 5-year limit, a line with the wrong duty, an export with no papers."""
    near = ImportLineFactory(
        entry=entry_with_papers(risk_clean.client, import_date=dt.date(2021, 7, 15)),
        duty=Decimal("1650.00"),
    )
    wrong = ImportLineFactory(entry=risk_clean.entry, line_number=2, duty=Decimal("1000.00"))
    bare = ExportFactory(client=risk_clean.client, export_ref="BARE", export_date=dt.date(2025, 7, 1))
    risk_clean.near, risk_clean.wrong, risk_clean.bare = near, wrong, bare
    return risk_clean


def test_running_twice_creates_no_duplicates_and_changes_nothing(messy):
    first = assess(messy.client)
    rows = {f.fingerprint: (f.pk, f.status, f.message, f.amount_at_stake) for f in findings(messy.client)}
    second = assess(messy.client)
    assert first.created == len(rows) == 3
    assert (second.created, second.updated, second.reopened, second.resolved) == (0, 0, 0, 0)
    assert second.unchanged == 3
    again = {f.fingerprint: (f.pk, f.status, f.message, f.amount_at_stake) for f in findings(messy.client)}
    assert again == rows


def test_fixed_data_resolves_the_finding_and_a_relapse_reopens_the_same_row(messy):
    assess(messy.client)
    finding = only(messy.client, "R-DUTY-RATE")
    ImportLine.objects.filter(pk=messy.wrong.pk).update(duty=Decimal("1650.00"))
    summary = assess(messy.client)
    finding.refresh_from_db()
    assert summary.resolved == 1
    assert finding.status == Finding.Status.RESOLVED and finding.resolved_at is not None
    ImportLine.objects.filter(pk=messy.wrong.pk).update(duty=Decimal("900.00"))
    summary = assess(messy.client)
    reopened = Finding.objects.get(pk=finding.pk)
    assert summary.reopened == 1
    assert reopened.status == Finding.Status.OPEN and reopened.resolved_at is None
    assert "$900.00" in reopened.message


def test_deleted_subject_takes_its_finding_with_it(messy):
    assess(messy.client)
    messy.bare.delete()
    assess(messy.client)
    assert findings(messy.client, "R-EXPORT-DOCS") == []


def test_acknowledged_warning_stays_acknowledged_while_it_still_applies(messy, analyst):
    assess(messy.client)
    warning = only(messy.client, "R-FIVE-YEAR")
    finding_acknowledge(finding=warning, user=analyst, comment="Exports booked for June; claim in July.")
    # Next day: fewer days left (the message changes) and a little less quantity (immaterial change).
    ImportLine.objects.filter(pk=messy.near.pk).update(quantity_available=Decimal("99.5"))
    summary = assess(messy.client, today=TODAY + dt.timedelta(days=1))
    warning.refresh_from_db()
    assert summary.reopened == 0
    assert warning.status == Finding.Status.ACKNOWLEDGED and warning.acknowledged_by == analyst
    assert "42 days left" in warning.message
    assert warning.amount_at_stake == Decimal("1625.33")


def test_material_amount_change_reopens_an_acknowledged_warning_and_keeps_the_comment(messy, analyst):
    assess(messy.client)
    warning = only(messy.client, "R-FIVE-YEAR")
    finding_acknowledge(finding=warning, user=analyst, comment="Exports booked for June.")
    ImportLine.objects.filter(pk=messy.near.pk).update(quantity_available=Decimal("50"))
    summary = assess(messy.client)
    warning.refresh_from_db()
    assert summary.reopened == 1
    assert warning.status == Finding.Status.OPEN and warning.acknowledged_by is None
    assert warning.comment == "Exports booked for June."
    assert warning.amount_at_stake == Decimal("816.75")


def test_acknowledged_warning_that_becomes_an_error_is_reopened(messy, analyst):
    assess(messy.client)
    warning = only(messy.client, "R-FIVE-YEAR")
    finding_acknowledge(finding=warning, user=analyst, comment="Claim going out this month.")
    assess(messy.client, today=dt.date(2026, 7, 16))  # past the claim deadline of 2026-07-15
    warning.refresh_from_db()
    assert (warning.status, warning.severity) == (Finding.Status.OPEN, Finding.Severity.ERROR)


def test_acknowledged_warning_whose_basis_changes_is_reopened(messy, analyst):
    ExportFactory(client=messy.client, export_ref="TO-CA", destination="CA", export_date=dt.date(2025, 7, 1))
    assess(messy.client)
    warning = only(messy.client, "R-EXPORT-USMCA-CHILE")
    finding_acknowledge(finding=warning, user=analyst, comment="Direct identification claim planned.")
    messy.client.exports.filter(export_ref="TO-CA").update(destination="MX")
    assess(messy.client)
    warning.refresh_from_db()
    assert warning.status == Finding.Status.OPEN and "Mexico" in warning.message


def test_summary_counts_open_findings_by_severity(messy):
    summary = assess(messy.client)
    assert (summary.errors, summary.warnings, summary.info) == (0, 3, 0)
    assert summary.by_rule == {"R-DUTY-RATE": 1, "R-EXPORT-DOCS": 1, "R-FIVE-YEAR": 1}


def test_task_assesses_the_client(messy):
    result = assess_client_task.delay(messy.client.pk).get()
    assert result["client"] == messy.client.code and result["created"] == 3
    assert len(findings(messy.client)) == 3


def test_assessment_request_queues_the_task_after_commit(messy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assessment_request(client_id=messy.client.pk)
    assert findings(messy.client) == []  # nothing before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(findings(messy.client)) == 3


def test_command_prints_a_json_summary_last(messy):
    out = io.StringIO()
    call_command("assess", "--client", messy.client.code, "--today", TODAY.isoformat(), stdout=out)
    lines = out.getvalue().strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["client"] == messy.client.code and summary["warnings"] == 3
    assert any(line.startswith("R-FIVE-YEAR") for line in lines[:-1])


def test_command_rejects_an_unknown_client(db):
    with pytest.raises(CommandError, match="no client"):
        call_command("assess", "--client", "nobody")


@pytest.mark.live_services
@pytest.mark.django_db(transaction=True)
def test_task_runs_on_a_real_worker(live_worker, client_a, risk_media):
    ExportFactory(client=client_a, export_ref="BARE")
    assess_client_task.delay(client_a.pk)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Finding.objects.filter(client=client_a).exists():
        time.sleep(0.2)
    assert Finding.objects.filter(client=client_a, fingerprint="R-EXPORT-DOCS:export:BARE").exists()

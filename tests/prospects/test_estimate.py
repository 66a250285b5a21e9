"""The automatic estimate: the project's own sample files run through ingestion, risk findings and the
optimizer in the prospect's workspace, which no client list, page or API shows."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from drawback.accounts.models import Client
from drawback.accounts.tenancy import clients_for
from drawback.prospects import estimate as estimates
from drawback.prospects.display import files_display
from drawback.prospects.models import Estimate, LeadEvent
from imports.models import ImportLine, Upload
from tests.conftest import FIXTURES

from .conftest import make_assessment, upload_file

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 6)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 12, 6, 15, tzinfo=dt.UTC), tick=False):
        yield


def test_estimate_from_the_sample_files(assessment):
    estimate = assessment.latest_estimate()
    assert (estimate.status, estimate.progress) == (Estimate.Status.DONE, 100)
    result = estimate.result
    workspace = assessment.workspace
    assert workspace.is_workspace and not workspace.is_active
    # 46 ES-003 rows are 38 lines; the 25 AES exports; all in the workspace only.
    assert (result["lines"], result["exports"]) == (38, 25)
    assert ImportLine.objects.filter(client=workspace).count() == 38
    assert Decimal(result["refund"]) == estimate.refund == Decimal("98987.22")
    assert result["classes"] == {"364": "98987.22"}
    # The look-back by year of importation adds up to the refund (each year rounded on its own).
    by_year = {y["year"]: Decimal(y["refund"]) for y in result["by_year"]}
    assert abs(sum(by_year.values()) - Decimal(result["refund"])) <= Decimal("0.01") * len(by_year)
    assert all(year <= 2026 for year in by_year)
    # The lines that expire soonest come first, each with the refund it brings and its last claim day.
    expiring = result["expiring"]
    assert expiring and [x["import_date"] for x in expiring] == sorted(x["import_date"] for x in expiring)
    first = expiring[0]
    assert (
        first["last_claim_day"]
        == dt.date.fromisoformat(first["import_date"])
        .replace(year=dt.date.fromisoformat(first["import_date"]).year + 5)
        .isoformat()
    )
    assert Decimal(first["refund"]) > 0 and first["days_left"] >= 0
    assert result["findings"]["errors"] + result["findings"]["warnings"] + result["findings"]["info"] > 0
    assert {f["read_as"] for f in result["files"]} == {
        "ACE ES-003 entry summary line report",
        "AES/EEI export data",
        "",  # the PDF is a document, not data
    }
    assert LeadEvent.objects.filter(lead=assessment.lead, action="estimate", text__startswith="Done").exists()


def test_workspace_is_nobodys_client(assessment, analyst, client_a, client_user_a, client):
    workspace = assessment.workspace
    assert workspace not in clients_for(analyst)
    assert list(clients_for(client_user_a)) == [client_a]
    client.force_login(analyst)
    assert workspace.code not in client.get("/").content.decode()
    assert client.get(f"/clients/{workspace.code}/").status_code == 404
    assert client.get(f"/api/v1/clients/{workspace.code}/lines/").status_code == 404
    assert workspace.code not in client.get("/api/v1/clients/").content.decode()


def test_running_again_duplicates_nothing(assessment, django_capture_on_commit_callbacks):
    lines = ImportLine.objects.filter(client=assessment.workspace).count()
    with django_capture_on_commit_callbacks(execute=True):
        again = estimates.estimate_start(assessment=assessment)
    again.refresh_from_db()
    assert again.status == Estimate.Status.DONE and again.result["refund"] == "98987.22"
    assert ImportLine.objects.filter(client=assessment.workspace).count() == lines
    assert Upload.objects.filter(client=assessment.workspace).count() == 2  # loaded once, not again
    # The estimate is run again twice by a redelivered task: the second does nothing.
    estimates.estimate_run(estimate_id=again.pk)
    assert Estimate.objects.filter(assessment=assessment).count() == 2


def test_a_new_estimate_is_hidden_from_the_prospect_until_released_again(assessment, staff):
    from drawback.prospects.services import estimate_release

    estimate_release(assessment=assessment, by=staff, base_url="http://testserver")
    assert assessment.released_at is not None
    estimates.estimate_start(assessment=assessment, by=staff)
    assessment.refresh_from_db()
    assert assessment.released_at is None


def test_bad_rows_get_their_reasons_in_plain_words(firm, hts, django_capture_on_commit_callbacks):
    assessment = make_assessment(firm, django_capture_on_commit_callbacks, files=(), submit=False)
    es003 = (FIXTURES / "es003_sample.csv").read_text().splitlines()
    header, rows = es003[0], es003[1:]
    broken = rows[0].replace("11/29/2023", "31/31/2023", 1)  # no such date
    upload_file(assessment, "es003-broken.csv", "ace_report", "\n".join([header, broken, *rows[1:]]).encode())
    upload_file(assessment, "notes.csv", "ace_report", b"what,ever\n1,2\n")
    from drawback.prospects.services import assessment_submit

    with django_capture_on_commit_callbacks(execute=True):
        assessment_submit(assessment=assessment, consent_text="I agree.", base_url="http://testserver")
    estimate = assessment.latest_estimate()
    assert estimate.status == Estimate.Status.DONE
    views = {v.file.original_name: v for v in files_display(assessment)}
    bad = views["es003-broken.csv"]
    assert bad.status_code == Upload.Status.LOADED_WITH_REJECTS
    assert bad.problems and bad.problems[0].startswith("Row 2, column “Entry Date”:")
    assert "31/31/2023" in bad.problems[0]
    unknown = views["notes.csv"]
    assert unknown.status == "" and "match none of the layouts" in unknown.file.not_data


def test_no_data_files_no_estimate(firm, django_capture_on_commit_callbacks):
    assessment = make_assessment(firm, django_capture_on_commit_callbacks, files=("pdf",))
    assert assessment.latest_estimate() is None
    assert assessment.workspace is None
    assert not Client.objects.filter(is_workspace=True).exists()


def test_a_failure_is_recorded_with_its_reason(firm, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(estimates, "assess_client", broken)
    assessment = make_assessment(firm, django_capture_on_commit_callbacks, files=("es003",))
    estimate = assessment.latest_estimate()
    assert estimate.status == Estimate.Status.FAILED and "disk full" in estimate.message

"""The claim building API: start, follow, read the proposal, save; money at risk. Scoped by client; builds are
firm staff's only."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from claims.jobs.models import Job
from claims.models import Claim, ClaimBuild
from tests.claims.build_data import FILING, client_lines, run_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_start_follow_and_save_a_build(api, client_a, analyst, django_capture_on_commit_callbacks):
    data = client_lines(client_a)
    api.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(
            "/api/v1/clients/acme/claim-builds/",
            {
                "filing_date": FILING.isoformat(),
                "destinations": ["JP", "DE"],
                "pins": [{"line": data.l2.pk, "export": data.cheap.pk, "quantity": "30"}],
            },
            format="json",
        )
    assert started.status_code == 202, started.content
    body = started.json()
    assert (body["client"], body["status"], body["requested_by"]) == ("acme", "queued", "alice")
    assert body["parameters"]["destinations"] == ["DE", "JP"]

    detail = api.get(f"/api/v1/claim-builds/{body['id']}/").json()
    assert (detail["status"], detail["progress"]) == ("done", 100)
    proposal = detail["proposal"]
    assert proposal["refund"] == "1909.39"  # X-CANADA is not selected; the pin matches the optimum
    assert proposal["designations_count"] == 4
    rows = api.get(f"/api/v1/claim-builds/{body['id']}/designations/?page_size=2").json()
    assert rows["count"] == 4 and len(rows["results"]) == 2 and rows["next"]
    rows = rows["results"] + api.get(rows["next"]).json()["results"]
    assert [d["export_ref"] for d in rows] == ["X-CHEAP", "X-CHEAP", "X-DEAR", "X-DIRECT"]
    pinned = [d for d in rows if d["pinned_quantity"]]
    assert [(d["line_id"], d["export_ref"], d["quantity"]) for d in pinned] == [(data.l2.pk, "X-CHEAP", "30")]
    assert {c["method"] for c in proposal["comparison"]} == {"optimal", "fifo", "lifo", "lohi"}
    assert proposal["totals"]["364"]["claim"] == "1878.53"
    assert all(d["explanation"] and d["amounts"] for d in rows)

    # The save runs on a worker (here when the request's transaction commits): 202 with the job to follow.
    with django_capture_on_commit_callbacks(execute=True):
        saved = api.post(f"/api/v1/claim-builds/{body['id']}/save/")
    assert saved.status_code == 202, saved.content
    job = saved.json()
    assert (job["kind"], job["build"], job["client"], job["status"]) == (
        "build_save",
        body["id"],
        "acme",
        "queued",
    )
    assert job["claims"] == []  # answered before the save ran
    assert saved["Location"] == f"/api/v1/jobs/{job['id']}/"
    followed = api.get(saved["Location"]).json()
    assert (followed["status"], followed["progress"], followed["requested_by"]) == ("done", 100, "alice")
    assert followed["message"].startswith("Saved as 2 draft claim(s): ")
    assert [(c["provision"], c["status"]) for c in followed["claims"]] == [("58", "draft"), ("59", "draft")]
    assert {c["id"] for c in followed["claims"]} == set(Claim.objects.values_list("pk", flat=True))
    again = api.post(f"/api/v1/claim-builds/{body['id']}/save/")
    assert again.status_code == 409 and "already been saved" in again.json()["detail"]
    listed = api.get("/api/v1/clients/acme/claim-builds/").json()
    assert [(b["id"], b["status"], len(b["claims"])) for b in listed] == [(body["id"], "saved", 2)]


def test_bad_parameters_are_answered_400(api, client_a, analyst):
    api.force_login(analyst)
    response = api.post("/api/v1/clients/acme/claim-builds/", {"method": "cheapest"}, format="json")
    assert response.status_code == 400 and "method" in response.json()
    response = api.post(
        "/api/v1/clients/acme/claim-builds/",
        {"export_from": "2025-06-01", "export_to": "2025-01-01"},
        format="json",
    )
    assert response.status_code == 400 and "export_to" in response.json()["detail"]
    assert not ClaimBuild.objects.exists()


def test_a_save_that_lost_its_quantities_fails_with_the_reason_and_saves_nothing(
    api, client_a, analyst, django_capture_on_commit_callbacks
):
    client_lines(client_a)
    dear = run_build(client_a, analyst, destinations=["JP"])
    cheap = run_build(client_a, analyst, destinations=["DE"])
    api.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/claim-builds/{dear.pk}/save/").status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/claim-builds/{cheap.pk}/save/")
    assert response.status_code == 202
    job = api.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["status"] == "failed" and job["claims"] == []
    assert job["message"].startswith("Nothing was saved: ")
    assert "line 1: 50 DOZ needed but only 20 available" in job["message"]
    assert Claim.objects.count() == 1
    # The proposal is as it was: it can be built again (or saved, once the quantities are back).
    assert ClaimBuild.objects.get(pk=cheap.pk).status == ClaimBuild.Status.DONE


def test_a_second_save_while_one_is_waiting_or_running_is_a_409(
    api, client_a, analyst, reviewer, django_capture_on_commit_callbacks
):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    api.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=False):  # no worker has taken it yet
        first = api.post(f"/api/v1/claim-builds/{build.pk}/save/")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    api.force_login(reviewer)
    second = api.post(f"/api/v1/claim-builds/{build.pk}/save/")
    assert second.status_code == 409
    assert "already being saved (asked for by alice at " in second.json()["detail"]
    assert Job.objects.filter(kind="build_save").count() == 1 and not Claim.objects.exists()


def test_a_save_that_lost_its_worker_no_longer_blocks_another(
    api, client_a, analyst, django_capture_on_commit_callbacks, settings
):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    api.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=False):
        lost = api.post(f"/api/v1/claim-builds/{build.pk}/save/").json()
    # Older than the hard time limit: its worker was killed and its transaction rolled back.
    Job.objects.filter(pk=lost["id"]).update(
        status="running",
        created_at=timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/claim-builds/{build.pk}/save/")
    assert response.status_code == 202
    assert api.get(f"/api/v1/jobs/{lost['id']}/").json()["status"] == "failed"
    assert api.get(f"/api/v1/jobs/{response.json()['id']}/").json()["status"] == "done"
    assert Claim.objects.count() == 2


def test_client_users_get_404_on_builds_but_read_their_money_at_risk(api, client_a, analyst, client_user_a):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    api.force_login(client_user_a)
    assert api.get("/api/v1/clients/acme/claim-builds/").status_code == 404
    assert api.post("/api/v1/clients/acme/claim-builds/", {}, format="json").status_code == 404
    assert api.get(f"/api/v1/claim-builds/{build.pk}/").status_code == 404
    assert api.get(f"/api/v1/claim-builds/{build.pk}/designations/").status_code == 404
    assert api.post(f"/api/v1/claim-builds/{build.pk}/save/").status_code == 404
    assert not Claim.objects.exists()
    response = api.get("/api/v1/clients/acme/money-at-risk/")
    assert response.status_code == 200
    assert [b["days"] for b in response.json()["buckets"]] == [30, 90, 180]


def test_money_at_risk_api_gives_buckets_and_lines(api, client_a, analyst):
    from imports.models import TariffLine
    from tests.claims.test_build_money_at_risk import line
    from tests.factories import ExportFactory

    TariffLine.objects.create(hts="61091000", description="Of cotton", general_rate="10%")
    soon = line(client_a, "2021-12-10")
    ExportFactory(
        client=client_a, export_date=dt.date(2022, 9, 1), value=Decimal("5000"), quantity=Decimal("25")
    )
    api.force_login(analyst)
    with time_machine.travel(dt.datetime(2026, 11, 26, 15, tzinfo=dt.UTC), tick=False):
        body = api.get("/api/v1/clients/acme/money-at-risk/").json()
    assert body["today"] == "2026-11-26" and body["refund"] == "99.00"
    assert body["buckets"][0] == {"days": 30, "first_day": 0, "lines": 1, "refund": "99.00"}
    (row,) = body["lines"]
    assert (row["line_id"], row["days_left"], row["bucket"], row["refund"]) == (soon.pk, 13, 30, "99.00")
    assert (row["last_export_day"], row["quantity_available"], row["uom"]) == ("2026-12-09", "10.0000", "DOZ")

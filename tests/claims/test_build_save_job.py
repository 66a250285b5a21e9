"""Saving a build as draft claims on a worker, as a job: its progress is seen while the save's transaction is
still open, a time limit or a failure saves nothing, and the real Celery worker on Redis runs it."""

import time
from decimal import Decimal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DEFAULT_DB_ALIAS, connection, connections
from rest_framework.test import APIClient

from claims.building import services
from claims.jobs import services as job_services
from claims.jobs.models import Job
from claims.models import Claim, ClaimBuild
from imports.models import ImportLine
from tests.claims.build_data import PARAMS, client_lines, run_build

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="progress beside an open transaction needs PostgreSQL"
)


def _outside(sql: str, params=()):
    """A query on a connection of its own: sees only what is committed."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        other.close()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_saves_progress_is_seen_while_its_transaction_is_open(client_a, analyst, monkeypatch):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    job = Job.objects.create(kind=Job.Kind.BUILD_SAVE, requested_by=analyst, client=client_a, build=build)
    seen = []
    report = job_services.JobRun.report

    def report_and_look(run, fraction):
        report(run, fraction)
        # What the page polling the job reads now, and whether any claim is visible yet.
        seen.append(
            (
                _outside("SELECT progress FROM claims_job WHERE id = %s", [job.pk]),
                _outside("SELECT count(*) FROM claims_claim"),
                connection.in_atomic_block,
            )
        )

    monkeypatch.setattr(job_services.JobRun, "report", report_and_look)
    claim_ids = services.claim_build_save_run(build_id=build.pk, user_id=analyst.pk, job_id=job.pk)

    assert len(claim_ids) == 2
    inside = [(percent, claims) for percent, claims, atomic in seen if atomic]
    assert len(inside) >= 3, seen
    percents = [percent for percent, _ in inside]
    assert percents == sorted(percents) and percents[-1] > percents[0] >= 5 and percents[-1] < 100
    assert {claims for _, claims in inside} == {0}  # all or nothing: no claim shows before the end
    job.refresh_from_db()
    assert (job.status, job.progress) == (Job.Status.DONE, 100)
    assert job.message.startswith("Saved as 2 draft claim(s): ")


@pytest.mark.django_db
def test_a_save_stopped_by_the_time_limit_saves_nothing_and_says_so(client_a, analyst, monkeypatch):
    data = client_lines(client_a)
    build = run_build(client_a, analyst)
    job = Job.objects.create(kind=Job.Kind.BUILD_SAVE, requested_by=analyst, client=client_a, build=build)
    available = data.l1.quantity_available

    def stopped(**kwargs):  # the soft time limit strikes after the first claim is written
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "claim_totals_recompute", stopped)
    assert services.claim_build_save_run(build_id=build.pk, user_id=analyst.pk, job_id=job.pk) == []

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "The save ran past its time limit and was stopped; nothing was saved. Try again."
    assert not Claim.objects.exists()
    assert ImportLine.objects.get(pk=data.l1.pk).quantity_available == available
    assert ClaimBuild.objects.get(pk=build.pk).status == ClaimBuild.Status.DONE


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_job_with_its_reason_and_saves_nothing(client_a, analyst, monkeypatch):
    data = client_lines(client_a)
    build = run_build(client_a, analyst)
    job = Job.objects.create(kind=Job.Kind.BUILD_SAVE, requested_by=analyst, client=client_a, build=build)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "claim_totals_recompute", broken)
    with pytest.raises(RuntimeError):
        services.claim_build_save_run(build_id=build.pk, user_id=analyst.pk, job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == (Job.Status.FAILED, "Failed: disk full")
    assert not Claim.objects.exists()
    assert ImportLine.objects.get(pk=data.l1.pk).quantity_available == Decimal("100")
    assert ClaimBuild.objects.get(pk=build.pk).status == ClaimBuild.Status.DONE


@pytest.mark.django_db
def test_client_users_do_not_see_build_saves_even_of_their_own_company(client_a, analyst, client_user_a):
    client_lines(client_a)
    build = run_build(client_a, analyst)
    job = Job.objects.create(kind=Job.Kind.BUILD_SAVE, requested_by=analyst, client=client_a, build=build)
    api = APIClient()
    api.force_login(analyst)
    assert api.get(f"/api/v1/jobs/{job.pk}/").json()["build"] == build.pk
    assert api.get(f"/jobs/{job.pk}/status/").status_code == 200
    api.force_login(client_user_a)
    assert api.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api.get(f"/jobs/{job.pk}/status/").status_code == 404


def _wait(condition, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)


@pytest.mark.live_services
@pytest.mark.django_db(transaction=True)
def test_a_save_runs_on_the_worker_and_the_api_follows_it(live_worker, client_a, analyst):
    client_lines(client_a)
    build = services.claim_build_start(client=client_a, user=analyst, parameters=PARAMS)  # on the worker
    _wait(lambda: not ClaimBuild.objects.get(pk=build.pk).running)
    assert ClaimBuild.objects.get(pk=build.pk).status == ClaimBuild.Status.DONE
    api = APIClient()
    api.force_login(analyst)
    started = api.post(f"/api/v1/claim-builds/{build.pk}/save/")
    assert started.status_code == 202
    url = started["Location"]
    seen = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = api.get(url).json()
        seen.add(job["status"])
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job["message"]
    assert seen <= {"queued", "running", "done"}
    assert [(c["provision"], c["status"]) for c in job["claims"]] == [("58", "draft"), ("59", "draft")]
    assert ClaimBuild.objects.get(pk=build.pk).status == ClaimBuild.Status.SAVED
    assert api.post(f"/api/v1/claim-builds/{build.pk}/save/").status_code == 409

"""The drawback type choice and its save as jobs: the stored choice is what the solver chose, its save writes
exactly those designations (or refuses, saving nothing, when the data changed since), one job at a time
per client, failures told, and nobody outside the firm's staff sees any of it (pages, API, jobs)."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from claims.building.services import BuildError
from claims.jobs import services as job_services
from claims.jobs.models import Job
from claims.manufacturing import services
from claims.manufacturing.data import type_inputs
from claims.manufacturing.runs import stored_designations
from claims.manufacturing.types import (
    SOLVED,
    build_model,
    choose_types,
    designations_of,
    exact_total,
    solve_model,
)
from claims.models import Claim, Designation, RejectedReturn, TypeChoiceRun
from drawback.lib.money import to_cents
from exports.models import Export
from imports.models import ImportLine

from .helpers import load_rows, manufacturer, retail_setup

FILING = dt.date(2026, 12, 1)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="progress beside an open transaction needs PostgreSQL"
)


@pytest.fixture
def acme(client_a):
    manufacturer(client_a)
    return client_a


@pytest.fixture
def other_firm_user(db):
    from tests.factories import FirmFactory, UserFactory

    return UserFactory(username="otto", role="analyst", firm=FirmFactory(name="Other", filer_code="OTH"))


def _job(kind, user, client, run=None) -> Job:
    return Job.objects.create(kind=kind, requested_by=user, client=client, type_choice=run)


def _computed(client, user) -> TypeChoiceRun:
    run = TypeChoiceRun.objects.create(client=client, filing_date=FILING, requested_by=user)
    services.type_choice_run(run_id=run.pk, job_id=_job(Job.Kind.TYPE_CHOICE, user, client, run).pk)
    run.refresh_from_db()
    return run


@pytest.mark.django_db
def test_the_stored_choice_is_the_solvers_with_its_progress_told(acme, analyst, monkeypatch):
    run = TypeChoiceRun.objects.create(client=acme, filing_date=FILING, requested_by=analyst)
    job = _job(Job.Kind.TYPE_CHOICE, analyst, acme, run)
    told = []
    report = job_services.JobRun.report
    monkeypatch.setattr(job_services.JobRun, "report", lambda r, f: (told.append(f), report(r, f)))

    services.type_choice_run(run_id=run.pk, job_id=job.pk)

    run.refresh_from_db()
    job.refresh_from_db()
    assert (run.status, run.refund) == (TypeChoiceRun.Status.DONE, Decimal("1357.60"))
    assert (job.status, job.progress) == (Job.Status.DONE, 100)
    assert job.message == (
        "Chose the drawback type of 3 export(s) for filing on 2026-12-01: the claims would refund $1,357.60."
    )
    # The progress moved, and only forward: the model, the choice, then each export's alternatives.
    assert len(told) >= 4 and told == sorted(told) and told[-1] < 1
    direct = choose_types(**type_inputs(acme, FILING).kwargs(), alternatives=True)
    assert stored_designations(run) == direct.designations
    choices = {c["export_ref"]: c for c in run.result["choices"]}
    assert choices["X20250310000401"]["type"] == "manufacturing"
    assert (choices["X20250310000401"]["alternative"], choices["X20250310000401"]["choice_earns"]) == (
        "unused",
        "82.05",
    )
    assert [(t["type"], t["exports"]) for t in run.result["by_type"]] == [("unused", 2), ("manufacturing", 1)]
    assert [(c["provision"], c["total"]) for c in run.result["claims"]][0] == ("51", "140.10")


@pytest.mark.django_db
def test_past_the_limit_each_alternative_is_the_same_claim_with_only_that_export_changed(
    acme, analyst, monkeypatch, client
):
    monkeypatch.setattr(services, "ALTERNATIVES_UP_TO", 2)  # the sample manufacturer has 3 exports
    told = []
    report = job_services.JobRun.report
    monkeypatch.setattr(job_services.JobRun, "report", lambda r, f: (told.append(f), report(r, f)))

    run = _computed(acme, analyst)

    assert run.status == TypeChoiceRun.Status.DONE and run.refund == Decimal("1357.60")
    assert run.result["alternative_basis"]["basis"] == "this_export"
    # The progress keeps moving while the alternatives are worked out: once per export.
    assert len([f for f in told if SOLVED < f < 1]) == 3 and told == sorted(told)
    # Each stored alternative against the whole program solved again, from scratch, with every other
    # export's type and every line's method forced as chosen.
    model = build_model(**type_inputs(acme, FILING).kwargs())
    solution = solve_model(model)
    total = exact_total(designations_of(model, solution))
    choices = {c["export_ref"]: c for c in run.result["choices"]}
    shown = 0
    for e_idx, export in enumerate(model.exports):
        row = choices[export.ref]
        others = [k for k in model.allowed.get(e_idx, {}) if k != solution.chosen.get(e_idx)]
        if not others:
            assert row["alternative"] == "" and row["alternative_basis"] is None
            continue
        totals = {}
        for kind in others:
            forced = solve_model(
                model, force={**solution.switched_on, e_idx: kind}, methods=solution.direct_method
            )
            totals[kind] = exact_total(designations_of(model, forced))
        best = max(totals, key=totals.get)
        assert (row["alternative"], row["alternative_basis"]) == (best.value, "this_export")
        assert row["alternative_basis_label"] == "the same claim with only this export changed"
        assert Decimal(row["claim_with_alternative"]) == to_cents(totals[best])
        assert Decimal(row["choice_earns"]) == to_cents(total) - to_cents(totals[best])
        shown += 1
    assert shown >= 2

    client.force_login(analyst)
    html = client.get("/clients/acme/claims/types/").content.decode()
    assert 'id="alternative-basis" data-basis="this_export"' in html
    assert "The alternative each export beat: the same claim with only this export changed" in html
    ovens = choices["X20250310000401"]
    with_unused, earns = Decimal(ovens["claim_with_alternative"]), Decimal(ovens["choice_earns"])
    assert (
        f"Unused merchandise (1313(j)): the claims would refund ${with_unused:,}, ${earns:,} less "
        '<span class="help basis">(the same claim with only this export changed)</span>'
    ) in html
    assert "whole claim re-optimised" not in html
    api = APIClient()
    api.force_login(analyst)
    latest = api.get("/api/v1/clients/acme/type-choices/latest/").json()
    assert latest["result"]["alternative_basis"]["label"] == "the same claim with only this export changed"
    api_ovens = next(c for c in latest["result"]["choices"] if c["export_ref"] == "X20250310000401")
    assert (api_ovens["alternative"], api_ovens["alternative_basis"]) == ("unused", "this_export")
    assert api_ovens["claim_with_alternative"] == ovens["claim_with_alternative"]


def _retail_ovens(client, tmp_path):
    """Countertop ovens, part OV-200, three entries a unit paying 9.00, 20.00 and 15.00 duty. Retail returns:
    5 units of the first entry exported on X..01, 2 of the second on X..02; a third return shows the third
    entry's part. Best: both exports designate other imports (1313(c)(2)), X..01 the second entry, X..02 the
    third, so the second entry is substitution and cannot be identified directly."""

    retail_setup(client)
    files = {
        "imports": (
            "entry_number,line_number,import_date,hts,quantity,uom,entered_value,duty,mpf,country_of_origin,"
            "description",
            [
                "M4K-4100001-5,1,2025-01-10,8516604060,10,NO,3000.00,90.00,,CN,Countertop ovens",
                "M4K-4100002-3,1,2025-06-01,8516604060,10,NO,4000.00,200.00,,CN,Countertop ovens",
                "M4K-4100003-1,1,2025-03-01,8516604060,10,NO,3500.00,150.00,,CN,Countertop ovens",
            ],
        ),
        "exports": (
            "export_ref,export_date,hts,quantity,uom,value,destination,entry_number,line_number",
            [
                "X20251120000001,2025-11-20,8516604060,5,NO,2000.00,GB,M4K-4100001-5,1",
                "X20251120000002,2025-11-20,8516604060,2,NO,800.00,GB,M4K-4100002-3,1",
            ],
        ),
        "returns": (
            "return_ref,reason,entry_number,line_number,quantity,uom,rejected_on,returned_on,proof,part,unused,"
            "export_ref",
            [
                "RMA-1,retail,M4K-4100001-5,1,5,NO,2025-10-25,2025-11-01,RMA slip 1,OV-200,,X20251120000001",
                "RMA-2,retail,M4K-4100002-3,1,2,NO,2025-10-25,2025-11-01,RMA slip 2,OV-200,,X20251120000002",
                "RMA-0,retail,M4K-4100003-1,1,1,NO,2025-07-01,2025-07-10,RMA slip 0,OV-200,,",
            ],
        ),
    }
    load_rows(client, tmp_path, files)


@pytest.mark.django_db
def test_past_the_limit_a_retail_exports_alternative_is_its_own_line_with_only_it_changed(
    client_a, analyst, monkeypatch, client, tmp_path
):
    """A retail return's export has two options of one type, its own line or another import designated
    (1313(c)(2)): past the limit its alternative is the other option, every other export and line method
    kept, and its total is that claim solved again from scratch with those choices forced."""
    from claims.manufacturing.types import DESIGNATED, Kind

    monkeypatch.setattr(services, "ALTERNATIVES_UP_TO", 1)
    _retail_ovens(client_a, tmp_path)

    run = _computed(client_a, analyst)

    assert run.result["alternative_basis"]["basis"] == "this_export"
    assert run.refund == Decimal("128.70")  # 99% of 5 x 20.00 and 2 x 15.00
    model = build_model(**type_inputs(client_a, FILING).kwargs())
    solution = solve_model(model)
    e_idx = next(i for i, x in enumerate(model.exports) if x.ref == "X20251120000001")
    assert (solution.chosen[e_idx], solution.options[e_idx]) == (Kind.REJECTED, DESIGNATED)
    forced = solve_model(
        model, force={**solution.switched_on, e_idx: (Kind.REJECTED, "")}, methods=solution.direct_method
    )
    with_own_line = exact_total(designations_of(model, forced))
    # The second entry stays substitution and X..02 keeps the third: 99% of 5 x 9.00 and 2 x 15.00.
    assert with_own_line == Decimal("74.25")
    row = next(c for c in run.result["choices"] if c["export_ref"] == "X20251120000001")
    assert row["type_label"] == "Rejected merchandise, another import designated (1313(c)(2))"
    assert (row["alternative"], row["alternative_label"], row["alternative_basis"]) == (
        "rejected",
        "Rejected merchandise (1313(c))",
        "this_export",
    )
    assert Decimal(row["claim_with_alternative"]) == to_cents(with_own_line)
    assert Decimal(row["choice_earns"]) == Decimal("54.45")
    # Re-optimised the claim would identify the second entry directly for X..02 instead: more, and not shown.
    whole = exact_total(designations_of(model, solve_model(model, force={e_idx: (Kind.REJECTED, "")})))
    assert whole == Decimal("84.15")

    client.force_login(analyst)
    html = client.get(f"/clients/{client_a.code}/claims/types/").content.decode()
    assert (
        "Rejected merchandise (1313(c)): the claims would refund $74.25, $54.45 less "
        '<span class="help basis">(the same claim with only this export changed)</span>'
    ) in html


@pytest.mark.django_db
def test_the_save_writes_exactly_the_stored_choice(acme, analyst):
    run = _computed(acme, analyst)
    job = _job(Job.Kind.TYPE_SAVE, analyst, acme, run)

    ids = services.type_choice_save_run(run_id=run.pk, user_id=analyst.pk, job_id=job.pk)

    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.status, run.status) == (Job.Status.DONE, TypeChoiceRun.Status.SAVED)
    assert job.message.startswith("Saved as 4 draft claim(s): ")
    assert set(run.claims.values_list("pk", flat=True)) == set(ids)
    stored = {}
    for d in stored_designations(run):  # two components of one subheading are one designation
        key = (d.line.entry_number, d.line.line_number, d.export_ref, d.provision)
        stored[key] = stored.get(key, Decimal(0)) + d.quantity
    saved = {
        (d.import_line.entry.entry_number, d.import_line.line_number, d.export.export_ref, d.provision): (
            d.quantity
        )
        for d in Designation.objects.filter(claim_id__in=ids).select_related("import_line__entry", "export")
    }
    assert saved == stored
    refund = sum(t.claim_amount for c in Claim.objects.filter(pk__in=ids) for t in c.class_totals.all())
    assert refund == run.refund


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["quantity taken", "return dropped"])
def test_a_choice_whose_data_changed_is_refused_and_nothing_is_saved(acme, analyst, client, change):
    run = _computed(acme, analyst)
    if change == "quantity taken":
        Export.objects.filter(export_ref="X20250915000302").update(quantity_available=Decimal("100"))
    else:
        RejectedReturn.objects.all().delete()
    before = list(ImportLine.objects.order_by("pk").values_list("quantity_available", flat=True))
    client.force_login(analyst)
    page = client.get("/clients/acme/claims/types/").content.decode()
    assert "data changed since this choice was computed" in page and 'id="save-types"' not in page
    job = _job(Job.Kind.TYPE_SAVE, analyst, acme, run)

    assert services.type_choice_save_run(run_id=run.pk, user_id=analyst.pk, job_id=job.pk) == []

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message.startswith("Nothing was saved: the client's data changed since the types were chosen")
    assert not Claim.objects.exists()
    assert list(ImportLine.objects.order_by("pk").values_list("quantity_available", flat=True)) == before
    assert TypeChoiceRun.objects.get(pk=run.pk).status == TypeChoiceRun.Status.DONE


@pytest.mark.django_db
def test_a_failing_choice_is_marked_failed_with_its_reason(acme, analyst, monkeypatch, client):
    def broken(**kwargs):
        raise RuntimeError("solver gone")

    monkeypatch.setattr(services, "choose_types", broken)
    run = TypeChoiceRun.objects.create(client=acme, filing_date=FILING, requested_by=analyst)
    job = _job(Job.Kind.TYPE_CHOICE, analyst, acme, run)
    with pytest.raises(RuntimeError):
        services.type_choice_run(run_id=run.pk, job_id=job.pk)
    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.status, job.message) == (Job.Status.FAILED, "Failed: solver gone")
    assert (run.status, run.message) == (TypeChoiceRun.Status.FAILED, "Failed: solver gone")
    client.force_login(analyst)  # told once, on the page, to whoever asked
    assert "Failed: solver gone" in client.get("/clients/acme/claims/types/").content.decode()
    assert "Failed: solver gone" not in client.get("/clients/acme/claims/types/").content.decode()


@pytest.mark.django_db
def test_a_choice_stopped_by_the_time_limit_says_so(acme, analyst, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    def stopped(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "choose_types", stopped)
    run = TypeChoiceRun.objects.create(client=acme, filing_date=FILING, requested_by=analyst)
    job = _job(Job.Kind.TYPE_CHOICE, analyst, acme, run)
    services.type_choice_run(run_id=run.pk, job_id=job.pk)  # told, not raised: a retry would stop again
    job.refresh_from_db()
    run.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message.startswith("The choice ran past its time limit and was stopped")
    assert (run.status, run.message) == (TypeChoiceRun.Status.FAILED, job.message)


@pytest.mark.django_db
def test_one_type_job_at_a_time_per_client(acme, analyst, reviewer, client_b, settings):
    running = _job(Job.Kind.TYPE_CHOICE, analyst, acme)
    with pytest.raises(BuildError, match="already under way .asked for by alice"):
        services.type_choice_start(client=acme, user=reviewer, filing_date=FILING)
    run = _computed(acme, analyst)
    with pytest.raises(BuildError, match="already under way"):
        services.type_choice_save_start(run=run, user=reviewer)
    # Another client is not held up.
    assert services.type_choice_start(client=client_b, user=reviewer, filing_date=FILING).status == "queued"
    # A job older than the hard time limit lost its worker: it is failed, and no longer blocks.
    Job.objects.filter(pk=running.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    )
    services.type_choice_save_start(run=run, user=reviewer)
    running.refresh_from_db()
    assert running.status == Job.Status.FAILED and "lost its worker" in running.message


@pytest.mark.django_db
def test_only_the_firms_staff_start_type_jobs(acme, analyst, client_user_a, other_firm_user):
    run = _computed(acme, analyst)
    for user in (client_user_a, other_firm_user):
        with pytest.raises(BuildError):
            services.type_choice_start(client=acme, user=user, filing_date=FILING)
        with pytest.raises(BuildError):
            services.type_choice_save_start(run=run, user=user)


@pytest.mark.django_db
def test_the_api_chooses_reads_and_saves(acme, analyst, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_login(analyst)
    assert api.get("/api/v1/clients/acme/type-choices/latest/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/v1/clients/acme/type-choices/", {"filing_date": "2026-12-01"}, format="json")
    assert started.status_code == 202, started.content
    assert (started.json()["kind"], started.json()["status"]) == ("type_choice", "queued")
    job = api.get(started["Location"]).json()
    assert (job["status"], job["progress"]) == ("done", 100)

    latest = api.get("/api/v1/clients/acme/type-choices/latest/").json()
    assert latest["id"] == job["type_choice"]
    assert (latest["status"], latest["refund"], latest["stale"], latest["filing_date"]) == (
        "done",
        "1357.60",
        False,
        "2026-12-01",
    )
    ovens = next(c for c in latest["result"]["choices"] if c["export_ref"] == "X20250310000401")
    assert (ovens["type"], ovens["alternative"]) == ("manufacturing", "unused")
    assert ovens["choice_earns"] == "82.05"
    assert (ovens["alternative_basis"], latest["result"]["alternative_basis"]["basis"]) == (
        "whole_claim",
        "whole_claim",
    )
    assert len(latest["result"]["designations"]) == 4

    with django_capture_on_commit_callbacks(execute=True):
        saving = api.post(f"/api/v1/type-choices/{latest['id']}/save/")
    assert saving.status_code == 202 and saving.json()["kind"] == "type_save"
    saved = api.get(saving["Location"]).json()
    assert saved["status"] == "done", saved["message"]
    assert [c["provision"] for c in saved["claims"]] == ["51", "52", "58", "59"]
    assert {c["id"] for c in saved["claims"]} == set(Claim.objects.values_list("pk", flat=True))
    again = api.post(f"/api/v1/type-choices/{latest['id']}/save/")
    assert again.status_code == 409 and "already been saved" in again.json()["detail"]
    assert api.get("/api/v1/clients/acme/type-choices/latest/").json()["status"] == "saved"


@pytest.mark.django_db
def test_the_api_answers_409_while_a_type_job_runs(acme, analyst, django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=False):  # no worker has taken it yet
        first = api.post("/api/v1/clients/acme/type-choices/", {}, format="json")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    second = api.post("/api/v1/clients/acme/type-choices/", {}, format="json")
    assert second.status_code == 409 and "already under way" in second.json()["detail"]
    run = TypeChoiceRun.objects.get()
    assert api.post(f"/api/v1/type-choices/{run.pk}/save/").status_code == 409


@pytest.mark.django_db
def test_client_users_and_other_firms_get_404(acme, analyst, client_user_a, other_firm_user):
    run = _computed(acme, analyst)
    job = Job.objects.get(type_choice=run)
    api = APIClient()
    for user in (client_user_a, other_firm_user):
        api.force_login(user)
        assert api.post("/api/v1/clients/acme/type-choices/", {}, format="json").status_code == 404
        assert api.get("/api/v1/clients/acme/type-choices/latest/").status_code == 404
        assert api.post(f"/api/v1/type-choices/{run.pk}/save/").status_code == 404
        assert api.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
        assert api.get(f"/jobs/{job.pk}/status/").status_code == 404
        assert api.get("/clients/acme/claims/types/").status_code == 404
        assert api.post("/clients/acme/claims/types/save/", {"run": run.pk}).status_code == 404
    assert not Claim.objects.exists()
    assert TypeChoiceRun.objects.get(pk=run.pk).status == TypeChoiceRun.Status.DONE


def _follow(api, url, seconds=120):
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        job = api.get(url).json()
        seen.append((job["status"], job["progress"]))
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    return job, seen


@pytest.mark.live_services
@pytest.mark.django_db(transaction=True)
def test_the_choice_and_its_save_run_on_a_real_worker(live_worker, client_a, analyst):
    manufacturer(client_a)
    api = APIClient()
    api.force_login(analyst)

    started = api.post("/api/v1/clients/acme/type-choices/", {"filing_date": "2026-12-01"}, format="json")
    assert started.status_code == 202
    job, seen = _follow(api, started["Location"])
    assert job["status"] == "done", job["message"]
    progress = [p for _, p in seen]
    assert progress == sorted(progress)
    latest = api.get("/api/v1/clients/acme/type-choices/latest/").json()
    assert latest["refund"] == "1357.60"

    saving = api.post(f"/api/v1/type-choices/{latest['id']}/save/")
    assert saving.status_code == 202
    job, _ = _follow(api, saving["Location"])
    assert job["status"] == "done", job["message"]
    assert [c["provision"] for c in job["claims"]] == ["51", "52", "58", "59"]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_saves_progress_is_seen_while_its_transaction_is_open(client_a, analyst, monkeypatch):
    manufacturer(client_a)
    run = _computed(client_a, analyst)
    job = _job(Job.Kind.TYPE_SAVE, analyst, client_a, run)
    seen = []
    report = job_services.JobRun.report

    def report_and_look(job_run, fraction):
        report(job_run, fraction)
        # What the page polling the job reads now, and whether any claim is visible yet.
        seen.append((_outside("SELECT progress FROM claims_job WHERE id = %s", [job.pk]), _claims_outside()))

    monkeypatch.setattr(job_services.JobRun, "report", report_and_look)
    assert len(services.type_choice_save_run(run_id=run.pk, user_id=analyst.pk, job_id=job.pk)) == 4

    percents = [percent for percent, _ in seen]
    assert len(seen) >= 4 and percents == sorted(percents) and 0 < percents[-1] < 100
    assert {claims for _, claims in seen} == {0}  # all or nothing: no claim shows before the end
    job.refresh_from_db()
    assert (job.status, job.progress) == (Job.Status.DONE, 100)


def _outside(sql: str, params=()):
    """A query on a connection of its own: sees only what is committed."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        other.close()


def _claims_outside() -> int:
    return _outside("SELECT count(*) FROM claims_claim")

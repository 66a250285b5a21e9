"""In a real browser: an analyst builds a claim for a client, watches the progress bar follow the product
groups to 100%, reads the proposal and saves it as draft claims, watching the save's progress too.

The chord's tasks and the save are run here, as workers would run them, so the page can be watched between
their steps."""

import re
import threading

import pytest
from django.db import connection

from claims import tasks
from claims.building import services
from claims.models import Claim, ClaimBuild
from tests.claims.build_data import client_lines
from tests.claims.test_build_run import second_product
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAR = "document.querySelector('#progress progress')"


def test_analyst_builds_watches_progress_and_saves_draft_claims(
    page, live_server, client_a, analyst, monkeypatch
):
    client_lines(client_a)
    second_product(client_a)
    queued, dispatched = [], {}
    monkeypatch.setattr(tasks.claim_build_run, "delay", lambda **kw: queued.append(kw["build_id"]))
    monkeypatch.setattr(services, "CHORD_MIN_PAIRS", 0)
    monkeypatch.setattr(services, "BATCH_GROUPS", 1)

    def chord(header):
        return lambda body: dispatched.update(header=header, body=body)

    monkeypatch.setattr("celery.chord", chord)

    page.goto(f"{live_server.url}/login/?next=/clients/acme/claims/")
    page.fill("input[name=username]", analyst.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("#build-claim")
    page.fill("input[name=filing_date]", "2026-11-26")
    page.click("text=Run the optimizer")
    page.wait_for_url(re.compile(r".*/claims/build/\d+/$"))
    assert page.get_attribute("#progress progress", "value") == "0"

    # A worker takes the build: preparation, then the two product groups go out as a chord.
    (build_id,) = queued
    services.claim_build_run(build_id=build_id)
    first, second = dispatched["header"]
    page.wait_for_function(f"{BAR}.value === 5")
    results = [first.apply().get()]
    page.wait_for_function(f"{BAR}.value === 50")
    assert page.inner_text('[data-field="groups"]') == "1 of 2"
    results.append(second.apply().get())
    dispatched["body"].apply(args=(results,))
    page.wait_for_function(f"{BAR}.value === 100")

    # The page reloads itself with the proposal.
    page.wait_for_selector("#proposal-refund")
    assert page.inner_text("#proposal-refund") == "$1,914.34"
    assert "Optimal" in page.inner_text("#comparison") and "FIFO" in page.inner_text("#comparison")
    assert page.locator("table.export-group").count() == 4
    page.click("text=Explanation >> nth=0")
    assert "19 U.S.C. 1313(j)" in page.inner_text("#designations")
    assert "not an exportation" in page.inner_text("#exclusions")

    # Saving goes to a worker: the page follows it, then shows the saved claims.
    saves = []
    monkeypatch.setattr(tasks.claim_build_save_task, "delay", lambda **kw: saves.append(kw))
    page.click("#save-claims")
    page.wait_for_selector("#save-progress progress")
    assert "progress shows below" in page.inner_text("main")
    assert page.locator("#save-claims").count() == 0
    written, go_on = threading.Event(), threading.Event()
    recompute = services.claim_totals_recompute

    def recompute_slowly(**kwargs):  # the worker holds here, its first claim's rows written
        written.set()
        go_on.wait(30)
        recompute(**kwargs)

    monkeypatch.setattr(services, "claim_totals_recompute", recompute_slowly)
    (save,) = saves

    def work():
        try:
            services.claim_build_save_run(**save)
        finally:
            connection.close()  # this thread's own

    worker = threading.Thread(target=work)
    worker.start()
    assert written.wait(30)
    if connection.vendor == "postgresql":  # progress is written beside the save's open transaction
        page.wait_for_function("document.querySelector('#save-progress progress').value >= 45")
        assert page.inner_text("#save-progress [data-field=status]") == "Running"
    go_on.set()
    worker.join(30)
    page.wait_for_selector("#saved-claims")
    assert "Saved as 2 draft claim(s)" in page.inner_text("main")
    claims = list(Claim.objects.order_by("provision"))
    assert [(c.provision, c.status) for c in claims] == [("58", "draft"), ("59", "draft")]
    assert ClaimBuild.objects.get(pk=build_id).status == ClaimBuild.Status.SAVED
    page.click(f"text=Claim {claims[1].display_number}")
    assert page.inner_text("#claim-status") == "Draft"

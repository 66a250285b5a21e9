"""Work on a worker: the page's progress bar follows the job, and the page tells its outcome when it ends; on
a real Celery worker (CI: Redis), a package asked for from the page is built there and its outcome told."""

import time

import pytest
from django.urls import reverse

from claims.jobs.models import Job
from claims.models import Claim
from tests.claims.filing_builders import set_status, unused_substitution_claim
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ready(client_a, analyst):
    return set_status(unused_substitution_claim(client_a, analyst), Claim.Status.READY_TO_FILE)


@pytest.mark.browser
def test_progress_bar_follows_the_job_and_the_outcome_shows(live_server, page, analyst, ready):
    job = Job.objects.create(kind="package", claim=ready, client=ready.client, requested_by=analyst)
    files = reverse("filing:claim_files", args=[ready.client.code, ready.pk])
    page.goto(f"{live_server.url}/login/?next={files}")
    page.fill("input[name=username]", analyst.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    bar = page.locator("[data-job-status] progress")
    assert bar.get_attribute("value") == "0"
    assert page.locator('[data-job-status] [data-field="status"]').inner_text() == "Waiting for a worker"

    Job.objects.filter(pk=job.pk).update(status="running", progress=40)
    page.wait_for_function("document.querySelector('[data-job-status] progress').value === 40")
    assert page.locator('[data-job-status] [data-field="status"]').inner_text() == "Running"

    Job.objects.filter(pk=job.pk).update(
        status="done", progress=100, message="Filing package built: 3 files."
    )
    page.wait_for_selector("text=Filing package built: 3 files.")
    assert page.locator("[data-job-status]").count() == 0


@pytest.mark.live_services
def test_package_asked_from_the_page_is_built_on_a_real_worker(live_worker, client, analyst, ready):
    client.force_login(analyst)
    response = client.post(
        reverse("filing:claim_package_build", args=[ready.client.code, ready.pk]),
        {"next": reverse("claims:detail", args=[ready.client.code, ready.pk])},
    )
    assert response.status_code == 302
    job = Job.objects.get()
    deadline = time.monotonic() + 120
    while Job.objects.filter(pk=job.pk, status__in=("queued", "running")).exists():
        assert time.monotonic() < deadline, "the worker did not finish the package"
        time.sleep(0.2)
    html = client.get(response.url).content.decode()
    assert f"Filing package of claim {ready.display_number} built: " in html
    assert ready.documents.count() == 3

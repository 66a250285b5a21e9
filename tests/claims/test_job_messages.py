"""Pages say what happened to the work they asked for: what it did when it already ran (no broker: tasks run
before the request returns), that it waits for a worker otherwise, with a progress bar until it ends, and
then its outcome, once."""

import json
import re

import pytest
from django.urls import reverse

from claims.cbp.tasks import cbp_poll_open_claims
from claims.filing.tasks import claim_package_build_task
from claims.jobs.models import Job
from claims.models import Claim
from claims.tasks import assess_client_task
from tests.claims.cbp_support import make_claim
from tests.claims.filing_builders import set_status, unused_substitution_claim
from tests.factories import FirmFactory, UserFactory

# Outside a test transaction, as in production: work queued "on commit" goes at once.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CBP_GATEWAY = "sandbox"


@pytest.fixture
def ready(client_a, analyst):
    return set_status(unused_substitution_claim(client_a, analyst), Claim.Status.READY_TO_FILE)


def messages_of(response) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'class="message[^"]*"[^>]*>(.*?)</div>', response)]


def no_worker(monkeypatch, task):
    """A broker with no worker listening: the task is queued and nothing runs it yet."""
    sent = []
    monkeypatch.setattr(task, "delay", lambda *args, **kwargs: sent.append(args))
    return sent


def test_package_built_inline_is_told_as_built(client, analyst, ready):
    client.force_login(analyst)
    url = reverse("filing:claim_package_build", args=[ready.client.code, ready.pk])
    html = client.post(url, follow=True).content.decode()
    (message,) = messages_of(html)
    assert message.startswith(f"Filing package of claim {ready.display_number} built: ")
    assert "-catair.txt" in message and "queued" not in message and "being built" not in message
    assert "data-job-status" not in html


def test_package_waiting_for_a_worker_shows_progress_then_the_outcome_once(
    client, analyst, ready, monkeypatch
):
    sent = no_worker(monkeypatch, claim_package_build_task)
    client.force_login(analyst)
    html = client.post(
        reverse("filing:claim_package_build", args=[ready.client.code, ready.pk]), follow=True
    ).content.decode()
    assert messages_of(html) == [
        f"Filing package of claim {ready.display_number} queued for a worker; its progress shows below."
    ]
    job = Job.objects.get()
    assert f'data-job-status="{reverse("jobs:status", args=[job.pk])}"' in html and "<progress" in html
    status = json.loads(client.get(reverse("jobs:status", args=[job.pk])).content)
    assert (status["status"], status["progress"]) == ("queued", 0)

    monkeypatch.undo()
    claim_package_build_task(*sent[0])  # the worker takes it
    files = reverse("filing:claim_files", args=[ready.client.code, ready.pk])
    first = client.get(files).content.decode()
    assert [m.split(":")[0] for m in messages_of(first)] == [
        f"Filing package of claim {ready.display_number} built"
    ]
    assert "data-job-status" not in first
    assert messages_of(client.get(files).content.decode()) == []
    assert json.loads(client.get(reverse("jobs:status", args=[job.pk])).content)["progress"] == 100


def test_check_cbp_now_tells_what_cbp_said(client, analyst, client_a, settings):
    settings.CBP_SANDBOX_SPEED = "100000"
    claim = make_claim(client=client_a, preparer=analyst, status=Claim.Status.READY_TO_FILE)
    from claims.cbp.services import claim_file

    claim_file(claim=claim, by=analyst)
    client.force_login(analyst)
    claim_url = reverse("claims:detail", args=[client_a.code, claim.pk])
    html = client.post(reverse("cbp:poll"), {"next": claim_url}, follow=True).content.decode()
    assert messages_of(html) == [
        "Checked CBP for 1 open claim: 1 new message from CBP, 1 applied to the claims."
    ]


def test_check_cbp_waiting_for_a_worker_says_so(client, analyst, monkeypatch):
    no_worker(monkeypatch, cbp_poll_open_claims)
    client.force_login(analyst)
    html = client.post(reverse("cbp:poll"), follow=True).content.decode()
    assert messages_of(html) == ["Checking CBP on a worker; the progress shows below."]
    assert "data-job-status" in html


def test_reassessment_tells_its_result(client, analyst, client_a):
    client.force_login(analyst)
    html = client.post(reverse("findings:assess-now", args=[client_a.code]), follow=True).content.decode()
    (message,) = messages_of(html)
    assert message.startswith("Re-assessed Acme Outfitters Inc: ") and "queued" not in message


def test_reassessment_on_a_worker_shows_its_progress(client, analyst, client_a, monkeypatch):
    no_worker(monkeypatch, assess_client_task)
    client.force_login(analyst)
    html = client.post(reverse("findings:assess-now", args=[client_a.code]), follow=True).content.decode()
    assert messages_of(html) == ["Re-assessment queued for a worker; its progress shows below."]
    assert "data-job-status" in html


def test_a_job_is_not_seen_by_another_client_or_firm(client, analyst, client_user_b, ready):
    other_firm_analyst = UserFactory(username="otto", role="analyst", firm=FirmFactory(filer_code="OTH"))
    job = Job.objects.create(kind="package", claim=ready, client=ready.client, requested_by=analyst)
    for user in (client_user_b, other_firm_analyst):
        client.force_login(user)
        assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 404

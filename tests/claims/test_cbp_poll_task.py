"""The beat job: it polls only open claims, retries with backoff, and runs on a real worker."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from claims.cbp import services, tasks
from claims.cbp.gateway import Gateway, GatewayError, Receipt
from claims.cbp.models import CbpTransmission
from claims.cbp.sandbox import SandboxGateway
from claims.jobs.models import Job
from claims.models import Claim
from tests.claims.cbp_support import make_claim

S = Claim.Status


class SpyGateway(Gateway):
    name = "spy"

    def __init__(self, failures: int = 0):
        self.polled: list[list[str]] = []
        self.failures = failures

    def transmit(self, claim, catair_text):
        return Receipt(reference="spy", sent_at=timezone.now())

    def poll(self, claims):
        if self.failures:
            self.failures -= 1
            raise GatewayError("inbox share not mounted")
        self.polled.append(sorted(c.status for c in claims))
        return []


def test_beat_polls_only_open_claims(client_a, analyst, monkeypatch):
    for n, status in enumerate(
        [
            S.DRAFT,
            S.READY_TO_FILE,
            S.FILED,
            S.ACCEPTED,
            S.ACCELERATED_PAID,
            S.LIQUIDATED,
            S.REJECTED,
            S.WITHDRAWN,
            S.CLOSED,
        ],
        start=1,
    ):
        make_claim(client=client_a, preparer=analyst, sequence=n, status=status)
    spy = SpyGateway()
    monkeypatch.setattr(services, "get_gateway", lambda: spy)
    summary = tasks.cbp_poll_open_claims.delay().get()
    assert spy.polled == [sorted([S.FILED, S.ACCEPTED, S.ACCELERATED_PAID, S.LIQUIDATED])]
    assert summary["claims"] == 4


def test_poll_retries_when_the_gateway_fails(client_a, analyst, monkeypatch):
    spy = SpyGateway(failures=2)
    monkeypatch.setattr(services, "get_gateway", lambda: spy)
    from drawback.celery import app

    # Applied in-process without propagating errors, Celery performs each retry at once (no countdown).
    app.conf.task_eager_propagates = False  # the celery_eager fixture restores it
    result = tasks.cbp_poll_open_claims.apply()
    assert result.successful() and result.get()["claims"] == 0
    assert len(spy.polled) == 1 and spy.failures == 0  # two failures, then the third attempt went through
    options = tasks.cbp_poll_open_claims
    assert GatewayError in options.autoretry_for and options.retry_backoff and options.max_retries == 8


# Beat's scheduler closes connections it finds inside a transaction, so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_beat_schedule_reaches_the_database_scheduler(settings):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from drawback.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["cbp-poll-open-claims"]
    assert entry["task"] in app.tasks
    DatabaseScheduler(app=app)  # what `celery beat` does on start
    task = PeriodicTask.objects.get(name="cbp-poll-open-claims")
    assert task.task == "claims.cbp.tasks.cbp_poll_open_claims"
    assert (task.interval.every, task.interval.period) == (settings.CBP_POLL_MINUTES * 60, "seconds")


@pytest.mark.live_services
@pytest.mark.django_db(transaction=True)
def test_poll_through_a_real_worker(live_worker, client_a, analyst, settings):
    settings.CBP_GATEWAY = "sandbox"
    settings.CBP_SANDBOX_SPEED = "1"
    claim = make_claim(client=client_a, preparer=analyst, status=S.FILED, classes={"364": "250.00"})
    sent_at = timezone.now() - dt.timedelta(minutes=10)  # CBP's answer is due
    CbpTransmission.objects.create(
        claim=claim, gateway="sandbox", catair_text="x", sha256="0" * 64, status="sent", sent_at=sent_at
    )
    expected = {"accepted": S.ACCEPTED, "rejected": S.REJECTED}[
        SandboxGateway().plan(claim, sent_at=sent_at).events[0][2]
    ]
    tasks.cbp_poll_open_claims.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        claim.refresh_from_db()
        if claim.status != S.FILED:
            break
        time.sleep(0.2)
    assert claim.status == expected
    assert claim.cbp_messages.get().processed_at is not None


def test_poll_command_for_installations_without_beat(client_a, analyst, settings, capsys):
    from django.core.management import call_command

    settings.CBP_GATEWAY = "sandbox"
    claim = make_claim(client=client_a, preparer=analyst, status=S.FILED, classes={"364": "250.00"})
    sent_at = timezone.now() - dt.timedelta(minutes=10)
    CbpTransmission.objects.create(
        claim=claim, gateway="sandbox", catair_text="x", sha256="0" * 64, status="sent", sent_at=sent_at
    )
    call_command("cbp_poll")
    assert "open claims 1; messages read 1, new 1, applied 1" in capsys.readouterr().out
    claim.refresh_from_db()
    assert claim.status in (S.ACCEPTED, S.REJECTED)


def test_check_cbp_now_polls_the_askers_firm_only_and_is_rate_limited(
    client, client_a, analyst, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """Any firm's analyst could make CBP be polled for every firm's claims, as often as they pressed the
    button. Now: their own firm's open claims, at most once in CBP_POLL_NOW_SECONDS."""
    from tests.factories import ClientFactory, FirmFactory, UserFactory

    settings.CBP_POLL_NOW_SECONDS = 60
    other = ClientFactory(firm=FirmFactory(name="Other", filer_code="OTH"), code="outsider")
    other_analyst = UserFactory(username="otto", role="analyst", firm=other.firm)
    make_claim(client=client_a, preparer=analyst, sequence=1, status=S.ACCEPTED)
    make_claim(client=other, preparer=other_analyst, sequence=2, status=S.ACCEPTED)
    spy = SpyGateway()
    spy.poll = lambda claims: spy.polled.append(sorted(c.client.code for c in claims)) or []
    monkeypatch.setattr(services, "get_gateway", lambda: spy)
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/cbp/poll/", follow=True)
    assert spy.polled == [["acme"]]
    # The page was drawn before the queued check ran: it says the check waits for a worker.
    assert "Checking CBP on a worker" in first.content.decode()
    checks = Job.objects.filter(kind=Job.Kind.CBP_CHECK)
    assert [(j.requested_by, j.status) for j in checks] == [(analyst, Job.Status.DONE)]
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/cbp/poll/", follow=True)
    assert spy.polled == [["acme"]]  # not polled again
    assert "ask again in" in again.content.decode()
    assert checks.count() == 1  # and no check recorded
    client.force_login(other_analyst)  # another firm has its own allowance, for its own claims
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cbp/poll/")
    assert spy.polled == [["acme"], ["outsider"]]

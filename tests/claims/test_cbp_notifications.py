"""Claim events reach the client's contacts and the analyst by e-mail, and the app's users in the app."""

import datetime as dt
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail

from claims.cbp import notifications, services
from claims.cbp.gateway import Response
from claims.cbp.models import CbpRequest, Notification
from claims.cbp.sandbox import SandboxGateway
from claims.models import Claim
from tests.claims.cbp_support import make_claim, poll_and_apply
from tests.factories import UserFactory

S = Claim.Status


@pytest.fixture
def claim(client_a, analyst, client_user_a, client_user_b, reviewer):
    client_a.contact_emails = "ops@acme.example\n\nFinance@Acme.example\n"
    client_a.save()
    return make_claim(client=client_a, preparer=analyst, classes={"364": "640.00"})


def test_filing_is_mailed_to_contacts_and_analyst_and_listed_for_the_clients_users(
    claim, analyst, client_user_a, client_user_b, reviewer, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.claim_file(claim=claim, by=analyst, gateway=SandboxGateway())
    assert sorted(m.to[0] for m in mail.outbox) == [
        "Finance@Acme.example",
        "alice@example.com",
        "ops@acme.example",
    ]
    assert mail.outbox[0].subject == f"Drawback claim {claim.display_number}: Filed with CBP"
    assert "was filed with CBP on 2026-03-02" in mail.outbox[0].body
    in_app = Notification.objects.exclude(user=None)
    assert sorted(n.user.username for n in in_app) == ["alice", "carl"]  # not Bea (other client), not Rita
    assert all(n.sent_at is not None for n in Notification.objects.exclude(email=""))


def test_each_cbp_event_is_told(claim, analyst, django_capture_on_commit_callbacks):
    sandbox = SandboxGateway(reject_percent=0, cf28_percent=100, adjust_percent=0)
    with time_machine.travel(dt.datetime(2026, 1, 5, tzinfo=dt.UTC), tick=False) as clock:
        services.claim_file(claim=claim, by=analyst, gateway=sandbox)
        clock.shift(dt.timedelta(days=11))
        poll_and_apply(sandbox)  # accepted, then the CF-28
        services.cbp_request_respond(
            request=CbpRequest.objects.get(), by=analyst, text="Sent.", gateway=sandbox
        )
        clock.shift(dt.timedelta(days=360))
        with django_capture_on_commit_callbacks(execute=True):
            poll_and_apply(sandbox)  # liquidation and refund
    events = list(Notification.objects.filter(user=analyst).order_by("id").values_list("event", flat=True))
    # Returning to "accepted" after answering the CF-28 is not news.
    assert events == ["filed", "accepted", "cf28", "liquidation", "payment"]
    cf28 = Notification.objects.get(user=analyst, event="cf28")
    assert "Response due 2026-02-14." in cf28.text
    assert [m.subject.rsplit(": ", 1)[1] for m in mail.outbox if m.to == ["alice@example.com"]] == [
        "Liquidated",
        "Refund or bill on liquidation",
    ]


def test_rejection_notice_names_the_condition_codes(claim, analyst):
    Claim.objects.filter(pk=claim.pk).update(status=S.FILED)
    message, _ = services.cbp_message_store(
        response=Response(
            message_id="dx-r",
            claim_number=claim.number,
            kind="rejected",
            cbp_date=None,
            payload={
                "conditions": [
                    {"code": "F555", "text": "EXCESS MPF CLAIMED"},
                    {"code": "F999", "text": "TRANSACTION DATA REJECTED"},
                ]
            },
        ),
        gateway_name="test",
    )
    services.cbp_response_process(message=message)
    text = Notification.objects.get(user=analyst).text
    assert text.endswith("Conditions: F555 EXCESS MPF CLAIMED; F999 TRANSACTION DATA REJECTED.")


def test_a_failed_mail_stays_pending_and_goes_out_on_retry(claim, monkeypatch):
    rows = notifications.notify(claim=claim, event="accepted")
    ids = [n.pk for n in rows if n.email]

    def refuse(**kwargs):
        raise SMTPException("relay down")

    monkeypatch.setattr("django.core.mail.send_mail", refuse)
    with pytest.raises(SMTPException):
        notifications.notifications_send(ids=ids)
    pending = Notification.objects.filter(pk__in=ids)
    assert not pending.exclude(sent_at=None).exists()  # the one that failed was released again
    assert list(pending.exclude(error="").values_list("error", flat=True)) == ["relay down"]
    monkeypatch.undo()
    assert notifications.notifications_send(ids=ids) == 3
    assert notifications.notifications_send(ids=ids) == 0  # already sent: a rerun sends nothing
    assert len(mail.outbox) == 3


def test_inactive_and_other_client_users_are_not_notified(claim, client_a):
    UserFactory(username="gone", role="client_user", firm=None, client=client_a, is_active=False)
    notifications.notify(claim=claim, event="accepted")
    assert not Notification.objects.filter(user__username__in=["gone", "bea"]).exists()

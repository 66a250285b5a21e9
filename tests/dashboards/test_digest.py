"""The dashboard digest: each contact at their own frequency, once per period however often the job runs,
with the numbers, what changed since their last digest, what is needed, the PDF and a signed opt-out link
that works without logging in."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from claims.cbp.models import Notification, Payment
from claims.models import Claim, ClaimTransition
from dashboards.digest import digests_send, period_for
from drawback.accounts import digests
from drawback.accounts.models import DigestSubscription
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2026, 12, 7, 7, tzinfo=dt.UTC)


@pytest.fixture
def contacts(client_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://drawback.example.com"
    client_a.contact_emails = "weekly@acme.example.com\nMonthly@acme.example.com"
    client_a.save()
    DigestSubscription.objects.create(client=client_a, email="weekly@acme.example.com", frequency="weekly")
    return client_a


def send(today, capture):
    with capture(execute=True):
        return digests_send(today=today)


def test_periods_are_the_last_complete_week_or_month():
    week = period_for("weekly", dt.date(2026, 12, 7))
    assert (week.key, week.first, week.last) == (
        "weekly:2026-W49",
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 6),
    )
    assert period_for("weekly", dt.date(2026, 12, 9)).key == "weekly:2026-W49"  # same week, later in it
    month = period_for("monthly", dt.date(2026, 12, 7))
    assert (month.key, month.first, month.last, month.label) == (
        "monthly:2026-11",
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        "November 2026",
    )


@time_machine.travel(MONDAY)
def test_each_contact_gets_one_digest_per_period(contacts, django_capture_on_commit_callbacks):
    claim = ClaimFactory(client=contacts, status=Claim.Status.ACCELERATED_PAID, accelerated_payment=True)
    claim.class_totals.create(accounting_class="364", claim_amount=Decimal("1000.00"), calculated_amount=0)
    Payment.objects.create(
        claim=claim, kind="accelerated", paid_on=dt.date(2026, 12, 2), total=Decimal("1000.00")
    )
    move = ClaimTransition.objects.create(claim=claim, from_status="accepted", to_status="accelerated_paid")
    ClaimTransition.objects.filter(pk=move.pk).update(at=dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC))

    assert send(dt.date(2026, 12, 7), django_capture_on_commit_callbacks) == 2
    assert send(dt.date(2026, 12, 7), django_capture_on_commit_callbacks) == 0  # a rerun sends nothing
    assert send(dt.date(2026, 12, 8), django_capture_on_commit_callbacks) == 0  # nor later in the week
    assert sorted(m.to[0] for m in mail.outbox) == ["Monthly@acme.example.com", "weekly@acme.example.com"]
    weekly = next(m for m in mail.outbox if m.to == ["weekly@acme.example.com"])
    assert weekly.subject == "Drawback dashboard: Acme Outfitters Inc, week of 2026-11-30 to 2026-12-06"
    assert "Received in the period: $1,000.00 (1 payment(s))." in weekly.body
    assert f"Claim {claim.display_number}: Accelerated payment received on 2026-12-02." in weekly.body
    assert (
        "Claims by stage:" in weekly.body and "- Accelerated payment received: 1 ($1,000.00)" in weekly.body
    )
    ((name, content, mimetype),) = weekly.attachments
    assert (
        name == "dashboard-acme-2026-12-07.pdf"
        and content.startswith(b"%PDF-")
        and mimetype == "application/pdf"
    )
    link = weekly.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://drawback.example.com/digest/opt-out/") and link in weekly.body
    monthly = next(m for m in mail.outbox if m.to == ["Monthly@acme.example.com"])
    assert monthly.subject.endswith("November 2026")
    assert Notification.objects.filter(event="digest").count() == 2

    # A week later: the weekly contact hears what changed since their last digest; the monthly one waits.
    Payment.objects.create(
        claim=claim, kind="liquidation_refund", paid_on=dt.date(2026, 12, 9), total=Decimal("25.00")
    )
    mail.outbox.clear()
    assert send(dt.date(2026, 12, 14), django_capture_on_commit_callbacks) == 1
    (again,) = mail.outbox
    assert again.to == ["weekly@acme.example.com"]
    assert "What changed since the last digest (2026-12-06):" in again.body
    assert "- Received this year: $1,000.00 then, $1,025.00 now." in again.body


@time_machine.travel(MONDAY)
def test_the_opt_out_link_works_without_logging_in(client, contacts, django_capture_on_commit_callbacks):
    url = digests.opt_out_url(client=contacts, email="weekly@acme.example.com").removeprefix(
        "https://drawback.example.com"
    )
    page = client.get(url)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Stop these e-mails" in page.content.decode()
    assert DigestSubscription.objects.get(email="weekly@acme.example.com").opted_out_at is None
    done = client.post(url)
    assert done.status_code == 200 and "will no longer receive" in done.content.decode()
    assert client.post(url).status_code == 200  # twice is harmless
    assert send(dt.date(2026, 12, 7), django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mail.outbox] == [["Monthly@acme.example.com"]]
    # The firm cannot sign them up again; only the contact's choice undoes an opt-out.
    from tests.factories import UserFactory

    analyst = UserFactory(username="ana", role="analyst", firm=contacts.firm)
    with pytest.raises(digests.DigestError, match="opted out"):
        digests.digest_frequency_set(
            client=contacts, email="weekly@acme.example.com", frequency="weekly", by=analyst
        )


def test_a_forged_or_damaged_token_is_not_found(client, contacts):
    token = digests.opt_out_token(client=contacts, email="weekly@acme.example.com")
    assert client.get(f"/digest/opt-out/{token[:-2]}xx/").status_code == 404
    assert client.post(f"/digest/opt-out/{token[:-2]}xx/").status_code == 404
    assert DigestSubscription.objects.get(email="weekly@acme.example.com").opted_out_at is None


def test_staff_set_each_contacts_frequency(client, contacts, analyst):
    client.force_login(analyst)
    page = client.get("/clients/acme/contacts/").content.decode()
    assert "Monthly@acme.example.com" in page and "weekly@acme.example.com" in page
    client.post("/clients/acme/contacts/", {"email": "monthly@acme.example.com", "frequency": "never"})
    assert [(s.email, s.frequency, s.receives) for s in digests.digest_subscriptions(client=contacts)] == [
        ("weekly@acme.example.com", "weekly", True),
        ("Monthly@acme.example.com", "never", False),
    ]
    response = client.post(
        "/clients/acme/contacts/", {"email": "stranger@example.com", "frequency": "weekly"}
    )
    assert "is not a contact address" in client.get(response["Location"]).content.decode()

"""Review decisions are told to whoever acts next: a return to the preparer, a first-level approval to the
reviewers who may take the second review, the second-level approval to the preparer; in the app and by
e-mail, with the reviewer's words, and never to the client."""

import pytest
from django.core import mail

from claims.cbp.models import Notification
from claims.services import claim_validate
from reviews.services import checklist_items, review_approve, review_return, review_start
from tests.factories import UserFactory, build_claim

Event = Notification.Event


@pytest.fixture
def claim(client_a, analyst, client_user_a):
    claim = build_claim(client=client_a, preparer=analyst)
    claim_validate(claim=claim, by=analyst)
    review_start(claim=claim, by=analyst)
    return claim


def ticked(level):
    return [item.pk for item in checklist_items(level)]


def told(claim, event):
    return {n.user.username for n in Notification.objects.filter(claim=claim, event=event)}


def test_return_tells_the_preparer_what_to_correct(
    claim, analyst, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review_return(claim=claim, by=reviewer, comment="Export X1 has no bill of lading")
    assert told(claim, Event.RETURNED) == {"alice"}
    note = Notification.objects.get(claim=claim, event=Event.RETURNED)
    assert "Returned by rita: Export X1 has no bill of lading." in note.text
    (message,) = mail.outbox
    assert message.to == [analyst.email] and "Returned for correction" in message.subject


def test_first_approval_tells_the_second_level_reviewers(
    claim, analyst, reviewer, reviewer2, firm_admin, django_capture_on_commit_callbacks
):
    UserFactory(username="ruth", role="reviewer", firm=claim.client.firm, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        review_approve(claim=claim, by=reviewer, level=1, ticked=ticked(1))
    # Neither the preparer nor the first reviewer may take the second review; an inactive reviewer is
    # not told.
    assert told(claim, Event.SECOND_REVIEW) == {"rob", "fiona"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reviewer2.email, firm_admin.email])
    assert "First review approved by rita" in mail.outbox[0].body


def test_second_approval_tells_the_preparer_to_file(claim, analyst, reviewer, reviewer2):
    review_approve(claim=claim, by=reviewer, level=1, ticked=ticked(1))
    review_approve(claim=claim, by=reviewer2, level=2, ticked=ticked(2), comment="Ready")
    assert told(claim, Event.READY_TO_FILE) == {"alice"}
    assert "Second review approved by rob" in Notification.objects.get(event=Event.READY_TO_FILE).text


def test_review_decisions_are_not_told_to_the_client(claim, reviewer, reviewer2, client_user_a):
    review_approve(claim=claim, by=reviewer, level=1, ticked=ticked(1))
    review_return(claim=claim, by=reviewer2, comment="Recheck")
    assert not Notification.objects.filter(user=client_user_a).exists()
    assert not Notification.objects.filter(user=None).exists()  # nor its contact addresses


def test_review_notification_shows_in_the_reviewers_list(client, claim, reviewer, reviewer2):
    review_approve(claim=claim, by=reviewer, level=1, ticked=ticked(1))
    client.force_login(reviewer2)
    html = client.get("/notifications/").content.decode()
    assert "Ready for second review" in html and claim.display_number in html

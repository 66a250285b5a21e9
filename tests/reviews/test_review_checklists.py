"""Checklists per level, the rules of a sign-off, comments on lines, and the queues with their ages."""

import datetime as dt

import pytest
import time_machine

from claims.models import Claim
from claims.services import claim_validate
from reviews.models import Review, ReviewChecklist, ReviewChecklistItem, ReviewComment
from reviews.selectors import comments_by_target, review_queue
from reviews.services import (
    LineComment,
    ReviewError,
    checklist_items,
    review_approve,
    review_return,
    review_start,
)
from tests.factories import build_claim

S = Claim.Status


@pytest.fixture
def in_review(client_a, analyst):
    claim = build_claim(client=client_a, preparer=analyst)
    claim_validate(claim=claim, by=analyst)
    review_start(claim=claim, by=analyst)
    return claim


def ticks(level):
    return [i.pk for i in checklist_items(level)]


def test_default_checklists_are_seeded_for_both_levels(db):
    assert list(ReviewChecklist.objects.values_list("level", flat=True)) == [1, 2]
    assert len(checklist_items(1)) == 7 and len(checklist_items(2)) == 6
    assert any("7553" in i.text for i in checklist_items(1))


def test_checklists_are_configurable(in_review, reviewer):
    """An item a firm admin deactivates is no longer asked; one they add must be ticked."""
    dropped = checklist_items(1)[0]
    dropped.is_active = False
    dropped.save()
    added = ReviewChecklistItem.objects.create(
        checklist=ReviewChecklist.objects.get(level=1), position=99, text="Client's ERP extract reconciled"
    )
    with pytest.raises(ReviewError, match="Client's ERP extract reconciled"):
        review_approve(claim=in_review, by=reviewer, level=1, ticked=[i.pk for i in checklist_items(1)][:-1])
    review = review_approve(claim=in_review, by=reviewer, level=1, ticked=ticks(1))
    assert [a["item"] for a in review.answers] == ticks(1)
    assert dropped.pk not in [a["item"] for a in review.answers] and added.pk in [
        a["item"] for a in review.answers
    ]


def test_answers_keep_the_wording_that_was_signed(in_review, reviewer):
    review = review_approve(claim=in_review, by=reviewer, level=1, ticked=ticks(1))
    item = checklist_items(1)[0]
    original = item.text
    item.text = "Reworded later"
    item.save()
    review.refresh_from_db()
    assert review.answers[0]["text"] == original


def test_approval_is_for_the_claims_current_level(in_review, reviewer):
    with pytest.raises(ReviewError, match="not in second review"):
        review_approve(claim=in_review, by=reviewer, level=2, ticked=ticks(2))
    assert not Review.objects.exists()


def test_return_needs_a_comment_and_keeps_each_on_its_line(in_review, reviewer):
    designation = in_review.designations.get()
    with pytest.raises(ReviewError, match="comment is required"):
        review_return(claim=in_review, by=reviewer, comment="  ", line_comments=[LineComment("   ")])
    review = review_return(
        claim=in_review,
        by=reviewer,
        line_comments=[
            LineComment("Value per unit?", designation_id=designation.pk),
            LineComment("Entry summary missing", import_line_id=designation.import_line_id),
            LineComment("No bill of lading", export_id=designation.export_id),
        ],
    )
    in_review.refresh_from_db()
    assert in_review.status == S.RETURNED and review.decision == "return" and review.level == 1
    comments = comments_by_target(claim=in_review)
    assert [c.text for c in comments["designation"][designation.pk]] == ["Value per unit?"]
    assert [c.text for c in comments["import_line"][designation.import_line_id]] == ["Entry summary missing"]
    assert [c.text for c in comments["export"][designation.export_id]] == ["No bill of lading"]
    subjects = set(ReviewComment.objects.values_list("subject", flat=True))
    assert f"Export {designation.export.export_ref}" in subjects
    assert in_review.transitions.last().reason == "returned at first review: Value per unit?"


def test_comments_must_point_at_the_claims_own_lines(in_review, reviewer, client_a, analyst):
    other = build_claim(client=client_a, preparer=analyst)
    with pytest.raises(ReviewError, match="not on this claim"):
        review_return(
            claim=in_review,
            by=reviewer,
            line_comments=[LineComment("?", designation_id=other.designations.get().pk)],
        )
    with pytest.raises(ReviewError, match="not designated on this claim"):
        review_return(
            claim=in_review,
            by=reviewer,
            line_comments=[LineComment("?", import_line_id=other.designations.get().import_line_id)],
        )


def test_a_ready_claim_can_be_pulled_back_by_a_reviewer(in_review, reviewer, reviewer2):
    review_approve(claim=in_review, by=reviewer, level=1, ticked=ticks(1))
    review_approve(claim=in_review, by=reviewer2, level=2, ticked=ticks(2))
    review = review_return(claim=in_review, by=reviewer2, comment="CBP changed the MPF rule; recheck")
    in_review.refresh_from_db()
    assert in_review.status == S.RETURNED and review.level == 2


def test_queue_shows_age_and_who_may_review(client_a, analyst, reviewer, reviewer2):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        first = build_claim(client=client_a, preparer=analyst)
        claim_validate(claim=first, by=analyst)
        review_start(claim=first, by=analyst)
    with time_machine.travel(dt.datetime(2026, 3, 4, 15, 0, tzinfo=dt.UTC), tick=False):
        second = build_claim(client=client_a, preparer=reviewer2)
        claim_validate(claim=second, by=reviewer2)
        review_start(claim=second, by=reviewer2)
    now = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    items = review_queue(user=reviewer2, level=1, now=now)
    assert [i.claim for i in items] == [first, second]
    assert items[0].age == dt.timedelta(days=3) and items[1].age == dt.timedelta(hours=18)
    assert items[0].can_review and not items[1].can_review
    assert items[1].why_not == "the preparer of a claim cannot review it"
    assert [i.claim for i in review_queue(user=reviewer, level=2, now=now)] == []


def test_level_two_queue_names_the_first_reviewer(in_review, reviewer, reviewer2):
    review_approve(claim=in_review, by=reviewer, level=1, ticked=ticks(1))
    [item] = review_queue(user=reviewer, level=2)
    assert item.first_reviewer == reviewer and not item.can_review
    [item] = review_queue(user=reviewer2, level=2)
    assert item.can_review


def test_every_sign_off_is_kept(in_review, analyst, reviewer, reviewer2):
    review_approve(claim=in_review, by=reviewer, level=1, ticked=ticks(1))
    review_return(claim=in_review, by=reviewer2, comment="fix 399")
    from claims.services import claim_reopen

    claim_reopen(claim=in_review, by=analyst)
    claim_validate(claim=in_review, by=analyst)
    review_start(claim=in_review, by=analyst)
    review_approve(claim=in_review, by=reviewer2, level=1, ticked=ticks(1))
    review_approve(claim=in_review, by=reviewer, level=2, ticked=ticks(2))
    trail = [
        (r.level, r.decision, r.reviewer.username, r.transition.to_status) for r in in_review.reviews.all()
    ]
    assert trail == [
        (1, "approve", "rita", S.SECOND_REVIEW),
        (2, "return", "rob", S.RETURNED),
        (1, "approve", "rob", S.SECOND_REVIEW),
        (2, "approve", "rita", S.READY_TO_FILE),
    ]
    assert in_review.transitions.count() == 9

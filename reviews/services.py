"""Writes for the two-level review: send a validated claim to review, approve a level, return it.

Segregation of duties is decided by claims.lifecycle (the preparer cannot review, the second reviewer is not
the first, only reviewers and firm admins review); these services add what belongs to a review: every
checklist item ticked to approve, a comment to return, comments tied to the claim's own lines. Each
sign-off is a Review row linked to the ClaimTransition it caused.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from claims.lifecycle import claim_transition
from claims.models import Claim, ClaimTransition, status_phrase
from drawback.accounts.models import User

from .models import Level, Review, ReviewChecklistItem, ReviewComment

S = Claim.Status
LEVEL_STATUS = {Level.FIRST: S.FIRST_REVIEW, Level.SECOND: S.SECOND_REVIEW}
APPROVED_STATUS = {Level.FIRST: S.SECOND_REVIEW, Level.SECOND: S.READY_TO_FILE}
# A claim ready to file may still be pulled back by a reviewer; that is a level-2 decision.
RETURNABLE = {S.FIRST_REVIEW: Level.FIRST, S.SECOND_REVIEW: Level.SECOND, S.READY_TO_FILE: Level.SECOND}


class ReviewError(Exception):
    """The review cannot be recorded as asked: the message says why."""


@dataclass(frozen=True)
class LineComment:
    """A comment on one designation, import line or export of the claim (none of them: the whole claim)."""

    text: str
    designation_id: int | None = None
    import_line_id: int | None = None
    export_id: int | None = None


def checklist_items(level: int) -> list[ReviewChecklistItem]:
    return list(
        ReviewChecklistItem.objects.filter(checklist__level=level, is_active=True).order_by("position", "id")
    )


def review_start(*, claim: Claim, by: User) -> ClaimTransition:
    """Send a validated claim to the first-review queue."""
    return claim_transition(claim=claim, to=S.FIRST_REVIEW, by=by, reason="sent to first review")


def _answers(level: int, ticked: Iterable[int]) -> tuple[list[dict], list[ReviewChecklistItem]]:
    ticked = {int(t) for t in ticked}
    items = checklist_items(level)
    answers = [{"item": i.pk, "text": i.text, "ticked": i.pk in ticked} for i in items]
    return answers, [i for i in items if i.pk not in ticked]


def _subjects(claim: Claim, comments: list[LineComment]) -> list[tuple[LineComment, str]]:
    """Check each comment points at this claim's own data, and describe what it is about."""
    designations = {
        d.pk: d for d in claim.designations.select_related("import_line__entry", "export").order_by("pk")
    }
    lines = {d.import_line_id: d.import_line for d in designations.values()}
    exports = {d.export_id: d.export for d in designations.values()}
    result = []
    for c in comments:
        if c.designation_id is not None:
            d = designations.get(c.designation_id)
            if d is None:
                raise ReviewError("a comment points at a designation that is not on this claim")
            line = d.import_line
            subject = (
                f"Entry {line.entry.display_number} line {line.line_number} -> export {d.export.export_ref}"
            )
            c = LineComment(c.text, d.pk, d.import_line_id, d.export_id)
        elif c.import_line_id is not None:
            line = lines.get(c.import_line_id)
            if line is None:
                raise ReviewError("a comment points at an import line that is not designated on this claim")
            subject = f"Entry {line.entry.display_number} line {line.line_number}"
        elif c.export_id is not None:
            export = exports.get(c.export_id)
            if export is None:
                raise ReviewError("a comment points at an export that is not on this claim")
            subject = f"Export {export.export_ref}"
        else:
            subject = "Claim"
        result.append((c, subject))
    return result


def _save_comments(review: Review, targeted: list[tuple[LineComment, str]]) -> None:
    ReviewComment.objects.bulk_create(
        ReviewComment(
            review=review,
            claim=review.claim,
            designation_id=c.designation_id,
            import_line_id=c.import_line_id,
            export_id=c.export_id,
            subject=subject,
            text=c.text.strip(),
            author=review.reviewer,
        )
        for c, subject in targeted
    )


@transaction.atomic
def review_approve(
    *,
    claim: Claim,
    by: User,
    level: int,
    ticked: Iterable[int],
    comment: str = "",
    line_comments: Iterable[LineComment] = (),
) -> Review:
    """Approve the claim at `level`: every active checklist item of that level must be ticked.

    Level 1 sends the claim to second review, level 2 makes it ready to file. Raises ReviewError for a
    claim not at that level or an unticked item, and claims.lifecycle.MoveRefused when this person may not
    review it (preparer, first reviewer at level 2, not a reviewer, client user).
    """
    level = Level(level)
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != LEVEL_STATUS[level]:
        raise ReviewError(
            f"claim {locked.display_number} is {status_phrase(locked.status)}, not in {level.label.lower()}"
        )
    answers, missing = _answers(level, ticked)
    if missing:
        raise ReviewError(
            "tick every checklist item to approve; not ticked: " + "; ".join(i.text for i in missing)
        )
    comments = [c for c in line_comments if c.text.strip()]
    targeted = _subjects(locked, comments)
    transition = claim_transition(
        claim=locked,
        to=APPROVED_STATUS[level],
        by=by,
        reason=f"{level.label} approved" + (f": {comment.strip()}" if comment.strip() else ""),
    )
    review = Review.objects.create(
        claim=locked,
        level=level,
        reviewer=by,
        decision=Review.Decision.APPROVE,
        answers=answers,
        comment=comment.strip(),
        transition=transition,
    )
    _save_comments(review, targeted)
    claim.status = locked.status
    return review


@transaction.atomic
def review_return(
    *,
    claim: Claim,
    by: User,
    comment: str = "",
    line_comments: Iterable[LineComment] = (),
    ticked: Iterable[int] = (),
) -> Review:
    """Return the claim for correction with at least one comment (overall or on a line).

    The preparer sees the comments on the claim, tied to the designations, lines and exports they concern;
    the claim goes back to draft when the preparer reopens it.
    """
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    level = RETURNABLE.get(locked.status)
    if level is None:
        raise ReviewError(f"claim {locked.display_number} is {status_phrase(locked.status)}, not in review")
    comments = [c for c in line_comments if c.text.strip()]
    if not comment.strip() and not comments:
        raise ReviewError("say what needs correcting: a comment is required to return a claim")
    targeted = _subjects(locked, comments)
    answers, _ = _answers(level, ticked)
    transition = claim_transition(
        claim=locked,
        to=S.RETURNED,
        by=by,
        reason=f"returned at {Level(level).label.lower()}: " + (comment.strip() or comments[0].text.strip()),
    )
    review = Review.objects.create(
        claim=locked,
        level=level,
        reviewer=by,
        decision=Review.Decision.RETURN,
        answers=answers,
        comment=comment.strip(),
        transition=transition,
    )
    _save_comments(review, targeted)
    claim.status = locked.status
    return review

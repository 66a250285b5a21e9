"""Reads for reviews: the queues per level with the age of each item, a claim's review history and the
comments on its lines. Scoped through drawback.accounts.tenancy."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.lifecycle import first_level_approvals, first_level_approver_id, move_refusal
from claims.models import Claim, ClaimClassTotal, ClaimTransition
from drawback.accounts.models import User
from drawback.accounts.tenancy import scope

from .models import Level, Review, ReviewComment
from .services import APPROVED_STATUS, LEVEL_STATUS


@dataclass
class QueueItem:
    claim: Claim
    entered_at: dt.datetime
    age: dt.timedelta
    total_claimed: Decimal
    first_reviewer: User | None
    can_review: bool
    why_not: str


def review_queue(*, user: User, level: int, now: dt.datetime | None = None) -> list[QueueItem]:
    """Claims waiting at this review level that the user's firm prepares, oldest first.

    The age runs from the claim's latest move into the level. Items the user may not review (their own
    claims, or at level 2 claims they approved at level 1) are listed with the reason.
    """
    level = Level(level)
    status = LEVEL_STATUS[level]
    now = now or timezone.now()
    entered = (
        ClaimTransition.objects.filter(claim=OuterRef("pk"), to_status=status)
        .order_by("-at", "-id")
        .values("at")
    )
    total = (
        ClaimClassTotal.objects.filter(claim=OuterRef("pk"))
        .values("claim")
        .annotate(s=Sum("claim_amount"))
        .values("s")
    )
    claims = (
        scope(Claim.objects.filter(status=status), user)
        .select_related("client", "preparer")
        .annotate(
            entered_at=Subquery(entered[:1]),
            total_claimed=Coalesce(Subquery(total, output_field=DecimalField()), Value(Decimal("0"))),
        )
        .order_by("entered_at", "id")
    )
    if level == Level.SECOND:
        claims = list(claims.annotate(first_approver_id=Subquery(first_level_approvals(OuterRef("pk"))[:1])))
    reviewers = User.objects.in_bulk({getattr(c, "first_approver_id", None) for c in claims} - {None})
    items = []
    for claim in claims:
        first = None
        if level == Level.SECOND:
            first = reviewers.get(first_level_approver_id(claim))
        refusal = move_refusal(claim, APPROVED_STATUS[level], user)
        entered_at = claim.entered_at or claim.created_at
        items.append(
            QueueItem(
                claim=claim,
                entered_at=entered_at,
                age=now - entered_at,
                total_claimed=claim.total_claimed,
                first_reviewer=first,
                can_review=refusal is None,
                why_not=refusal or "",
            )
        )
    return items


def claim_reviews(*, claim: Claim) -> list[Review]:
    """Every sign-off on the claim, oldest first, with its comments."""
    return list(
        claim.reviews.select_related("reviewer").prefetch_related("comments__author").order_by("at", "id")
    )


def latest_return(*, claim: Claim) -> Review | None:
    return claim.reviews.filter(decision=Review.Decision.RETURN).order_by("-at", "-id").first()


def comments_by_target(*, claim: Claim) -> dict[str, dict[int, list[ReviewComment]]]:
    """{"designation"|"import_line"|"export": {id: [comments]}}, to show each comment beside its row."""
    result: dict[str, dict[int, list[ReviewComment]]] = {
        "designation": defaultdict(list),
        "import_line": defaultdict(list),
        "export": defaultdict(list),
    }
    for comment in claim.review_comments.select_related("author", "review").order_by("at", "id"):
        if comment.designation_id:
            result["designation"][comment.designation_id].append(comment)
        elif comment.import_line_id:
            result["import_line"][comment.import_line_id].append(comment)
        elif comment.export_id:
            result["export"][comment.export_id].append(comment)
    return result

"""The claim state machine: the only code that writes Claim.status.

Every move is checked against ALLOWED_MOVES and recorded as a ClaimTransition (who, when, from, to, why).
Checks that depend on people (segregation of duties) and effects of a move (releasing designated
quantities, notifications) hang off this function through GUARDS and EFFECTS so that they cannot be
bypassed by calling code.
"""

from collections.abc import Callable

from django.db import transaction

from drawback.accounts.models import User

from .models import Claim, ClaimTransition

S = Claim.Status

ALLOWED_MOVES: dict[str, set[str]] = {
    S.DRAFT: {S.VALIDATED, S.WITHDRAWN},
    S.VALIDATED: {S.FIRST_REVIEW, S.DRAFT, S.WITHDRAWN},
    S.FIRST_REVIEW: {S.SECOND_REVIEW, S.RETURNED},
    S.SECOND_REVIEW: {S.READY_TO_FILE, S.RETURNED},
    S.RETURNED: {S.DRAFT, S.WITHDRAWN},
    S.READY_TO_FILE: {S.FILED, S.RETURNED, S.WITHDRAWN},
    S.FILED: {S.ACCEPTED, S.REJECTED},
    S.REJECTED: {S.DRAFT, S.WITHDRAWN},
    S.ACCEPTED: {S.INFO_REQUESTED, S.ACTION_PROPOSED, S.ACCELERATED_PAID, S.LIQUIDATED, S.DEEMED_LIQUIDATED},
    S.INFO_REQUESTED: {S.ACCEPTED, S.ACTION_PROPOSED, S.ACCELERATED_PAID, S.LIQUIDATED},
    S.ACTION_PROPOSED: {S.ACCEPTED, S.ACCELERATED_PAID, S.LIQUIDATED},
    S.ACCELERATED_PAID: {S.INFO_REQUESTED, S.ACTION_PROPOSED, S.LIQUIDATED, S.DEEMED_LIQUIDATED},
    S.LIQUIDATED: {S.PROTEST_FILED, S.CLOSED},
    S.DEEMED_LIQUIDATED: {S.CLOSED},
    S.PROTEST_FILED: {S.LIQUIDATED, S.CLOSED},
    S.CLOSED: set(),
    S.WITHDRAWN: set(),
}

# Statuses in which the claim has gone to CBP: designations and amounts are frozen.
FILED_STATUSES = frozenset(
    {
        S.FILED,
        S.ACCEPTED,
        S.INFO_REQUESTED,
        S.ACTION_PROPOSED,
        S.ACCELERATED_PAID,
        S.LIQUIDATED,
        S.DEEMED_LIQUIDATED,
        S.PROTEST_FILED,
        S.CLOSED,
    }
)
# Statuses whose designations do not hold import quantities (product decision 10).
RELEASED_STATUSES = frozenset({S.WITHDRAWN, S.REJECTED})

Guard = Callable[[Claim, str, User | None], None]
Effect = Callable[[Claim, str, str, User | None], None]
GUARDS: list[Guard] = []
EFFECTS: list[Effect] = []


class TransitionError(Exception):
    """The move is not allowed from the claim's current status, or a guard refused it."""


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_MOVES.get(from_status, set())


@transaction.atomic
def claim_transition(*, claim: Claim, to: str, by: User | None, reason: str = "") -> ClaimTransition:
    """Move the claim to `to`, or raise TransitionError. Locks the row so two moves cannot interleave.

    Not idempotent on purpose: moving to the status the claim is already in is an error, which lets
    callers that process CBP responses detect duplicates.
    """
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    from_status = locked.status
    if not can_move(from_status, to):
        raise TransitionError(
            f"claim {locked.display_number} cannot move from {S(from_status).label} to {S(to).label}"
        )
    for guard in GUARDS:
        guard(locked, to, by)
    Claim.objects.filter(pk=locked.pk).update(status=to)
    record = ClaimTransition.objects.create(
        claim=locked, from_status=from_status, to_status=to, by=by, reason=reason
    )
    locked.status = to
    for effect in EFFECTS:
        effect(locked, from_status, to, by)
    claim.status = to
    return record

"""The claim state machine: the only code that writes Claim.status.

Every move is checked against ALLOWED_MOVES and recorded as a ClaimTransition (who, when, from, to, why).
Checks that depend on people (segregation of duties) and effects of a move (releasing designated
quantities, notifications) hang off this function through GUARDS and EFFECTS so that they cannot be
bypassed by calling code.
"""

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet

from drawback.accounts.models import User

from .models import Claim, ClaimTransition, status_phrase

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
    # A deemed liquidation is a liquidation: it may be protested like one (19 U.S.C. 1514(a)).
    S.DEEMED_LIQUIDATED: {S.PROTEST_FILED, S.CLOSED},
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
# A filed claim can be replaced by a correction (CATAIR action R) once CBP accepted it and until it is
# liquidated; after liquidation a change goes through a protest instead.
CORRECTABLE_STATUSES = frozenset({S.ACCEPTED, S.INFO_REQUESTED, S.ACTION_PROPOSED, S.ACCELERATED_PAID})
# Statuses only CBP's word can put a claim in: its answer to the filing, its requests, its payments and its
# liquidation, and the end of the claim's life once the liquidation is final. They are recorded without a
# person (by=None): by the gateway processing CBP's messages, by a CBP notice entered by one member of the
# firm and confirmed by another (claims.cbp.notices), or by the rules of law (deemed liquidation, closing
# after the protest period). Nobody moves a claim there by hand, so no one person can, say, mark a claim
# liquidated and then closed and end its protest window.
CBP_TARGETS = frozenset(
    {
        S.ACCEPTED,
        S.REJECTED,
        S.INFO_REQUESTED,
        S.ACTION_PROPOSED,
        S.ACCELERATED_PAID,
        S.LIQUIDATED,
        S.DEEMED_LIQUIDATED,
        S.CLOSED,
    }
)

# Review decisions and the level they belong to.
REVIEW_MOVES: dict[tuple[str, str], int] = {
    (S.FIRST_REVIEW, S.SECOND_REVIEW): 1,
    (S.FIRST_REVIEW, S.RETURNED): 1,
    (S.SECOND_REVIEW, S.READY_TO_FILE): 2,
    (S.SECOND_REVIEW, S.RETURNED): 2,
    (S.READY_TO_FILE, S.RETURNED): 2,
}
REVIEWER_ROLES = frozenset({User.Role.REVIEWER, User.Role.FIRM_ADMIN})


class TransitionError(Exception):
    """The move is not allowed from the claim's current status, or a guard refused it."""


class MoveRefused(TransitionError):
    """The move exists, but not for this person (segregation of duties, role, firm)."""


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_MOVES.get(from_status, set())


def is_cbp_move(from_status: str, to_status: str) -> bool:
    """A move only CBP's word can make. The one exception: once the firm has answered CBP's CF-28/CF-29,
    the claim goes back to where it stood (accepted, or accelerated payment received) on the firm's word."""
    if from_status in (S.INFO_REQUESTED, S.ACTION_PROPOSED) and to_status in (S.ACCEPTED, S.ACCELERATED_PAID):
        return False
    return to_status in CBP_TARGETS


def first_level_approvals(claim) -> QuerySet:
    """The first-review approvals of a claim (or of OuterRef("pk") in a list query), latest first."""
    return (
        ClaimTransition.objects.filter(claim=claim, from_status=S.FIRST_REVIEW, to_status=S.SECOND_REVIEW)
        .order_by("-at", "-id")
        .values("by_id")
    )


def first_level_approver_id(claim: Claim) -> int | None:
    """Who approved the first review of the claim's current review round. A list of claims annotates
    `first_approver_id` from `first_level_approvals(OuterRef("pk"))` so that this costs no query per claim."""
    if hasattr(claim, "first_approver_id"):
        return claim.first_approver_id
    last = first_level_approvals(claim).first()
    return last["by_id"] if last else None


def staff_refusal(claim: Claim, by: User | None) -> str | None:
    """Why this person may not act on the claim at all, or None: only the preparing firm's staff act."""
    if by is None:
        return "a named member of the firm must do this"
    if not by.is_active or not by.is_authenticated:
        return "inactive users cannot act on claims"
    if by.is_client_user:
        return "client users can read their claims but not change them"
    if by.firm_id != claim.client.firm_id and not (by.is_superuser and not by.firm_id):
        return "only staff of the firm preparing this claim can act on it"
    return None


def move_refusal(claim: Claim, to: str, by: User | None) -> str | None:
    """Why this person may not make this move, or None. The one place segregation of duties is decided."""
    if by is None and to in CBP_TARGETS:
        return None  # on CBP's word
    if by is None and (claim.status, to) == (S.READY_TO_FILE, S.RETURNED):
        return None  # the data changed after approval (claims.frozen)
    if is_cbp_move(claim.status, to):
        return (
            f"only CBP's word moves a claim to {status_phrase(to)}: it comes through the CBP gateway, or "
            "as a CBP notice entered by one person and confirmed by another"
        )
    refusal = staff_refusal(claim, by)
    if refusal:
        return refusal
    level = REVIEW_MOVES.get((claim.status, to))
    if level:
        if by.role not in REVIEWER_ROLES:
            return "only reviewers and firm admins review claims"
        if by.pk == claim.preparer_id:
            return "the preparer of a claim cannot review it"
        if claim.status == S.SECOND_REVIEW and first_level_approver_id(claim) == by.pk:
            return "the second review must be made by someone other than the first reviewer"
    return None


def moves_for(claim: Claim, by: User | None) -> list[str]:
    """Statuses this person may move the claim to now (before data checks such as pre-flight)."""
    return [to for to in S.values if can_move(claim.status, to) and move_refusal(claim, to, by) is None]


def guard_people(claim: Claim, to: str, by: User | None) -> None:
    reason = move_refusal(claim, to, by)
    if reason:
        raise MoveRefused(f"claim {claim.display_number}: {reason}")


def guard_preflight(claim: Claim, to: str, by: User | None) -> None:
    """No claim reaches review with a pre-flight error; none is filed outside its time limits."""
    from django.utils import timezone

    from .preflight import FILING_TIME_RULES, claim_preflight

    if to == S.VALIDATED:
        rules = None
    elif to == S.FILED:
        rules = FILING_TIME_RULES
    else:
        return
    errors = [i for i in claim_preflight(claim=claim, on=timezone.localdate(), only=rules) if i.is_error]
    if errors:
        shown = "; ".join(f"{e.rule}: {e.message}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise TransitionError(f"claim {claim.display_number} fails pre-flight: {shown}{more}")


def guard_replacement(claim: Claim, to: str, by: User | None) -> None:
    """A correction can only be filed while the claim it replaces can still be replaced (CAT27 action R)."""
    if to == S.FILED and claim.replaces_id:
        replaced = Claim.objects.get(pk=claim.replaces_id)
        if replaced.status not in CORRECTABLE_STATUSES:
            raise TransitionError(
                f"claim {replaced.display_number} is {status_phrase(replaced.status)}; "
                "it can no longer be replaced"
            )


def guard_protest(claim: Claim, to: str, by: User | None) -> None:
    """A claim is under protest only with the protest on record (date, number, grounds), and leaves it only
    once CBP's decision is recorded and confirmed (claims.cbp.services.protest_file,
    protest_decision_confirm)."""
    if to != S.PROTEST_FILED and claim.status != S.PROTEST_FILED:
        return
    pending = claim.protests.filter(confirmed_at=None).exists()
    if to == S.PROTEST_FILED and not pending:
        raise TransitionError(
            f"claim {claim.display_number}: record the protest (date filed, protest number, grounds) first"
        )
    if claim.status == S.PROTEST_FILED and pending:
        raise TransitionError(
            f"claim {claim.display_number}: record CBP's decision on the protest (allowed or denied), "
            "confirmed by a second person, first"
        )


def effect_ledger(claim: Claim, from_status: str, to: str, by: User | None) -> None:
    """Release or re-reserve designated quantities (product decision 10)."""
    from .ledger import LedgerError, on_transition

    try:
        on_transition(claim, from_status, to)
    except LedgerError as exc:
        raise TransitionError(str(exc)) from exc


def effect_approval_digest(claim: Claim, from_status: str, to: str, by: User | None) -> None:
    """At the second approval, keep a digest of the data the claim rests on (claims.frozen)."""
    if to == S.READY_TO_FILE:
        from .frozen import claim_data_digest

        digest = claim_data_digest(claim)
        Claim.objects.filter(pk=claim.pk).update(approved_data_digest=digest)
        claim.approved_data_digest = digest


Guard = Callable[[Claim, str, User | None], None]
Effect = Callable[[Claim, str, str, User | None], None]
# People first (cheap, and a refusal should not run the pre-flight), then the data.
GUARDS: list[Guard] = [guard_people, guard_replacement, guard_protest, guard_preflight]
# Effects run inside the move's transaction: an effect that fails undoes the move.
EFFECTS: list[Effect] = [effect_ledger, effect_approval_digest]


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

"""Reads for claims and findings. Every read of client data is scoped through drawback.accounts.tenancy."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from drawback.accounts.models import Privilege
from drawback.accounts.tenancy import get_scoped_or_404, scope

from .models import Claim, ClaimClassTotal, ClaimTransition, Designation, Finding, PreflightRun


def finding_counts_by_client(*, clients: QuerySet) -> dict[int, dict[str, int]]:
    """{client id: {"error": n, "warning": n}} of open findings, in one query."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"error": 0, "warning": 0})
    rows = (
        Finding.objects.filter(client__in=clients, status=Finding.Status.OPEN)
        .values("client_id", "severity")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["client_id"]][row["severity"]] = row["n"]
    return counts


# --- claims ---------------------------------------------------------------------------------------------

_S = Claim.Status
# The stages a client follows a claim through (dashboard pipeline, claim list filter), with the statuses
# each gathers. A rejected claim goes back to preparation; a withdrawn one is in no stage.
STAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "preparation": ("In preparation", (_S.DRAFT, _S.VALIDATED, _S.RETURNED, _S.REJECTED)),
    "review": ("In review", (_S.FIRST_REVIEW, _S.SECOND_REVIEW, _S.READY_TO_FILE)),
    "filed": ("Filed", (_S.FILED,)),
    "accepted": ("Accepted by CBP", (_S.ACCEPTED, _S.INFO_REQUESTED, _S.ACTION_PROPOSED)),
    "accelerated_paid": ("Accelerated payment received", (_S.ACCELERATED_PAID,)),
    "liquidated": ("Liquidated", (_S.LIQUIDATED, _S.DEEMED_LIQUIDATED, _S.PROTEST_FILED)),
    "closed": ("Closed", (_S.CLOSED,)),
}


def claim_list(*, user, client=None, status: str | None = None, stage: str | None = None) -> QuerySet[Claim]:
    """Claims the user may see (one client's when given), with their total claimed and designation count."""
    total = (
        ClaimClassTotal.objects.filter(claim=OuterRef("pk"))
        .values("claim")
        .annotate(s=Sum("claim_amount"))
        .values("s")
    )
    designations = (
        Designation.objects.filter(claim=OuterRef("pk")).values("claim").annotate(n=Count("id")).values("n")
    )
    claims = scope(Claim.objects.select_related("client", "preparer", "replaces"), user)
    if client is not None:
        claims = claims.filter(client=client)
    if status:
        claims = claims.filter(status=status)
    if stage in STAGES:
        claims = claims.filter(status__in=STAGES[stage][1])
    return claims.annotate(
        total_claimed=Coalesce(Subquery(total, output_field=DecimalField()), Value(Decimal("0"))),
        designation_count=Coalesce(Subquery(designations), Value(0)),
    ).order_by("-created_at", "-id")


def claim_get(*, user, pk: int, client=None) -> Claim:
    """The claim if the user may see it; 404 otherwise (also when it belongs to another client code)."""
    claims = Claim.objects.select_related("client__firm", "preparer", "replaces")
    if client is not None:
        claims = claims.filter(client=client)
    return get_scoped_or_404(claims, user, pk=pk)


def claim_timeline(*, claim: Claim, for_client: bool = False) -> list[ClaimTransition]:
    """The claim's moves. `for_client`: the firm's own notes (review comments, reasons for reopening, the
    system's return to review when data changed after approval) are left out; CBP's words (a move only
    CBP's word makes, from the gateway or a confirmed notice) and the filing stay."""
    from .lifecycle import CBP_TARGETS

    moves = list(claim.transitions.select_related("by").order_by("at", "id"))
    if for_client:
        for move in moves:
            cbp_word = move.by_id is None and move.to_status in CBP_TARGETS
            if not (cbp_word or move.to_status == Claim.Status.FILED):
                move.reason = ""
    return moves


def claim_latest_preflight(*, claim: Claim) -> PreflightRun | None:
    return claim.preflight_runs.select_related("by").order_by("-at", "-id").first()


def claim_designations(*, claim: Claim) -> QuerySet[Designation]:
    return claim.designations.select_related("import_line__entry", "export").order_by(
        "export__export_date",
        "export__export_ref",
        "import_line__entry__entry_number",
        "import_line__line_number",
    )


def claim_open_correction(*, claim: Claim) -> Claim | None:
    from .lifecycle import RELEASED_STATUSES

    return claim.corrections.exclude(status__in=RELEASED_STATUSES).order_by("-created_at").first()


# Actions a person can take on a claim page, by the move or service they lead to.
ACTIONS = {
    "validate": "Run pre-flight and validate",
    "preflight": "Run pre-flight only",
    "submit": "Send to first review",
    "review": "Review",
    "reopen": "Back to draft",
    "withdraw": "Withdraw",
    "correct": "Create a correction",
    "edit_designations": "Remove designations",
    "package": "Build the filing package",
    "file": "File with CBP",
    "check_cbp": "Check CBP now",
    "respond": "Answer CBP's request",
    "protest": "Record a protest",
    "protest_decision": "Record CBP's decision on the protest",
    "cbp_notice": "Enter a CBP notice received outside the gateway",
    "cbp_notice_confirm": "Confirm CBP's notice entered by a colleague",
    "protest_confirm": "Confirm CBP's decision on the protest",
    "protest_discard": "Discard CBP's decision entered by mistake",
}


def claim_actions(*, claim: Claim, user) -> list[str]:
    """What this user may do to the claim now. Client users read only; staff see what their role allows."""
    from .cbp.services import OPEN_STATUSES
    from .filing.selectors import claim_package_documents
    from .filing.services import PACKAGE_STATUSES
    from .lifecycle import CORRECTABLE_STATUSES, FILED_STATUSES, REVIEW_MOVES, moves_for, staff_refusal

    if staff_refusal(claim, user):
        return []
    S = Claim.Status
    moves = set(moves_for(claim, user))
    actions = []
    if claim.status == S.DRAFT:
        actions += ["validate", "preflight", "edit_designations"]
        # Accelerated payment (19 CFR 190.92) is asked for, or no longer, while the claim is a draft; asking
        # needs the client's approved privilege in force (claims.services.claim_accelerated_payment_set).
        if claim.accelerated_payment:
            actions.append("accelerated_payment_stop")
        elif claim.client.privilege(Privilege.Kind.ACCELERATED_PAYMENT) is not None:
            actions.append("accelerated_payment_request")
    if S.FIRST_REVIEW in moves and claim.status == S.VALIDATED:
        actions.append("submit")
    if any((claim.status, to) in REVIEW_MOVES for to in moves):
        actions.append("review")
    if S.DRAFT in moves and claim.status != S.DRAFT:
        actions.append("reopen")
    if S.WITHDRAWN in moves:
        actions.append("withdraw")
    if claim.status in CORRECTABLE_STATUSES and claim_open_correction(claim=claim) is None:
        actions.append("correct")
    # A filed claim's package is kept as transmitted: it is built again only if it was never stored.
    if claim.status in PACKAGE_STATUSES and not (
        claim.status in FILED_STATUSES and claim_package_documents(claim=claim)
    ):
        actions.append("package")
    if S.FILED in moves and claim.status == S.READY_TO_FILE:
        actions.append("file")
    if claim.filed_on and claim.status in OPEN_STATUSES:
        actions.append("check_cbp")
    if claim.cbp_requests.filter(status="open").exists():
        actions.append("respond")
    # CBP's word that came outside the gateway is entered on the claim's CBP page and applied when a second
    # person confirms it (claims.cbp.notices).
    from .cbp.notices import NOTICE_STATUSES

    if claim.status in NOTICE_STATUSES:
        actions.append("cbp_notice")
    if claim.cbp_notices.filter(status="pending").exclude(entered_by=user).exists():
        actions.append("cbp_notice_confirm")
    if (
        S.PROTEST_FILED in moves
        and claim_protest_open(claim=claim) is None
        and claim_protest_window_open(claim=claim)
    ):
        actions.append("protest")
    protest = claim_protest_open(claim=claim) if claim.status == S.PROTEST_FILED else None
    if protest is not None and not protest.awaiting_confirmation:
        actions.append("protest_decision")
    if protest is not None and protest.awaiting_confirmation:
        # CBP's decision entered by one person applies once another confirms it (or it is set aside).
        if protest.decided_by_id != user.pk:
            actions.append("protest_confirm")
        actions.append("protest_discard")
    return actions


def claim_protest_window_open(*, claim: Claim, today=None) -> bool:
    """Whether a protest of the claim's liquidation can still be filed (180 days, 19 U.S.C. 1514(c)(3))."""
    from django.utils import timezone

    from drawback.lib.dates import protest_deadline

    from .cbp.models import Liquidation

    liquidation = Liquidation.objects.filter(claim=claim).exclude(liquidated_on=None).first()
    if liquidation is None:
        return False
    return (today or timezone.localdate()) <= protest_deadline(liquidation.liquidated_on)


def claim_protest_open(*, claim: Claim):
    """The protest whose CBP decision is not applied yet (not entered, or not confirmed), if any."""
    return claim.protests.filter(confirmed_at=None).order_by("-filed_on", "-id").first()

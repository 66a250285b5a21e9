"""Reads for the claim's life with CBP: overdue requests, the claim's CBP overview, reconciliation."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.models import ACCOUNTING_CLASSES, Claim
from drawback.accounts.tenancy import clients_for, scope
from drawback.lib import dates

from .models import (
    CbpMessage,
    CbpNotice,
    CbpRequest,
    CbpTransmission,
    Liquidation,
    Notification,
    Payment,
    Protest,
)

NIL = Decimal("0.00")  # shown as 0.00, not 0


def cbp_requests_for(user, *, status: str | None = None) -> QuerySet[CbpRequest]:
    """CBP requests the user may see, overdue first, then by due date."""
    queryset = scope(CbpRequest.objects.all(), user, "claim__client").select_related(
        "claim", "claim__client", "assigned_to"
    )
    if status:
        queryset = queryset.filter(status=status)
    today = timezone.localdate()
    urgency = Case(
        When(status=CbpRequest.Status.OPEN, due_on__lt=today, then=Value(0)),
        When(status=CbpRequest.Status.OPEN, then=Value(1)),
        default=Value(2),
    )
    return queryset.order_by(urgency, "due_on", "pk")


def overdue_cbp_requests(user, *, today: dt.date | None = None) -> QuerySet[CbpRequest]:
    """Open CF-28/CF-29 requests past their due date, among the claims the user may see."""
    today = today or timezone.localdate()
    return (
        scope(
            CbpRequest.objects.filter(status=CbpRequest.Status.OPEN, due_on__lt=today), user, "claim__client"
        )
        .select_related("claim", "claim__client", "assigned_to")
        .order_by("due_on", "pk")
    )


def with_overdue_request_count(claims: QuerySet[Claim], *, today: dt.date | None = None) -> QuerySet[Claim]:
    """Annotate a claim list with `overdue_cbp_requests` (a count) in the same query, for list pages."""
    today = today or timezone.localdate()
    overdue = (
        CbpRequest.objects.filter(claim=OuterRef("pk"), status=CbpRequest.Status.OPEN, due_on__lt=today)
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return claims.annotate(
        overdue_cbp_requests=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0))
    )


def claim_cbp_notices(*, claim: Claim, user) -> list[CbpNotice]:
    """The claim's CBP notices entered by hand, newest first, each with `can_confirm` for this user (firm
    staff other than the person who entered it, while it waits)."""
    notices = claim.cbp_notices.select_related("entered_by", "decided_by", "document")
    rows = list(notices.order_by("-entered_at", "-id"))
    staff = user.is_authenticated and user.is_firm_staff
    for notice in rows:
        waiting = notice.status == CbpNotice.Status.PENDING
        notice.can_confirm = staff and waiting and notice.entered_by_id != user.pk
        notice.can_discard = staff and waiting
    return rows


def unread_notification_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at=None).count()


def notifications_for(user) -> QuerySet[Notification]:
    """The user's in-app notifications, limited to the claims and clients the user may still see."""
    visible = clients_for(user)
    return (
        Notification.objects.filter(user=user)
        .filter(Q(claim__client__in=visible) | Q(claim__isnull=True, client__in=visible))
        .select_related("claim__client", "client")
    )


# --- reconciliation ---


@dataclass
class ReconRow:
    accounting_class: str
    claimed: Decimal
    accelerated: Decimal | None = None  # None: no accelerated payment received
    liquidated: Decimal | None = None  # None: not liquidated yet
    refunded: Decimal = NIL  # refunds on liquidation less bills
    flags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return ACCOUNTING_CLASSES.get(self.accounting_class, "")

    @property
    def paid(self) -> Decimal:
        return (self.accelerated or NIL) + self.refunded

    @property
    def expected(self) -> Decimal:
        """What CBP owes in the end: the liquidated amount once liquidated, else the claimed amount."""
        return self.liquidated if self.liquidated is not None else self.claimed

    @property
    def difference(self) -> Decimal:
        """Paid less claimed: negative when CBP paid less than the claim."""
        return self.paid - self.claimed


@dataclass
class Reconciliation:
    rows: list[ReconRow]
    total: ReconRow
    liquidated_on: dt.date | None = None
    deemed: bool = False
    protest_deadline: dt.date | None = None
    refund_due_date: dt.date | None = None
    balance: Decimal | None = None  # liquidated less paid: positive = CBP still owes; None before liquidation
    balance_overdue: bool = False

    @property
    def balance_abs(self) -> Decimal | None:
        return abs(self.balance) if self.balance is not None else None

    @property
    def has_differences(self) -> bool:
        return any(row.flags for row in self.rows) or self.balance_overdue


def claim_reconciliation(*, claim: Claim, today: dt.date | None = None) -> Reconciliation:
    """Paid and liquidated against claimed, per accounting class and in total (exact Decimals)."""
    today = today or timezone.localdate()
    claimed = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
    payments = list(Payment.objects.filter(claim=claim))
    liquidation = Liquidation.objects.filter(claim=claim).exclude(liquidated_on=None).first()
    accelerated: dict[str, Decimal] = {}
    refunded: dict[str, Decimal] = {}
    for payment in payments:
        for cls, amount in payment.class_amounts.items():
            if payment.kind == Payment.Kind.ACCELERATED:
                accelerated[cls] = accelerated.get(cls, NIL) + amount
            elif payment.kind == Payment.Kind.LIQUIDATION_REFUND:
                refunded[cls] = refunded.get(cls, NIL) + amount
            else:
                refunded[cls] = refunded.get(cls, NIL) - amount
    liquidated = liquidation.class_amounts if liquidation else {}
    any_ap = any(p.kind == Payment.Kind.ACCELERATED for p in payments)
    classes = sorted(set(claimed) | set(accelerated) | set(refunded) | set(liquidated))
    rows = []
    for cls in classes:
        row = ReconRow(
            accounting_class=cls,
            claimed=claimed.get(cls, NIL),
            accelerated=accelerated.get(cls, NIL) if any_ap else None,
            liquidated=liquidated.get(cls, NIL) if liquidation else None,
            refunded=refunded.get(cls, NIL),
        )
        if row.accelerated is not None and row.accelerated != row.claimed:
            row.flags.append("accelerated payment differs from the claim")
        if row.liquidated is not None and row.liquidated != row.claimed:
            row.flags.append("liquidated amount differs from the claim")
        if row.liquidated is not None and row.paid != row.liquidated:
            row.flags.append("paid differs from the liquidated amount")
        rows.append(row)
    total = ReconRow(
        accounting_class="total",
        claimed=sum((r.claimed for r in rows), NIL),
        accelerated=sum((r.accelerated or NIL for r in rows), NIL) if any_ap else None,
        liquidated=sum((r.liquidated or NIL for r in rows), NIL) if liquidation else None,
        refunded=sum((r.refunded for r in rows), NIL),
    )
    recon = Reconciliation(rows=rows, total=total)
    if liquidation:
        recon.liquidated_on = liquidation.liquidated_on
        recon.deemed = liquidation.deemed
        recon.protest_deadline = dates.protest_deadline(liquidation.liquidated_on)
        recon.refund_due_date = dates.refund_due_date(liquidation.liquidated_on)
        recon.balance = total.liquidated - total.paid
        recon.balance_overdue = recon.balance != 0 and today > recon.refund_due_date
    return recon


# --- the claim's CBP overview (panel and API) ---


@dataclass
class CbpOverview:
    claim: Claim
    transmissions: list[CbpTransmission]
    messages: list[CbpMessage]
    requests: list[CbpRequest]
    payments: list[Payment]
    liquidation: Liquidation | None
    deemed_liquidation_date: dt.date | None
    deemed_liquidation_note: str
    protest_deadline: dt.date | None
    reconciliation: Reconciliation
    conditions: list[dict]  # ACE conditions of the latest DX answer
    today: dt.date
    protests: list[Protest] = field(default_factory=list)

    @property
    def overdue_requests(self) -> list[CbpRequest]:
        return [r for r in self.requests if r.is_overdue(self.today)]


def claim_cbp_overview(*, claim: Claim, today: dt.date | None = None) -> CbpOverview:
    from .services import claim_deemed_liquidation_date

    today = today or timezone.localdate()
    messages = list(claim.cbp_messages.order_by("-received_at", "-id"))
    liquidation = Liquidation.objects.filter(claim=claim).first()
    deemed_on = claim_deemed_liquidation_date(claim=claim)
    if not claim.filed_on:
        note = "not filed yet"
    elif liquidation and liquidation.liquidated_on and liquidation.deemed:
        deemed_on = liquidation.liquidated_on
        note = "deemed liquidated at the amount claimed (19 U.S.C. 1504(a)(2)(A))"
    elif liquidation and liquidation.liquidated_on:
        deemed_on = None
        note = (
            f"no longer applies: CBP liquidated the claim on {liquidation.liquidated_on:%Y-%m-%d} "
            "(19 U.S.C. 1504(a))"
        )
    elif deemed_on is None and liquidation and liquidation.suspended:
        note = "liquidation suspended: no deemed-liquidation date (19 U.S.C. 1504(c))"
    elif deemed_on is None:
        note = (
            "the designated import entries are not all liquidated and final, so the claim is deemed "
            "liquidated only on deposit of estimated duties and a written request (19 U.S.C. 1504(a)(2)(B))"
        )
    elif liquidation and liquidation.extended:
        note = "extended by CBP: latest date after all extensions (19 U.S.C. 1504(b))"
    else:
        note = "one year after the complete claim (19 U.S.C. 1504(a)(2)(A))"
    dispositions = [m for m in messages if m.kind in (CbpMessage.Kind.ACCEPTED, CbpMessage.Kind.REJECTED)]
    reconciliation = claim_reconciliation(claim=claim, today=today)
    return CbpOverview(
        claim=claim,
        transmissions=list(claim.cbp_transmissions.order_by("-created_at", "-id")),
        messages=messages,
        requests=list(
            claim.cbp_requests.select_related("assigned_to")
            .annotate(n_documents=Count("documents"))
            .order_by("status", "due_on")
        ),
        payments=list(claim.payments.order_by("paid_on", "id")),
        liquidation=liquidation,
        deemed_liquidation_date=deemed_on,
        deemed_liquidation_note=note,
        protest_deadline=reconciliation.protest_deadline,
        reconciliation=reconciliation,
        conditions=dispositions[0].conditions if dispositions else [],
        today=today,
        protests=list(
            claim.protests.select_related("filed_by", "decided_by", "confirmed_by").order_by("filed_on", "id")
        ),
    )

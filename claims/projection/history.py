"""The history the projection reads, from the database: each claim as a ClaimRecord (its dates and money),
read in a fixed number of grouped queries whatever the number of claims, and the firm's observations
(lags and ratios) kept for the day so a dashboard does not read every claim of the firm on each view."""

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal

from django.core.cache import cache
from django.db.models import DecimalField, Max, Min, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.models import (
    DRAWBACK_PORTS,
    CbpRequest,
    Claim,
    ClaimClassTotal,
    ClaimTransition,
    Liquidation,
    Payment,
)
from drawback.lib.money import ZERO

from .method import ClaimRecord, Observations, observe

S = Claim.Status
OFFICES = dict(DRAWBACK_PORTS)
# Claims that will bring no money: withdrawn, or rejected by CBP (the firm corrects and files again).
NO_MONEY = (S.WITHDRAWN, S.REJECTED)
# Extended liquidation ends at the latest four years after the claim (19 U.S.C. 1504(b)): older claims
# can have no event inside the lookback window.
HISTORY_YEARS_DAYS = 4 * 366


def _day(value) -> dt.date | None:
    if value is None:
        return None
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def claim_records(*, claims: QuerySet[Claim]) -> list[ClaimRecord]:
    """Every claim of the queryset that may bring money, as the projection method reads it."""
    claims = claims.exclude(status__in=NO_MONEY)
    totals = (
        ClaimClassTotal.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(s=Sum("claim_amount"))
        .values("s")
    )
    review = (
        ClaimTransition.objects.filter(claim=OuterRef("pk"), to_status=S.FIRST_REVIEW)
        .order_by()
        .values("claim")
        .annotate(first=Min("at"))
        .values("first")
    )
    cf29 = (
        CbpRequest.objects.filter(claim=OuterRef("pk"), kind=CbpRequest.Kind.CF29)
        .order_by()
        .values("claim")
        .annotate(first=Min("issued_on"))
        .values("first")
    )
    rows = list(
        claims.order_by()
        .annotate(
            claimed=Coalesce(Subquery(totals, output_field=DecimalField()), Value(ZERO)),
            review_at=Subquery(review),
            cf29_on=Subquery(cf29),
        )
        .values_list(
            "pk",
            "number",
            "drawback_port",
            "claimed",
            "accelerated_payment",
            "created_at",
            "review_at",
            "filed_on",
            "cf29_on",
            "status",
        )
    )
    if not rows:
        return []
    ids = claims.order_by().values("pk")
    paid: dict[int, dict[str, tuple[Decimal, dt.date, dt.date]]] = defaultdict(dict)
    for claim_id, kind, total, first, last in (
        Payment.objects.filter(claim__in=ids)
        .order_by()
        .values("claim_id", "kind")
        .annotate(total=Sum("total"), first=Min("paid_on"), last=Max("paid_on"))
        .values_list("claim_id", "kind", "total", "first", "last")
    ):
        paid[claim_id][kind] = (total, first, last)
    liquidations = {
        row[0]: row[1:]
        for row in Liquidation.objects.filter(claim__in=ids).values_list(
            "claim_id", "liquidated_on", "total", "extended", "extended_on", "suspended", "suspended_on"
        )
    }
    records = []
    for pk, number, port, claimed, accelerated, created, review_at, filed, cf29_on, status in rows:
        payments = paid.get(pk, {})
        ap = payments.get(Payment.Kind.ACCELERATED)
        refund = payments.get(Payment.Kind.LIQUIDATION_REFUND)
        bill = payments.get(Payment.Kind.BILL)
        liq_on, liq_total, extended, extended_on, suspended, suspended_on = liquidations.get(
            pk, (None, None, False, None, False, None)
        )
        settled_days = [p[2] for p in (refund, bill) if p]
        filed_day = filed
        records.append(
            ClaimRecord(
                claim_id=pk,
                number=f"{number[:3]}-{number[3:10]}-{number[10:]}" if len(number) == 11 else number,
                office=port,
                office_name=OFFICES.get(port, port),
                claimed=claimed,
                accelerated_requested=accelerated,
                created_on=_day(created),
                review_started_on=_day(review_at),
                filed_on=filed_day,
                accelerated_paid_on=ap[1] if ap else None,
                accelerated_paid=ap[0] if ap else ZERO,
                cf29_on=cf29_on,
                liquidated_on=liq_on,
                liquidated=liq_total if liq_on else None,
                extended_on=(extended_on or filed_day) if extended else None,
                suspended_on=(suspended_on or filed_day) if suspended else None,
                settled_on=max(settled_days) if settled_days else None,
                settled=(refund[0] if refund else ZERO) - (bill[0] if bill else ZERO),
                closed=status in (S.PROTEST_FILED, S.CLOSED),
            )
        )
    return records


def firm_observations(*, firm_id: int, today: dt.date) -> Observations:
    """Lags and ratios over the firm's claims (all clients), as of `today`, kept in the cache for the day
    and until a payment, liquidation, request or claim move is recorded (their last ids are in the key)."""
    marks = (
        Payment.objects.aggregate(m=Max("pk"))["m"],
        Liquidation.objects.aggregate(m=Max("updated_at"))["m"],
        ClaimTransition.objects.aggregate(m=Max("pk"))["m"],
        CbpRequest.objects.aggregate(m=Max("pk"))["m"],
    )
    digest = hashlib.sha256(":".join(str(v) for v in (firm_id, today, *marks)).encode()).hexdigest()
    key = f"projection-observations:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    history = claim_records(
        claims=Claim.objects.filter(
            client__firm_id=firm_id,
            filed_on__isnull=False,
            filed_on__gte=today - dt.timedelta(days=HISTORY_YEARS_DAYS),
        )
    )
    obs = observe(history, today)
    cache.set(key, obs, 6 * 3600)
    return obs

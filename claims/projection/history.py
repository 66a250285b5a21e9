"""The history the projection reads, from the database: each claim as a ClaimRecord (its dates and money),
read in a fixed number of grouped queries whatever the number of claims, and the firm's observations
(lags and ratios) kept for the day so a dashboard does not read every claim of the firm on each view."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Max, Min, QuerySet, Sum
from django.db.models.functions import TruncDate

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


def claim_records(*, claims: QuerySet[Claim]) -> list[ClaimRecord]:
    """Every claim of the queryset that may bring money, as the projection method reads it: one query for
    the claims and one grouped query for each of their totals, first review, CF-29s, payments and
    liquidations (hash aggregates over the client's rows, not a subquery per claim)."""
    claims = claims.exclude(status__in=NO_MONEY).order_by()
    rows = list(
        claims.annotate(created_on=TruncDate("created_at")).values_list(
            "pk", "number", "drawback_port", "accelerated_payment", "created_on", "filed_on", "status"
        )
    )
    if not rows:
        return []
    ids = claims.values("pk")
    totals = dict(
        ClaimClassTotal.objects.filter(claim__in=ids)
        .order_by()
        .values("claim_id")
        .annotate(s=Sum("claim_amount"))
        .values_list("claim_id", "s")
    )
    reviews = dict(
        ClaimTransition.objects.filter(claim__in=ids, to_status=S.FIRST_REVIEW)
        .order_by()
        .values("claim_id")
        .annotate(first=Min(TruncDate("at")))
        .values_list("claim_id", "first")
    )
    cf29s = dict(
        CbpRequest.objects.filter(claim__in=ids, kind=CbpRequest.Kind.CF29)
        .order_by()
        .values("claim_id")
        .annotate(first=Min("issued_on"))
        .values_list("claim_id", "first")
    )
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
    for pk, number, port, accelerated, created_on, filed, status in rows:
        payments = paid.get(pk, {})
        ap = payments.get(Payment.Kind.ACCELERATED)
        refund = payments.get(Payment.Kind.LIQUIDATION_REFUND)
        bill = payments.get(Payment.Kind.BILL)
        liq_on, liq_total, extended, extended_on, suspended, suspended_on = liquidations.get(
            pk, (None, None, False, None, False, None)
        )
        settled_days = [p[2] for p in (refund, bill) if p]
        records.append(
            ClaimRecord(
                claim_id=pk,
                number=f"{number[:3]}-{number[3:10]}-{number[10:]}" if len(number) == 11 else number,
                office=port,
                office_name=OFFICES.get(port, port),
                claimed=totals.get(pk, ZERO),
                accelerated_requested=accelerated,
                created_on=created_on,
                review_started_on=reviews.get(pk),
                filed_on=filed,
                accelerated_paid_on=ap[1] if ap else None,
                accelerated_paid=ap[0] if ap else ZERO,
                cf29_on=cf29s.get(pk),
                liquidated_on=liq_on,
                liquidated=liq_total if liq_on else None,
                extended_on=(extended_on or filed) if extended else None,
                suspended_on=(suspended_on or filed) if suspended else None,
                settled_on=max(settled_days) if settled_days else None,
                settled=(refund[0] if refund else ZERO) - (bill[0] if bill else ZERO),
                closed=status in (S.PROTEST_FILED, S.CLOSED),
            )
        )
    return records


def data_marks(*, client_id: int | None = None) -> tuple:
    """What changes when a payment, liquidation, CBP request, claim move, claim amount or claim is
    recorded (the newest of each: primary keys and timestamps), and with `client_id` also the client's
    privileges, engine estimate, claim builds and any projection snapshot. One query; part of the cache
    keys of the client's projection and dashboard."""
    from django.db import connection

    from claims.models import ClaimBuild, ClientEstimate, ProjectionSnapshot
    from drawback.accounts.models import Privilege

    parts = [
        (Payment, "MAX(id)", ""),
        (Liquidation, "MAX(updated_at)", ""),
        (ClaimTransition, "MAX(id)", ""),
        (CbpRequest, "MAX(id)", ""),
        (ClaimClassTotal, "MAX(id)", ""),
        (Claim, "MAX(updated_at)", ""),
    ]
    if client_id is not None:
        parts += [
            (Privilege, "MAX(updated_at)", "client_id"),
            (ClientEstimate, "MAX(computed_at)", "client_id"),
            (ClaimBuild, "MAX(id)", "client_id"),
            (ProjectionSnapshot, "MAX(id)", ""),
        ]
    selects, params = [], []
    for model, what, by_client in parts:
        where = f" WHERE {by_client} = %s" if by_client else ""
        if by_client:
            params.append(client_id)
        selects.append(f"(SELECT {what} FROM {model._meta.db_table}{where})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        return tuple(cursor.fetchone())


def firm_observations(*, firm_id: int, today: dt.date) -> Observations:
    """Lags and ratios over the firm's claims (all clients) in the 12 months before `today`, worked out
    once a day per firm and kept in the cache: a day's new payments move a 12-month median little, and
    every client's dashboard of the firm reads the same figures."""
    key = f"projection-observations:{firm_id}:{today.isoformat()}"
    found = cache.get(key)
    if found is not None:
        return found
    history = claim_records(
        claims=Claim.objects.filter(
            client__firm_id=firm_id,
            client__is_workspace=False,
            filed_on__isnull=False,
            filed_on__gte=today - dt.timedelta(days=HISTORY_YEARS_DAYS),
        )
    )
    obs = observe(history, today)
    cache.set(key, obs, 24 * 3600)
    return obs

"""Reads of projections: a client's projection as of a day, the money received per month, the snapshots
and the track record (forecast against actual) of one client or of every client a user may see."""

import datetime as dt
import hashlib
from collections import defaultdict
from decimal import Decimal

from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from claims.models import Claim, ClientEstimate, Payment, ProjectionSnapshot
from drawback.accounts.models import Client, Privilege
from drawback.lib.money import ZERO

from . import method
from .history import OFFICES, claim_records, data_marks, firm_observations

# Where an engine estimate older than this is not used for the projection (the beat refreshes it nightly).
ESTIMATE_MAX_AGE_DAYS = 31


def client_estimate(*, client: Client) -> ClientEstimate | None:
    return ClientEstimate.objects.filter(client=client).first()


def client_projection(
    *,
    client: Client,
    today: dt.date | None = None,
    records: list[method.ClaimRecord] | None = None,
    unclaimed: method.Unclaimed | None = None,
) -> method.Projection:
    """The client's payments still to come, as known at the end of `today` (a past day gives the
    projection as it would have been made then: later events are not known, and the engine's estimate
    of exports not yet claimed is used only when it was made within a month of the day). `records`: the
    client's claim records when the caller read them already; `unclaimed`: an estimate of exports not yet
    claimed other than the engine's latest (the demo's past snapshots)."""
    today = today or timezone.localdate()
    if records is None:
        records = claim_records(claims=Claim.objects.filter(client=client))
    estimate = client_estimate(client=client)
    if unclaimed is None and (
        estimate is not None
        and not estimate.error
        and 0 <= (today - estimate.as_of).days <= ESTIMATE_MAX_AGE_DAYS
    ):
        unclaimed = method.Unclaimed(estimate.unclaimed_refund, estimate.unclaimed_exports, estimate.as_of)
    filings = [r.filed_on for r in records if r.filed_on]
    return method.project(
        claims=records,
        today=today,
        observations=firm_observations(firm_id=client.firm_id, today=today),
        unclaimed=unclaimed,
        filings=filings,
        accelerated=client.privilege(Privilege.Kind.ACCELERATED_PAYMENT, on=today) is not None,
        office=(client.firm.drawback_port, OFFICES.get(client.firm.drawback_port, client.firm.drawback_port)),
    )


# A client's current projection is kept this long at most; anything recorded changes its key sooner.
CURRENT_SECONDS = 600


def client_current(*, client: Client, today: dt.date | None = None) -> method.Projection:
    """The client's projection as of today, kept in the cache until a payment,
    liquidation, request, claim move or amount, claim, privilege or engine estimate is recorded (their
    newest ids and times are in the key), and CURRENT_SECONDS at most: a dashboard viewed again, or its
    API called again, does not read and project every claim again."""
    today = today or timezone.localdate()
    stamps = (client.pk, today, *data_marks(client_id=client.pk))
    key = "projection-current:" + hashlib.sha256(":".join(map(str, stamps)).encode()).hexdigest()
    found = cache.get(key)
    if found is not None:
        return found
    found = client_projection(client=client, today=today)
    cache.set(key, found, CURRENT_SECONDS)
    return found


def received_by_month(*, clients: QuerySet[Client], since: dt.date, until: dt.date) -> dict[dt.date, Decimal]:
    """Money CBP paid per month (accelerated payments and refunds on liquidation, less bills)."""
    rows = (
        Payment.objects.filter(claim__client__in=clients, paid_on__gte=since, paid_on__lte=until)
        .annotate(month=TruncMonth("paid_on"))
        .order_by()
        .values_list("month", "kind")
        .annotate(total=Sum("total"))
    )
    out: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for month, kind, total in rows:
        month = month.date() if isinstance(month, dt.datetime) else month
        out[month] += -total if kind == Payment.Kind.BILL else total
    return dict(out)


def snapshot_as_method(snapshot: ProjectionSnapshot) -> method.Snapshot:
    return method.Snapshot(
        snapshot.taken_on,
        {dt.date.fromisoformat(m["month"]): Decimal(m["expected"]) for m in snapshot.months},
    )


def track_record(*, clients: QuerySet[Client], today: dt.date | None = None, months: int = 12):
    """Forecast against actual over the clients' last `months` complete months. For several clients the
    first snapshot each took in a month are added up month by month."""
    today = today or timezone.localdate()
    current = method.month_start(today)
    first = method.add_months(current, -months - max(method.TRACK_HORIZONS))
    by_client_month: dict[tuple[int, dt.date], ProjectionSnapshot] = {}
    snaps = ProjectionSnapshot.objects.filter(client__in=clients, taken_on__gte=first).only(
        "client_id", "taken_on", "months"
    )
    for snap in snaps.order_by("taken_on", "pk"):
        by_client_month.setdefault((snap.client_id, method.month_start(snap.taken_on)), snap)
    combined: dict[dt.date, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for (_, month), snap in by_client_month.items():
        for target, amount in snapshot_as_method(snap).months.items():
            combined[month][target] += amount
    snapshots = [method.Snapshot(month, dict(values)) for month, values in combined.items()]
    actual = received_by_month(
        clients=clients, since=method.add_months(current, -months), until=current - dt.timedelta(days=1)
    )
    return method.track_record(snapshots, actual, today=today, months=months)


def snapshot_list(*, client: Client) -> QuerySet[ProjectionSnapshot]:
    """The client's snapshots, newest first, without their items (read one snapshot's when needed)."""
    return ProjectionSnapshot.objects.filter(client=client).defer("items").order_by("-taken_on", "-pk")


def projection_json(projection: method.Projection) -> tuple[list[dict], list[dict]]:
    """(months, items) of a projection as stored in a snapshot and given by the API."""
    months = [
        {"month": m.month.isoformat(), "expected": str(m.expected), "low": str(m.low), "high": str(m.high)}
        for m in projection.months
    ]
    items = [
        {
            "kind": i.kind,
            "label": i.label,
            "claim_id": i.claim_id,
            "claim_number": i.claim_number,
            "on": i.on.isoformat(),
            "earliest": i.earliest.isoformat(),
            "latest": i.latest.isoformat(),
            "amount": str(i.amount),
            "low": str(i.low),
            "high": str(i.high),
            "basis": i.basis,
        }
        for i in projection.items
    ]
    return months, items

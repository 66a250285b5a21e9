"""Writes of projections: the monthly snapshot of each client's projection (kept unchanged, to compare
with what arrives) and the engine's estimate of what a client's exports not yet claimed and its lines
near their 5-year limit could bring (the optimizer, run by a beat task rather than on a page)."""

import datetime as dt
import logging
import time
from decimal import Decimal, localcontext

from django.db import transaction
from django.utils import timezone

from claims.building.inputs import engine_inputs_for
from claims.building.money_at_risk import money_at_risk_cached
from claims.building.parameters import Exclusions, ExportFilter
from claims.engine.amounts import EXACT
from claims.engine.model import Method
from claims.engine.optimizer import solve_problem
from claims.engine.problem import prepare
from claims.models import Claim, ClientEstimate, Designation, ProjectionSnapshot
from drawback.accounts.models import Client
from drawback.lib.dates import ExportWindow, last_export_day
from drawback.lib.money import ZERO, to_cents

from . import method
from .selectors import client_projection, projection_json

log = logging.getLogger(__name__)
# Refund claimed on a line whose last export day was this close to the claim counts as recovered from
# the 5-year limit (the horizon of money at risk).
NEAR_EXPIRY_DAYS = 180


def projection_snapshot_take(
    *, client: Client, on: dt.date | None = None, unclaimed: method.Unclaimed | None = None
) -> tuple[ProjectionSnapshot, bool]:
    """Keep the client's projection as made on `on` (default today; a past day is projected with only
    what was known then). Once per client and day: a second call returns the snapshot already kept.
    `unclaimed` replaces the engine's estimate of exports not yet claimed (see client_projection)."""
    on = on or timezone.localdate()
    existing = ProjectionSnapshot.objects.filter(client=client, taken_on=on).first()
    if existing is not None:
        return existing, False
    projection = client_projection(client=client, today=on, unclaimed=unclaimed)
    months, items = projection_json(projection)
    with transaction.atomic():
        snapshot, created = ProjectionSnapshot.objects.get_or_create(
            client=client,
            taken_on=on,
            defaults={
                "months": months,
                "items": items,
                "expected_total": to_cents(projection.total),
                "method_version": method.VERSION,
            },
        )
    return snapshot, created


def projection_snapshots_take(*, on: dt.date | None = None) -> int:
    """The monthly beat job: a snapshot of every active client. Returns how many were taken now."""
    taken = 0
    for client in (
        Client.objects.filter(is_active=True, is_workspace=False).select_related("firm").order_by("pk")
    ):
        _, created = projection_snapshot_take(client=client, on=on)
        taken += created
    return taken


def unclaimed_refund(*, client: Client, today: dt.date) -> tuple[Decimal, int]:
    """What the optimizer would claim today on every export with quantity not yet claimed: (refund, exports).
    The same engine and inputs as a claim build over those exports, filed tomorrow."""
    inputs = engine_inputs_for(
        client=client,
        export_filter=ExportFilter(date_to=today),
        exclusions=Exclusions(),
        pins=(),
        filing_date=today + dt.timedelta(days=1),
    )
    if not inputs.lines or not inputs.exports:
        return ZERO, len(inputs.exports)
    problem = prepare(
        lines=inputs.lines,
        exports=inputs.exports,
        tariff=inputs.tariff,
        chapter99=inputs.chapter99,
        settings=inputs.settings,
    )
    result = solve_problem(problem, Method.OPTIMAL, workers=1)
    with localcontext(EXACT):
        total = sum((d.refund for d in result.designations), ZERO)
    return to_cents(total), len(inputs.exports)


def recovered_near_expiry(*, client: Client) -> Decimal:
    """Refund on the client's claims (not withdrawn or rejected) designated from lines whose last export
    day was within NEAR_EXPIRY_DAYS of the claim (its filing, or its creation while not filed)."""
    window = ExportWindow(client.firm.export_window)
    total = ZERO
    rows = (
        Designation.objects.filter(claim__client=client)
        .exclude(claim__status__in=(Claim.Status.WITHDRAWN, Claim.Status.REJECTED))
        .values_list("import_line__import_date", "claim__filed_on", "claim__created_at", "refund")
    )
    with localcontext(EXACT):
        for imported, filed, created, refund in rows.iterator(chunk_size=5000):
            day = filed or timezone.localdate(created)
            if (last_export_day(imported, window) - day).days <= NEAR_EXPIRY_DAYS:
                total += refund
    return to_cents(total)


def client_estimate_refresh(*, client: Client, today: dt.date | None = None) -> ClientEstimate:
    """Run the optimizer for the client's exports not yet claimed and for its money at risk, and keep the
    figures. A failure is kept on the estimate (the dashboard says so) rather than raised."""
    today = today or timezone.localdate()
    started = time.perf_counter()
    values: dict = {"error": ""}
    try:
        values["unclaimed_refund"], values["unclaimed_exports"] = unclaimed_refund(client=client, today=today)
        # Through the shared cache: the run leaves the day's report for the pages, or reuses theirs.
        risk = money_at_risk_cached(client=client, today=today)
        values["at_risk"] = [
            {"days": b.days, "from": b.first_day, "lines": b.lines, "refund": str(b.refund)}
            for b in risk.buckets
        ]
        values["at_risk_refund"] = risk.refund
        values["recovered_near_expiry"] = recovered_near_expiry(client=client)
    except Exception as exc:  # the figures are a convenience; a failed run must not stop the others
        log.exception("estimate of client %s failed", client.code)
        values["error"] = f"{type(exc).__name__}: {exc}"[:2000]
    values.update(
        as_of=today,
        computed_at=timezone.now(),
        seconds=Decimal(f"{time.perf_counter() - started:.2f}"),
    )
    estimate, _ = ClientEstimate.objects.update_or_create(client=client, defaults=values)
    return estimate


def client_estimates_refresh(*, today: dt.date | None = None) -> int:
    count = 0
    for client in (
        Client.objects.filter(is_active=True, is_workspace=False).select_related("firm").order_by("pk")
    ):
        client_estimate_refresh(client=client, today=today)
        count += 1
    return count

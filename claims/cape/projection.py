"""When CBP will pay a client's IEEPA refunds through CAPE: the client portal's projection method
(claims.projection.method) applied to CAPE's own lag.

- The lag is from the day a declaration was submitted in ACE (or, when no submission day is recorded, the
  day CBP accepted the entry) to the refund. It is observed on the firm's refunded entries of the last 12
  months, the median of at least MIN_OBSERVATIONS of them; until then the default DEFAULT_CAPE_DAYS stands
  (CBP: refunds in 60 to 90 days once accepted, CSMS of April 2026) and the basis says so. When part of the
  lag has passed, only the observed lags longer than that count (estimate_lag).
- Each entry whose IEEPA duties go to CAPE and are not refunded yet is one item: its IEEPA duties (interest
  is paid on top but not projected), from its submission or acceptance, or from today when it still waits
  to be declared.
These items are shown beside the drawback projection, never added to its months: what CBP pays on claims
and what it refunds through CAPE are tracked apart.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from claims.projection.method import (
    LOOKBACK_DAYS,
    Item,
    Month,
    Sample,
    days_after,
    estimate_lag,
    monthly,
)
from drawback.lib.money import ZERO, format_usd

DEFAULT_CAPE_DAYS = 75  # CBP: 60 to 90 days from acceptance
DEFAULT_WHY = "CBP refunds accepted CAPE declarations in 60 to 90 days"
MONTHS = 6


@dataclass(frozen=True)
class Pending:
    entry_number: str  # as shown
    amount: Decimal
    start: dt.date | None  # submitted in ACE or accepted by CBP; None: not declared yet


@dataclass
class CapeProjection:
    today: dt.date
    items: list[Item]
    months: list[Month]
    later: Decimal
    lag_basis: str

    @property
    def expected(self) -> Decimal:
        return sum((i.amount for i in self.items), ZERO)


def observed_lags(refunds: Iterable[tuple[dt.date, dt.date]], today: dt.date) -> list[int]:
    """Days from start to refund of the refunds (start, refunded_on) of the last 12 months."""
    since = today - dt.timedelta(days=LOOKBACK_DAYS)
    return [(paid - start).days for start, paid in refunds if since < paid <= today and paid >= start]


def project_cape(pending: Sequence[Pending], lags: Sequence[int], today: dt.date) -> CapeProjection:
    from claims.projection.method import MIN_OBSERVATIONS

    sample = Sample.of(lags, "across the firm") if len(lags) >= MIN_OBSERVATIONS else None
    items = []
    basis_of_lag = ""
    for p in pending:
        start = p.start or today
        elapsed = max((today - start).days, 0)
        lag = estimate_lag(
            sample, what="CAPE refunds", elapsed=elapsed, default=DEFAULT_CAPE_DAYS, default_why=DEFAULT_WHY
        )
        basis_of_lag = basis_of_lag or lag.source
        since = "submitted or accepted" if p.start else "to be declared now"
        items.append(
            Item(
                kind="ieepa",
                label=f"IEEPA refund (CAPE) of entry {p.entry_number}",
                claim_id=None,
                claim_number=p.entry_number,
                on=max(days_after(start, lag.days), today),
                earliest=max(days_after(start, lag.low), today),
                latest=max(days_after(start, lag.high), today),
                amount=p.amount,
                low=p.amount,
                high=p.amount,
                basis=(
                    f"{format_usd(p.amount)} of IEEPA duties ({since} {start}); refund {lag.days} days "
                    f"later: {lag.source}"
                ),
            )
        )
    items.sort(key=lambda i: (i.on, i.claim_number))
    months, later = monthly(items, today, MONTHS)
    if not basis_of_lag:
        basis_of_lag = estimate_lag(
            sample, what="CAPE refunds", elapsed=0, default=DEFAULT_CAPE_DAYS, default_why=DEFAULT_WHY
        ).source
    return CapeProjection(today, items, months, later, basis_of_lag)


def cape_projection(*, client, today: dt.date | None = None) -> CapeProjection:
    """The client's CAPE refunds still to come, from its entries and the firm's observed lags."""
    from django.utils import timezone

    from .models import CapeEntry
    from .state import entry_states

    today = today or timezone.localdate()
    pending = []
    for s in entry_states(client=client, on=today):
        if s.decision.path != "cape" or not s.decision.ieepa_to_cape:
            continue
        start = None
        if s.cape is not None:
            if s.cape.declaration is not None and s.cape.declaration.submitted_on:
                start = s.cape.declaration.submitted_on
            elif s.cape.accepted_on:
                start = s.cape.accepted_on
        pending.append(Pending(s.display_number, s.decision.ieepa_to_cape, start))
    refunds = []
    for submitted, accepted, paid in CapeEntry.objects.filter(
        client__firm_id=client.firm_id, status=CapeEntry.Status.REFUNDED, refunded_on__isnull=False
    ).values_list("declaration__submitted_on", "accepted_on", "refunded_on"):
        start = submitted or accepted
        if start:
            refunds.append((start, paid))
    return project_cape(pending, observed_lags(refunds, today), today)

"""What the CAPE page, the client's tab and the API read."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from drawback.accounts.models import Client

from .models import CapeDeclaration
from .state import EntryState, entry_states

ZERO = Decimal("0")
# Entries whose 80-day window closes within this many days are shown as closing soon (and in money at risk).
WINDOW_WARNING_DAYS = 30


@dataclass
class CapeOverview:
    on: dt.date
    states: list[EntryState]
    declarations: list[CapeDeclaration]
    totals: dict[str, Decimal] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)

    @property
    def to_declare(self) -> list[EntryState]:
        return [s for s in self.states if s.declarable]

    @property
    def closing_soon(self) -> list[EntryState]:
        return [s for s in self.states if window_closing(s, self.on)]


def window_closing(state: EntryState, on: dt.date, days: int = WINDOW_WARNING_DAYS) -> bool:
    """The entry's IEEPA duties still go to CAPE and its 80-day window closes within `days` (day 80 is in)."""
    closes = state.window_closes
    return (
        closes is not None
        and state.decision.path == "cape"
        and state.status == "not_declared"
        and on <= closes <= on + dt.timedelta(days=days)
    )


def cape_overview(*, client: Client, on: dt.date | None = None) -> CapeOverview:
    on = on or timezone.localdate()
    states = entry_states(client=client, on=on)
    totals = {
        "ieepa_paid": sum((s.ieepa_paid for s in states), ZERO),
        "to_cape": sum((s.decision.ieepa_to_cape for s in states), ZERO),
        "to_drawback": sum((s.decision.ieepa_to_drawback for s in states), ZERO),
        "refunded": sum((s.decision.ieepa_refunded for s in states), ZERO),
        "not_recovered": sum((s.decision.ieepa_not_recovered for s in states), ZERO),
        "received": sum(((s.cape.refund_amount or ZERO) for s in states if s.status == "refunded"), ZERO),
        "interest": sum(((s.cape.interest_amount or ZERO) for s in states if s.status == "refunded"), ZERO),
    }
    return CapeOverview(
        on=on,
        states=states,
        declarations=list(
            CapeDeclaration.objects.filter(client=client).select_related("created_by", "submitted_by")
        ),
        totals=totals,
        counts=Counter(s.status for s in states),
    )


@dataclass(frozen=True)
class CapeWindow:
    """An entry whose IEEPA duties CAPE should take and that is not declared yet, with the last day its
    80-day window after liquidation allows (a deadline like the 5-year limit: after it CAPE rejects the
    entry, and only drawback where the Chapter 99 table allows, or a protest, remains)."""

    entry_id: int
    display_number: str
    liquidation_date: dt.date
    closes: dt.date
    days_left: int
    amount: Decimal


def cape_windows(*, client: Client, today: dt.date | None = None) -> list[CapeWindow]:
    today = today or timezone.localdate()
    out = []
    for s in entry_states(client=client, on=today):
        closes = s.window_closes
        if closes is None or closes < today or s.decision.path != "cape" or s.status != "not_declared":
            continue
        out.append(
            CapeWindow(
                s.entry_id,
                s.display_number,
                s.facts.liquidation_date,
                closes,
                (closes - today).days,
                s.decision.ieepa_to_cape,
            )
        )
    return sorted(out, key=lambda w: (w.days_left, -w.amount, w.display_number))

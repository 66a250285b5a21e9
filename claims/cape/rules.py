"""CAPE Phase 1 eligibility of one entry (CBP CSMS of April 2026; chapter99.md 4, domain.md 4).

Phase 1 takes entries that are unliquidated, liquidated within the last 80 days, or in suspended, extended
or under-review status. It rejects entries without an IEEPA Chapter 99 number, type 47 (drawback), type 08
(USMCA duty deferral) and type 09 (reconciliation) entries and entries flagged for reconciliation, entries
associated with a drawback claim, entries with an open or suspended protest, AD/CVD entries pending
liquidation, entries more than 80 days past liquidation, and entries where a surety paid the IEEPA duties.

Pure: the facts in, the verdict out, each refusal with its reason.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# Day 80 after liquidation is still inside the window ("liquidated within the preceding 80 days").
WINDOW_DAYS = 80
PHASE_1_FROM = dt.date(2026, 4, 20)

UNLIQUIDATED, LIQUIDATED, SUSPENDED, EXTENDED, UNDER_REVIEW, FINAL = (
    "unliquidated",
    "liquidated",
    "suspended",
    "extended",
    "under review",
    "final",
)
# Statuses CAPE takes whatever the dates say.
OPEN_STATUSES = frozenset({UNLIQUIDATED, SUSPENDED, EXTENDED, UNDER_REVIEW})
OPEN_PROTEST = frozenset({"open", "suspended"})


def liquidation_state(status: str, liquidation_date: dt.date | None) -> str:
    """The ACE liquidation status as one of our words (ES-003 and liquidation reports spell it freely)."""
    s = " ".join(status.lower().replace("-", " ").replace("_", " ").split())
    if "final" in s:
        return FINAL
    if "suspend" in s:
        return SUSPENDED
    if "extend" in s:
        return EXTENDED
    if "review" in s:
        return UNDER_REVIEW
    if s in ("", "open", "pending", "unliquidated", "not liquidated") or "unliquid" in s:
        return LIQUIDATED if (not s and liquidation_date) else UNLIQUIDATED
    return LIQUIDATED


@dataclass(frozen=True)
class EntryFacts:
    """What CAPE's Phase 1 looks at, for one entry."""

    entry_number: str
    entry_type: str
    ieepa_paid: Decimal
    liquidation_status: str = ""
    liquidation_date: dt.date | None = None
    reconciliation: bool = False
    designated: bool = False  # any designation on any claim, drafts included
    protest_status: str = ""
    adcvd: bool = False
    surety_paid: bool = False

    @property
    def state(self) -> str:
        return liquidation_state(self.liquidation_status, self.liquidation_date)

    def window_closes(self) -> dt.date | None:
        """The last day CAPE Phase 1 takes the entry, when it is liquidated (None: no date-bound window)."""
        if self.state != LIQUIDATED or self.liquidation_date is None:
            return None
        return self.liquidation_date + dt.timedelta(days=WINDOW_DAYS)


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    rule: str  # "" when eligible
    reason: str
    # True when CAPE can never take the entry (past its window, final liquidation): its eligible IEEPA
    # duties may then go to drawback. False for refusals that may lift (a protest closing, a liquidation).
    closed: bool = False


def cape_verdict(f: EntryFacts, on: dt.date) -> Verdict:
    """Whether CAPE Phase 1 takes the entry on day `on`, and if not the first rule it breaks."""
    if f.ieepa_paid <= 0:
        return Verdict(False, "NO-IEEPA", "no IEEPA duty under a Chapter 99 number on the entry", closed=True)
    kind = f.entry_type.strip().zfill(2) if f.entry_type.strip() else ""
    if kind == "47":
        return Verdict(False, "TYPE-47", "type 47 drawback entry", closed=True)
    if kind == "08":
        return Verdict(False, "TYPE-08", "type 08 USMCA duty deferral entry", closed=True)
    if kind == "09":
        return Verdict(False, "RECONCILIATION", "type 09 reconciliation entry", closed=True)
    if f.reconciliation:
        return Verdict(False, "RECONCILIATION", "entry flagged for reconciliation")
    if f.designated:
        return Verdict(False, "DRAWBACK", "entry summary associated with a drawback claim", closed=True)
    if f.protest_status.strip().lower() in OPEN_PROTEST:
        return Verdict(False, "PROTEST", f"{f.protest_status.strip().lower()} protest on the entry")
    if f.surety_paid:
        return Verdict(False, "SURETY", "a surety paid the IEEPA duties", closed=True)
    state = f.state
    if (f.adcvd or kind == "03") and state != LIQUIDATED and state != FINAL:
        return Verdict(False, "ADCVD", "AD/CVD entry summary pending liquidation")
    if state == FINAL:
        return Verdict(False, "FINAL", "liquidation is final", closed=True)
    if state == LIQUIDATED:
        closes = f.window_closes()
        if closes is None:
            return Verdict(False, "NO-LIQUIDATION-DATE", "liquidated, but no liquidation date is known")
        if on > closes:
            return Verdict(
                False,
                "PAST-80-DAYS",
                f"liquidated {f.liquidation_date}, more than {WINDOW_DAYS} days ago (window closed {closes})",
                closed=True,
            )
        return Verdict(True, "", f"liquidated {f.liquidation_date}; CAPE takes it until {closes}")
    return Verdict(True, "", f"{state}: CAPE Phase 1 takes it")

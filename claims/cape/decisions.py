"""Which path each dollar of an entry takes: CAPE, drawback, neither (yet), or already refunded.

The default (firm setting `ieepa_path` = "cape"), and why:
- CAPE refunds IEEPA duties at 100% with interest and needs no export; drawback returns at most 99% and
  only where the Chapter 99 table allows. So the IEEPA duties of an entry CAPE can take go to CAPE.
- CAPE rejects an entry whose summary is associated with a drawback claim, so such an entry is held from
  drawback until CBP has accepted its CAPE declaration. Its other duties (Chapter 1-97, Section 301, 201,
  122...) then go to drawback on the reliquidated amounts: its IEEPA duties count $0 there.
- An entry CAPE can no longer take (past the 80-day window, a final liquidation, already on a drawback
  claim) may recover its IEEPA duties through drawback where the Chapter 99 table allows.
- An entry CAPE cannot take for now (an open protest, AD/CVD pending liquidation, flagged for
  reconciliation) keeps its IEEPA duties out of drawback: CBP may still refund them, and an under-claim can
  be corrected where a double recovery cannot be undone.
- Counsel may choose "drawback": IEEPA duties are then claimed on drawback where the table allows, and
  nothing is held.
An analyst may release one waiting entry to drawback; the decision is recorded with its reason.

Pure: no database.
"""

from dataclasses import dataclass
from decimal import Decimal

from .rules import Verdict

ZERO = Decimal("0")

CAPE, DRAWBACK, REFUNDED, LATER, NONE = "cape", "drawback", "refunded", "later", "none"
PATH_LABELS = {
    CAPE: "CAPE",
    DRAWBACK: "Drawback",
    REFUNDED: "Refunded by CBP",
    LATER: "Neither yet",
    NONE: "No IEEPA duty",
}


@dataclass(frozen=True)
class Money:
    """An entry's duties as the path decision reads them."""

    ieepa_paid: Decimal  # all IEEPA Chapter 99 duty on the entry
    ieepa_drawback_eligible: Decimal  # the part the Chapter 99 table lets drawback take
    other_duties: Decimal  # Chapter 1-97 duty and the other Chapter 99 duties (eligible or not)


@dataclass(frozen=True)
class CapeState:
    """What CBP and the analyst have said about the entry (claims.cape.models.CapeEntry)."""

    status: str = "not_declared"
    declaration: str = ""  # file name
    cbp_reason: str = ""
    accepted_on: object = None
    refunded_on: object = None
    refund_amount: Decimal | None = None
    interest_amount: Decimal | None = None
    ieepa_removed: bool = False
    reliquidated_on: object = None
    released: bool = False
    release_note: str = ""


@dataclass(frozen=True)
class Decision:
    path: str
    held: bool  # drawback may not designate the entry
    reason: str
    ieepa_to_cape: Decimal
    ieepa_to_drawback: Decimal
    ieepa_refunded: Decimal
    ieepa_not_recovered: Decimal
    other_to_drawback: Decimal

    @property
    def counts_ieepa(self) -> bool:
        """Whether drawback may count the entry's (table-eligible) IEEPA duties."""
        return self.path == DRAWBACK

    @property
    def path_label(self) -> str:
        return PATH_LABELS[self.path]


def decide(money: Money, verdict: Verdict, state: CapeState, *, firm_path: str = CAPE) -> Decision:
    """The path of the entry's IEEPA dollars and whether drawback must wait, with the reason."""
    paid, eligible, other = money.ieepa_paid, money.ieepa_drawback_eligible, money.other_duties

    def made(path, held, reason, *, cape=ZERO, drawback=ZERO, refunded=ZERO) -> Decision:
        return Decision(
            path, held, reason, cape, drawback, refunded, paid - cape - drawback - refunded, other
        )

    if paid <= 0:
        return made(NONE, False, "no IEEPA duty on the entry: all its duties follow the drawback rules")
    if state.status == "refunded" or state.ieepa_removed:
        how = (
            f"CBP refunded the IEEPA duties on {state.refunded_on}"
            if state.status == "refunded"
            else f"CBP reliquidated the entry without its IEEPA duties on {state.reliquidated_on}"
        )
        return made(REFUNDED, False, f"{how}; drawback counts them $0 (reliquidated amounts)", refunded=paid)
    if state.status == "accepted":
        return made(
            CAPE,
            False,
            f"CAPE accepted the entry on {state.accepted_on}: CBP refunds its IEEPA duties with interest; "
            "its other duties are open to drawback, IEEPA counted $0",
            cape=paid,
        )
    table = "where the Chapter 99 table allows"
    if state.released:
        return made(
            DRAWBACK,
            False,
            f"released to drawback by an analyst ({state.release_note}); IEEPA duties claimed {table}",
            drawback=eligible,
        )
    if state.status == "declared":
        return made(
            CAPE,
            True,
            f"declared to CAPE on {state.declaration}: held from drawback until CBP accepts it",
            cape=paid,
        )
    if firm_path == DRAWBACK:
        return made(
            DRAWBACK, False, f"firm setting: IEEPA duties are claimed on drawback {table}", drawback=eligible
        )
    if state.status == "rejected":
        return made(
            DRAWBACK,
            False,
            f"CAPE rejected the entry ({state.cbp_reason or 'no reason given'}): its IEEPA duties may be "
            f"claimed on drawback {table}, or it may be declared again once the cause is fixed",
            drawback=eligible,
        )
    if verdict.eligible:
        return made(
            CAPE,
            True,
            f"CAPE takes it ({verdict.reason}): IEEPA duties go to CAPE (100% with interest, no export "
            "needed); held from drawback until CBP accepts it",
            cape=paid,
        )
    if verdict.closed:
        return made(
            DRAWBACK,
            False,
            f"CAPE cannot take it ({verdict.reason}): IEEPA duties go to drawback {table}",
            drawback=eligible,
        )
    return made(
        LATER,
        False,
        f"CAPE cannot take it for now ({verdict.reason}): its IEEPA duties stay out of drawback while CBP "
        "may still refund them; its other duties are open to drawback",
    )

"""A CBP stand-in for the demo and the tests, on a clock the caller controls.

What it does with a claim, counted from the moment it was transmitted (sandbox time):
- after 5 minutes it answers with a DX response: rejected with a real ACE condition code when the claim
  breaks a rule ACE checks (F555 EXCESS MPF CLAIMED when more MPF is claimed than the designated lines
  paid), or by a seeded choice keyed on the claim number (first transmission only); otherwise accepted.
  A bond that cannot carry accelerated payment gives an informational I285/I286/I287 on the acceptance
  and no accelerated payment, as ACE does (catair.md 1.3 pos 40 and 3.2);
- on some claims (seeded) a CF-28 request for information after 10 days;
- when accelerated payment was requested and the bond is good, the claimed amounts after 3 weeks;
- on some claims (seeded) a lower liquidated amount in the largest class, announced by a CF-29 notice of
  proposed action after 300 days;
- liquidation after 340 days (before the one-year deemed-liquidation date), and 30 days later the refund
  (or the bill, when accelerated payment was more than the liquidated amount).

The sandbox keeps no state of its own: everything follows from the claim, its transmission (our
CbpTransmission row stands for CBP's copy) and the clock, so every poll returns every message that is due,
again and again. Storing them under stable message ids is what keeps them from acting twice.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from drawback.lib.money import ZERO, format_usd, to_cents

from . import dx
from .gateway import Gateway, Receipt, Response

ACCEPT_AFTER = dt.timedelta(minutes=5)
CF28_AFTER = dt.timedelta(days=10)
ACCELERATED_PAYMENT_AFTER = dt.timedelta(weeks=3)
CF29_AFTER = dt.timedelta(days=300)
LIQUIDATION_AFTER = dt.timedelta(days=340)
REFUND_AFTER = LIQUIDATION_AFTER + dt.timedelta(days=30)
LIQUIDATION_REDUCTION = Decimal("0.95")

# Accounting classes eligible for accelerated payment (catair.md 1.8; domain.md 6.6).
AP_ELIGIBLE = frozenset({"364", "365", "369", "374", "398", "399", "674", "675"})

# Fatal conditions whose ACE narrative is published (catair.md 3.2), for seeded rejections.
SEEDED_REJECTIONS = [
    ("F", "555", "EXCESS MPF CLAIMED", "399"),
    ("F", "266", "EXPORT / DESTROY INDICATOR MISSING", ""),
]
REJECTED = ("R", "F", "999", "TRANSACTION DATA REJECTED")
ADDED = "DRAWBACK HAS BEEN ADDED"


def roll(seed: str, key: str, purpose: str) -> int:
    """A number 0..99 fixed by the seed, the key (claim number) and the purpose."""
    digest = hashlib.sha256(f"{seed}:{key}:{purpose}".encode()).hexdigest()
    return int(digest, 16) % 100


@dataclass
class Plan:
    """What CBP will do with one transmission of a claim, with the offsets at which it happens."""

    events: list[tuple[dt.timedelta, str, str, dict]] = field(default_factory=list)  # offset, name, kind

    def add(self, after: dt.timedelta, name: str, kind: str, payload: dict) -> None:
        self.events.append((after, name, kind, payload))


class SandboxGateway(Gateway):
    name = "sandbox"

    def __init__(
        self,
        *,
        clock: Callable[[], dt.datetime] = timezone.now,
        speed: Decimal | float = 1,
        seed: str = "",
        reject_percent: int = 10,
        cf28_percent: int = 25,
        adjust_percent: int = 30,
    ):
        self.clock = clock
        self.speed = float(speed)
        self.seed = seed
        self.reject_percent = reject_percent
        self.cf28_percent = cf28_percent
        self.adjust_percent = adjust_percent

    # --- sending ---

    def transmit(self, claim, catair_text: str) -> Receipt:
        digest = hashlib.sha256(catair_text.encode()).hexdigest()[:12]
        return Receipt(reference=f"sandbox:{claim.number}:{digest}", sent_at=self.clock())

    # --- receiving ---

    def poll(self, claims: Iterable) -> list[Response]:
        from .models import CbpTransmission

        responses: list[Response] = []
        for claim in claims:
            sent = list(
                CbpTransmission.objects.filter(claim=claim, status=CbpTransmission.Status.SENT)
                .exclude(sent_at=None)
                .order_by("sent_at", "id")
                .only("id", "sent_at")
            )
            if not sent:
                continue
            transmission = sent[-1]
            elapsed = (self.clock() - transmission.sent_at) * self.speed
            plan = self.plan(claim, sent_at=transmission.sent_at, first=len(sent) == 1)
            for sequence, (after, name, kind, payload) in enumerate(plan.events):
                if after > elapsed:
                    continue
                responses.append(
                    Response(
                        message_id=f"sandbox:{transmission.pk}:{name}",
                        claim_number=claim.number,
                        kind=kind,
                        cbp_date=timezone.localdate(transmission.sent_at + after),
                        payload=payload,
                        sequence=sequence,
                    )
                )
        return responses

    def plan(self, claim, *, sent_at: dt.datetime, first: bool = True) -> Plan:
        """Everything CBP will say about a transmission of the claim sent at `sent_at`. Deterministic."""
        plan = Plan()

        def day(after: dt.timedelta) -> str:
            return timezone.localdate(sent_at + after).isoformat()

        claimed = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
        fatal = self._fatal_conditions(claim, claimed)
        if not fatal and first and roll(self.seed, claim.number, "reject") < self.reject_percent:
            choices = [c for c in SEEDED_REJECTIONS if not c[3] or c[3] in claimed] or SEEDED_REJECTIONS[1:]
            fatal = [choices[roll(self.seed, claim.number, "code") % len(choices)][:3]]
        if fatal:
            conditions = [dx.Condition(severity=s, condition=c, narrative=t) for s, c, t in fatal]
            disposition, severity, condition, narrative = REJECTED
            conditions.append(
                dx.Condition(
                    disposition=disposition, severity=severity, condition=condition, narrative=narrative
                )
            )
            plan.add(
                ACCEPT_AFTER, "dx", "rejected", self._dx_payload(claim, conditions, "R", day(ACCEPT_AFTER))
            )
            return plan

        bond_conditions = (
            self._bond_conditions(claim, claimed, on=timezone.localdate(sent_at))
            if claim.accelerated_payment
            else []
        )
        conditions = [dx.Condition(severity=s, condition=c, narrative=t) for s, c, t in bond_conditions]
        conditions.append(dx.Condition(disposition="A", severity="", condition="", narrative=ADDED))
        plan.add(ACCEPT_AFTER, "dx", "accepted", self._dx_payload(claim, conditions, "A", day(ACCEPT_AFTER)))

        if roll(self.seed, claim.number, "cf28") < self.cf28_percent:
            plan.add(
                CF28_AFTER,
                "cf28",
                "cf28",
                {
                    "reference": f"CF28-{claim.number[3:10]}",
                    "issued_on": day(CF28_AFTER),
                    "text": "Provide the bills of lading and commercial invoices for the designated exports, "
                    "and the entry summaries of the designated imports.",
                },
            )
        paid_ap = {}
        if claim.accelerated_payment and not bond_conditions:
            paid_ap = {cls: amount for cls, amount in claimed.items() if cls in AP_ELIGIBLE and amount > 0}
            if paid_ap:
                plan.add(
                    ACCELERATED_PAYMENT_AFTER,
                    "accelerated",
                    "payment",
                    {
                        "payment_kind": "accelerated",
                        "paid_on": day(ACCELERATED_PAYMENT_AFTER),
                        "amounts": {cls: str(a) for cls, a in sorted(paid_ap.items())},
                        "reference": f"AP-{claim.number[3:10]}",
                    },
                )

        liquidated = dict(claimed)
        if claimed and roll(self.seed, claim.number, "adjust") < self.adjust_percent:
            largest = max(sorted(claimed), key=lambda cls: claimed[cls])
            liquidated[largest] = to_cents(claimed[largest] * LIQUIDATION_REDUCTION)
            plan.add(
                CF29_AFTER,
                "cf29",
                "cf29",
                {
                    "reference": f"CF29-{claim.number[3:10]}",
                    "issued_on": day(CF29_AFTER),
                    "text": f"CBP proposes to liquidate accounting class {largest} at "
                    f"{format_usd(liquidated[largest])} instead of the {format_usd(claimed[largest])} "
                    "claimed: the designated import line's duty does not support the full amount.",
                },
            )
        plan.add(
            LIQUIDATION_AFTER,
            "liquidation",
            "liquidation",
            {
                "liquidated_on": day(LIQUIDATION_AFTER),
                "amounts": {cls: str(a) for cls, a in sorted(liquidated.items())},
            },
        )
        balance = {cls: liquidated.get(cls, ZERO) - paid_ap.get(cls, ZERO) for cls in liquidated}
        refund = {cls: a for cls, a in balance.items() if a > 0}
        bill = {cls: -a for cls, a in balance.items() if a < 0}
        for kind, amounts in (("liquidation_refund", refund), ("bill", bill)):
            if amounts:
                plan.add(
                    REFUND_AFTER,
                    kind,
                    "payment",
                    {
                        "payment_kind": kind,
                        "paid_on": day(REFUND_AFTER),
                        "amounts": {cls: str(a) for cls, a in sorted(amounts.items())},
                        "reference": f"{'RF' if kind != 'bill' else 'BL'}-{claim.number[3:10]}",
                    },
                )
        return plan

    # --- the rules the sandbox enforces ---

    def _fatal_conditions(self, claim, claimed: dict[str, Decimal]) -> list[tuple[str, str, str]]:
        """F555: MPF claimed above the MPF the designated import lines paid (CSMS 44097386)."""
        mpf_claimed = claimed.get("399", ZERO)
        if mpf_claimed <= 0:
            return []
        lines = {d.import_line_id: d.import_line for d in claim.designations.select_related("import_line")}
        mpf_paid = sum((line.mpf for line in lines.values()), ZERO)
        if mpf_claimed > mpf_paid:
            return [("F", "555", "EXCESS MPF CLAIMED")]
        return []

    def _bond_conditions(
        self, claim, claimed: dict[str, Decimal], *, on: dt.date
    ) -> list[tuple[str, str, str]]:
        """I285/I286/I287: the bond cannot carry accelerated payment (CSMS 42095774, 42098258).

        The 1A bond must be in effect on the day accelerated payment is requested (CSMS 48380692).
        """
        from drawback.accounts.models import Privilege

        day = on
        privilege = claim.client.privilege(Privilege.Kind.ACCELERATED_PAYMENT, on=day)
        if privilege is None or not privilege.bond_effective_on or privilege.bond_effective_on > day:
            return [("I", "285", "INVALID BOND STATUS")]
        if privilege.bond_type not in (Privilege.BondType.CONTINUOUS, Privilege.BondType.SINGLE):
            return [("I", "286", "INVALID BOND DESIGNATION")]
        total = sum(claimed.values(), ZERO)
        if privilege.bond_type == Privilege.BondType.SINGLE and (privilege.bond_amount or ZERO) < total:
            return [("I", "287", "BOND INSUFFICIENT")]
        return []

    def _dx_payload(self, claim, conditions: list[dx.Condition], disposition: str, day: str) -> dict:
        response = dx.DxResponse(
            filer=claim.number[:3],
            entry=claim.number[3:],
            version="00100" if disposition == "A" else "",
            conditions=conditions,
        )
        return {
            "disposition": disposition,
            "version": response.version,
            "conditions": [c.as_dict() for c in conditions],
            "dx": dx.dx_text([response], filer=claim.number[:3], date=dt.date.fromisoformat(day)),
        }

"""The eligible duties, taxes and fees of one import line, and the refund they support. Pure; no Django.

One place for the per-line amount, so risk findings and claim building agree on what a line is worth:
- Chapter 1-97 duty, internal revenue taxes and other fees on the line are eligible (domain.md section 4);
- each Chapter 99 duty is eligible or not by the Chapter 99 table and the entry date (product decision 8:
  `unknown` headings, partial openings and numbers in no heading are left out);
- MPF and HMF are eligible only on the unused-merchandise provisions (product decision 7);
- the refund is 99% of the eligible amount per unit times the quantity (19 CFR 190.51(b)(1)), kept exact;
  rounding to cents belongs to the claim's class totals (product decision 6).
AD/CVD deposits are never part of a line's amounts here (chapter99.md section 5).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from drawback.lib.chapter99 import Chapter99Table, Heading
from drawback.lib.money import DRAWBACK_RATE, ZERO


@dataclass(frozen=True)
class Ch99Part:
    """One Chapter 99 duty on the line and the table's answer for it."""

    number: str
    amount: Decimal
    eligible: bool
    reason: str
    warning: str
    heading: Heading | None


@dataclass(frozen=True)
class LineEligibility:
    duty: Decimal
    ch99: tuple[Ch99Part, ...]
    mpf: Decimal
    hmf: Decimal
    other_taxes: Decimal

    @property
    def ch99_eligible(self) -> Decimal:
        return sum((p.amount for p in self.ch99 if p.eligible), ZERO)

    @property
    def ch99_excluded(self) -> Decimal:
        return sum((p.amount for p in self.ch99 if not p.eligible), ZERO)

    @property
    def total(self) -> Decimal:
        """Eligible duties, taxes and fees of the whole line (before the 99%)."""
        return self.duty + self.ch99_eligible + self.mpf + self.hmf + self.other_taxes

    def refund(self, *, quantity: Decimal, line_quantity: Decimal) -> Decimal:
        """99% of the eligible amount per unit x `quantity` units of a line of `line_quantity`; exact."""
        if line_quantity <= 0 or quantity <= 0:
            return ZERO
        return DRAWBACK_RATE * self.total * quantity / line_quantity


def line_eligibility(
    *,
    duty: Decimal,
    mpf: Decimal = ZERO,
    hmf: Decimal = ZERO,
    other_taxes: Decimal = ZERO,
    ch99: Iterable[tuple[str, Decimal]] = (),
    entry_date: dt.date,
    table: Chapter99Table,
    unused_merchandise: bool = True,
) -> LineEligibility:
    """What of a line's duties, taxes and fees can be drawn back.

    `ch99` holds (number `9903.NN.NN`, amount) in ES-003 ordinal order; `entry_date` is the date the
    Chapter 99 table's effective dates are read against. `unused_merchandise=False` (manufacturing and
    rejected-merchandise provisions) leaves MPF and HMF out (product decision 7).
    """
    parts = []
    for number, amount in ch99:
        decision = table.decide(number, entry_date)
        parts.append(
            Ch99Part(number, amount, decision.eligible, decision.reason, decision.warning, decision.heading)
        )
    return LineEligibility(
        duty=duty,
        ch99=tuple(parts),
        mpf=mpf if unused_merchandise else ZERO,
        hmf=hmf if unused_merchandise else ZERO,
        other_taxes=other_taxes,
    )

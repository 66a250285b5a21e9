"""Merchandise processing fee apportionment, 19 CFR 190.51(b)(2). Pure; no Django imports.

1. Ratio per line = line value subject to MPF / total entry value subject to MPF, to four decimals.
   Lines exempt from MPF are left out of the denominator and get nothing.
2. MPF apportioned to the line = ratio x MPF paid (kept exact: a 4-decimal ratio times cents).
The 99% and the per-unit division belong to the refund computation, not here.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RATIO = Decimal("0.0001")


@dataclass(frozen=True)
class Apportioned:
    ratio: Decimal
    amount: Decimal


def apportion_mpf(
    mpf_paid: Decimal, lines: Iterable[tuple[Hashable, Decimal, bool]]
) -> dict[Hashable, Apportioned]:
    """`lines` holds (key, line value, exempt). Returns each key's ratio and apportioned MPF."""
    rows = list(lines)
    total = sum((value for _, value, exempt in rows if not exempt), Decimal("0"))
    result: dict[Hashable, Apportioned] = {}
    for key, value, exempt in rows:
        if exempt or total == 0:
            result[key] = Apportioned(Decimal("0"), Decimal("0"))
            continue
        ratio = (value / total).quantize(RATIO, rounding=ROUND_HALF_UP)
        result[key] = Apportioned(ratio, ratio * mpf_paid)
    return result

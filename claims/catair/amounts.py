"""Cents on the 43-records: how a claim's class total is spread over its import lines.

The rule, and why (product decision 6; CATAIR 43-record, 89-record and Appendix F):

* The claim's refund per accounting class is the exact sum of its designations rounded once, half-up, to
  cents (ClaimClassTotal; product decision 6). The claim file must carry that class total in its
  89-record, and the 89-record must equal the sum of the class's 43-records (PF-14).
* ACE checks every 43-record against the refund it computes for that entry line, which it rounds to cents
  half-up (CATAIR Appendix F; checks F551-F555 and F540-F543). A 43-record a cent above that figure is a
  fatal error, a cent below is merely a cent not refunded.
* So each 43 amount starts as its exact amount rounded half-up, which is what ACE computes. If those cents
  add up to more than the class total, a cent is taken back from the lines whose rounding gained the most
  (never below the exact amount's whole cents). If they add up to less, a cent is given to the lines whose
  rounding lost the most, but only where the line's claim stays within its own calculated maximum: a
  filed line never claims more than ACE will allow for it.
* When no line can take the missing cent (every line already claims its full maximum, as in direct
  identification), the file claims the lower, sum-of-lines figure and the difference is reported as a
  shortfall. Adding it anyway would put one line a cent over its maximum and get the claim rejected.

Pure Python: no Django imports.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from drawback.lib.money import CENT, to_cents


class AmountError(ValueError):
    """The class total cannot come from these line amounts by rounding alone."""


@dataclass(frozen=True)
class Apportioned:
    claim_amounts: list[Decimal]
    calculated_amounts: list[Decimal]
    filed_total: Decimal
    shortfall: Decimal  # class total minus filed total; 0.00 unless no line could take a cent


def _floor(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_FLOOR)


def _ceil(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_CEILING)


def apportion_class(*, total: Decimal, claims: list[Decimal], calculated: list[Decimal]) -> Apportioned:
    """Spread `total` (the claim's class total, in cents) over lines with exact claim/calculated amounts."""
    if len(claims) != len(calculated):
        raise ValueError("one calculated amount per line")
    if any(c < 0 for c in claims) or any(c < 0 for c in calculated):
        raise AmountError("amounts cannot be negative")
    if any(c > m for c, m in zip(claims, calculated, strict=True)):
        raise AmountError("a line claims more than its calculated amount")
    low, high = sum(map(_floor, claims), Decimal("0")), sum(map(_ceil, claims), Decimal("0"))
    if not low <= total <= high:
        raise AmountError(
            f"class total {total} is not the designations' amounts rounded to cents "
            f"(their exact sum is {sum(claims, Decimal('0'))})"
        )
    caps = [to_cents(c) for c in calculated]
    amounts = [to_cents(c) for c in claims]
    diff = int((total - sum(amounts, Decimal("0"))) / CENT)
    if diff < 0:
        # Take back from the lines rounded up the most (smallest fraction of a cent first); index breaks ties.
        order = sorted(range(len(claims)), key=lambda i: (claims[i] - _floor(claims[i]), i))
        for i in order:
            if diff == 0:
                break
            if amounts[i] > _floor(claims[i]):
                amounts[i] -= CENT
                diff += 1
    elif diff > 0:
        # Give to the lines rounded down the most, within each line's own maximum.
        order = sorted(range(len(claims)), key=lambda i: (-(claims[i] - amounts[i]), i))
        for i in order:
            if diff == 0:
                break
            if amounts[i] < _ceil(claims[i]) and amounts[i] + CENT <= caps[i]:
                amounts[i] += CENT
                diff -= 1
    filed = sum(amounts, Decimal("0.00"))
    return Apportioned(
        claim_amounts=amounts,
        calculated_amounts=caps,
        filed_total=filed,
        shortfall=total - filed,
    )

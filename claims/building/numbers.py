"""Drawback claim numbers: the firm's filer code, the next 7 digits of its sequence, and the check digit
(CATAIR App. B / App. E; drawback.lib.entry_numbers), with the firm's approved offset (product decision 9).

Numbers are taken in a short transaction of their own, by one conditional UPDATE of the filer code's
sequence row: two saves at the same moment never get the same number, and neither waits for the other's
claim to be written. A save that fails afterwards leaves its numbers unused (a gap), which is harmless.
A number already used by a claim entered otherwise is skipped.
"""

from django.db import transaction
from django.db.models import F

from claims.models import Claim, ClaimNumberSequence
from drawback.accounts.models import Firm
from drawback.lib.entry_numbers import make

LAST_SEQUENCE = 9_999_999


class NumbersExhausted(Exception):
    pass


def _highest_used(filer: str) -> int:
    numbers = Claim.objects.filter(number__startswith=filer).values_list("number", flat=True)
    return max((int(n[3:10]) for n in numbers if len(n) == 11 and n[3:10].isdigit()), default=0)


def claim_numbers_allocate(*, firm: Firm, count: int) -> list[str]:
    """`count` unused claim numbers of the firm's filer code, in increasing order."""
    filer = firm.filer_code.upper()
    numbers: list[str] = []
    while len(numbers) < count:
        need = count - len(numbers)
        with transaction.atomic():
            sequence, _ = ClaimNumberSequence.objects.get_or_create(
                filer_code=filer, defaults={"last": _highest_used(filer)}
            )
            ClaimNumberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + need)
            last = ClaimNumberSequence.objects.values_list("last", flat=True).get(pk=sequence.pk)
        if last > LAST_SEQUENCE:
            raise NumbersExhausted(
                f"filer code {filer} has used all {LAST_SEQUENCE:,} claim numbers; CBP can approve a "
                "check digit offset for it (CATAIR App. E step 6)"
            )
        first = last - need + 1
        # Same filer code and sequence under any check digit counts as used.
        taken = {
            n[:10]
            for n in Claim.objects.filter(
                number__gte=f"{filer}{first:07d}0", number__lte=f"{filer}{last:07d}9"
            ).values_list("number", flat=True)
        }
        for seq in range(first, last + 1):
            if f"{filer}{seq:07d}" not in taken:
                numbers.append(make(filer, seq, firm.claim_check_digit_offset))
    return numbers

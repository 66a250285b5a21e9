"""Demo IEEPA refunds (CAPE) for one client (`manage.py seed_demo` calls `seed` before the claims it builds
on recent exports): its entries that paid IEEPA duty in every state - not declared (some closing their
80-day window soon), declared on a file submitted in ACE, accepted, rejected with CBP's reason, refunded with
interest (enough of them for the projection to observe CAPE's lag), reliquidated without the IEEPA duties,
held back by an open protest, past the window (their IEEPA duties go to drawback where the Chapter 99 table
allows) and already on drawback claims.

CBP's answers on past dates are written as a record of what happened, as demo_portal writes claim history.
Repeatable: a client with a declaration already is left alone.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from claims.cape.models import CapeDeclaration, CapeEntry
from claims.cape.services import declaration_csv
from claims.cape.state import entry_states
from drawback.accounts.models import Client, User

S = CapeEntry.Status
INTEREST_RATE = Decimal("0.07")  # a year, simple, for the demo's interest figures
REJECTIONS = (
    "ENTRY SUMMARY ASSOCIATED WITH A DRAWBACK ENTRY",
    "ENTRY HAS AN OPEN PROTEST",
    "IOR ON DECLARATION DOES NOT MATCH ENTRY SUMMARY",
)


@transaction.atomic
def seed(client: Client, *, stdout=None) -> None:
    if CapeDeclaration.objects.filter(client=client).exists():
        return
    analyst = User.objects.get(username="analyst")
    today = timezone.localdate()
    rng = random.Random(f"{client.code}-cape")
    states = entry_states(client=client, on=today)
    eligible = [s for s in states if s.declarable]
    # Unliquidated entries first: they stay eligible; entries whose window closes soon are left to declare.
    eligible.sort(key=lambda s: (s.window_closes is not None, s.entry_number))
    refunded, accepted, rejected, declared = eligible[:6], eligible[6:10], eligible[10:12], eligible[12:15]
    files = [
        (refunded, today - dt.timedelta(days=110)),
        (accepted + rejected, today - dt.timedelta(days=25)),
        (declared, today - dt.timedelta(days=4)),
    ]
    number = 0
    for entries, submitted in files:
        if not entries:
            continue
        number += 1
        declaration = CapeDeclaration.objects.create(
            client=client,
            number=number,
            file_name=f"CAPE-{client.code}-{number:03d}.csv",
            content=declaration_csv(s.entry_number for s in entries),
            entry_count=len(entries),
            created_by=analyst,
            submitted_on=submitted,
            submitted_by=analyst,
            ace_reference=f"CAPE{rng.randrange(10**7, 10**8)}",
        )
        for s in entries:
            row = CapeEntry(client=client, entry_id=s.entry_id, declaration=declaration, status=S.DECLARED)
            if s in refunded:
                days = rng.randint(58, 88)
                row.status, row.accepted_on = S.REFUNDED, submitted + dt.timedelta(days=rng.randint(3, 9))
                row.refunded_on = submitted + dt.timedelta(days=days)
                row.refund_amount = s.ieepa_paid
                row.interest_amount = (s.ieepa_paid * INTEREST_RATE * days / 365).quantize(Decimal("0.01"))
            elif s in accepted:
                row.status, row.accepted_on = S.ACCEPTED, submitted + dt.timedelta(days=rng.randint(3, 9))
            elif s in rejected:
                row.status, row.cbp_reason = S.REJECTED, rng.choice(REJECTIONS)
            row.save()
    past = [s for s in states if s.verdict.rule == "PAST-80-DAYS" and not s.claims]
    if past:
        # CBP reliquidated one entry past its window without the IEEPA duties (a protest or a court order).
        s = past[0]
        CapeEntry.objects.update_or_create(
            entry_id=s.entry_id,
            defaults={
                "client": client,
                "ieepa_removed": True,
                "reliquidated_on": today - dt.timedelta(days=12),
            },
        )
    later = eligible[15:]
    if len(later) > 1:
        CapeEntry.objects.update_or_create(
            entry_id=later[-1].entry_id, defaults={"client": client, "protest_status": "open"}
        )
    if stdout:
        counts: dict[str, int] = {}
        for s in entry_states(client=client, on=today):
            key = f"{s.status} ({s.decision.path})"
            counts[key] = counts.get(key, 0) + 1
        stdout.write(
            f"{client.legal_name}: IEEPA entries by CAPE status (path) {dict(sorted(counts.items()))}"
        )

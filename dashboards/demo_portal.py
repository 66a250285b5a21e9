"""Demo history for the client portal (`manage.py seed_demo` calls `seed` once the clients are loaded):
two to three years of claims built by the optimizer quarter by quarter, filed, paid, liquidated and closed,
a few CF-28s and CF-29s, privileges and rulings in several states with their history, the projection
snapshots of every past month, the optimizer's estimates, and digest preferences.

Claims are built and saved as drafts through the ordinary services (optimizer, ledger, totals, accelerated
payment as the privilege and bond allow). What happened to them afterwards (reviews, filing and CBP's
answers on past dates) is written as a record of what happened, the way a firm's earlier claims are loaded
when it starts on the product: the services act on today's date and cannot file in the past. Dates and
lags are drawn from a seeded generator, so every run makes the same history. Repeatable: a second run finds
its history and adds nothing.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from claims.building.services import claim_build_run, claim_build_save, claim_build_start
from claims.cbp.models import CbpRequest, Liquidation, Payment
from claims.cbp.services import claim_reconcile
from claims.models import Claim, ClaimBuild, ClaimTransition, ClientEstimate, Designation
from claims.privileges.services import privilege_create, privilege_document_attach, privilege_status_change
from claims.projection.method import Unclaimed, add_months, month_start
from claims.projection.services import client_estimate_refresh, projection_snapshot_take
from drawback.accounts.models import Client, DigestSubscription, Privilege, User
from drawback.lib.money import ZERO, to_cents

from . import demo

S = Claim.Status
P = Privilege.Status
K = Privilege.Kind
MARK = "Demo history"
HISTORY_MONTHS = 27  # claims built for 27 months of exports, the last ending two months before today
# Lags CBP takes at each drawback office, in days (low, mode, high) of a triangular draw: a little
# different per office so the projection's "at New York" and "at every office" both show.
ACCELERATED_DAYS = {"1001": (18, 26, 48), "2809": (21, 30, 55)}
LIQUIDATION_DAYS = {"1001": (270, 318, 362), "2809": (285, 330, 364)}
REFUND_DAYS = (12, 28, 60)
CF28_PERCENT, CF29_PERCENT, DEEMED_PERCENT = 20, 22, 8


def seed_client(client: Client, *, stdout=None) -> None:
    """A newly loaded demo client's applications and rulings and its claim history. seed_demo calls it
    once, right after loading the client's files (and before the claims it builds on recent exports)."""
    analyst = User.objects.get(username="analyst")
    today = timezone.localdate()
    _privileges(client, analyst, today)
    # Acme files every month (and takes accelerated payment), Borealis every quarter.
    port, every = ("1001", 1) if client.code == "acme" else ("2809", 3)
    claims = _history(client, analyst, today, port, every, random.Random(f"{client.code}-portal"))
    if stdout:
        stdout.write(f"{client.legal_name}: {len(claims)} claims of history over {HISTORY_MONTHS} months")


def seed(*, stdout=None) -> None:
    """The optimizer's estimates, the monthly projection snapshots of the past two years and the digest
    preferences of the demo clients; what exists already is kept."""
    today = timezone.localdate()
    clients = Client.objects.filter(code__in=[s.code for s in demo.DEMO_CLIENTS]).select_related("firm")
    taken = 0
    for client in clients:
        if not ClientEstimate.objects.filter(client=client).exists():
            client_estimate_refresh(client=client, today=today)
        month = add_months(month_start(today), -24)
        while month <= today:
            unclaimed = _unclaimed_then(client, month) if month < month_start(today) else None
            taken += projection_snapshot_take(client=client, on=month, unclaimed=unclaimed)[1]
            month = add_months(month, 1)
        _contacts(client)
    if stdout and taken:
        stdout.write(f"Client portal: {taken} monthly projection snapshots, estimates and digest preferences")


def _unclaimed_then(client: Client, day: dt.date) -> Unclaimed | None:
    """Exports not yet claimed on a past day: the optimizer's figure of that day cannot be computed again
    (the quantities have moved since), so the demo's past snapshots take what was later claimed on the
    exports made by then."""
    later = Designation.objects.filter(
        claim__client=client, export__export_date__lte=day, claim__created_at__date__gt=day
    ).exclude(claim__status__in=(S.WITHDRAWN, S.REJECTED))
    found = later.aggregate(refund=Sum("refund"), exports=Count("export", distinct=True))
    if not found["refund"]:
        return None
    return Unclaimed(to_cents(found["refund"]), found["exports"], day)


# --- applications and rulings ----------------------------------------------------------------------------


def _privileges(client: Client, analyst: User, today: dt.date) -> None:
    for p in client.privileges.all():
        if not p.status_changes.exists():
            _history_rows(p, analyst, [("", P.APPROVED, p.granted_on)])
    if client.code == "acme":
        _acme_privileges(client, analyst, today)
    elif client.code == "borealis":
        _borealis_privileges(client, analyst, today)


def _acme_privileges(acme: Client, analyst: User, today: dt.date) -> None:
    ap = acme.privileges.filter(kind=K.ACCELERATED_PAYMENT).first()
    if ap is not None:
        Privilege.objects.filter(pk=ap.pk).update(
            submitted_on=dt.date(2020, 6, 15),
            decided_on=dt.date(2020, 8, 28),
            surety_name="Great Lakes Surety Co.",
            bond_number="1A-457-2020-118",
            bond_amount=Decimal("1500000.00"),
        )
        _history_rows(
            ap,
            analyst,
            [("", P.SUBMITTED, dt.date(2020, 6, 15)), (P.SUBMITTED, P.APPROVED, dt.date(2020, 8, 28))],
        )
        privilege_document_attach(
            privilege=ap,
            by=analyst,
            file=ContentFile(
                demo.minimal_pdf(
                    "CBP approval of accelerated payment", ["AP-2020-0117", "Approved 08/28/2020"]
                ),
                "AP-2020-0117-approval.pdf",
            ),
        )
    ruling = privilege_create(
        client=acme,
        by=analyst,
        kind=K.MANUFACTURING_RULING,
        status=P.DRAFTING,
        on=today - dt.timedelta(days=120),
        reference="H-2026-0311 (application)",
        ruling_type=Privilege.RulingType.SPECIFIC,
        notes="Specific manufacturing ruling for the cut-and-sew backpacks (Appendix B format).",
    )
    privilege_status_change(privilege=ruling, to=P.SUBMITTED, by=analyst, on=today - dt.timedelta(days=95))
    privilege_status_change(
        privilege=ruling,
        to=P.UNDER_REVIEW,
        by=analyst,
        on=today - dt.timedelta(days=60),
        note="CBP HQ acknowledged",
    )
    denied = privilege_create(
        client=acme,
        by=analyst,
        kind=K.COMPLIANCE_PROGRAM,
        status=P.DRAFTING,
        on=dt.date(2024, 2, 1),
        reference="DCP-2024-031",
    )
    privilege_status_change(privilege=denied, to=P.SUBMITTED, by=analyst, on=dt.date(2024, 3, 4))
    privilege_status_change(
        privilege=denied,
        to=P.DENIED,
        by=analyst,
        on=dt.date(2024, 9, 12),
        note="CBP asked for written variance-reporting procedures first (19 CFR 190.192(b)(6))",
    )


def _borealis_privileges(borealis: Client, analyst: User, today: dt.date) -> None:
    """Its compliance program runs out soon (a warning), an accelerated payment application is with CBP,
    an earlier waiver expired and a general ruling notice was withdrawn."""
    program = borealis.privileges.filter(kind=K.COMPLIANCE_PROGRAM).first()
    if program is not None:
        Privilege.objects.filter(pk=program.pk).update(expires_on=today + dt.timedelta(days=45))
    application = privilege_create(
        client=borealis,
        by=analyst,
        kind=K.ACCELERATED_PAYMENT,
        status=P.DRAFTING,
        on=today - dt.timedelta(days=70),
        reference="AP-2026-0204 (application)",
        bond_type=Privilege.BondType.CONTINUOUS,
        surety_code="612",
        surety_name="Harborline Indemnity",
        bond_amount=Decimal("250000.00"),
        bond_effective_on=today - dt.timedelta(days=75),
    )
    privilege_status_change(
        privilege=application, to=P.SUBMITTED, by=analyst, on=today - dt.timedelta(days=52)
    )
    old_waiver = privilege_create(
        client=borealis,
        by=analyst,
        kind=K.WAIVER_PRIOR_NOTICE,
        status=P.APPROVED,
        on=dt.date(2019, 5, 2),
        reference="WPN-2019-0007",
        decided_on=dt.date(2019, 5, 2),
        granted_on=dt.date(2019, 5, 2),
        expires_on=dt.date(2021, 1, 14),
    )
    privilege_status_change(privilege=old_waiver, to=P.EXPIRED, by=None, on=dt.date(2021, 1, 14))
    general = privilege_create(
        client=borealis,
        by=analyst,
        kind=K.MANUFACTURING_RULING,
        status=P.DRAFTING,
        on=dt.date(2025, 4, 1),
        reference="T.D. 81-234 notice",
        ruling_type=Privilege.RulingType.GENERAL,
    )
    privilege_status_change(
        privilege=general,
        to=P.WITHDRAWN,
        by=analyst,
        on=dt.date(2025, 5, 20),
        note="the blending stays abroad",
    )


def _history_rows(privilege: Privilege, analyst: User, rows) -> None:
    from drawback.accounts.models import PrivilegeStatusChange

    for from_status, to_status, on in rows:
        PrivilegeStatusChange.objects.create(
            privilege=privilege, from_status=from_status, to_status=to_status, on=on, by=analyst
        )


def _contacts(client: Client) -> None:
    if client.code == "acme" and "finance@" not in client.contact_emails:
        client.contact_emails = client.contact_emails.strip() + "\nfinance@acme.example.com"
        client.save(update_fields=["contact_emails"])
        DigestSubscription.objects.get_or_create(
            client=client, email="finance@acme.example.com", defaults={"frequency": "monthly"}
        )
        DigestSubscription.objects.get_or_create(
            client=client, email=f"drawback@{client.code}.example.com", defaults={"frequency": "weekly"}
        )


# --- claims and what CBP did with them -------------------------------------------------------------------


def _history(
    client: Client, analyst: User, today: dt.date, port: str, every: int, rng: random.Random
) -> list[Claim]:
    """A build of each `every` months' exports, filed three to four weeks after the period."""
    last_end = month_start(today - dt.timedelta(days=60)) - dt.timedelta(days=1)
    first = add_months(month_start(last_end), -HISTORY_MONTHS + 1)
    made = []
    # The client's backlog when the firm took it on: one claim of every earlier export.
    periods = [(None, first - dt.timedelta(days=1))]
    for q in range(HISTORY_MONTHS // every):
        start = add_months(first, every * q)
        periods.append((start, add_months(start, every) - dt.timedelta(days=1)))
    for start, end in periods:
        filing = end + dt.timedelta(days=rng.randint(18, 32))
        build = claim_build_start(
            client=client,
            user=analyst,
            parameters={
                "filing_date": filing.isoformat(),
                "export_from": start.isoformat() if start else None,
                "export_to": end.isoformat(),
                "drawback_port": port,
            },
        )
        claim_build_run(build_id=build.pk)
        build.refresh_from_db()
        if build.status != ClaimBuild.Status.DONE or not build.proposed.exists():
            continue
        ClaimBuild.objects.filter(pk=build.pk).update(created_at=_at(filing - dt.timedelta(days=13), 9))
        for claim in claim_build_save(build=build, user=analyst):
            _live(claim, filing, today, rng, analyst)
            made.append(claim)
    return made


def _at(day: dt.date, hour: int = 15) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


class _Life:
    """The moves of one claim, written as transitions at their own times; the status ends at the last."""

    def __init__(self, claim: Claim, today: dt.date):
        self.claim, self.today, self.status = claim, today, claim.status

    def move(self, to: str, day: dt.date, by: User | None, reason: str) -> bool:
        if day > self.today:
            return False
        row = ClaimTransition.objects.create(
            claim=self.claim, from_status=self.status, to_status=to, by=by, reason=reason
        )
        ClaimTransition.objects.filter(pk=row.pk).update(at=_at(day))
        self.status = to
        return True


@transaction.atomic
def _live(claim: Claim, filing: dt.date, today: dt.date, rng: random.Random, analyst: User) -> None:
    reviewer1, reviewer2 = User.objects.get(username="reviewer1"), User.objects.get(username="reviewer2")
    Claim.objects.filter(pk=claim.pk).update(
        created_at=_at(filing - dt.timedelta(days=12), 10), notes=f"{MARK}: {claim.notes}"
    )
    life = _Life(claim, today)
    life.move(S.VALIDATED, filing - dt.timedelta(days=11), analyst, "pre-flight passed (0 warnings)")
    life.move(S.FIRST_REVIEW, filing - dt.timedelta(days=10), analyst, "sent to first review")
    life.move(S.SECOND_REVIEW, filing - dt.timedelta(days=rng.randint(5, 8)), reviewer1, "level 1 approved")
    life.move(S.READY_TO_FILE, filing - dt.timedelta(days=rng.randint(1, 4)), reviewer2, "level 2 approved")
    life.move(S.FILED, filing, analyst, "transmitted through the ABI service provider")
    Claim.objects.filter(pk=claim.pk).update(filed_on=filing)
    life.move(S.ACCEPTED, filing + dt.timedelta(days=1), None, "CBP accepted the claim")
    claimed = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
    total = sum(claimed.values(), ZERO)
    number = claim.number[3:10]
    port = claim.drawback_port
    events: list[tuple[dt.date, str, dict]] = []
    if claim.accelerated_payment:
        day = filing + dt.timedelta(days=round(rng.triangular(*_tri(ACCELERATED_DAYS[port]))))
        events.append((day, "accelerated", {"amounts": claimed}))
    if rng.randrange(100) < CF28_PERCENT:
        issued = filing + dt.timedelta(days=rng.randint(10, 25))
        events.append((issued, "cf28", {"answered": issued + dt.timedelta(days=rng.randint(8, 26))}))
    liquidated = dict(claimed)
    deemed = rng.randrange(100) < DEEMED_PERCENT
    if not deemed and claimed and rng.randrange(100) < CF29_PERCENT:
        largest = max(sorted(claimed), key=lambda c: claimed[c])
        liquidated[largest] = to_cents(claimed[largest] * Decimal(rng.choice(["0.90", "0.95", "0.97"])))
        issued = filing + dt.timedelta(days=rng.randint(240, 290))
        events.append(
            (issued, "cf29", {"answered": issued + dt.timedelta(days=rng.randint(6, 18)), "cls": largest})
        )
    liq_day = (
        dt.date(filing.year + 1, filing.month, min(filing.day, 28))
        if deemed
        else filing + dt.timedelta(days=round(rng.triangular(*_tri(LIQUIDATION_DAYS[port]))))
    )
    events.append((liq_day, "liquidation", {"amounts": liquidated, "deemed": deemed}))
    events.sort(key=lambda e: e[0])
    paid_ap = ZERO
    for day, kind, data in events:
        if day > today:
            break
        if kind == "accelerated":
            _payment(claim, "accelerated", day, data["amounts"], f"AP-{number}")
            paid_ap = total
            life.move(S.ACCELERATED_PAID, day, None, f"accelerated payment of ${total:,.2f} on {day}")
        elif kind in ("cf28", "cf29"):
            answered = data["answered"]
            text = (
                "Provide the bills of lading and commercial invoices for the designated exports."
                if kind == "cf28"
                else f"CBP proposes to liquidate accounting class {data['cls']} at "
                f"${liquidated[data['cls']]:,.2f} instead of ${claimed[data['cls']]:,.2f}."
            )
            request = CbpRequest.objects.create(
                claim=claim,
                kind=kind,
                reference=f"{kind.upper()}-{number}",
                issued_on=day,
                due_on=day + dt.timedelta(days=30 if kind == "cf28" else 20),
                assigned_to=analyst,
                request_text=text,
            )
            to = S.INFO_REQUESTED if kind == "cf28" else S.ACTION_PROPOSED
            back = life.status
            life.move(to, day, None, f"{request.get_kind_display()} {request.reference}")
            if answered <= today:
                CbpRequest.objects.filter(pk=request.pk).update(
                    status=CbpRequest.Status.RESPONDED,
                    responded_on=answered,
                    responded_by=analyst,
                    response_text="Documents provided; see the attached records."
                    if kind == "cf28"
                    else "The client accepts the adjustment.",
                )
                life.move(back, answered, analyst, f"answered {request.get_kind_display()}")
        elif kind == "liquidation":
            amount = sum(data["amounts"].values(), ZERO)
            Liquidation.objects.create(
                claim=claim,
                liquidated_on=day,
                deemed=data["deemed"],
                amounts={c: str(a) for c, a in data["amounts"].items()},
                total=amount,
            )
            how = (
                "deemed liquidated at the amount claimed (19 U.S.C. 1504(a)(2)(A))"
                if data["deemed"]
                else "liquidated"
            )
            life.move(
                S.DEEMED_LIQUIDATED if data["deemed"] else S.LIQUIDATED, day, None, f"CBP {how} on {day}"
            )
            balance = {c: a - (claimed.get(c, ZERO) if paid_ap else ZERO) for c, a in data["amounts"].items()}
            settle = day + dt.timedelta(days=round(rng.triangular(*_tri(REFUND_DAYS))))
            refund = {c: a for c, a in balance.items() if a > 0}
            bill = {c: -a for c, a in balance.items() if a < 0}
            if settle <= today:
                if refund:
                    _payment(claim, "liquidation_refund", settle, refund, f"RF-{number}")
                if bill:
                    _payment(claim, "bill", settle, bill, f"BL-{number}")
                life.move(
                    S.CLOSED, max(settle, day + dt.timedelta(days=181)), None, "protest period over; settled"
                )
    Claim.objects.filter(pk=claim.pk).update(status=life.status)
    claim.refresh_from_db()
    claim_reconcile(claim=claim, today=today)


def _tri(spec: tuple[int, int, int]) -> tuple[int, int, int]:
    low, mode, high = spec
    return low, high, mode  # random.triangular takes (low, high, mode)


def _payment(claim: Claim, kind: str, day: dt.date, amounts: dict, reference: str) -> None:
    Payment.objects.create(
        claim=claim,
        kind=kind,
        paid_on=day,
        amounts={c: str(a) for c, a in amounts.items()},
        total=sum(amounts.values(), ZERO),
        reference=reference,
    )

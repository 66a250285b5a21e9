"""Reads for applications and rulings: a client's privileges with their history and documents, the
position of the accelerated payment bond, and the warnings due ahead of an expiry or a short bond."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum

from claims.models import Claim, ClaimClassTotal, Payment
from drawback.accounts.models import Client, Privilege, PrivilegeStatusChange
from drawback.lib.money import ZERO

S = Claim.Status
# Accelerated claims whose payment the bond stands behind: filed and not yet liquidated (19 CFR 190.92).
EXPOSED_STATUSES = (S.FILED, S.ACCEPTED, S.INFO_REQUESTED, S.ACTION_PROPOSED, S.ACCELERATED_PAID)
# Accelerated claims still being prepared: they will use the bond once filed.
COMMITTED_STATUSES = (S.DRAFT, S.VALIDATED, S.FIRST_REVIEW, S.SECOND_REVIEW, S.RETURNED, S.READY_TO_FILE)


def privilege_list(*, client: Client) -> QuerySet[Privilege]:
    """The client's applications, privileges and rulings, with their documents and history."""
    return (
        Privilege.objects.filter(client=client)
        .prefetch_related(
            "documents",
            Prefetch("status_changes", queryset=PrivilegeStatusChange.objects.select_related("by")),
        )
        .order_by("kind", "-granted_on", "-submitted_on", "-pk")
    )


@dataclass(frozen=True)
class BondPosition:
    """The accelerated payment bond and what accelerated claims use of it.

    `used`: claims filed and not yet liquidated that asked for accelerated payment, at what CBP paid on
    them, or at the amount claimed while the payment is pending. `committed`: claims in preparation or
    review that ask for it. A single-transaction bond (type 9) stands behind one claim, so only its
    amount counts."""

    privilege: Privilege
    amount: Decimal | None
    used: Decimal
    used_claims: int
    committed: Decimal
    committed_claims: int

    @property
    def continuous(self) -> bool:
        return self.privilege.bond_type == Privilege.BondType.CONTINUOUS

    @property
    def headroom(self) -> Decimal | None:
        """What the bond can still carry; None when its amount is not on file."""
        if self.amount is None:
            return None
        if not self.continuous:
            return self.amount
        return self.amount - self.used - self.committed

    @property
    def free_percent(self) -> Decimal | None:
        if self.amount is None or not self.amount or self.headroom is None:
            return None
        return (self.headroom / self.amount * 100).quantize(Decimal("1"))

    @property
    def low(self) -> bool:
        """The headroom is under the warning share of the bond (settings.BOND_HEADROOM_WARNING_PERCENT)."""
        free = self.free_percent
        return free is not None and free < settings.BOND_HEADROOM_WARNING_PERCENT

    def carries(self, amount: Decimal) -> bool:
        """Whether the bond can carry one more claim of `amount` (unknown amount: assumed so)."""
        return self.headroom is None or amount <= self.headroom


def bond_position(*, client: Client, on: dt.date | None = None, exclude_claim: Claim | None = None):
    """The accelerated payment privilege in force on `on` with its bond's use, or None without one."""
    from django.utils import timezone

    privilege = client.privilege(Privilege.Kind.ACCELERATED_PAYMENT, on=on or timezone.localdate())
    if privilege is None:
        return None
    claims = Claim.objects.filter(
        client=client, accelerated_payment=True, status__in=(*EXPOSED_STATUSES, *COMMITTED_STATUSES)
    ).order_by()
    if exclude_claim is not None:
        claims = claims.exclude(pk=exclude_claim.pk)
    statuses = dict(claims.values_list("pk", "status"))
    ids = claims.values("pk")
    claimed = dict(
        ClaimClassTotal.objects.filter(claim__in=ids)
        .order_by()
        .values("claim_id")
        .annotate(s=Sum("claim_amount"))
        .values_list("claim_id", "s")
    )
    paid = dict(
        Payment.objects.filter(claim__in=ids, kind=Payment.Kind.ACCELERATED)
        .order_by()
        .values("claim_id")
        .annotate(s=Sum("total"))
        .values_list("claim_id", "s")
    )
    exposed = [pk for pk, status in statuses.items() if status in EXPOSED_STATUSES]
    committed = [pk for pk, status in statuses.items() if status in COMMITTED_STATUSES]
    return BondPosition(
        privilege=privilege,
        amount=privilege.bond_amount,
        used=sum((paid[pk] if pk in paid else claimed.get(pk, ZERO) for pk in exposed), ZERO),
        used_claims=len(exposed),
        committed=sum((claimed.get(pk, ZERO) for pk in committed), ZERO),
        committed_claims=len(committed),
    )


@dataclass(frozen=True)
class PrivilegeWarning:
    kind: str  # expiry, bond
    privilege: Privilege
    text: str
    key: str  # told once per key (claims.cbp.notifications.notify_client)


def privilege_warnings(*, client: Client, today: dt.date) -> list[PrivilegeWarning]:
    """Privileges and rulings expiring within the lead time (settings.PRIVILEGE_WARNING_DAYS), and an
    accelerated payment bond whose headroom is under the warning share of its amount."""
    lead = settings.PRIVILEGE_WARNING_DAYS
    warnings = []
    expiring = Privilege.objects.filter(
        client=client,
        status=Privilege.Status.APPROVED,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=lead),
    ).order_by("expires_on", "pk")
    for p in expiring:
        days = (p.expires_on - today).days
        ref = f" {p.reference}" if p.reference else ""
        warnings.append(
            PrivilegeWarning(
                "expiry",
                p,
                f"{p.get_kind_display()}{ref} of {client.legal_name} expires on {p.expires_on} "
                f"({days} day{'s' if days != 1 else ''} from now): renew it with CBP before then.",
                f"expiry:{p.pk}:{p.expires_on}",
            )
        )
    bond = bond_position(client=client, on=today)
    if bond is not None and bond.low:
        from drawback.lib.money import format_usd

        warnings.append(
            PrivilegeWarning(
                "bond",
                bond.privilege,
                f"The accelerated payment bond of {client.legal_name} ({format_usd(bond.amount)}) has "
                f"{format_usd(bond.headroom)} of headroom left ({bond.free_percent}%): "
                f"{format_usd(bond.used)} on {bond.used_claims} filed claim(s) not yet liquidated and "
                f"{format_usd(bond.committed)} on {bond.committed_claims} claim(s) in preparation. "
                "Raise the bond or file without accelerated payment.",
                f"bond:{bond.privilege.pk}:{today:%Y-%m}",
            )
        )
    return warnings

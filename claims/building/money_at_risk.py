"""Money at risk: a client's import lines with quantity left whose 5-year period closes within 180 days, and
the refund each could still bring if it were matched to the client's exports not yet claimed.

"Closes" is the last day an export can still be designated against the line (19 U.S.C. 1313(j), the firm's
export window setting, product decision 1); after it only exports already made can be claimed, and after the
fifth anniversary nothing (1313(r)(1)). Lines are put in buckets by the days left: 0-30, 31-90, 91-180.

The refund is the engine's, not a formula of its own: the optimizer runs on these lines against every
export with quantity not yet claimed, with the claim filed tomorrow (the earliest a claim prepared today can
reach CBP; exports made today then count as made before the claim). Each line's refund is what the optimum
designates to it, exact until shown in cents. The lines compete for the exports among themselves only:
that is what they could bring if claimed first.

The optimizer run costs about a second on a demo-sized client, and client users may open the page as often as
they like, so pages and the API read `money_at_risk_cached`: the report is kept in the shared cache under a
version of the data it rests on (`data_version`: a few indexed aggregates over the lines in the window, the
open exports, the tariff and the Chapter 99 table), so any change to them computes it afresh and nothing
else does.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from claims.cape.models import CapeEntry
from claims.cape.selectors import cape_windows
from claims.engine.amounts import EXACT
from claims.engine.model import ZERO, Method, Settings
from claims.engine.optimizer import solve_problem
from claims.engine.problem import prepare
from claims.models import Designation
from drawback.accounts.models import Client
from drawback.lib.dates import (
    ExportWindow,
    import_dates_with_last_export_day_between,
    last_claim_day,
    last_export_day,
)
from drawback.lib.money import to_cents
from exports.models import Export
from imports.models import Chapter99Heading, ImportEntry, ImportLine, LineCh99Duty, TariffLine

from .inputs import inputs_from

BUCKETS = (30, 90, 180)


@dataclass(frozen=True)
class LineAtRisk:
    line_id: int
    entry_number: str
    line_number: int
    import_date: dt.date
    hts: str
    description: str
    last_export_day: dt.date
    last_claim_day: dt.date
    days_left: int
    bucket: int  # 30, 90 or 180
    quantity_available: Decimal
    uom: str
    refund: Decimal  # exact; what the optimum designates to the line

    @property
    def display_entry(self) -> str:
        n = self.entry_number
        return f"{n[:3]}-{n[3:10]}-{n[10:]}" if len(n) == 11 else n


@dataclass(frozen=True)
class Bucket:
    days: int
    first_day: int
    lines: int
    refund: Decimal  # in cents: the exact sum rounded once


@dataclass
class MoneyAtRisk:
    client: Client
    today: dt.date
    lines: list[LineAtRisk] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    # Entries whose IEEPA duties CAPE should refund, not declared yet, whose 80-day window after liquidation
    # is still open (claims.cape.selectors.cape_windows): a deadline like the 5-year limit.
    cape: list = field(default_factory=list)

    @property
    def refund(self) -> Decimal:
        return sum((b.refund for b in self.buckets), ZERO)

    @property
    def cape_refund(self) -> Decimal:
        return sum((w.amount for w in self.cape), ZERO)


def bucket_of(days_left: int) -> int:
    return next(b for b in BUCKETS if days_left <= b)


def _window_lines(client: Client, today: dt.date):
    window = ExportWindow(client.firm.export_window)
    first, last = import_dates_with_last_export_day_between(
        today, today + dt.timedelta(days=BUCKETS[-1]), window
    )
    return ImportLine.objects.filter(client=client, import_date__gte=first, import_date__lte=last)


def data_version(*, client: Client, today: dt.date) -> str:
    """A fingerprint of everything the report rests on, from indexed aggregates: the client's lines in the
    window (quantities weighted by id, so a designation moved from one line to another shows, amounts, last
    change, Chapter 99 rows), its exports still open, the tariff, the Chapter 99 table and the firm's export
    window."""
    lines = _window_lines(client, today)
    weighted = F("id") * F("quantity_available")
    line_figures = lines.aggregate(
        n=Count("id"),
        q=Sum("quantity_available"),
        w=Sum(weighted),
        d=Sum("duty"),
        m=Sum("mpf"),
        h=Sum("hmf"),
        t=Max("updated_at"),
    )
    ch99 = LineCh99Duty.objects.filter(line__in=lines).aggregate(n=Count("id"), i=Max("id"), a=Sum("amount"))
    exports = Export.objects.filter(
        client=client, quantity_available__gt=0, export_date__lte=today
    ).aggregate(
        n=Count("id"),
        q=Sum("quantity_available"),
        w=Sum(F("id") * F("quantity_available")),
        t=Max("updated_at"),
    )
    shared = (
        TariffLine.objects.aggregate(n=Count("id"), t=Max("updated_at")),
        Chapter99Heading.objects.aggregate(n=Count("id"), t=Max("updated_at")),
    )
    # IEEPA refunds: CAPE states, liquidations and claims designating entries decide which lines are held
    # and which entries' CAPE windows count.
    cape = (
        client.firm.ieepa_path,
        CapeEntry.objects.filter(client=client).aggregate(n=Count("id"), t=Max("updated_at")),
        ImportEntry.objects.filter(client=client).aggregate(n=Count("id"), t=Max("updated_at")),
        Designation.objects.filter(claim__client=client).aggregate(n=Count("id"), i=Max("id")),
    )
    return hashlib.sha256(
        repr((client.firm.export_window, line_figures, ch99, exports, shared, cape)).encode()
    ).hexdigest()[:32]


def _cache_key(client: Client, today: dt.date) -> str:
    return f"money-at-risk:{client.pk}:{today.isoformat()}:{data_version(client=client, today=today)}"


def _from_cache(key: str, client: Client, today: dt.date) -> MoneyAtRisk | None:
    kept = cache.get(key)
    if kept is None:
        return None
    lines, buckets, cape = kept
    return MoneyAtRisk(client=client, today=today, lines=lines, buckets=buckets, cape=cape)


def money_at_risk_cached(*, client: Client, today: dt.date | None = None) -> MoneyAtRisk:
    """money_at_risk, from the shared cache while the data it rests on has not changed."""
    today = today or timezone.localdate()
    key = _cache_key(client, today)
    report = _from_cache(key, client, today)
    if report is not None:
        return report
    report = money_at_risk(client=client, today=today)
    cache.set(key, (report.lines, report.buckets, report.cape), timeout=settings.MONEY_AT_RISK_CACHE_SECONDS)
    return report


def money_at_risk_kept(*, client: Client, today: dt.date | None = None) -> MoneyAtRisk | None:
    """The report already in the shared cache for the data as it stands now, or None when nothing has
    computed it since the data last changed. For pages over many clients, which must not run the optimizer
    once per client (the firm's money-at-risk page)."""
    today = today or timezone.localdate()
    return _from_cache(_cache_key(client, today), client, today)


def money_at_risk(*, client: Client, today: dt.date | None = None) -> MoneyAtRisk:
    today = today or timezone.localdate()
    window = ExportWindow(client.firm.export_window)
    lines = _window_lines(client, today).filter(quantity_available__gt=0)
    rows = list(
        lines.select_related("entry")
        .order_by("import_date", "entry__entry_number", "line_number")
        .values_list(
            "id",
            "entry__entry_number",
            "line_number",
            "import_date",
            "hts",
            "description",
            "quantity_available",
            "uom",
        )
    )
    result = MoneyAtRisk(client=client, today=today, cape=cape_windows(client=client, today=today))
    if not rows:
        result.buckets = [Bucket(days, lo, 0, ZERO) for days, lo in _bucket_bounds()]
        return result
    refunds = _refunds(client, lines, today)
    for pk, entry, number, imported, hts, description, available, uom in rows:
        closes = last_export_day(imported, window)
        days = (closes - today).days
        result.lines.append(
            LineAtRisk(
                line_id=pk,
                entry_number=entry,
                line_number=number,
                import_date=imported,
                hts=hts,
                description=description,
                last_export_day=closes,
                last_claim_day=last_claim_day(imported),
                days_left=days,
                bucket=bucket_of(days),
                quantity_available=available,
                uom=uom,
                refund=refunds.get(pk, ZERO),
            )
        )
    result.lines.sort(key=lambda x: (x.days_left, -x.refund, x.entry_number, x.line_number))
    for days, lo in _bucket_bounds():
        mine = [x for x in result.lines if x.bucket == days]
        with localcontext(EXACT):
            total = sum((x.refund for x in mine), ZERO)
        result.buckets.append(Bucket(days, lo, len(mine), to_cents(total)))
    return result


def _bucket_bounds():
    previous = -1
    for days in BUCKETS:
        yield days, previous + 1
        previous = days


def _refunds(client: Client, lines, today: dt.date) -> dict[int, Decimal]:
    """What the optimum designates to each line against the exports not yet claimed, exact."""
    exports = Export.objects.filter(client=client, quantity_available__gt=0, export_date__lte=today)
    settings = Settings(
        filing_date=today + dt.timedelta(days=1), export_window=ExportWindow(client.firm.export_window)
    )
    inputs = inputs_from(client=client, exports=exports, settings=settings, lines=lines)
    if not inputs.lines or not inputs.exports:
        return {}
    problem = prepare(
        lines=inputs.lines,
        exports=inputs.exports,
        tariff=inputs.tariff,
        chapter99=inputs.chapter99,
        settings=settings,
    )
    # One process: this runs in a web request or an API call.
    result = solve_problem(problem, Method.OPTIMAL, workers=1)
    refunds: dict[int, Decimal] = defaultdict(lambda: ZERO)
    with localcontext(EXACT):
        for d in result.designations:
            line_id = inputs.line_ids.get(d.line)
            if line_id is not None:
                refunds[line_id] += d.refund
    return dict(refunds)

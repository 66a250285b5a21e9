"""The figures of a client's dashboard and of the firm's portfolio, read from the other apps' models and
selectors in a fixed number of grouped queries (none per claim or per client): claims by stage, money
received and still to come, liquidated against claimed per accounting class, the projection and its track
record, what the optimizer gained, and what the client needs to do.

A client user sees what concerns them: no draft builds, review comments or acknowledged warnings. The
dashboard reads none of those.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from claims.building.money_at_risk import Bucket, money_at_risk_kept
from claims.cape.models import CapeEntry
from claims.cape.projection import cape_projection
from claims.cape.selectors import cape_windows
from claims.cbp.models import CbpRequest, Liquidation, Payment
from claims.models import (
    ACCOUNTING_CLASSES,
    Claim,
    ClaimBuild,
    ClaimClassTotal,
    ClientEstimate,
    Finding,
    ProjectionSnapshot,
)
from claims.privileges.selectors import privilege_list, privilege_warnings
from claims.projection import method
from claims.projection.history import claim_records, data_marks
from claims.projection.method import ClaimRecord, Projection, Stage, TrackRecord
from claims.projection.selectors import client_projection, track_record
from claims.risk import RULE_TITLES
from claims.risk.exports import EXPORT_DOCUMENTS
from claims.risk.imports import ENTRY_DOCUMENTS
from claims.selectors import STAGES
from drawback.accounts.models import Client, Privilege
from drawback.accounts.tenancy import scope
from drawback.lib.money import ZERO
from reviews.selectors import review_queue

from . import charts

PAST_MONTHS = 12


# --- pipeline ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageFigure:
    key: str
    label: str
    count: int
    amount: Decimal


def pipeline_by_client(*, clients: QuerySet[Client]) -> dict[int, list[StageFigure]]:
    """{client id: [claims and amount claimed per stage]} in two grouped queries."""
    counts: dict[tuple[int, str], int] = {}
    for client_id, status, n in (
        Claim.objects.filter(client__in=clients)
        .order_by()
        .values("client_id", "status")
        .annotate(n=Count("pk"))
        .values_list("client_id", "status", "n")
    ):
        counts[client_id, status] = n
    amounts: dict[tuple[int, str], Decimal] = {}
    for client_id, status, total in (
        ClaimClassTotal.objects.filter(claim__client__in=clients)
        .order_by()
        .values("claim__client_id", "claim__status")
        .annotate(total=Sum("claim_amount"))
        .values_list("claim__client_id", "claim__status", "total")
    ):
        amounts[client_id, status] = total
    ids = {cid for cid, _ in counts} | {cid for cid, _ in amounts}
    out = {}
    for client_id in ids:
        out[client_id] = [
            StageFigure(
                key,
                label,
                sum(counts.get((client_id, s), 0) for s in statuses),
                sum((amounts.get((client_id, s), ZERO) for s in statuses), ZERO),
            )
            for key, (label, statuses) in STAGES.items()
        ]
    return out


def empty_pipeline() -> list[StageFigure]:
    return [StageFigure(key, label, 0, ZERO) for key, (label, _) in STAGES.items()]


# --- money ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthReceived:
    month: dt.date
    accelerated: Decimal
    refunds: Decimal
    bills: Decimal

    @property
    def net(self) -> Decimal:
        return self.accelerated + self.refunds - self.bills


@dataclass(frozen=True)
class ClassRow:
    code: str
    name: str
    claimed: Decimal
    liquidated: Decimal

    @property
    def difference(self) -> Decimal:
        return self.liquidated - self.claimed


@dataclass(frozen=True)
class YearReceived:
    year: int
    received: Decimal


@dataclass
class Money:
    months: list[MonthReceived]  # every month with money, oldest first
    years: list[YearReceived]
    this_year: Decimal
    outstanding: Decimal  # claimed (or liquidated) and not yet paid, on claims with CBP
    outstanding_claims: int
    classes: list[ClassRow]  # liquidated claims: claimed and liquidated per accounting class
    liquidated_claims: int

    def recent(self, today: dt.date, count: int = PAST_MONTHS) -> list[MonthReceived]:
        """The last `count` months to today's, months without money included."""
        by = {m.month: m for m in self.months}
        current = method.month_start(today)
        keys = [method.add_months(current, -i) for i in range(count - 1, -1, -1)]
        return [by.get(k, MonthReceived(k, ZERO, ZERO, ZERO)) for k in keys]


def money(*, client: Client, records: list[ClaimRecord], today: dt.date) -> Money:
    by_month: dict[dt.date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for month, kind, total in (
        Payment.objects.filter(claim__client=client)
        .annotate(month=TruncMonth("paid_on"))
        .order_by()
        .values_list("month", "kind")
        .annotate(total=Sum("total"))
    ):
        month = month.date() if isinstance(month, dt.datetime) else month
        by_month[month][kind] += total
    months = [
        MonthReceived(
            m,
            v[Payment.Kind.ACCELERATED],
            v[Payment.Kind.LIQUIDATION_REFUND],
            v[Payment.Kind.BILL],
        )
        for m, v in sorted(by_month.items())
    ]
    years: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for m in months:
        years[m.month.year] += m.net
    outstanding, open_claims = ZERO, 0
    for r in records:
        if r.stage in (Stage.FILED, Stage.LIQUIDATED):
            due = (r.liquidated if r.liquidated is not None else r.claimed) - r.accelerated_paid - r.settled
            if due:
                outstanding += due
                open_claims += 1
    claimed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    liquidated_ids = Liquidation.objects.filter(claim__client=client).exclude(liquidated_on=None)
    for code, total in (
        ClaimClassTotal.objects.filter(claim__in=liquidated_ids.values("claim_id"))
        .order_by()
        .values("accounting_class")
        .annotate(total=Sum("claim_amount"))
        .values_list("accounting_class", "total")
    ):
        claimed[code] = total
    liquidated: dict[str, Decimal] = defaultdict(lambda: ZERO)
    count = 0
    for amounts in liquidated_ids.values_list("amounts", flat=True):
        count += 1
        for code, amount in (amounts or {}).items():
            liquidated[code] += Decimal(str(amount))
    classes = [
        ClassRow(code, ACCOUNTING_CLASSES.get(code, ""), claimed.get(code, ZERO), liquidated.get(code, ZERO))
        for code in sorted(set(claimed) | set(liquidated))
    ]
    return Money(
        months=months,
        years=[YearReceived(year, total) for year, total in sorted(years.items())],
        this_year=years.get(today.year, ZERO),
        outstanding=outstanding,
        outstanding_claims=open_claims,
        classes=classes,
        liquidated_claims=count,
    )


# --- maximization -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildGain:
    build_id: int
    saved_on: dt.date
    claims: list[tuple[int, str]]  # (claim id, display number)
    optimal: Decimal
    fifo: Decimal

    @property
    def gain(self) -> Decimal:
        return self.optimal - self.fifo


@dataclass
class Maximization:
    builds: list[BuildGain]
    estimate: ClientEstimate | None

    @property
    def optimal(self) -> Decimal:
        return sum((b.optimal for b in self.builds), ZERO)

    @property
    def fifo(self) -> Decimal:
        return sum((b.fifo for b in self.builds), ZERO)

    @property
    def gain(self) -> Decimal:
        return sum((b.gain for b in self.builds), ZERO)


def maximization(*, client: Client) -> Maximization:
    """What the optimizer gained over first-in first-out on each saved build (the claims it became, those
    not withdrawn or rejected), from the comparison the build stored; and the engine's estimate."""
    claims: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, build_id, number in (
        Claim.objects.filter(client=client, build__isnull=False, replaces__isnull=True)
        .exclude(status__in=(Claim.Status.WITHDRAWN, Claim.Status.REJECTED))
        .order_by("number")
        .values_list("pk", "build_id", "number")
    ):
        claims[build_id].append((pk, f"{number[:3]}-{number[3:10]}-{number[10:]}"))
    builds = []
    for pk, created, comparison in (
        ClaimBuild.objects.filter(client=client, status=ClaimBuild.Status.SAVED, pk__in=list(claims))
        .order_by("-created_at", "-pk")
        .values_list("pk", "created_at", "result__comparison")
    ):
        refunds = {row["method"]: Decimal(row["refund"]) for row in comparison or []}
        if "optimal" not in refunds or "fifo" not in refunds:
            continue
        builds.append(
            BuildGain(pk, timezone.localdate(created), claims[pk], refunds["optimal"], refunds["fifo"])
        )
    return Maximization(builds=builds, estimate=ClientEstimate.objects.filter(client=client).first())


# --- needs from the client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingDocuments:
    rule: str
    title: str
    count: int
    amount: Decimal


@dataclass
class Needs:
    requests: list[CbpRequest]
    documents: list[MissingDocuments]
    warnings: list  # claims.privileges.selectors.PrivilegeWarning

    @property
    def count(self) -> int:
        """Things to do: each open request, each kind of missing document, each warning."""
        return len(self.requests) + len(self.documents) + len(self.warnings)


def needs(*, client: Client, today: dt.date) -> Needs:
    """Open CBP requests with their due dates, documents the risk rules found missing (open findings; an
    analyst's acknowledged warning is the firm's business), privileges expiring and a short bond."""
    requests = list(
        CbpRequest.objects.filter(claim__client=client, status=CbpRequest.Status.OPEN)
        .select_related("claim")
        .order_by("due_on", "pk")
    )
    documents = [
        MissingDocuments(rule, RULE_TITLES.get(rule, rule), n, amount or ZERO)
        for rule, n, amount in Finding.objects.filter(
            client=client, status=Finding.Status.OPEN, rule__in=(ENTRY_DOCUMENTS, EXPORT_DOCUMENTS)
        )
        .order_by("rule")
        .values("rule")
        .annotate(n=Count("pk"), amount=Sum("amount_at_stake"))
        .values_list("rule", "n", "amount")
    ]
    return Needs(requests, documents, privilege_warnings(client=client, today=today))


# --- refunds outside drawback claims ----------------------------------------------------------------------


@dataclass(frozen=True)
class OtherRefund:
    label: str
    received: Decimal
    expected: Decimal


def other_refunds(*, client: Client, today: dt.date) -> list[OtherRefund]:
    """Refunds that do not come through drawback claims join the dashboard here and nowhere else: IEEPA
    duty refunds (CAPE), received (with interest) and expected (claims.cape.projection), once the client has
    any entry that paid IEEPA duty."""
    received = CapeEntry.objects.filter(client=client, status=CapeEntry.Status.REFUNDED).aggregate(
        refund=Sum("refund_amount"), interest=Sum("interest_amount")
    )
    projection = cape_projection(client=client, today=today)
    got = (received["refund"] or ZERO) + (received["interest"] or ZERO)
    if not got and not projection.items:
        return []
    return [OtherRefund("IEEPA duties refunded through CAPE", got, projection.expected)]


# --- the whole dashboard ----------------------------------------------------------------------------------


@dataclass
class Dashboard:
    client: Client
    today: dt.date
    pipeline: list[StageFigure]
    money: Money
    projection: Projection
    track: TrackRecord
    maximization: Maximization
    needs: Needs
    privileges: list[Privilege]
    other_refunds: list[OtherRefund] = field(default_factory=list)
    charts: dict = field(default_factory=dict)

    @property
    def next_quarter(self) -> Decimal:
        return sum((m.expected for m in self.projection.months[:3]), ZERO)

    @property
    def projected_total(self) -> Decimal:
        return self.projection.total

    @property
    def money_rows(self) -> list[dict]:
        """Months for the money chart and its table: the past year received, the coming months projected
        (the current month has both)."""
        rows = []
        for m in self.money.recent(self.today):
            rows.append(
                {
                    "month": m.month,
                    "received": m.net,
                    "projected": None,
                    "low": None,
                    "high": None,
                    "past": True,
                }
            )
        for m in self.projection.months:
            if rows and rows[-1]["month"] == m.month:
                rows[-1].update(projected=m.expected, low=m.low, high=m.high, past=False)
                continue
            rows.append(
                {
                    "month": m.month,
                    "received": None,
                    "projected": m.expected,
                    "low": m.low,
                    "high": m.high,
                    "past": False,
                }
            )
        return rows


# Figures read from claims, payments, liquidations, requests, snapshots, privileges and the engine's
# estimate are kept this long at most; anything recorded in those changes their cache key sooner.
FIGURES_SECONDS = 600
CACHED = ("pipeline", "money", "projection", "track", "maximization", "charts")


def _figures_key(client: Client, today: dt.date) -> str:
    stamps = (client.pk, today, *data_marks(client_id=client.pk))
    return "dashboard-figures:" + hashlib.sha256(":".join(map(str, stamps)).encode()).hexdigest()


def client_dashboard(*, client: Client, today: dt.date | None = None) -> Dashboard:
    """The client's dashboard as of today. What the claims and CBP's money say (claims by stage, money,
    projection, track record, maximization, charts) is kept in the cache until something is recorded (see
    _figures_key); what the client must do and its applications are read on every view."""
    today = today or timezone.localdate()
    key = _figures_key(client, today)
    core = cache.get(key)
    if core is None:
        records = claim_records(claims=Claim.objects.filter(client=client))
        one = Client.objects.filter(pk=client.pk)
        draft = Dashboard(
            client=client,
            today=today,
            pipeline=pipeline_by_client(clients=one).get(client.pk, empty_pipeline()),
            money=money(client=client, records=records, today=today),
            projection=client_projection(client=client, today=today, records=records),
            track=track_record(clients=one, today=today),
            maximization=maximization(client=client),
            needs=Needs([], [], []),
            privileges=[],
        )
        draft.charts = dashboard_charts(draft)
        core = {name: getattr(draft, name) for name in CACHED}
        cache.set(key, core, FIGURES_SECONDS)
    return Dashboard(
        client=client,
        today=today,
        needs=needs(client=client, today=today),
        privileges=list(privilege_list(client=client)),
        other_refunds=other_refunds(client=client, today=today),
        **core,
    )


def dashboard_charts(board: Dashboard) -> dict:
    rows = board.money_rows
    money_chart = charts.bar_chart(
        title="Money by month: received, and projected with its range",
        categories=[r["month"].strftime("%b %y") for r in rows],
        series=[
            charts.Series("Received", [r["received"] for r in rows], charts.COLOURS["received"], "received"),
            charts.Series(
                "Projected", [r["projected"] for r in rows], charts.COLOURS["projected"], "projected"
            ),
        ],
        band=[(r["low"], r["high"]) if r["low"] is not None else None for r in rows],
        band_name="Projected range",
        chart_id="money-chart",
        label_every=3,
    )
    pipeline_chart = charts.horizontal_bars(
        title="Claims by stage: amount claimed",
        rows=[(s.label, s.amount, f"{s.count} claim{'s' if s.count != 1 else ''}") for s in board.pipeline],
        chart_id="pipeline-chart",
    )
    return {"money": money_chart, "pipeline": pipeline_chart, "forecast": forecast_chart(board.track)}


def forecast_chart(track: TrackRecord, chart_id: str = "forecast-chart"):
    horizons = [a.horizon for a in track.accuracy]
    shown = [h for h in (1, 3) if h in horizons]
    series = [charts.Series("Received", [r.actual for r in track.rows], charts.COLOURS["actual"], "actual")]
    for i, h in enumerate(shown):
        series.append(
            charts.Series(
                f"Projected {h} month{'s' if h > 1 else ''} ahead",
                [r.projected[h] for r in track.rows],
                charts.SERIES_COLOURS[1 + i],
                f"projected-{h}",
            )
        )
    return charts.bar_chart(
        title="Forecast against actual",
        categories=[r.month.strftime("%b %y") for r in track.rows],
        series=series,
        chart_id=chart_id,
        label_every=2,
    )


# --- the firm's portfolio ---------------------------------------------------------------------------------


@dataclass
class PortfolioRow:
    client: Client
    pipeline: list[StageFigure]
    received_this_year: Decimal
    projected_next_quarter: Decimal | None  # from the latest snapshot of this month, if any
    at_risk: Decimal | None
    estimate_as_of: dt.date | None
    open_requests: int


def portfolio(*, clients: QuerySet[Client], today: dt.date) -> list[PortfolioRow]:
    """One row per client in a fixed number of queries. The projected next quarter is read from the
    client's latest snapshot of this month (the beat job takes one on the first), so the list costs the
    same whatever the number of clients; a client without one shows none until then."""
    rows = list(clients.select_related("firm").order_by("legal_name", "pk"))
    pipelines = pipeline_by_client(clients=clients)
    year_start = dt.date(today.year, 1, 1)
    received: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for client_id, kind, total in (
        Payment.objects.filter(claim__client__in=clients, paid_on__gte=year_start, paid_on__lte=today)
        .order_by()
        .values("claim__client_id", "kind")
        .annotate(total=Sum("total"))
        .values_list("claim__client_id", "kind", "total")
    ):
        received[client_id] += -total if kind == Payment.Kind.BILL else total
    latest: dict[int, ProjectionSnapshot] = {}
    month = method.month_start(today)
    this_month = ProjectionSnapshot.objects.filter(client__in=clients, taken_on__gte=month)
    for snap in this_month.only("client_id", "taken_on", "months").order_by("taken_on", "pk"):
        latest[snap.client_id] = snap
    estimates = {e.client_id: e for e in ClientEstimate.objects.filter(client__in=clients)}
    requests = dict(
        CbpRequest.objects.filter(claim__client__in=clients, status=CbpRequest.Status.OPEN)
        .order_by()
        .values("claim__client_id")
        .annotate(n=Count("pk"))
        .values_list("claim__client_id", "n")
    )
    out = []
    for c in rows:
        snap = latest.get(c.pk)
        quarter = None
        if snap is not None:
            keys = {method.add_months(month, i).isoformat() for i in range(3)}
            quarter = sum((Decimal(m["expected"]) for m in snap.months if m["month"] in keys), ZERO)
        estimate = estimates.get(c.pk)
        out.append(
            PortfolioRow(
                client=c,
                pipeline=pipelines.get(c.pk, empty_pipeline()),
                received_this_year=received.get(c.pk, ZERO),
                projected_next_quarter=quarter,
                at_risk=estimate.at_risk_refund if estimate and not estimate.error else None,
                estimate_as_of=estimate.as_of if estimate else None,
                open_requests=requests.get(c.pk, 0),
            )
        )
    return out


@dataclass
class WorkQueues:
    reviews: list  # reviews.selectors.QueueItem, both levels
    requests_due: list[CbpRequest]  # open, due within the week (overdue included)
    ready_to_file: list[Claim]


def work_queues(*, user, today: dt.date) -> WorkQueues:
    reviews = review_queue(user=user, level=1) + review_queue(user=user, level=2)
    reviews.sort(key=lambda item: item.entered_at)
    requests = list(
        scope(CbpRequest.objects.filter(status=CbpRequest.Status.OPEN), user, "claim__client")
        .filter(due_on__lte=today + dt.timedelta(days=7))
        .select_related("claim__client", "assigned_to")
        .order_by("due_on", "pk")
    )
    ready = list(
        scope(Claim.objects.filter(status=Claim.Status.READY_TO_FILE), user)
        .select_related("client")
        .order_by("updated_at", "pk")
    )
    return WorkQueues(reviews=reviews, requests_due=requests, ready_to_file=ready)


@dataclass
class FirmRiskRow:
    client: Client
    estimate: ClientEstimate | None  # the nightly run: exports not yet claimed, and the fallback below
    buckets: list[Bucket] | None  # 0-30, 31-90, 91-180 days; None: never computed, or the run failed
    refund: Decimal | None
    as_of: dt.date | None
    current: bool  # from the client's money-at-risk report for the data as it stands now
    # IEEPA duties CAPE should refund on entries not declared yet whose 80-day window is open (read from the
    # database, no optimizer), and the days left on the first to close.
    cape: Decimal = ZERO
    cape_entries: int = 0
    cape_first_days: int | None = None


def firm_money_at_risk(*, clients: QuerySet[Client], today: dt.date) -> list[FirmRiskRow]:
    """Each client's money at risk, highest first. It is the client's own money-at-risk report when the
    shared cache holds it for the data as it stands now (claims.building.money_at_risk: the client's page,
    its API and the nightly run all leave it there), else the nightly estimate's figures. The optimizer is
    never run here, once per client, inside the request."""
    estimates = {e.client_id: e for e in ClientEstimate.objects.filter(client__in=clients)}
    rows = []
    for client in clients.select_related("firm").order_by("legal_name", "pk"):
        estimate = estimates.get(client.pk)
        report = money_at_risk_kept(client=client, today=today)
        if report is not None:
            row = FirmRiskRow(client, estimate, report.buckets, report.refund, today, True)
        elif estimate is not None and not estimate.error:
            buckets = [
                Bucket(days=b["days"], first_day=b["from"], lines=b["lines"], refund=Decimal(b["refund"]))
                for b in estimate.at_risk
            ]
            row = FirmRiskRow(client, estimate, buckets, estimate.at_risk_refund, estimate.as_of, False)
        else:
            row = FirmRiskRow(client, estimate, None, None, None, False)
        windows = report.cape if report is not None else cape_windows(client=client, today=today)
        row.cape = sum((w.amount for w in windows), ZERO)
        row.cape_entries = len(windows)
        row.cape_first_days = windows[0].days_left if windows else None
        rows.append(row)
    return sorted(rows, key=lambda r: -((r.refund or ZERO) + r.cape))

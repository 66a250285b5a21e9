"""Benchmark the client pages and API over a large generated client on PostgreSQL, and print figures.

    python manage.py bench_web --lines 1000000 --claims 5000

Generates one client with `--lines` import lines (five per entry, a tenth with a Chapter 99 duty) and a
tenth as many exports with SQL, and `--claims` claims over three years in every stage, with their class
totals, review and CBP moves, accelerated payments, liquidations, refunds and bills, CF-28/CF-29 requests,
an accelerated payment privilege, the optimizer's estimate and a projection snapshot for each of the past
24 months (taken through the service, as the monthly job would). Then times each page and API call a
user makes: the median, 95th percentile and worst of `--runs` requests after one warm-up (the client
portal's pages `--portal-runs` each), with the number of queries. The generated client is removed at the
end unless `--keep` is given (a later run with --keep reuses it).
"""

import datetime as dt
import math
import random
import statistics
import time
from decimal import Decimal

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.cbp.models import CbpRequest, Liquidation, Payment
from claims.models import Claim, ClaimClassTotal, ClaimTransition, ClientEstimate
from claims.projection.history import firm_observations
from claims.projection.method import add_months, month_start
from claims.projection.services import projection_snapshot_take
from drawback.accounts.models import Client, Firm, Privilege, User
from drawback.paging import encode_cursor
from imports.models import ImportLine

CODE = "bench-web"
USERNAME = "bench-web-analyst"
CLIENT_USERNAME = "bench-web-client"

# Spread over seven years of import dates, ~9,000 HTS headings, six origins; a ninth designated.
ENTRIES_SQL = """
INSERT INTO imports_importentry (client_id, entry_number, entry_type, port_code, importer_number,
    importer_name, entry_date, import_date, liquidation_status, reconciliation, created_at, updated_at)
SELECT %s, 'BEN' || lpad(i::text, 8, '0'), '01', '2704', '', '', d, d, '', false, %s, %s
FROM generate_series(1, %s) AS i, LATERAL (SELECT date '2019-01-01' + (i * 37 %% 2550)) AS x(d)
"""
LINES_SQL = """
INSERT INTO imports_importline (client_id, entry_id, line_number, import_date, hts, description,
    country_of_origin, country_of_export, manufacturer_id, spi, quantity, uom, entered_value, duty,
    mpf, hmf, other_taxes, mpf_exempt, quantity_available, designation_method, created_at, updated_at)
SELECT %s, e.id, n, e.import_date,
    lpad(((e.id * 7 + n * 131) %% 9000 + 1000)::text, 4, '0') || lpad(((e.id + n) %% 100)::text, 6, '0'),
    'generated line ' || e.id || '-' || n,
    (ARRAY['CN','VN','MX','DE','IN','BD'])[1 + (e.id * 5 + n) %% 6], '', '', '',
    100, 'PCS', 1000 + (e.id %% 500), 50 + ((e.id * n) %% 97) + 0.25, 0, 0, 0, false,
    (e.id * n) %% 101, CASE WHEN (e.id + 4 * n) %% 9 = 0 THEN 'direct' ELSE '' END, %s, %s
FROM imports_importentry e, generate_series(1, 5) AS n
WHERE e.client_id = %s
    AND (e.id - (SELECT min(id) FROM imports_importentry WHERE client_id = %s)) * 5 + n <= %s
"""
CH99_SQL = """
INSERT INTO imports_linech99duty (line_id, ordinal, number, amount)
SELECT id, 1, '9903.88.03', 25.00 FROM imports_importline WHERE client_id = %s AND id %% 10 = 0
"""
EXPORTS_SQL = """
INSERT INTO exports_export (client_id, export_ref, itn, shipment_ref, bill_of_lading, export_date,
    exporter_name, exporter_number, consignee, destination, port_of_export, hts, description,
    quantity, uom, value, disposition, recovered_value, excepted_goods, direct_entry_number,
    quantity_available, created_at, updated_at)
SELECT %s, 'X' || lpad(i::text, 13, '0'), '', '', '', date '2020-01-01' + (i * 17 %% 2000), '', '', '',
    (ARRAY['DE','CA','MX','JP','GB'])[1 + i %% 5], '', lpad((i %% 9000 + 1000)::text, 4, '0') || '100012',
    'generated export ' || i, 50, 'PCS', 600 + i %% 300, 'export', 0, false, '', 50, %s, %s
FROM generate_series(1, %s) AS i
"""


class Command(BaseCommand):
    help = "Time the client pages and API over a generated client with millions of lines (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=1_000_000)
        parser.add_argument("--claims", type=int, default=5_000)
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--portal-runs", type=int, default=20, help="runs of each client portal request")
        parser.add_argument("--keep", action="store_true", help="keep the generated client for another run")

    def handle(self, *args, lines: int, claims: int, runs: int, portal_runs: int, keep: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_web measures PostgreSQL; set DATABASE_URL=postgres://...")
        client = Client.objects.filter(code=CODE).first()
        if client and (
            ImportLine.objects.filter(client=client).count() != lines
            or Claim.objects.filter(client=client).count() != claims
        ):
            self._drop(client)
            client = None
        if client is None:
            started = time.perf_counter()
            client = self._generate(lines)
            self.stdout.write(f"generated {lines:,} lines in {time.perf_counter() - started:.1f} s")
        user, _ = User.objects.update_or_create(
            username=USERNAME, defaults={"role": User.Role.ANALYST, "firm": client.firm, "client": None}
        )
        if not Claim.objects.filter(client=client).exists():
            started = time.perf_counter()
            self._claims(client, user, claims)
            self.stdout.write(
                f"generated {claims:,} claims and their projection snapshots in "
                f"{time.perf_counter() - started:.1f} s"
            )
        try:
            self._measure(client, user, runs, portal_runs)
        finally:
            if not keep:
                self._drop(client)

    def _generate(self, lines: int) -> Client:
        firm = Firm.objects.create(name="Benchmark firm", filer_code="BEN")
        client = Client.objects.create(
            firm=firm, code=CODE, legal_name="Benchmark Client", importer_number="12-345678900"
        )
        entries = (lines + 4) // 5
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(ENTRIES_SQL, [client.pk, now, now, entries])
            cur.execute(LINES_SQL, [client.pk, now, now, client.pk, client.pk, lines])
            cur.execute(CH99_SQL, [client.pk])
            cur.execute(EXPORTS_SQL, [client.pk, now, now, max(1, lines // 10)])
        with connection.cursor() as cur:
            for table in (
                "imports_importentry",
                "imports_importline",
                "imports_linech99duty",
                "exports_export",
            ):
                cur.execute(f"VACUUM ANALYZE {table}")
        return client

    def _claims(self, client: Client, user: User, count: int) -> None:
        """`count` claims over the last three years, in every stage, with what happened to them."""
        rng = random.Random(20261206)
        today = timezone.localdate()
        S = Claim.Status
        Privilege.objects.create(
            client=client,
            kind=Privilege.Kind.ACCELERATED_PAYMENT,
            reference="AP-BENCH",
            granted_on=today - dt.timedelta(days=4 * 365),
            bond_type=Privilege.BondType.CONTINUOUS,
            surety_code="457",
            bond_amount=Decimal("50000000.00"),
            bond_effective_on=today - dt.timedelta(days=4 * 365),
        )
        rows = []
        for i in range(count):
            age = rng.randint(0, 3 * 365)  # days since filing (or since creation, not filed)
            filed = today - dt.timedelta(days=age)
            accelerated = rng.random() < 0.6
            if age < 20:
                status = rng.choice([S.DRAFT, S.VALIDATED, S.FIRST_REVIEW, S.SECOND_REVIEW, S.READY_TO_FILE])
            elif age < 30:
                status = S.ACCEPTED
            elif age < 320:
                status = S.ACCELERATED_PAID if accelerated else rng.choice([S.ACCEPTED, S.INFO_REQUESTED])
            elif age < 520:
                status = S.LIQUIDATED
            else:
                status = S.CLOSED
            claim = Claim(
                client=client,
                number=f"BEN{i:07d}0",
                provision=rng.choice(["58", "59"]),
                drawback_port=rng.choice(["1001", "2809", "3901"]),
                status=status,
                preparer=user,
                accelerated_payment=accelerated,
                filed_on=filed if age >= 20 else None,
            )
            claim.bench_amount = Decimal(rng.randint(2_000, 400_000)) + Decimal(rng.randint(0, 99)) / 100
            claim.bench_age = age
            rows.append(claim)
        with transaction.atomic():
            Claim.objects.bulk_create(rows, batch_size=1000)
            totals, moves, payments, liquidations, requests = [], [], [], [], []
            for c in rows:
                mpf = (c.bench_amount * Decimal("0.01")).quantize(Decimal("0.01"))
                duty = c.bench_amount - mpf
                totals += [
                    ClaimClassTotal(
                        claim=c, accounting_class="364", claim_amount=duty, calculated_amount=duty
                    ),
                    ClaimClassTotal(claim=c, accounting_class="399", claim_amount=mpf, calculated_amount=mpf),
                ]
                if c.status not in (S.DRAFT, S.VALIDATED):
                    moves.append(
                        ClaimTransition(claim=c, from_status=S.VALIDATED, to_status=S.FIRST_REVIEW, by=user)
                    )
                if not c.filed_on:
                    continue
                moves.append(
                    ClaimTransition(claim=c, from_status=S.READY_TO_FILE, to_status=S.FILED, by=user)
                )
                paid_ap = c.accelerated_payment and c.bench_age >= 30
                if paid_ap:
                    payments.append(
                        self._payment(
                            c,
                            "accelerated",
                            c.filed_on + dt.timedelta(days=rng.randint(18, 45)),
                            c.bench_amount,
                        )
                    )
                if rng.random() < 0.06:
                    issued = c.filed_on + dt.timedelta(days=rng.randint(10, 25))
                    requests.append(
                        CbpRequest(
                            claim=c,
                            kind="cf28",
                            reference=f"CF28-{c.number}",
                            issued_on=issued,
                            due_on=issued + dt.timedelta(days=30),
                            status="open" if c.status == S.INFO_REQUESTED else "responded",
                        )
                    )
                if c.status in (S.LIQUIDATED, S.CLOSED):
                    cf29 = rng.random() < 0.2
                    liquidated = (c.bench_amount * (Decimal("0.95") if cf29 else 1)).quantize(Decimal("0.01"))
                    on = c.filed_on + dt.timedelta(days=rng.randint(280, 364))
                    liquidations.append(
                        Liquidation(
                            claim=c, liquidated_on=on, total=liquidated, amounts={"364": str(liquidated)}
                        )
                    )
                    if cf29:
                        issued = on - dt.timedelta(days=40)
                        requests.append(
                            CbpRequest(
                                claim=c,
                                kind="cf29",
                                reference=f"CF29-{c.number}",
                                issued_on=issued,
                                due_on=issued + dt.timedelta(days=20),
                                status="responded",
                            )
                        )
                    balance = liquidated - (c.bench_amount if paid_ap else 0)
                    settle = on + dt.timedelta(days=rng.randint(14, 60))
                    if balance and (c.status == S.CLOSED or settle < today):
                        kind = "liquidation_refund" if balance > 0 else "bill"
                        payments.append(self._payment(c, kind, settle, abs(balance)))
            ClaimClassTotal.objects.bulk_create(totals, batch_size=5000)
            ClaimTransition.objects.bulk_create(moves, batch_size=5000)
            Payment.objects.bulk_create(payments, batch_size=5000)
            Liquidation.objects.bulk_create(liquidations, batch_size=5000)
            CbpRequest.objects.bulk_create(requests, batch_size=5000)
            with connection.cursor() as cur:
                # Creation and review as they happened: three weeks and two weeks before filing.
                cur.execute(
                    "UPDATE claims_claim SET created_at = "
                    "COALESCE(filed_on, CURRENT_DATE) - interval '21 days' WHERE client_id = %s",
                    [client.pk],
                )
                cur.execute(
                    "UPDATE claims_claimtransition t SET at = c.created_at + "
                    "(CASE WHEN t.to_status = 'filed' THEN interval '21 days' ELSE interval '7 days' END) "
                    "FROM claims_claim c WHERE t.claim_id = c.id AND c.client_id = %s",
                    [client.pk],
                )
        ClientEstimate.objects.create(
            client=client,
            as_of=today,
            computed_at=timezone.now(),
            unclaimed_refund=Decimal("1250000.00"),
            unclaimed_exports=1200,
            at_risk=[
                {"days": d, "from": f, "lines": 10, "refund": "1000.00"}
                for d, f in ((30, 0), (90, 31), (180, 91))
            ],
            at_risk_refund=Decimal("3000.00"),
        )
        with connection.cursor() as cur:
            for table in (
                "claims_claim",
                "claims_claimclasstotal",
                "claims_claimtransition",
                "claims_payment",
            ):
                cur.execute(f"ANALYZE {table}")
        month = add_months(month_start(today), -24)
        while month <= today:
            projection_snapshot_take(client=client, on=month)
            month = add_months(month, 1)

    @staticmethod
    def _payment(claim: Claim, kind: str, day: dt.date, amount: Decimal) -> Payment:
        return Payment(claim=claim, kind=kind, paid_on=day, total=amount, amounts={"364": str(amount)})

    def _drop(self, client: Client) -> None:
        firm = client.firm
        with transaction.atomic():
            # Claims protect their client and preparer; their own rows go with them.
            Claim.objects.filter(client=client).delete()
        User.objects.filter(username__in=(USERNAME, CLIENT_USERNAME)).delete()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "DELETE FROM imports_linech99duty WHERE line_id IN "
                "(SELECT id FROM imports_importline WHERE client_id = %s)",
                [client.pk],
            )
            for table in ("exports_export", "imports_importline", "imports_importentry"):
                cur.execute(f"DELETE FROM {table} WHERE client_id = %s", [client.pk])
            client.delete()
            if not firm.clients.exists() and not firm.staff.exists():
                firm.delete()

    def _measure(self, client: Client, user: User, runs: int, portal_runs: int) -> None:
        http = HttpClient()
        http.force_login(user)
        base = f"/clients/{client.code}"
        api = f"/api/v1/clients/{client.code}"
        middle = ImportLine.objects.filter(client=client).order_by("import_date", "id")
        total = middle.count()
        mid = middle.values_list("import_date", "id")[total // 2]
        deep = encode_cursor(list(mid), "next")
        entry = client.import_entries.order_by("id").values_list("entry_number", flat=True)[total // 10]
        cases = [
            ("home: client list with health figures", "/", {}),
            ("client overview", f"{base}/", {}),
            ("lines, first page (import date)", f"{base}/lines/", {}),
            ("lines, page in the middle (cursor)", f"{base}/lines/", {"cursor": deep}),
            ("lines, newest first", f"{base}/lines/", {"sort": "-import_date"}),
            ("lines, sorted by HTS", f"{base}/lines/", {"sort": "hts"}),
            ("lines, sorted by entry number", f"{base}/lines/", {"sort": "entry"}),
            ("lines, highest duty first", f"{base}/lines/", {"sort": "-duty"}),
            ("lines, HTS starts with 6109", f"{base}/lines/", {"hts": "6109"}),
            (
                "lines, imported in March 2023",
                f"{base}/lines/",
                {"imported_from": "2023-03-01", "imported_to": "2023-03-31"},
            ),
            ("lines, origin VN + designated direct", f"{base}/lines/", {"origin": "VN", "method": "direct"}),
            ("lines, origin US (none: reads every line)", f"{base}/lines/", {"origin": "US"}),
            ("lines, with Chapter 99 duties", f"{base}/lines/", {"has_ch99": "true"}),
            ("lines, search entry number", f"{base}/lines/", {"q": entry}),
            ("lines, search description (no match)", f"{base}/lines/", {"q": "no such words"}),
            ("entry detail", f"{base}/entries/{entry}/", {}),
            ("exports, first page", f"{base}/exports/", {}),
            ("exports, destination CA by value", f"{base}/exports/", {"destination": "CA", "sort": "-value"}),
            ("API lines, first page of 100", f"{api}/lines/", {}),
            ("API lines, HTS 6109 sorted by HTS", f"{api}/lines/", {"hts": "6109", "sort": "hts"}),
            ("API entries, first page", f"{api}/entries/", {}),
        ]
        viewer, _ = User.objects.update_or_create(
            username=CLIENT_USERNAME, defaults={"role": User.Role.CLIENT_USER, "firm": None, "client": client}
        )
        portal_http = HttpClient()
        portal_http.force_login(viewer)
        # The client portal as the client's user sees it: each request again (the projection is kept in
        # the cache until something is recorded), and a first view after a change (the cache emptied).
        portal = [
            ("dashboard, client user", f"{base}/", {}),
            ("API dashboard figures", f"{api}/dashboard/", {}),
            ("API projections with their basis", f"{api}/projections/", {}),
            ("API projection snapshots", f"{api}/projection-snapshots/", {}),
            ("API applications and rulings", f"{api}/privileges/", {}),
            ("projections page", f"{base}/projections/", {}),
            ("claims in a stage (accepted)", f"{base}/claims/", {"stage": "accepted"}),
            ("dashboard, first view after a change", f"{base}/", {"cold": "change"}),
            ("API dashboard, first call after a change", f"{api}/dashboard/", {"cold": "change"}),
            ("dashboard, first view of the day", f"{base}/", {"cold": "day"}),
        ]
        self.stdout.write(
            f"client {client.code}: {total:,} lines, {client.exports.count():,} exports, "
            f"{Claim.objects.filter(client=client).count():,} claims; {runs} runs each, "
            f"{portal_runs} for the client portal"
        )
        self.stdout.write(f"{'request':<44} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
        plan = [(*c, runs, http) for c in cases] + [(*c, portal_runs, portal_http) for c in portal]
        plan.insert(2, ("dashboard, firm staff (with data health)", f"{base}/", {}, portal_runs, http))
        for label, url, params, n, who in plan:
            timings, queries = [], 0
            cold = params.pop("cold", "")
            for i in range(n + 1):
                if cold:
                    # After a change the client's figures are worked out again; the firm's lags and
                    # ratios of the last 12 months are worked out once a day.
                    cache.clear()
                    if cold == "change":
                        firm_observations(firm_id=client.firm_id, today=timezone.localdate())
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = who.get(url, params)
                    elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise CommandError(f"{url} {params}: HTTP {response.status_code}")
                if i:  # the first request warms caches and is not counted
                    timings.append(elapsed)
                    queries = len(ctx.captured_queries)
            self.stdout.write(
                f"{label:<44} {statistics.median(timings):>10.1f} {percentile(timings, 95):>8.1f} "
                f"{max(timings):>8.1f} {queries:>8}"
            )


def percentile(values: list[float], p: int) -> float:
    """The nearest-rank percentile: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

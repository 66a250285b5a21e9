"""Benchmark the client pages and API over a large generated client on PostgreSQL, and print figures.

    python manage.py bench_web --lines 1000000

Generates one client with `--lines` import lines (five per entry, a tenth with a Chapter 99 duty) and a
tenth as many exports with SQL, then times each page and API call a user makes: the median of `--runs`
requests after one warm-up, with the number of queries. The generated client is removed at the end unless
`--keep` is given (a later run with --keep reuses it).
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drawback.accounts.models import Client, Firm, User
from drawback.paging import encode_cursor
from imports.models import ImportLine

CODE = "bench-web"
USERNAME = "bench-web-analyst"

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
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--keep", action="store_true", help="keep the generated client for another run")

    def handle(self, *args, lines: int, runs: int, keep: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_web measures PostgreSQL; set DATABASE_URL=postgres://...")
        client = Client.objects.filter(code=CODE).first()
        if client and ImportLine.objects.filter(client=client).count() != lines:
            self._drop(client)
            client = None
        if client is None:
            started = time.perf_counter()
            client = self._generate(lines)
            self.stdout.write(f"generated {lines:,} lines in {time.perf_counter() - started:.1f} s")
        user, _ = User.objects.update_or_create(
            username=USERNAME, defaults={"role": User.Role.ANALYST, "firm": client.firm, "client": None}
        )
        try:
            self._measure(client, user, runs)
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

    def _drop(self, client: Client) -> None:
        firm = client.firm
        User.objects.filter(username=USERNAME).delete()
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

    def _measure(self, client: Client, user: User, runs: int) -> None:
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
        self.stdout.write(
            f"client {client.code}: {total:,} lines, {client.exports.count():,} exports; {runs} runs each"
        )
        self.stdout.write(f"{'request':<44} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        for label, url, params in cases:
            timings, queries = [], 0
            for i in range(runs + 1):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = http.get(url, params)
                    elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise CommandError(f"{url} {params}: HTTP {response.status_code}")
                if i:  # the first request warms caches and is not counted
                    timings.append(elapsed)
                    queries = len(ctx.captured_queries)
            self.stdout.write(
                f"{label:<44} {statistics.median(timings):>10.1f} {max(timings):>8.1f} {queries:>8}"
            )

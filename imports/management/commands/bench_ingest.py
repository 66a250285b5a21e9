"""Benchmark: generate an ES-003 file of N tariff rows and load it into the database of DATABASE_URL.

Prints seconds per phase (generate, store, parse/validate, write), rows per second and the peak memory of
the process (ru_maxrss). The figure that counts is on PostgreSQL; on SQLite the ORM path is measured.
"""

import csv
import datetime as dt
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection

from drawback.accounts.models import Client, Firm
from drawback.lib.entry_numbers import make
from imports.ingest.es003 import REPORT_COLUMNS
from imports.models import ImportEntry, ImportLine, LineCh99Duty, Upload
from imports.services import upload_ingest_now
from imports.signals import data_loaded

HEADERS = REPORT_COLUMNS
# (HTS, unit, rate) of the goods lines; Chapter 99 numbers that stack on Chinese-origin goods.
GOODS = [
    ("6109100012", "DOZ", "0.165"),
    ("6109100004", "DOZ", "0.165"),
    ("3923900080", "KG", "0.03"),
    ("8471300100", "NO", "0"),
    ("7102390010", "CT", "0"),
    ("8516604060", "NO", "0.027"),
    ("9403200050", "NO", "0"),
    ("6403999065", "PRS", "0.10"),
    ("8504404000", "NO", "0.015"),
    ("7318152095", "KG", "0.05"),
]
CH99 = ["99038803", "99038815", "99030124", "99030125", "99030134", "99038869", "99030101"]
COUNTRIES = ["CN", "CN", "CN", "VN", "IN", "MX", "DE", "JP"]


def money(value: float) -> str:
    return f"${value:,.2f}"


def generate(path: Path, rows: int, seed: int = 2026) -> int:
    """Write an ES-003 CSV of at least `rows` tariff rows (whole lines only); returns the row count."""
    rng = random.Random(seed)
    written = 0
    sequence = 1000000
    start = dt.date(2021, 1, 4)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADERS)
        while written < rows:
            sequence += 1
            entry = make(rng.choice(["B76", "EJ8", "9K2", "M41"]), sequence)
            entry_date = start + dt.timedelta(days=rng.randrange(0, 2000))
            summary = entry_date + dt.timedelta(days=8)
            liquidated = summary + dt.timedelta(days=314)
            country = rng.choice(COUNTRIES)
            head = [
                entry,
                "01",
                None,
                "12-3456789AB",
                "BENCHMARK IMPORTS INC",
                rng.choice(["2704", "1001", "5301", "2809"]),
                entry_date.strftime("%m/%d/%Y"),
                summary.strftime("%m/%d/%Y"),
                country,
                country,
                "CNBENCHMFG123SHA",
                "",
                "N",
            ]
            tail = [liquidated.strftime("%m/%d/%Y"), "LIQUIDATED"]
            for line in range(1, rng.choice([1, 2, 3, 4, 5, 6, 8, 10]) + 1):
                hts, uom, rate = rng.choice(GOODS)
                value = rng.randrange(50_000, 50_000_000) / 100
                head[2] = line
                # Since 2025 most lines carry Chapter 99 rows (reciprocal, 301, 232 or their exemptions).
                extra = rng.choices([0, 1, 2, 3], weights=[30, 40, 22, 8])[0]
                ordinal = 0
                for number in rng.sample(CH99, extra):
                    ordinal += 1
                    out.writerow([*head, ordinal, number, "$0.00", money(value * 0.25), "", "", *tail])
                ordinal += 1
                quantity = rng.randrange(1, 5000)
                duty = money(value * float(rate))
                out.writerow([*head, ordinal, hts, money(value), duty, quantity, uom, *tail])
                written += ordinal
    return written


def to_xlsx(source: Path, target: Path) -> None:
    """The same rows as an Excel workbook, numbers as numbers (as a spreadsheet saves them)."""
    import openpyxl

    numeric = {HEADERS.index(h) for h in ("Entry Summary Line Number", "Tariff Ordinal Number")}
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("ES-003")
    with open(source, newline="", encoding="utf-8") as handle:
        for i, row in enumerate(csv.reader(handle)):
            if i:
                row = [int(v) if j in numeric and v else v for j, v in enumerate(row)]
            sheet.append(row)
    book.save(target)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


class BackendCpu:
    """CPU seconds used by this connection's PostgreSQL backend, read from /proc when the server runs on
    this machine (None otherwise). Wall-clock figures on a shared machine include waiting for a core;
    CPU seconds do not."""

    def __init__(self):
        self.path = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                self.path = Path(f"/proc/{cur.fetchone()[0]}/stat")

    def seconds(self) -> float | None:
        try:
            fields = self.path.read_text().rsplit(")", 1)[1].split()
        except (AttributeError, OSError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Command(BaseCommand):
    help = "Generate an ES-003 file of N tariff rows, load it and print timings and peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--client", default="bench-ingest", help="client code used for the benchmark")
        parser.add_argument("--keep", metavar="PATH", help="also keep the generated file at PATH")
        parser.add_argument("--reload", action="store_true", help="load the same file a second time")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="file format to load")

    def handle(self, *args, rows, client, keep, reload, format, **options):
        vendor = connection.vendor
        if vendor != "postgresql":
            self.stdout.write(f"warning: database is {vendor}; the target figure is for PostgreSQL")
        firm = Firm.objects.order_by("pk").first() or Firm.objects.create(
            name="Benchmark firm", filer_code="BNC"
        )
        bench, _ = Client.objects.get_or_create(
            code=client,
            defaults={"firm": firm, "legal_name": "Benchmark Imports Inc", "importer_number": "12-345678900"},
        )
        self._clear(bench)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(keep) if keep else Path(tmp) / "es003_bench.csv"
            t0 = time.perf_counter()
            written = generate(path, rows)
            generate_s = time.perf_counter() - t0
            if format == "xlsx":
                workbook = path.with_suffix(".xlsx")
                to_xlsx(path, workbook)
                generate_s = time.perf_counter() - t0
                path = workbook
            size_mb = path.stat().st_size / 1e6
            self.stdout.write(f"generate: {written:,} rows, {format}, {size_mb:.0f} MB in {generate_s:.1f} s")
            for run in ("first load", "reload (unchanged)") if reload else ("first load",):
                self._load(bench, path, run, written)

    def _load(self, bench, path: Path, run: str, written: int) -> None:
        backend = BackendCpu()
        backend_before, cpu_before = backend.seconds(), time.process_time()
        load_before = load_average()
        started = time.perf_counter()
        # Only the load is measured: the risk assessment a load triggers has its own benchmark (bench_assess).
        receivers, data_loaded.receivers = data_loaded.receivers, []
        try:
            upload, result = upload_ingest_now(client=bench, kind="es003", path=path)
        finally:
            data_loaded.receivers = receivers
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        backend_after = backend.seconds()
        backend_cpu = f"{backend_after - backend_before:6.1f} s" if backend_after is not None else "   n/a"
        parse_s, write_s = result.timings.get("parse", 0), result.timings.get("write", 0)
        store_s = total - parse_s - write_s
        summary = result.summary()
        self.stdout.write(
            f"{run}: status {upload.status}; {summary}\n"
            f"  store (hash + copy to storage): {store_s:6.1f} s\n"
            f"  parse/validate:                 {parse_s:6.1f} s\n"
            f"  write (stage + merge + commit): {write_s:6.1f} s\n"
            f"  total:                          {total:6.1f} s  ({written / total:,.0f} rows/s; "
            f"{written / (parse_s + write_s):,.0f} rows/s parse+write)\n"
            f"  CPU: this process {cpu:6.1f} s, PostgreSQL backend {backend_cpu}\n"
            f"  load average before / after:    {load_before} / {load_average()}\n"
            f"  peak memory (ru_maxrss):        {peak_mb():6.0f} MB\n"
            f"  stored: {ImportEntry.objects.filter(client=bench).count():,} entries, "
            f"{ImportLine.objects.filter(client=bench).count():,} lines, "
            f"{LineCh99Duty.objects.filter(line__client=bench).count():,} Chapter 99 rows"
        )
        upload.file.delete(save=False)

    def _clear(self, bench) -> None:
        """Remove what an earlier run stored for the benchmark client, without loading it into memory."""
        for upload in Upload.objects.filter(client=bench):
            upload.file.delete(save=False)
        Upload.objects.filter(client=bench).delete()
        LineCh99Duty.objects.filter(line__client=bench)._raw_delete(LineCh99Duty.objects.db)
        ImportLine.objects.filter(client=bench)._raw_delete(ImportLine.objects.db)
        ImportEntry.objects.filter(client=bench)._raw_delete(ImportEntry.objects.db)
        if connection.vendor == "postgresql":
            # Reclaim the deleted rows so each run writes into the same kind of table, not a bloated one.
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE imports_linech99duty, imports_importline, imports_importentry")

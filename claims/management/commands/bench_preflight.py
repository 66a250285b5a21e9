"""Measure pre-flight and validation on a generated claim at the CATAIR size limit, and print figures.

Everything is created inside one transaction that is rolled back at the end, so the database is left as
it was. Usage: manage.py bench_preflight [--designations 10000] [--runs 3]
"""

import datetime as dt
import statistics
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimClassTotal, Designation
from claims.preflight import claim_preflight
from claims.services import claim_totals_recompute, claim_validate
from drawback.accounts.models import Client, Firm, User
from drawback.lib.entry_numbers import make
from exports.models import Export, NoticeOfIntent
from imports.models import ImportEntry, ImportLine


class Command(BaseCommand):
    help = "Time pre-flight and validation of one generated claim (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--designations", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, designations: int, runs: int, **options):
        with transaction.atomic():
            claim, analyst = self._build(designations)
            self._report(claim, analyst, designations, runs)
            transaction.set_rollback(True)

    def _build(self, n: int) -> tuple[Claim, User]:
        started = time.perf_counter()
        firm = Firm.objects.create(name="Bench Firm", filer_code="BNC")
        client = Client.objects.create(
            firm=firm, code="bench-preflight", legal_name="Bench Co", importer_number="12-345678900"
        )
        analyst = User.objects.create(username="bench-analyst", role="analyst", firm=firm)
        entries = ImportEntry.objects.bulk_create(
            ImportEntry(client=client, entry_number=make("B76", i), import_date=dt.date(2024, 3, 1))
            for i in range(1, n // 10 + 2)
        )
        lines = ImportLine.objects.bulk_create(
            ImportLine(
                client=client,
                entry=entries[i // 10],
                line_number=i % 10 + 1,
                import_date=dt.date(2024, 3, 1),
                hts="6109100012",
                quantity=Decimal("100"),
                uom="DOZ",
                entered_value=Decimal("10000"),
                duty=Decimal("1650"),
                mpf=Decimal("34.65"),
                quantity_available=Decimal("50"),
                designation_method="substitution",
            )
            for i in range(n)
        )
        exports = Export.objects.bulk_create(
            Export(
                client=client,
                export_ref=f"BENCH{i:08d}",
                export_date=dt.date(2025, 6, 2),
                destination="DE",
                hts="6109100012",
                quantity=Decimal("50"),
                uom="DOZ",
                value=Decimal("6000"),
                quantity_available=Decimal("0"),
            )
            for i in range(n)
        )
        NoticeOfIntent.objects.bulk_create(
            NoticeOfIntent(
                export=e,
                filed_on=dt.date(2025, 5, 1),
                port="1001",
                intended_on=e.export_date,
                cbp_decision=NoticeOfIntent.Decision.WAIVED,
            )
            for e in exports
        )
        claim = Claim.objects.create(client=client, number=make("BNC", 1), provision="59", preparer=analyst)
        amounts = {
            "364": {"claim": "816.75", "calculated": "816.75"},
            "399": {"claim": "17.15175", "calculated": "17.15175"},
        }
        Designation.objects.bulk_create(
            Designation(
                claim=claim,
                import_line=line,
                export=export,
                provision="59",
                method="substitution",
                quantity=Decimal("50"),
                refund=Decimal("833.90175"),
                amounts=amounts,
            )
            for line, export in zip(lines, exports, strict=True)
        )
        claim_totals_recompute(claim=claim)
        self.stdout.write(f"generated {n:,} designations in {time.perf_counter() - started:.1f} s")
        return claim, analyst

    def _report(self, claim: Claim, analyst: User, n: int, runs: int) -> None:
        timings, queries, issues = [], 0, []
        for _ in range(runs):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                issues = claim_preflight(claim=claim)
                timings.append(time.perf_counter() - started)
            queries = len(captured.captured_queries)
        errors = [i for i in issues if i.is_error]
        self.stdout.write(
            f"claim_preflight, {n:,} designations, {connection.vendor}: median "
            f"{statistics.median(timings):.2f} s "
            f"(min {min(timings):.2f}, max {max(timings):.2f}, {runs} runs), {queries} queries, "
            f"{len(errors)} errors, {len(issues) - len(errors)} other issues"
        )
        started = time.perf_counter()
        result = claim_validate(claim=claim, by=analyst)
        self.stdout.write(
            f"claim_validate (pre-flight, stored run, guarded move): {time.perf_counter() - started:.2f} s, "
            f"validated={result.validated}"
        )
        totals = ClaimClassTotal.objects.filter(claim=claim).values_list("accounting_class", "claim_amount")
        self.stdout.write("class totals: " + ", ".join(f"{c} {a}" for c, a in totals))

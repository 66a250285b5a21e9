"""`designate`: the canonical import/export files in, designations.csv out (data-contract.md).

Needs no database: nothing here touches the ORM, and system checks are skipped.
"""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from claims.engine import csvio
from claims.engine.model import Method, Settings
from claims.engine.optimizer import format_amount, solve


class Command(BaseCommand):
    help = "Designate import lines to exports (unused-merchandise drawback) and write designations.csv."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--imports", required=True, help="imports.csv")
        parser.add_argument("--exports", required=True, help="exports.csv")
        parser.add_argument("--tariff", required=True, help="USITC HTS CSV download (or its relevant rows)")
        parser.add_argument("--filing-date", required=True, help="claim filing date, YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="designations.csv to write")
        parser.add_argument("--method", default=Method.OPTIMAL.value, choices=[m.value for m in Method])

    def handle(self, *args, **options):
        started = time.perf_counter()
        errors = []
        try:
            filing_date = csvio.parse_iso_date(options["filing_date"])
        except ValueError:
            filing_date = None
            errors.append(f"--filing-date: must be a date YYYY-MM-DD (got {options['filing_date']!r})")
        imports = csvio.read_imports(options["imports"], name=options["imports"])
        tariff = csvio.read_tariff(options["tariff"], name=options["tariff"])
        exports = csvio.read_exports(options["exports"], lines=imports.rows, name=options["exports"])
        problems = imports.errors + exports.errors + tariff.errors
        if not tariff.errors:
            problems += csvio.tariff_coverage(imports, tariff.tariff, imports_name=options["imports"])
        errors += [str(p) for p in problems]
        if errors:
            for message in errors:
                self.stderr.write(message)
            raise CommandError(f"{len(errors)} problem(s) in the input; nothing written")

        result = solve(
            lines=imports.lines,
            exports=exports.exports,
            tariff=tariff.tariff,
            chapter99=csvio.load_chapter99(),
            settings=Settings(filing_date=filing_date),
            method=options["method"],
        )
        rows = csvio.designation_rows(
            result.designations,
            imports.lines,
            format_refund=format_amount,
            format_quantity=csvio.format_quantity,
        )
        csvio.write_csv_atomic(options["out"], csvio.DESIGNATION_COLUMNS, rows)
        for exclusion in result.exclusions:
            self.stderr.write(f"not designated: {exclusion.subject} {exclusion.ref}: {exclusion.reason}")
        if result.bound_gap >= 0.005:
            # Not expected: the optimum could not be proven to the cent within the solver's budget.
            self.stderr.write(f"warning: the optimum is proven only to within ${result.bound_gap:.2f}")
        summary = {
            "rows": len(rows),
            "refund": f"{result.refund:.2f}",
            "seconds": round(time.perf_counter() - started, 2),
        }
        sys.stdout.flush()
        self.stdout.write(json.dumps(summary))

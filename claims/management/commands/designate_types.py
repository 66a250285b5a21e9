"""`designate_types`: the drawback type of each of a client's exports, chosen for the largest refund.

    python manage.py designate_types --client CODE --filing-date 2026-12-01 --out types.csv \
        [--choices choices.csv] [--no-alternatives] [--alternative-basis whole_claim|this_export]

Reads the client's stored data (import lines and exports with quantity left, bills of materials, production
lots, manufacturing rulings, returns) and changes none of it. See docs/reference/type-choice.md.
"""

import csv
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from claims.manufacturing import report
from claims.manufacturing.data import type_inputs
from claims.manufacturing.services import ALTERNATIVES_UP_TO, alternative_basis_for
from claims.manufacturing.types import AlternativeBasis, choose_types
from drawback.accounts.models import Client


class Command(BaseCommand):
    help = (
        "Choose for each export of a client the drawback type (unused, manufacturing, rejected) that refunds "
        "most, and write the designations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="client code")
        parser.add_argument("--filing-date", required=True, help="claim filing date, YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="designations CSV to write")
        parser.add_argument("--choices", help="CSV of the choice per export, with the alternative it beat")
        parser.add_argument(
            "--no-alternatives", action="store_true", help="skip solving each export's best other type"
        )
        parser.add_argument(
            "--alternative-basis",
            choices=[b.value for b in AlternativeBasis],
            help="whole_claim: the whole claim re-optimised per export and type; this_export: the same claim "
            f"with only that export changed (default: whole_claim up to {ALTERNATIVES_UP_TO} exports, as on "
            "the client's page)",
        )

    def handle(self, *args, **options):
        try:
            filing_date = dt.date.fromisoformat(options["filing_date"])
        except ValueError:
            raise CommandError(
                f"--filing-date: must be a date YYYY-MM-DD (got {options['filing_date']!r})"
            ) from None
        client = Client.objects.filter(code=options["client"], is_workspace=False).first()
        if client is None:
            raise CommandError(f"no client with code {options['client']!r}")
        inputs = type_inputs(client, filing_date)
        basis = options["alternative_basis"]
        basis = AlternativeBasis(basis) if basis else alternative_basis_for(len(inputs.engine.exports))
        result = choose_types(**inputs.kwargs(), alternatives=not options["no_alternatives"], basis=basis)
        with open(options["out"], "w", newline="", encoding="utf-8") as handle:
            report.write_csv(
                csv.writer(handle), report.DESIGNATION_COLUMNS, report.designation_rows(result.designations)
            )
        if options["choices"]:
            with open(options["choices"], "w", newline="", encoding="utf-8") as handle:
                report.write_csv(csv.writer(handle), report.CHOICE_COLUMNS, report.choice_rows(result))
        for row in report.choice_rows(result):
            alternative = ""
            if row["alternative"]:
                alternative = (
                    f"; beat {row['alternative']} by {row['choice_earns']} ({row['alternative_basis_label']})"
                )
            self.stdout.write(f"{row['export_ref']}: {row['type'] or 'none'} {row['refund']}{alternative}")
        self.stdout.write(json.dumps(report.summary(result, filing_date)))

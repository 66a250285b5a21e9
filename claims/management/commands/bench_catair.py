"""Measure writing, parsing and checking a CATAIR claim file at the largest size a claim may have, and
rendering the claim summary PDF.

    python manage.py bench_catair [--imports 10000] [--exports 2000] [--repeat 3] [--pdf-lines 500]

Builds the claim data in memory (no database), so the figures are those of the layout and rendering
code alone.
"""

import datetime as dt
import time
from decimal import Decimal

from django.core.management.base import BaseCommand

from claims.catair import parse_catair, render_file, validate_claim_file
from claims.catair.data import (
    Block,
    CatairFile,
    ClaimFile,
    ClaimHeader,
    Classification,
    Envelope,
    ExportItem,
    ImportItem,
    Quantity,
    Revenue,
)
from drawback.lib.entry_numbers import make


def synthetic_claim(imports: int, exports: int) -> ClaimFile:
    """A (j)(2) claim: every import line with one Chapter 99 number, duty and MPF, spread over the exports."""
    items = []
    totals = {"364": Decimal("0.00"), "399": Decimal("0.00")}
    for i in range(1, imports + 1):
        quantity = Quantity(Decimal("12.5000"), "DOZ", Decimal("100.0000"), Decimal("95.5000"))
        revenues = [
            Revenue("364", Decimal("123.45"), Decimal("130.00")),
            Revenue("399", Decimal("0.43"), Decimal("0.45")),
        ]
        for rev in revenues:
            totals[rev.accounting_class] += rev.claim_amount
        number = make("E5X", 1000000 + i)
        items.append(
            ImportItem(
                action="E",
                filer_code=number[:3],
                entry_number=number[3:],
                line_number=1 + i % 99,
                itin=i,
                accounting_method="00",
                classifications=[
                    Classification("99038815", "COTTON T-SHIRTS", [quantity]),
                    Classification("6109100012", "COTTON T-SHIRTS", [quantity]),
                ],
                revenues=revenues,
            )
        )
    per_export = -(-imports // exports)
    export_items = [
        ExportItem(
            indicator="E",
            hts="6109100012",
            quantity=Decimal("12.5000") * per_export,
            uom="DOZ",
            # In chronological order and before the transmission date, as the writer puts them (PF-10).
            date=dt.date(2024, 11, 1) + dt.timedelta(days=e * 300 // exports),
            exporter_name="ACME OUTFITTERS INC",
            description="COTTON T-SHIRTS",
            unique_identifier=f"X2025{e:010d}",
            country="DE",
            itins=list(range(e * per_export + 1, min(imports, (e + 1) * per_export) + 1)),
        )
        for e in range(exports)
    ]
    return ClaimFile(
        header=ClaimHeader(
            action="A",
            filer_code="HDS",
            entry_number=make("HDS", 1)[3:],
            port="3901",
            provision="59",
            claimant_id="12-345670000",
            bond_waiver="0",
            bond_waiver_reason="999",
        ),
        imports=items,
        exports=[e for e in export_items if e.itins],
        class_totals=totals,
        duty_total=totals["364"],
        user_fee_total=totals["399"],
    )


class Command(BaseCommand):
    help = "Time writing, parsing and validating a CATAIR claim file of the maximum size."

    def add_arguments(self, parser):
        parser.add_argument("--imports", type=int, default=10000, help="40-record groupings (CBP max 10,000)")
        parser.add_argument("--exports", type=int, default=2000)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--pdf-lines", type=int, default=500, help="designation rows in the summary PDF")

    def handle(self, *args, imports, exports, repeat, pdf_lines, **options):
        claim = synthetic_claim(imports, exports)
        catair = CatairFile(
            Envelope("3901", "HDS", dt.date(2025, 9, 1), password="BENCH1"), [Block("3901", "HDS", [claim])]
        )
        timings = {"write": [], "parse": [], "validate": []}
        for _ in range(repeat):
            start = time.perf_counter()
            text = render_file(catair)
            timings["write"].append(time.perf_counter() - start)
            start = time.perf_counter()
            parsed = parse_catair(text)
            timings["parse"].append(time.perf_counter() - start)
            start = time.perf_counter()
            problems = validate_claim_file(text)
            timings["validate"].append(time.perf_counter() - start)
        assert parsed.claims == [claim], "round trip changed the claim"
        records = text.count("\n")
        self.stdout.write(
            f"claim with {imports:,} import groupings and {len(claim.exports):,} exports: "
            f"{records:,} records, {len(text.encode()):,} bytes, {len(problems)} problems"
        )
        for step, values in timings.items():
            best = min(values)
            self.stdout.write(
                f"  {step:<9} best of {repeat}: {best:7.3f} s  ({records / best:,.0f} records/s)"
            )
        if pdf_lines:
            self._pdf(claim, pdf_lines)

    def _pdf(self, claim: ClaimFile, lines: int) -> None:
        from claims.filing.summary import summary_pdf_from_context

        rows = [
            {
                "itin": f"{item.itin:05d}",
                "entry": f"{item.filer_code}-{item.entry_number[:7]}-{item.entry_number[7:]}",
                "line": item.line_number,
                "import_date": dt.date(2024, 3, 1),
                "hts": ["9903.88.15", "6109.10.00.12"],
                "description": "Cotton T-shirts",
                "quantity": "12.5000 DOZ",
                "egvu": "100.0000",
                "svu": "95.5000",
                "amounts": ["123.45", "0.43"],
                "exports": ["X20250000000001"],
                "action": "Exported",
            }
            for item in claim.imports[:lines]
        ]
        context = {
            "number": "HDS-0000001-0",
            "provision": "59 - 19 U.S.C. 1313(j)(2): Unused merchandise, substitution",
            "classes": [("364", "Drawback duty"), ("399", "Drawback MPF")],
            "designations": rows,
            "totals": [],
            "certifications": [],
            "transmission_date": dt.date(2025, 9, 1),
            "paper": "Letter",
        }
        start = time.perf_counter()
        pdf = summary_pdf_from_context(context)
        seconds = time.perf_counter() - start
        self.stdout.write(
            f"summary PDF with {len(rows):,} designation rows: {seconds:.2f} s "
            f"({len(rows) / seconds:,.1f} rows/s), {len(pdf):,} bytes"
        )

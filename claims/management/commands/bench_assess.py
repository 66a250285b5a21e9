"""`python manage.py bench_assess --lines 1000000`: time a risk assessment on generated data.

Creates (or re-creates) the client `bench-risk` with the requested number of import lines (10 per entry)
and a tenth as many exports, with a realistic share of problems, then runs the assessment twice and
prints the figures; the last line is JSON. Tariff rows are generated under the non-existent chapter 00
so they cannot collide with a real schedule, and are removed afterwards unless --keep is given.
Meant for a benchmark database (PostgreSQL for the real figures).
"""

import datetime as dt
import json
import random
import resource
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from claims.models import Finding
from claims.risk.services import assess_client
from drawback.accounts.models import Client, Firm
from drawback.lib.entry_numbers import make as make_entry_number
from exports.models import Export
from imports.models import Document, ImportEntry, ImportLine, LineCh99Duty, TariffLine

CODE = "bench-risk"
HEADINGS = 200
BATCH = 5000


class Command(BaseCommand):
    help = "Generate a client with N import lines and time the risk assessment (JSON summary last)."

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--keep", action="store_true", help="Keep the generated client and tariff rows")

    def handle(self, *args, lines: int, seed: int, keep: bool, **options):
        rng = random.Random(seed)
        today = timezone.localdate()
        started = time.monotonic()
        client = self._generate(rng, lines, today)
        generated = time.monotonic() - started
        self.stdout.write(f"generated {lines:,} lines in {generated:.1f} s")

        first = assess_client(client=client, today=today)
        self.stdout.write(f"first assessment: {first.seconds:.1f} s, {first.created:,} findings created")
        for rule, seconds in first.rule_seconds.items():
            self.stdout.write(f"  {rule:<26} {first.by_rule.get(rule, 0):>9,} findings {seconds:>8.2f} s")
        second = assess_client(client=client, today=today)
        self.stdout.write(
            f"second assessment: {second.seconds:.1f} s, {second.created} created, "
            f"{second.updated} updated, {second.unchanged:,} unchanged"
        )
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result = {
            "lines": lines,
            "entries": ImportEntry.objects.filter(client=client).count(),
            "exports": Export.objects.filter(client=client).count(),
            "findings": Finding.objects.filter(client=client).count(),
            "first_seconds": first.seconds,
            "second_seconds": second.seconds,
            "lines_per_second": round(lines / first.seconds) if first.seconds else None,
            "peak_rss_mb": round(peak_mb),
        }
        if not keep:
            self._cleanup()
        self.stdout.write(json.dumps(result))

    def _cleanup(self) -> None:
        """Remove the bench client's rows with one DELETE per table: the ORM's cascade would load a
        million lines into memory first."""
        client = Client.objects.filter(code=CODE).first()
        if client:
            tables = {
                m: connection.ops.quote_name(m._meta.db_table)
                for m in (Finding, LineCh99Duty, ImportLine, ImportEntry, Export, Document)
            }
            entry_docs = connection.ops.quote_name(ImportEntry.documents.through._meta.db_table)
            export_docs = connection.ops.quote_name(Export.documents.through._meta.db_table)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {tables[Finding]} WHERE client_id = %s", [client.pk])
                cursor.execute(
                    f"DELETE FROM {tables[LineCh99Duty]} WHERE line_id IN "
                    f"(SELECT id FROM {tables[ImportLine]} WHERE client_id = %s)",
                    [client.pk],
                )
                cursor.execute(
                    f"DELETE FROM {entry_docs} WHERE importentry_id IN "
                    f"(SELECT id FROM {tables[ImportEntry]} WHERE client_id = %s)",
                    [client.pk],
                )
                cursor.execute(
                    f"DELETE FROM {export_docs} WHERE export_id IN "
                    f"(SELECT id FROM {tables[Export]} WHERE client_id = %s)",
                    [client.pk],
                )
                for model in (Export, ImportLine, ImportEntry, Document):
                    cursor.execute(f"DELETE FROM {tables[model]} WHERE client_id = %s", [client.pk])
            firm = client.firm
            client.delete()
            if not firm.clients.exists() and not firm.staff.exists():
                firm.delete()
        TariffLine.objects.filter(hts__startswith="00").delete()

    def _generate(self, rng: random.Random, n_lines: int, today: dt.date) -> Client:
        self._cleanup()
        firm = Firm.objects.create(name="Bench Drawback Services", filer_code="BNH")
        client = Client.objects.create(
            firm=firm, code=CODE, legal_name="Bench Risk Inc", importer_number="12-345678900"
        )
        # 200 subheadings 00NN.NN.00 with two statistical lines each; a few "Other" ones and text rates.
        tariff = []
        for i in range(HEADINGS):
            h8 = f"00{i:04d}00"
            other = i % 25 == 0
            rate = "The rate applicable to the article" if i % 50 == 1 else f"{(i % 10) + 1}%"
            tariff.append(
                TariffLine(
                    hts=h8,
                    indent=1,
                    description="Other" if other else f"Goods {i}",
                    begins_with_other=other,
                    general_rate=rate,
                )
            )
            for suffix in ("10", "20"):
                tariff.append(
                    TariffLine(
                        hts=h8 + suffix,
                        indent=2,
                        description=f"Kind {suffix}",
                        unit_of_quantity="kg" if i % 2 else "No.",
                    )
                )
        TariffLine.objects.bulk_create(tariff, batch_size=BATCH)
        rates = {t.hts: Decimal(t.general_rate[:-1]) / 100 for t in tariff if t.general_rate.endswith("%")}

        document = Document.objects.create(
            client=client,
            doc_type=Document.Type.ENTRY_SUMMARY,
            file="documents/bench.pdf",
            original_name="bench.pdf",
            size=1,
            sha256="0" * 64,
        )
        oldest = today - dt.timedelta(days=6 * 365)
        n_entries = max(1, n_lines // 10)
        line_no = 0
        for start in range(0, n_entries, BATCH // 10):
            with transaction.atomic():
                entries = []
                for k in range(start, min(n_entries, start + BATCH // 10)):
                    number = make_entry_number("BNH", k)
                    if rng.random() < 0.01:  # a mistyped check digit
                        number = number[:10] + str((int(number[10]) + 1) % 10)
                    imported = oldest + dt.timedelta(days=rng.randrange(6 * 365))
                    entries.append(
                        ImportEntry(
                            client=client,
                            entry_number=number,
                            import_date=imported,
                            entry_date=imported,
                            entry_type="01",
                        )
                    )
                entries = ImportEntry.objects.bulk_create(entries)
                through = ImportEntry.documents.through
                through.objects.bulk_create(
                    [
                        through(importentry_id=e.pk, document_id=document.pk)
                        for e in entries
                        if rng.random() < 0.9
                    ]
                )
                lines, duties = [], []
                for entry in entries:
                    for number in range(1, 11):
                        if line_no >= n_lines:
                            break
                        line_no += 1
                        i = rng.randrange(HEADINGS)
                        hts = f"00{i:04d}00{rng.choice(('10', '20'))}"
                        uom = "KG" if i % 2 else "NO"
                        if rng.random() < 0.005:
                            uom = "DOZ"
                        value = Decimal(rng.randrange(1_000, 100_000))
                        duty = (value * rates.get(hts[:8], Decimal("0.05"))).quantize(Decimal("0.01"))
                        if rng.random() < 0.01:
                            duty += Decimal("250.00")
                        quantity = Decimal(rng.randrange(10, 1000))
                        lines.append(
                            ImportLine(
                                client=client,
                                entry=entry,
                                line_number=number,
                                import_date=entry.import_date,
                                hts=hts,
                                quantity=quantity,
                                uom=uom,
                                entered_value=value,
                                duty=duty,
                                quantity_available=quantity if rng.random() < 0.8 else Decimal("0"),
                            )
                        )
                lines = ImportLine.objects.bulk_create(lines)
                for line in lines:
                    roll = rng.random()
                    if roll < 0.2:
                        duties.append(
                            LineCh99Duty(
                                line=line,
                                ordinal=1,
                                number="9903.88.03",
                                amount=(line.entered_value / 4).quantize(Decimal("0.01")),
                            )
                        )
                    elif roll < 0.22:
                        duties.append(
                            LineCh99Duty(
                                line=line,
                                ordinal=1,
                                number="9903.01.24",
                                amount=(line.entered_value / 10).quantize(Decimal("0.01")),
                            )
                        )
                LineCh99Duty.objects.bulk_create(duties)

        exports = []
        for k in range(max(1, n_lines // 10)):
            i = rng.randrange(HEADINGS)
            itn = f"X{k:014d}" if rng.random() > 0.01 else f"X{max(k - 1, 0):014d}"
            exports.append(
                Export(
                    client=client,
                    export_ref=f"BENCH{k:010d}",
                    itn=itn,
                    export_date=oldest + dt.timedelta(days=rng.randrange(6 * 365)),
                    destination=rng.choice(("DE", "GB", "CA", "JP")),
                    hts=f"00{i:04d}00{rng.choice(('10', '20'))}",
                    uom="KG" if i % 2 else "NO",
                    quantity=Decimal(rng.randrange(1, 500)),
                    value=Decimal(rng.randrange(100, 50_000)),
                    quantity_available=Decimal("1"),
                )
            )
            if len(exports) == BATCH:
                Export.objects.bulk_create(exports)
                exports = []
        Export.objects.bulk_create(exports)
        return client

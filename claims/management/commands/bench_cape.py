"""Time the IEEPA refund (CAPE) work on a generated client: reading every entry's state (the CAPE page and
its API), writing the declaration files (split at 9,999), loading CBP's result for every entry, and what a
build pays for the CAPE guard on all the client's lines. Prints one line per step and a JSON summary last;
the generated client is deleted afterwards.

    python manage.py bench_cape --entries 20000
"""

import datetime as dt
import json
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from claims.cape.guards import adjust_lines
from claims.cape.models import CapeDeclaration
from claims.cape.services import declarations_create
from claims.cape.state import entry_states
from claims.engine.model import Ch99Duty
from drawback.accounts.models import Client, Firm, User
from drawback.lib.entry_numbers import make
from imports.ingest.pipeline import ingest_file
from imports.models import ImportEntry, ImportLine, LineCh99Duty

CODE = "bench-cape"


class Command(BaseCommand):
    help = "Time the CAPE state, declarations, result load and build guard on generated entries."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=20000)
        parser.add_argument("--lines", type=int, default=3, help="lines per entry")

    def handle(self, *args, entries, lines, **options):
        firm = Firm.objects.order_by("pk").first() or Firm.objects.create(name="Bench firm", filer_code="BNC")
        user = User.objects.filter(firm=firm, role="analyst").first() or User.objects.create(
            username="bench-cape-analyst", role="analyst", firm=firm
        )
        Client.objects.filter(code=CODE).delete()
        client = Client.objects.create(
            firm=firm, code=CODE, legal_name="CAPE bench", importer_number="12-3456789AB"
        )
        summary = {"entries": entries, "lines_per_entry": lines}
        try:
            started = time.perf_counter()
            numbers = self._generate(client, entries, lines)
            summary["generate_s"] = round(time.perf_counter() - started, 2)
            summary["state_s"] = self._time("every entry's state", lambda: entry_states(client=client))
            summary["declare_s"] = self._time(
                "declaration files", lambda: declarations_create(client=client, user=user)
            )
            summary["files"] = CapeDeclaration.objects.filter(client=client).count()
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "cape_result.csv"
                path.write_text(
                    "Entry Number,Status,Date\n" + "".join(f"{n},Accepted,2026-11-20\n" for n in numbers)
                )
                result = {}
                summary["result_load_s"] = self._time(
                    "CBP's result, every entry",
                    lambda: result.update(
                        r=ingest_file(path=path, name=path.name, kind="cape", client=client)
                    ),
                )
                summary["result"] = result["r"].summary()
            rows = list(
                LineCh99Duty.objects.filter(line__client=client).values_list("line_id", "number", "amount")
            )
            ch99 = {}
            for line_id, number, amount in rows:
                ch99.setdefault(line_id, []).append(Ch99Duty(number, amount))
            ch99 = {k: tuple(v) for k, v in ch99.items()}
            entry_of = dict(ImportLine.objects.filter(client=client).values_list("id", "entry__entry_number"))
            summary["build_guard_s"] = self._time(
                f"build guard on {len(entry_of)} lines", lambda: adjust_lines(client, entry_of, ch99)
            )
        finally:
            Client.objects.filter(code=CODE).delete()
        self.stdout.write(json.dumps(summary))

    def _time(self, label, fn) -> float:
        """Wall seconds (returned) and this process's CPU seconds (printed; the machine may be shared)."""
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        seconds = round(time.perf_counter() - started, 2)
        self.stdout.write(f"{label}: {seconds} s wall, {time.process_time() - cpu:.2f} s CPU (Python)")
        return seconds

    @transaction.atomic
    def _generate(self, client, entries: int, lines: int) -> list[str]:
        numbers = [make("BNC", 1_000_000 + n) for n in range(entries)]
        ImportEntry.objects.bulk_create(
            ImportEntry(
                client=client,
                entry_number=number,
                entry_type="01",
                import_date=dt.date(2025, 6, 2),
                entry_date=dt.date(2025, 6, 2),
            )
            for number in numbers
        )
        ids = dict(ImportEntry.objects.filter(client=client).values_list("entry_number", "pk"))
        ImportLine.objects.bulk_create(
            (
                ImportLine(
                    client=client,
                    entry_id=ids[number],
                    line_number=n,
                    import_date=dt.date(2025, 6, 2),
                    hts="6109100012",
                    quantity=Decimal("100"),
                    uom="DOZ",
                    entered_value=Decimal("10000.00"),
                    duty=Decimal("1650.00"),
                    quantity_available=Decimal("100"),
                )
                for number in numbers
                for n in range(1, lines + 1)
            ),
            batch_size=5000,
        )
        LineCh99Duty.objects.bulk_create(
            (
                LineCh99Duty(line_id=line_id, ordinal=1, number="9903.01.25", amount=Decimal("1000.00"))
                for line_id in ImportLine.objects.filter(client=client).values_list("id", flat=True)
            ),
            batch_size=5000,
        )
        return numbers

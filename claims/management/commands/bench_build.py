"""`python manage.py bench_build --imports 20000 --exports 5000`: time a claim build on generated client data.

Loads the optimizer benchmark's generated client (claims.engine.benchdata) into the database as the client
`bench-build` (tariff rows under chapter 00, so they cannot collide with a real schedule), then times each
step of a build as the product runs it: reading the engine inputs, preparing, solving every group by the
four methods, assembling and writing the proposal (designations, explanations, totals, comparison), the
request that asks for its save as draft claims and the save itself (on a worker: through the ledger, all or
nothing), and the money at risk page's engine run. With CELERY_BROKER_URL set,
the whole build is left to the running workers (a chord of group tasks) and timed until it is done. The last
line is JSON.
Everything generated is removed afterwards unless --keep is given. Meant for PostgreSQL.
"""

import json
import resource
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client as DjangoClient

from claims import tasks
from claims.building import inputs as building_inputs
from claims.building import services
from claims.building.money_at_risk import money_at_risk
from claims.building.parameters import BuildParameters
from claims.building.proposal import METHODS, build_proposal
from claims.engine import benchdata
from claims.engine.optimizer import _pairs_in, assemble, build_groups, solve_group
from claims.engine.problem import prepare
from claims.jobs.models import Job
from claims.models import Claim, ClaimBuild, ClaimClassTotal, Designation
from drawback.accounts.models import Client, Firm, User
from drawback.celery import app
from exports.models import Export
from imports.models import ImportEntry, ImportLine, LineCh99Duty, TariffLine

CODE = "bench-build"
BATCH = 5000


def _hts(number: str) -> str:
    return "00" + number[2:]  # chapter 00: no real tariff row has it


class Command(BaseCommand):
    help = "Generate a client and time a claim build, its save and money at risk (JSON summary last)."

    def add_arguments(self, parser):
        parser.add_argument("--imports", type=int, default=20_000)
        parser.add_argument("--exports", type=int, default=5_000)
        parser.add_argument("--products", type=int, default=None)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="keep the generated client")

    def handle(self, *args, imports: int, exports: int, products, seed: int, keep: bool, **options):
        figures: dict = {"imports": imports, "exports": exports}
        started = time.perf_counter()
        client, user = self._generate(imports, exports, products, seed)
        figures["load_s"] = round(time.perf_counter() - started, 1)
        self.stdout.write(f"loaded {imports:,} lines and {exports:,} exports in {figures['load_s']} s")
        params = BuildParameters(filing_date=benchdata.FILING_DATE)

        def timed(name, fn):
            t0 = time.perf_counter()
            value = fn()
            figures[f"{name}_s"] = round(time.perf_counter() - t0, 2)
            self.stdout.write(f"  {name:<22} {figures[f'{name}_s']:>8.2f} s")
            return value

        self.stdout.write("steps of a build:")
        inputs = timed(
            "read_inputs",
            lambda: building_inputs.engine_inputs_for(
                client=client,
                export_filter=params.export_filter,
                exclusions=params.exclusions,
                pins=(),
                filing_date=params.filing_date,
            ),
        )
        problem = timed(
            "prepare",
            lambda: prepare(
                lines=inputs.lines,
                exports=inputs.exports,
                tariff=inputs.tariff,
                chapter99=inputs.chapter99,
                settings=inputs.settings,
            ),
        )
        groups = timed("build_groups", lambda: build_groups(problem))
        figures["groups"] = len(groups)
        figures["pairs"] = sum(_pairs_in(g) for g in groups)
        results = timed(
            "solve_4_methods",
            lambda: [{m: solve_group(g, m.value) for m in METHODS} for g in groups],
        )
        assembled = timed(
            "assemble_4_methods",
            lambda: {m: assemble(problem, [r[m] for r in results], m) for m in METHODS},
        )
        proposal = timed(
            "proposal",
            lambda: build_proposal(
                inputs=inputs, problem=problem, results=assembled, method=params.method, drawback_port="1001"
            ),
        )
        summary, rows = proposal
        figures["designations"] = len(rows)
        figures["summary_mb"] = round(len(json.dumps(summary)) / 1e6, 2)
        figures["rows_mb"] = round(len(json.dumps(rows)) / 1e6, 1)

        mode = "one task, here" if app.conf.task_always_eager else "on the workers, a chord when large"
        self.stdout.write(f"the whole build ({mode}):")

        def whole_build():
            started = services.claim_build_start(client=client, user=user, parameters=params)
            if app.conf.task_always_eager:
                # Without a broker the task has run already, as the build was recorded.
                services.claim_build_run(build_id=started.pk)
                return started
            # With a broker the workers run it (a chord when it is large): wait for them.
            while ClaimBuild.objects.filter(pk=started.pk, status__in=("queued", "running")).exists():
                time.sleep(0.2)
            return started

        build = timed("build_total", whole_build)
        build.refresh_from_db()
        if build.status != ClaimBuild.Status.DONE:
            self.stderr.write(f"build {build.status}: {build.message}")
        figures["refund"] = build.result.get("refund")
        figures["comparison"] = {c["method"]: c["refund"] for c in build.result.get("comparison", [])}
        timed("read_summary", lambda: ClaimBuild.objects.get(pk=build.pk).result["refund"])
        browser = DjangoClient()
        browser.force_login(user)
        page = timed("proposal_page", lambda: browser.get(f"/clients/{CODE}/claims/build/{build.pk}/"))
        if page.status_code != 200:
            self.stderr.write(f"proposal page answered {page.status_code}")
        # Saving: the request only asks for it (a job); a worker saves. Without a broker the request would
        # run the task inline, so the task is held back and run here, timed apart, as the worker runs it.
        held: list[dict] = []
        eager = app.conf.task_always_eager
        if eager:
            real_delay = tasks.claim_build_save_task.delay
            tasks.claim_build_save_task.delay = lambda **kwargs: held.append(kwargs)
        try:
            answer = timed(
                "save_request", lambda: browser.post(f"/clients/{CODE}/claims/build/{build.pk}/save/")
            )
        finally:
            if eager:
                tasks.claim_build_save_task.delay = real_delay
        if answer.status_code != 302:
            self.stderr.write(f"save request answered {answer.status_code}")
        job = Job.objects.filter(kind=Job.Kind.BUILD_SAVE, build=build).order_by("-pk").first()

        def save_on_worker():
            if eager:
                services.claim_build_save_run(build_id=build.pk, user_id=user.pk, job_id=job.pk)
                return
            while Job.objects.filter(pk=job.pk, status__in=("queued", "running")).exists():
                time.sleep(0.2)

        timed("save", save_on_worker)
        job.refresh_from_db()
        if job.status != Job.Status.DONE:
            self.stderr.write(f"save {job.status}: {job.message}")
        figures["claims"] = Claim.objects.filter(build=build).count()
        risk = timed("money_at_risk", lambda: money_at_risk(client=client, today=benchdata.FILING_DATE))
        figures["lines_at_risk"] = len(risk.lines)
        figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        figures["refund_fifo_uplift"] = (
            str(Decimal(figures["refund"]) - Decimal(figures["comparison"]["fifo"]))
            if figures["refund"]
            else None
        )
        if not keep:
            self._cleanup()
        self.stdout.write(json.dumps(figures))

    def _generate(self, imports: int, exports: int, products, seed: int):
        self._cleanup()
        data = benchdata.generate(imports, exports, products=products, seed=seed)
        firm = Firm.objects.create(name="Bench Build Services", filer_code="BNB")
        client = Client.objects.create(
            firm=firm, code=CODE, legal_name="Bench Build Inc", importer_number="12-345678900"
        )
        user = User.objects.create(username="bench-build-analyst", role="analyst", firm=firm)
        rows = [data.tariff.row(h) for h in sorted(data.tariff._rows)]  # noqa: SLF001 - bench data only
        TariffLine.objects.bulk_create(
            [
                TariffLine(
                    hts=_hts(r.hts), description=r.description, general_rate=r.general_rate, indent=r.indent
                )
                for r in rows
            ],
            ignore_conflicts=True,
        )
        entries: dict[str, ImportEntry] = {}
        for line in data.lines:
            if line.entry_number not in entries:
                entries[line.entry_number] = ImportEntry(
                    client=client, entry_number=line.entry_number, import_date=line.import_date
                )
        ImportEntry.objects.bulk_create(entries.values(), batch_size=BATCH)
        entry_ids = dict(ImportEntry.objects.filter(client=client).values_list("entry_number", "id"))
        line_objects = [
            ImportLine(
                client=client,
                entry_id=entry_ids[x.entry_number],
                line_number=x.line_number,
                import_date=x.import_date,
                hts=_hts(x.hts),
                quantity=x.quantity,
                uom=x.uom,
                entered_value=x.entered_value,
                duty=x.duty,
                mpf=x.mpf,
                hmf=x.hmf,
                country_of_origin=x.country_of_origin,
                quantity_available=x.quantity,
            )
            for x in data.lines
        ]
        ImportLine.objects.bulk_create(line_objects, batch_size=BATCH)
        line_ids = {
            (n, ln): pk
            for pk, n, ln in ImportLine.objects.filter(client=client).values_list(
                "id", "entry__entry_number", "line_number"
            )
        }
        ch99 = [
            LineCh99Duty(
                line_id=line_ids[(x.entry_number, x.line_number)],
                ordinal=k + 1,
                number=c.number,
                amount=c.amount,
            )
            for x in data.lines
            for k, c in enumerate(x.ch99)
        ]
        LineCh99Duty.objects.bulk_create(ch99, batch_size=BATCH)
        Export.objects.bulk_create(
            [
                Export(
                    client=client,
                    export_ref=e.ref,
                    export_date=e.export_date,
                    hts=_hts(e.hts),
                    quantity=e.quantity,
                    uom=e.uom,
                    value=e.value,
                    destination=e.destination,
                    disposition=e.disposition.value,
                    recovered_value=e.recovered_value,
                    direct_entry_number=e.direct_line.entry_number if e.direct_line else "",
                    direct_line_number=e.direct_line.line_number if e.direct_line else None,
                    direct_line_id=line_ids.get(tuple(e.direct_line)) if e.direct_line else None,
                    quantity_available=e.quantity,
                )
                for e in data.exports
            ],
            batch_size=BATCH,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (ImportLine, Export, LineCh99Duty, ImportEntry):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        return client, user

    def _cleanup(self) -> None:
        """One DELETE per table: the ORM's cascade would load every row into memory first."""
        client = Client.objects.filter(code=CODE).first()
        if client:
            q = connection.ops.quote_name
            t = {
                m: q(m._meta.db_table)
                for m in (Designation, ClaimClassTotal, Claim, LineCh99Duty, ImportLine)
            }
            with transaction.atomic(), connection.cursor() as cursor:
                claims = f"SELECT id FROM {t[Claim]} WHERE client_id = %s"
                cursor.execute(f"DELETE FROM {t[Designation]} WHERE claim_id IN ({claims})", [client.pk])
                cursor.execute(f"DELETE FROM {t[ClaimClassTotal]} WHERE claim_id IN ({claims})", [client.pk])
            # Few claims and builds: the ORM can delete those (their designations are gone already).
            Claim.objects.filter(client=client).delete()
            ClaimBuild.objects.filter(client=client).delete()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {t[LineCh99Duty]} WHERE line_id IN "
                    f"(SELECT id FROM {t[ImportLine]} WHERE client_id = %s)",
                    [client.pk],
                )
                for model in (Export, ImportLine, ImportEntry):
                    cursor.execute(f"DELETE FROM {q(model._meta.db_table)} WHERE client_id = %s", [client.pk])
            firm = client.firm
            User.objects.filter(firm=firm).delete()
            client.delete()
            firm.delete()
        TariffLine.objects.filter(hts__startswith="00", description__startswith="Article group").delete()

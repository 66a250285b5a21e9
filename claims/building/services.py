"""Writes of claim building: start a build, run it, save its proposal as draft claims.

A build runs as Celery tasks (claims.tasks), thin wrappers over the functions here:

1. `claim_build_run` reads the client's data (inputs.engine_inputs_for), prepares the problem
   (claims.engine.problem.prepare: direct identification settled, substitution split into independent
   product groups) and splits the groups into batches. A small problem is solved right there, in one task.
   A large one goes out as a Celery chord: one `claim_build_solve` task per batch, on as many workers and
   machines as there are, then `claim_build_finish` once all are done.
2. `claim_build_solve_batch` solves its groups by every method (the optimum, FIFO, LIFO, low-to-high: the
   comparison comes from the same run) and records its progress as each group finishes.
3. `claim_build_finish` reads the data again, checks it is what the groups were built from (a fingerprint),
   assembles exact designations per method (claims.engine.optimizer.assemble) and stores the proposal.

4. Saving the proposal as draft claims (`claim_build_save`, all or nothing in one transaction) runs on a
   worker too, as a job the page and the API follow (`claim_build_save_start`, `claim_build_save_run`): a
   large proposal takes tens of seconds, longer than a request should.

Every step is safe to run twice (a message delivered again): the build moves QUEUED -> RUNNING -> DONE by
conditional UPDATEs, and a batch sets its own count of groups done rather than adding to the build's.
Database errors that pass (a dropped connection, a lock timeout) are retried by the tasks; anything else
marks the build FAILED with the reason, so the analyst never waits on a build that will not finish.
"""

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from claims.cape.guards import held_lines
from claims.engine.model import Method
from claims.engine.optimizer import _pairs_in, assemble, build_groups, solve_group
from claims.engine.problem import prepare
from claims.jobs.models import Job
from claims.jobs.services import job_create, job_run
from claims.ledger import LedgerError, reserve
from claims.models import Claim, ClaimBuild, ClaimBuildBatch, Designation, ProposedDesignation
from claims.privileges.services import accelerated_payment_note, claims_accelerated_payment_apply
from claims.services import ClaimError, claim_create, claim_totals_recompute
from drawback.accounts.models import Client, Privilege, User

from .inputs import EngineInputs, engine_inputs_for
from .numbers import NumbersExhausted, claim_numbers_allocate
from .parameters import PORTS, BuildParameters, ParameterError
from .proposal import METHODS, build_proposal
from .split import SplitError, split_into_claims

log = logging.getLogger(__name__)
S = ClaimBuild.Status

# Below this many line/export pairs the whole problem is solved in one task: a chord costs more than it saves.
CHORD_MIN_PAIRS = 300_000
# A chord task takes groups up to about this many pairs (a bigger group is a task of its own) ...
BATCH_PAIRS = 1_000_000
# ... and at most this many groups, so progress moves and work spreads over the workers.
BATCH_GROUPS = 200
# Progress is written at most this often per task (each group counts, the writes are grouped).
PROGRESS_SECONDS = 0.5
# Progress shown: preparation up to PREPARED %, solving up to SOLVED %, assembly to 100 %.
PREPARED, SOLVED = 5, 95
TRANSIENT = (OperationalError, InterfaceError)


class BuildError(Exception):
    """A build cannot be started or saved; the message says why, in the analyst's words."""


def default_port(client: Client) -> str:
    port = client.firm.drawback_port
    return port if port in PORTS else "1001"


def parameters_for(build: ClaimBuild) -> BuildParameters:
    return BuildParameters.from_json(build.parameters, default_port=default_port(build.client))


def _require_staff(client: Client, user: User) -> None:
    if user is None or not user.is_authenticated or user.is_client_user:
        raise BuildError("only the firm's staff build claims")
    if user.firm_id != client.firm_id and not (user.is_superuser and not user.firm_id):
        raise BuildError("only staff of the firm preparing this client's claims can build them")


# --- starting -------------------------------------------------------------------------------------------


def claim_build_start(*, client: Client, user: User, parameters: dict | BuildParameters) -> ClaimBuild:
    """Record a build and queue its run once the transaction commits. Raises BuildError on bad parameters."""
    _require_staff(client, user)
    if isinstance(parameters, BuildParameters):
        params = parameters
    else:
        try:
            params = BuildParameters.from_json(
                parameters, default_port=default_port(client), today=timezone.localdate()
            )
        except ParameterError as exc:
            raise BuildError(str(exc)) from exc
    from claims.tasks import claim_build_run as task

    with transaction.atomic():
        build = ClaimBuild.objects.create(client=client, requested_by=user, parameters=params.as_json())
        transaction.on_commit(lambda: task.delay(build_id=build.pk))
    return build


# --- running --------------------------------------------------------------------------------------------


def _inputs(build: ClaimBuild, params: BuildParameters) -> EngineInputs:
    return engine_inputs_for(
        client=build.client,
        export_filter=params.export_filter,
        exclusions=params.exclusions,
        pins=params.pins,
        filing_date=params.filing_date,
    )


def _prepare(inputs: EngineInputs):
    return prepare(
        lines=inputs.lines,
        exports=inputs.exports,
        tariff=inputs.tariff,
        chapter99=inputs.chapter99,
        settings=inputs.settings,
    )


def plan_batches(sizes: list[int]) -> list[list[int]]:
    """Group indices per chord task: big groups alone, small ones together up to BATCH_PAIRS/BATCH_GROUPS;
    biggest first, so the longest tasks start first."""
    batches: list[list[int]] = []
    current: list[int] = []
    work = 0
    for index in sorted(range(len(sizes)), key=lambda k: -sizes[k]):
        if current and (work + sizes[index] > BATCH_PAIRS or len(current) >= BATCH_GROUPS):
            batches.append(current)
            current, work = [], 0
        current.append(index)
        work += sizes[index]
    if current:
        batches.append(current)
    return batches


def _claim_for_run(build_id: int) -> bool:
    if ClaimBuild.objects.filter(pk=build_id, status=S.QUEUED).update(status=S.RUNNING, progress=1):
        return True
    # Delivered again: run again only if the first delivery died before handing the groups to a chord.
    row = ClaimBuild.objects.filter(pk=build_id).values("status", "result__dispatched").first()
    return bool(row) and row["status"] == S.RUNNING and not row["result__dispatched"]


def claim_build_run(*, build_id: int) -> None:
    """Prepare the build and solve it here, or hand its groups to a chord. Safe to call twice."""
    if not _claim_for_run(build_id):
        return
    try:
        _run(build_id)
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("claim build %s failed", build_id)
        claim_build_fail(build_id=build_id, message=f"The build failed: {exc}")


def _run(build_id: int) -> None:
    from celery import chord

    from claims import tasks

    started = timezone.now()
    build = ClaimBuild.objects.select_related("client__firm").get(pk=build_id)
    params = parameters_for(build)
    inputs = _inputs(build, params)
    problem = _prepare(inputs)
    groups = build_groups(problem)
    sizes = [_pairs_in(g) for g in groups]
    chorded = len(groups) > 1 and sum(sizes) >= CHORD_MIN_PAIRS
    batches = plan_batches(sizes) if chorded else ([list(range(len(groups)))] if groups else [])
    chorded = chorded and len(batches) > 1
    # Wall-clock start: the chord's last step may run on another machine.
    state = {"digest": inputs.digest, "started_at": started.isoformat()}
    with transaction.atomic():
        ClaimBuildBatch.objects.filter(build_id=build_id).delete()
        ClaimBuildBatch.objects.bulk_create(
            ClaimBuildBatch(build_id=build_id, number=n, groups=len(b)) for n, b in enumerate(batches)
        )
        ClaimBuild.objects.filter(pk=build_id).update(
            groups_total=len(groups), groups_done=0, progress=PREPARED, result=state
        )
    if chorded:
        ClaimBuild.objects.filter(pk=build_id).update(result={**state, "dispatched": True})
        header = [
            tasks.claim_build_solve.s(build_id=build_id, number=n, groups=[[i, groups[i]] for i in batch])
            for n, batch in enumerate(batches)
        ]
        chord(header)(tasks.claim_build_finish.s(build_id=build_id))
        return
    results = []
    for n, batch in enumerate(batches):
        chunk = [[i, groups[i]] for i in batch]
        results += claim_build_solve_batch(build_id=build_id, number=n, groups=chunk)
    _finish(build, params, inputs, problem, results, started)


class _BatchProgress:
    """Writes a batch's count of groups done, at most every PROGRESS_SECONDS, and moves the build's count
    by the difference. The batch's count is set, never added to: a task delivered again counts nothing
    twice."""

    def __init__(self, build_id: int, number: int):
        self.build_id, self.number = build_id, number
        self.last = 0.0

    def report(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        with transaction.atomic():
            batch = ClaimBuildBatch.objects.filter(build_id=self.build_id, number=self.number)
            while True:
                current = batch.values_list("groups_done", flat=True).first()
                if current is None or current >= done:
                    return
                if batch.filter(groups_done=current).update(groups_done=done):
                    break
            builds = ClaimBuild.objects.filter(pk=self.build_id)
            builds.update(groups_done=F("groups_done") + (done - current))
            done_all, total = builds.values_list("groups_done", "groups_total").get()
            share = (SOLVED - PREPARED) * min(done_all, total) // max(total, 1)
            builds.filter(status=S.RUNNING).update(progress=PREPARED + share)


def claim_build_solve_batch(*, build_id: int, number: int, groups: list) -> list[dict]:
    """Solve groups ([index, group JSON] pairs) by every method; JSON results, progress recorded."""
    if not ClaimBuild.objects.filter(pk=build_id, status=S.RUNNING).exists():
        return []  # failed meanwhile: nothing to do
    progress = _BatchProgress(build_id, number)
    out = []
    for index, group in groups:
        out.append({"index": index, "results": {m.value: solve_group(group, m.value) for m in METHODS}})
        progress.report(len(out))
    progress.report(len(out), force=True)
    return out


def claim_build_finish(*, build_id: int, results: list) -> None:
    """The chord's last step: assemble the groups' results into the proposal. Safe to call twice."""
    try:
        build = ClaimBuild.objects.select_related("client__firm").get(pk=build_id)
        if build.status != S.RUNNING:
            return
        started = dt.datetime.fromisoformat(
            (build.result or {}).get("started_at") or build.created_at.isoformat()
        )
        params = parameters_for(build)
        inputs = _inputs(build, params)
        if inputs.digest != (build.result or {}).get("digest"):
            claim_build_fail(
                build_id=build_id,
                message="The client's data changed while the build ran (quantities taken by another claim, "
                "or new data loaded); run it again.",
            )
            return
        flat = [item for part in results for item in (part or [])]
        _finish(build, params, inputs, _prepare(inputs), flat, started)
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("claim build %s failed while assembling", build_id)
        claim_build_fail(build_id=build_id, message=f"The build failed: {exc}")


def _finish(
    build, params: BuildParameters, inputs, problem, results: list[dict], started: dt.datetime
) -> None:
    ClaimBuild.objects.filter(pk=build.pk, status=S.RUNNING).update(progress=SOLVED)
    by_method: dict[Method, list[dict]] = {m: [] for m in METHODS}
    for item in sorted(results, key=lambda r: r["index"]):
        for m in METHODS:
            by_method[m].append(item["results"][m.value])
    assembled = {m: assemble(problem, by_method[m], m) for m in METHODS}
    summary, rows = build_proposal(
        inputs=inputs,
        problem=problem,
        results=assembled,
        method=params.method,
        drawback_port=params.drawback_port,
    )
    summary["seconds"] = round((timezone.now() - started).total_seconds(), 3)
    with transaction.atomic():
        # The status and the rows together: a page never finds the build done without its designations.
        done = ClaimBuild.objects.filter(pk=build.pk, status=S.RUNNING).update(
            status=S.DONE, progress=100, result=summary, message="", finished_at=timezone.now()
        )
        if done:
            ProposedDesignation.objects.filter(build_id=build.pk).delete()
            insert_rows(ProposedDesignation, (_proposed(build.pk, n, row) for n, row in enumerate(rows)))


def insert_rows(model, objects: Iterable, *, batch_size: int = 2000) -> None:
    """Insert new rows (no signals, no ids back). On PostgreSQL through COPY: a large proposal is tens of
    thousands of rows carrying hundreds of megabytes of JSON, which bulk_create prepares far slower."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=batch_size)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])


def _proposed(build_id: int, position: int, row: dict) -> ProposedDesignation:
    return ProposedDesignation(
        build_id=build_id,
        position=position,
        import_line_id=row["line_id"],
        export_id=row["export_id"],
        export_date=row["export_date"],
        export_ref=row["export_ref"],
        provision=row["provision"],
        method=row["method"],
        disposition=row["disposition"],
        quantity=Decimal(row["quantity"]),
        substituted_value_per_unit=row["substituted_value_per_unit"] or "",
        row=row,
    )


def claim_build_fail(*, build_id: int, message: str) -> None:
    ClaimBuild.objects.filter(pk=build_id, status__in=(S.QUEUED, S.RUNNING)).update(
        status=S.FAILED, message=message[:2000], finished_at=timezone.now()
    )


# --- saving ---------------------------------------------------------------------------------------------


# A save that has not ended this long after it was asked for lost its worker (killed past the hard time
# limit, a machine gone): its transaction was rolled back, and another save may start.
def _save_lost_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def saving_job(build: ClaimBuild) -> Job | None:
    """The save of this build waiting for or running on a worker, if any."""
    return (
        Job.objects.filter(
            kind=Job.Kind.BUILD_SAVE, build=build, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)
        )
        .select_related("requested_by")
        .order_by("-created_at", "-id")
        .first()
    )


def claim_build_save_start(*, build: ClaimBuild, user: User) -> Job:
    """Ask a worker to save the proposal as draft claims (claim_build_save), recorded as a job whose progress
    the page and the API follow. Refused (BuildError) when the build is not ready, already saved, or being
    saved: one save at a time."""
    from claims.tasks import claim_build_save_task

    _require_staff(build.client, user)
    with transaction.atomic():
        # The build's row locked: two requests at the same moment start one save between them.
        locked = ClaimBuild.objects.select_for_update().defer("result").get(pk=build.pk)
        if locked.status == S.SAVED:
            raise BuildError("this proposal has already been saved as claims")
        if locked.status != S.DONE:
            raise BuildError("the proposal is not ready to save")
        running = saving_job(locked)
        if running is not None and running.created_at < timezone.now() - _save_lost_after():
            Job.objects.filter(pk=running.pk, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).update(
                status=Job.Status.FAILED,
                progress=100,
                message="The save lost its worker before it ended; nothing was saved.",
                finished_at=timezone.now(),
            )
            running = None
        if running is not None:
            raise BuildError(
                f"this proposal is already being saved (asked for by {running.requested_by.get_username()} "
                f"at {timezone.localtime(running.created_at):%H:%M:%S}, {running.progress}% done); "
                "wait for it to finish"
            )
        job = job_create(kind=Job.Kind.BUILD_SAVE, requested_by=user, build=locked)
        transaction.on_commit(
            lambda: claim_build_save_task.delay(build_id=locked.pk, user_id=user.pk, job_id=job.pk)
        )
    return job


def claim_build_save_run(*, build_id: int, user_id: int, job_id: int | None) -> list[int]:
    """The worker's side of claim_build_save_start: save, with the job's progress and outcome."""

    def save(progress: Callable[[float], None]) -> list[Claim]:
        build = ClaimBuild.objects.select_related("client__firm").defer("result").get(pk=build_id)
        return claim_build_save(build=build, user=User.objects.get(pk=user_id), progress=progress)

    return save_on_worker(job_id, save)


def save_on_worker(job_id: int | None, save: Callable[[Callable[[float], None]], list[Claim]]) -> list[int]:
    """Run a save of draft claims for its job: progress as it goes, the claims saved as the outcome. A reason
    the analyst can act on (quantities taken meanwhile, data changed, already saved) or Celery's time limit
    ends the job failed with that reason; nothing is saved then, since a save is one transaction."""
    from celery.exceptions import SoftTimeLimitExceeded

    with job_run(job_id) as run:
        try:
            claims = save(run.report)
        except BuildError as exc:
            run.fail(as_sentence(str(exc)))
            return []
        except SoftTimeLimitExceeded:
            run.fail("The save ran past its time limit and was stopped; nothing was saved. Try again.")
            return []
        run.message = saved_message(claims)
        return [c.pk for c in claims]


def as_sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def saved_message(claims: list[Claim]) -> str:
    numbers = ", ".join(c.display_number for c in claims)
    asked = [c.display_number for c in claims if c.accelerated_payment]
    note = f" Accelerated payment requested on {', '.join(asked)}." if asked else ""
    return f"Saved as {len(claims)} draft claim(s): {numbers}.{note}"


# Progress of a save: the rows read and split up to READ, the ledger up to RESERVED, then the claims' rows.
READ, RESERVED = 0.05, 0.45


def claim_build_save(
    *, build: ClaimBuild, user: User, progress: Callable[[float], None] | None = None
) -> list[Claim]:
    """Save the proposal as draft claims: one per provision, split at the ACE record limits, numbered from
    the firm's sequence, the designated quantities taken through the ledger, totals per class rounded once.

    All or nothing, in one transaction. If another claim took any of the quantities since the build ran,
    nothing is saved and BuildError names the line (the analyst runs the build again). A build is saved
    once; a second save (a double click, two analysts) is refused. `progress` is told the share done.
    """
    tell = progress or (lambda fraction: None)
    build = ClaimBuild.objects.select_related("client__firm").defer("result").get(pk=build.pk)
    client = build.client
    _require_staff(client, user)
    if build.status == S.SAVED:
        raise BuildError("this proposal has already been saved as claims")
    if build.status != S.DONE:
        raise BuildError("the proposal is not ready to save")
    proposed = ProposedDesignation.objects.filter(build=build)
    # The split needs only these columns; the rows themselves are read claim by claim below.
    rows = list(
        proposed.values(
            "import_line_id",
            "export_id",
            "export_date",
            "export_ref",
            "provision",
            "method",
            "disposition",
            "quantity",
            "substituted_value_per_unit",
            "position",
        )
    )
    if not rows:
        raise BuildError("the proposal designates nothing; there is no claim to save")
    params = parameters_for(build)
    held = held_lines(client, {r["import_line_id"] for r in rows})
    if held:
        more = f" (and {len(held) - 1} more line(s))" if len(held) > 1 else ""
        raise BuildError(
            f"Nothing was saved: {held[min(held)]}{more}. Run the build again: it leaves such lines out, "
            "or release the entry to drawback on the client's CAPE page (the decision is recorded)."
        )
    try:
        plan = split_into_claims([_split_row(r) for r in rows])
    except SplitError as exc:
        raise BuildError(str(exc)) from exc
    try:
        numbers = claim_numbers_allocate(firm=client.firm, count=len(plan))
    except NumbersExhausted as exc:
        raise BuildError(str(exc)) from exc
    holding = {(r["import_line_id"], r["export_id"]): (r["quantity"], r["method"]) for r in rows}
    tell(READ)
    try:
        with transaction.atomic():
            if not ClaimBuild.objects.filter(pk=build.pk, status=S.DONE).update(status=S.SAVED):
                raise BuildError("this proposal was saved meanwhile")
            # Quantities first: if another claim took them since the build ran, stop before writing.
            reserve(holding, progress=lambda share: tell(READ + (RESERVED - READ) * share))
            tell(RESERVED)
            written = 0
            claims = []
            parts: dict[str, int] = {}
            for provision, _ in plan:
                parts[provision] = parts.get(provision, 0) + 1
            seen: dict[str, int] = {}
            # A client holding a waiver of prior notice on the filing date files unused and rejected
            # merchandise claims under it (19 CFR 190.91); the analyst can still change it on the draft.
            waiver = client.privilege(Privilege.Kind.WAIVER_PRIOR_NOTICE, on=params.filing_date) is not None
            for (provision, claim_rows), number in zip(plan, numbers, strict=True):
                seen[provision] = seen.get(provision, 0) + 1
                part = f", part {seen[provision]} of {parts[provision]}" if parts[provision] > 1 else ""
                claim = claim_create(
                    client=client,
                    number=number,
                    provision=provision,
                    preparer=user,
                    drawback_port=params.drawback_port,
                    waiver_prior_notice=waiver,
                    notes=f"Built by claim build {build.pk} ({params.method.value}){part}.",
                )
                claim.build = build
                claim.save(update_fields=["build"])
                positions = sorted(r["position"] for r in claim_rows)
                for start in range(0, len(positions), 2000):
                    chunk = proposed.filter(position__in=positions[start : start + 2000]).order_by("position")
                    insert_rows(
                        Designation, (_designation(claim, row) for row in chunk.values_list("row", flat=True))
                    )
                    written += len(positions[start : start + 2000])
                    tell(RESERVED + (1 - RESERVED) * 0.95 * written / len(rows))
                claim_totals_recompute(claim=claim)
                claims.append(claim)
            choices = claims_accelerated_payment_apply(
                claims=claims, requested=params.accelerated_payment, on=params.filing_date
            )
            ClaimBuild.objects.filter(pk=build.pk).update(
                message=f"Saved as {len(claims)} draft claim(s) by {user.get_username()}. "
                + accelerated_payment_note(choices)
            )
    except LedgerError as exc:
        raise BuildError(
            f"Nothing was saved: {exc}. Run the build again to designate what is available now."
        ) from exc
    except ClaimError as exc:
        raise BuildError(f"Nothing was saved: {exc}") from exc
    return claims


def _split_row(r: dict) -> dict:
    return {
        "line_id": r["import_line_id"],
        "export_id": r["export_id"],
        "export_date": r["export_date"],
        "export_ref": r["export_ref"],
        "entry_number": "",
        "line_number": r["position"],  # keeps the proposal's order within an export
        "provision": r["provision"],
        "method": r["method"],
        "disposition": r["disposition"],
        "substituted_value_per_unit": r["substituted_value_per_unit"] or None,
        "position": r["position"],
    }


def _designation(claim: Claim, row: dict) -> Designation:
    return Designation(
        claim=claim,
        import_line_id=row["line_id"],
        export_id=row["export_id"],
        provision=claim.provision,
        method=row["method"],
        quantity=Decimal(row["quantity"]),
        refund=Decimal(row["refund"]).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP),
        amounts=row["amounts"],
        entered_value_per_unit=_decimal(row.get("entered_value_per_unit")),
        substituted_value_per_unit=_decimal(row.get("substituted_value_per_unit")),
        explanation=row.get("explanation") or [],
    )


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def claim_build_rerun(*, build: ClaimBuild, user: User, parameters: BuildParameters) -> ClaimBuild:
    """A new build of the same client with changed parameters (an exclusion or a pin added or removed)."""
    return claim_build_start(client=build.client, user=user, parameters=parameters)

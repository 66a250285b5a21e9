"""The type choice computed and saved as draft claims.

Saving: one claim per provision (split at the ACE record limits like any build), numbered from the firm's
sequence, the quantities taken through the ledger, totals per class rounded once. All or nothing, in one
transaction.

From the pages and the API both steps run on a worker, as jobs the page follows with a progress bar (a
choice over a few hundred exports takes tens of seconds): `type_choice_start` computes and stores a
TypeChoiceRun, `type_choice_save_start` saves exactly that stored choice, refused when the client's data
changed since it was computed. One such job at a time per client."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from claims.building.numbers import NumbersExhausted, claim_numbers_allocate
from claims.building.services import (
    BuildError,
    default_port,
    insert_rows,
    save_on_worker,
)
from claims.building.services import _require_staff as require_firm_staff
from claims.building.split import SplitError, split_into_claims
from claims.engine.amounts import EXACT
from claims.jobs.models import Job
from claims.jobs.services import job_create, job_run
from claims.ledger import LedgerError, reserve
from claims.models import Claim, Designation
from claims.services import ClaimError, claim_create, claim_totals_recompute
from drawback.accounts.models import Client, Privilege, User
from drawback.accounts.tenancy import require_staff
from drawback.lib.money import format_usd

from . import rules
from .data import TypeInputs, type_inputs
from .models import TypeChoiceRun
from .runs import data_mark, inputs_digest, result_json, stored_designations
from .types import AlternativeBasis, TypeDesignation, choose_types

DIRECT = {"51", "53", "54", "55", "56", "58"}
# Progress of a save: the quantities taken through the ledger, then the claims one by one.
RESERVED = 0.3


def _merged(designations: list[TypeDesignation]) -> list[TypeDesignation]:
    """One designation per claim, line and export: two components of one 8-digit subheading add up."""
    out: dict[tuple, TypeDesignation] = {}
    for d in designations:
        key = (d.provision, d.line, d.export_ref)
        if key not in out:
            out[key] = d
            continue
        first = out[key]
        with localcontext(EXACT):
            if first.allowable is not None or d.allowable is not None:
                first.allowable = (first.allowable if first.allowable is not None else first.quantity) + (
                    d.allowable if d.allowable is not None else d.quantity
                )
            first.quantity += d.quantity
            for k, v in d.amounts.items():
                first.amounts[k] = first.amounts.get(k, Decimal(0)) + v
            for k, v in d.calculated.items():
                first.calculated[k] = first.calculated.get(k, Decimal(0)) + v
        first.component = f"{first.component};{d.component}"
    return list(out.values())


def type_choice_save(*, client: Client, user: User, filing_date: dt.date) -> list[Claim]:
    """Choose the types on the data as it is now and save the choice as draft claims, in one go (the
    command line and tests; the pages and the API compute a choice first, then save it as a job)."""
    require_staff(user)
    inputs = type_inputs(client, filing_date)
    result = choose_types(**inputs.kwargs(), alternatives=False)
    return designations_save(
        client=client, user=user, filing_date=filing_date, inputs=inputs, designations=result.designations
    )


def designations_save(
    *,
    client: Client,
    user: User,
    filing_date: dt.date,
    inputs: TypeInputs,
    designations: list[TypeDesignation],
    progress: Callable[[float], None] | None = None,
) -> list[Claim]:
    """Save a type choice's designations, made on `inputs`, as draft claims (all or nothing)."""
    tell = progress or (lambda fraction: None)
    designations = _merged(designations)
    if not designations:
        raise BuildError("the choice designates nothing; there is no claim to save")
    line_ids, export_ids = inputs.engine.line_ids, inputs.engine.export_ids
    exports = {e.ref: e for e in inputs.engine.exports}
    by_position = {}
    rows = []
    for position, d in enumerate(designations):
        export = exports[d.export_ref]
        by_position[position] = d
        rows.append(
            {
                "line_id": line_ids[d.line],
                "export_id": export_ids[d.export_ref],
                "export_date": export.export_date,
                "export_ref": d.export_ref,
                "entry_number": d.line.entry_number,
                "line_number": d.line.line_number,
                "provision": d.provision,
                # A 1313(c)(2) designation of another import is substitution (19 CFR 190.2, 190.51(a)(3)).
                "method": "direct" if d.provision in DIRECT and not d.designated_import else "substitution",
                "disposition": export.disposition.value,
                "substituted_value_per_unit": d.substituted_value,
                "position": position,
            }
        )
    try:
        plan = split_into_claims(rows)
        numbers = claim_numbers_allocate(firm=client.firm, count=len(plan))
    except (SplitError, NumbersExhausted) as exc:
        raise BuildError(str(exc)) from exc
    # A manufacturing export's articles are held once, by its first designation; the others hold none of
    # them (1313(v) allows claims on several components of one exported article).
    export_held: dict[int, Decimal | None] = {}
    seen_exports: set[str] = set()
    for r in sorted(rows, key=lambda r: (r["provision"], r["position"])):
        d = by_position[r["position"]]
        if not d.lot:
            continue
        export_held[r["position"]] = (
            Decimal(0) if d.export_ref in seen_exports else exports[d.export_ref].remaining
        )
        seen_exports.add(d.export_ref)
    holding: dict = defaultdict(lambda: [Decimal(0), "", Decimal(0)])
    for r in rows:
        d = by_position[r["position"]]
        pair = holding[(r["line_id"], r["export_id"])]
        pair[0] += d.quantity
        pair[1] = r["method"]
        held = export_held.get(r["position"])
        pair[2] += d.quantity if held is None else held
    lines = {line.key: line for line in inputs.engine.lines}
    waiver = client.privilege(Privilege.Kind.WAIVER_PRIOR_NOTICE, on=filing_date) is not None
    try:
        with transaction.atomic():
            reserve({k: (q, m, e) for k, (q, m, e) in holding.items()})
            tell(RESERVED)
            claims = []
            for done, ((provision, claim_rows), number) in enumerate(zip(plan, numbers, strict=True)):
                claim = claim_create(
                    client=client,
                    number=number,
                    provision=provision,
                    preparer=user,
                    drawback_port=default_port(client),
                    waiver_prior_notice=waiver and provision not in ("51", "52"),
                    notes=f"Built by the drawback type choice for filing on {filing_date}.",
                )
                insert_rows(
                    Designation,
                    (
                        _designation(
                            claim, r, by_position[r["position"]], lines, export_held.get(r["position"])
                        )
                        for r in claim_rows
                    ),
                )
                claim_totals_recompute(claim=claim)
                claims.append(claim)
                tell(RESERVED + (1 - RESERVED) * (done + 1) / len(plan))
    except LedgerError as exc:
        raise BuildError(f"Nothing was saved: {exc}. Choose again on the data as it is now.") from exc
    except ClaimError as exc:
        raise BuildError(f"Nothing was saved: {exc}") from exc
    return claims


def _six(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _designation(claim: Claim, row: dict, d: TypeDesignation, lines, export_quantity) -> Designation:
    line = lines[d.line]
    with localcontext(EXACT):
        entered = line.entered_value / line.quantity if line.quantity else None
    manufacture = {}
    if d.lot:
        manufacture = {"lot": d.lot, "component": d.component, "basis": d.basis, "ruling": d.ruling}
        if d.allowable is not None:
            # Exact; the CATAIR 42-record's Allowable QTY of a 1313(b) claim (claims.catair.writer).
            manufacture["allowable"] = f"{d.allowable:f}"
    return Designation(
        claim=claim,
        import_line_id=row["line_id"],
        export_id=row["export_id"],
        provision=claim.provision,
        method=row["method"],
        quantity=d.quantity,
        export_quantity=export_quantity,
        refund=_six(d.refund),
        amounts={
            k: {"claim": f"{v:f}", "calculated": f"{d.calculated.get(k, v):f}"}
            for k, v in sorted(d.amounts.items())
        },
        entered_value_per_unit=_six(entered) if entered is not None else None,
        substituted_value_per_unit=_six(d.substituted_value) if d.substituted_value is not None else None,
        explanation=[
            {
                "citation": rules.CIT_C2,
                "text": f"{d.kind.value}: another import designated for a retail return",
            }
            if d.designated_import
            else {"citation": "", "text": f"{d.kind.value}: chosen by the drawback type choice"}
        ],
        manufacture=manufacture,
    )


# --- the choice and its save as jobs on a worker ------------------------------------------------------------

# Up to this many exports each alternative is the whole claim re-optimised (one more mixed-integer solve per
# export and type); past it, the same claim with only that export changed (a warm LP re-solve each).
ALTERNATIVES_UP_TO = 30
TYPE_JOBS = (Job.Kind.TYPE_CHOICE, Job.Kind.TYPE_SAVE)


def alternative_basis_for(exports: int) -> AlternativeBasis:
    """How each export's alternative is worked out for a client of this many exports."""
    if exports <= ALTERNATIVES_UP_TO:
        return AlternativeBasis.WHOLE_CLAIM
    return AlternativeBasis.THIS_EXPORT


def _lost_after() -> dt.timedelta:
    """A job not ended this long after it was asked for lost its worker (killed past the hard time limit, a
    machine gone): whatever it wrote was rolled back, and another may start."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def _refuse_if_busy(client: Client) -> None:
    """One type choice or save at a time per client; the caller holds the client's row locked."""
    running = (
        Job.objects.filter(
            client=client, kind__in=TYPE_JOBS, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)
        )
        .select_related("requested_by")
        .order_by("-created_at", "-id")
    )
    for job in running:
        if job.created_at < timezone.now() - _lost_after():
            message = "The work lost its worker before it ended; nothing was saved."
            Job.objects.filter(pk=job.pk, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).update(
                status=Job.Status.FAILED, progress=100, message=message, finished_at=timezone.now()
            )
            TypeChoiceRun.objects.filter(
                pk=job.type_choice_id, status__in=(TypeChoiceRun.Status.QUEUED, TypeChoiceRun.Status.RUNNING)
            ).update(status=TypeChoiceRun.Status.FAILED, message=message, finished_at=timezone.now())
            continue
        raise BuildError(
            f"{job.get_kind_display().lower()} for {client.legal_name} is already under way (asked for by "
            f"{job.requested_by.get_username()} at {timezone.localtime(job.created_at):%H:%M:%S}, "
            f"{job.progress}% done); wait for it to finish"
        )


def type_choice_start(*, client: Client, user: User, filing_date: dt.date) -> Job:
    """Ask a worker to choose the drawback type of every export of the client for a filing date
    (`type_choice_run`); the page and the API follow the job, then show the stored result."""
    from claims.tasks import type_choice_task

    require_firm_staff(client, user)
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()  # two requests start one job
        _refuse_if_busy(client)
        run = TypeChoiceRun.objects.create(client=client, filing_date=filing_date, requested_by=user)
        job = job_create(kind=Job.Kind.TYPE_CHOICE, requested_by=user, client=client)
        Job.objects.filter(pk=job.pk).update(type_choice=run)
        job.type_choice = run
        transaction.on_commit(lambda: type_choice_task.delay(run_id=run.pk, job_id=job.pk))
    return job


def type_choice_run(*, run_id: int, job_id: int | None) -> None:
    """The worker's side of type_choice_start: read the client's data, choose, store the result with the
    fingerprint of the data it was computed from."""
    from celery.exceptions import SoftTimeLimitExceeded

    with job_run(job_id) as job:
        run = TypeChoiceRun.objects.select_related("client__firm").get(pk=run_id)
        TypeChoiceRun.objects.filter(pk=run_id).update(status=TypeChoiceRun.Status.RUNNING)
        try:
            mark = data_mark(run.client)  # before reading: a change while it reads shows as stale
            inputs = type_inputs(run.client, run.filing_date)
            basis = alternative_basis_for(len(inputs.engine.exports))
            result = choose_types(**inputs.kwargs(), basis=basis, progress=job.report)
        except Exception as exc:
            stopped = isinstance(exc, SoftTimeLimitExceeded)
            message = (
                "The choice ran past its time limit and was stopped; the command designate_types has none."
                if stopped
                else f"Failed: {exc}"
            )
            TypeChoiceRun.objects.filter(pk=run_id).update(
                status=TypeChoiceRun.Status.FAILED, message=message, finished_at=timezone.now()
            )
            if stopped:
                job.fail(message)
                return
            raise
        TypeChoiceRun.objects.filter(pk=run_id).update(
            status=TypeChoiceRun.Status.DONE,
            digest=inputs_digest(inputs),
            data_mark=mark,
            refund=result.refund,
            result=result_json(result),
            finished_at=timezone.now(),
        )
        job.message = (
            f"Chose the drawback type of {len(result.choices)} export(s) for filing on {run.filing_date}: "
            f"the claims would refund {format_usd(result.refund)}."
        )


def type_choice_save_start(*, run: TypeChoiceRun, user: User) -> Job:
    """Ask a worker to save a computed type choice as draft claims (`type_choice_save_run`). Refused
    (BuildError) when it is not computed, already saved, or another type job of the client is under way."""
    from claims.tasks import type_choice_save_task

    require_firm_staff(run.client, user)
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=run.client_id).first()
        _refuse_if_busy(run.client)
        run.refresh_from_db(fields=["status"])
        if run.status == TypeChoiceRun.Status.SAVED:
            raise BuildError("this type choice has already been saved as claims")
        if run.status != TypeChoiceRun.Status.DONE:
            raise BuildError("this type choice has not been computed; choose the types first")
        job = job_create(kind=Job.Kind.TYPE_SAVE, requested_by=user, client=run.client)
        Job.objects.filter(pk=job.pk).update(type_choice=run)
        job.type_choice = run
        transaction.on_commit(
            lambda: type_choice_save_task.delay(run_id=run.pk, user_id=user.pk, job_id=job.pk)
        )
    return job


def type_choice_save_stored(
    *, run: TypeChoiceRun, user: User, progress: Callable[[float], None] | None = None
) -> list[Claim]:
    """Save exactly the stored choice as draft claims, if the client's data is still what it was computed
    from (else refused: the choice would no longer be the best, or no longer possible)."""
    tell = progress or (lambda fraction: None)
    with transaction.atomic():
        run = TypeChoiceRun.objects.select_for_update().select_related("client__firm").get(pk=run.pk)
        if run.status == TypeChoiceRun.Status.SAVED:
            raise BuildError("this type choice has already been saved as claims")
        inputs = type_inputs(run.client, run.filing_date)
        if inputs_digest(inputs) != run.digest:
            raise BuildError(
                "nothing was saved: the client's data changed since the types were chosen (quantities "
                "taken by another claim, or records loaded); choose the types again"
            )
        tell(0.1)
        claims = designations_save(
            client=run.client,
            user=user,
            filing_date=run.filing_date,
            inputs=inputs,
            designations=stored_designations(run),
            progress=lambda fraction: tell(0.1 + 0.9 * fraction),
        )
        TypeChoiceRun.objects.filter(pk=run.pk).update(status=TypeChoiceRun.Status.SAVED)
        run.claims.set(claims)
    return claims


def type_choice_save_run(*, run_id: int, user_id: int, job_id: int | None) -> list[int]:
    """The worker's side of type_choice_save_start: save the stored choice, with the job's progress and
    outcome (refused, saving nothing, if the data changed since)."""

    def save(progress: Callable[[float], None]) -> list[Claim]:
        run = TypeChoiceRun.objects.get(pk=run_id)
        return type_choice_save_stored(run=run, user=User.objects.get(pk=user_id), progress=progress)

    return save_on_worker(job_id, save)

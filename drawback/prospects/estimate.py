"""The automatic estimate: the real pipeline run on a prospect's own files, in a workspace of their own.

The workspace is a Client of the firm flagged `is_workspace` (hidden from every client list, page and API
by the tenant boundary until the prospect is converted), so ingestion, risk findings and the optimizer run
exactly as they do for a client, and never on anyone else's rows.

A run (`estimate_run`, a Celery task's body) goes:
1. each data file (CSV/XLSX) is recognised by its header row (ES-003, canonical imports.csv, fees, AES,
   canonical exports.csv) and loaded into the workspace through the ordinary upload service, imports first,
   with partial loading (the valid rows are kept, each rejected row keeps its reasons);
2. the risk rules assess the workspace (claims.risk);
3. the optimizer designates the import lines against the exports not yet claimed, as if a claim were filed
   tomorrow (the earliest a claim prepared today reaches CBP), the way money at risk does;
4. the result is kept as JSON: the refund (each accounting class rounded once, as on a claim), the refund by
   year of importation (the 5-year limit runs from each import date), the lines that bring a refund and
   expire soonest, the findings, and what became of each file.

Safe to run twice: only the caller whose conditional UPDATE moves the estimate out of QUEUED runs it; a file
already loaded is not loaded again (and loading the same rows again would create no duplicates anyway).
"""

import datetime as dt
import logging
import uuid
from collections import Counter, defaultdict
from decimal import Decimal, localcontext
from pathlib import PurePath

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from claims.building.inputs import inputs_from
from claims.engine.amounts import EXACT
from claims.engine.model import ZERO, Method, Settings
from claims.engine.optimizer import solve_problem
from claims.engine.problem import prepare
from claims.risk import RULES
from claims.risk.services import assess_client
from drawback.accounts.models import Client, User
from drawback.lib.dates import ExportWindow, last_claim_day, last_export_day
from drawback.lib.money import to_cents
from exports.models import Export
from imports.ingest.core import detect_kinds
from imports.models import Upload
from imports.services import upload_create, upload_process, uploaded_headers

from .models import Assessment, AssessmentFile, Estimate, LeadEvent

log = logging.getLogger(__name__)
S = Estimate.Status

DATA_EXTENSIONS = {".csv", ".txt", ".xlsx"}
# Imports before exports: an export naming its import line (direct identification) finds it loaded.
LOAD_ORDER = ["es003", "imports", "fees", "aes", "exports"]
PREFERRED = {
    AssessmentFile.Kind.ACE_REPORT: ("es003", "imports", "fees"),
    AssessmentFile.Kind.EXPORT_DATA: ("aes", "exports"),
}
EXPIRING_SHOWN = 10
LOADED = (Upload.Status.LOADED, Upload.Status.LOADED_WITH_REJECTS)


def data_files(assessment: Assessment) -> list[AssessmentFile]:
    """Files that could hold data the ingestion reads (by their extension)."""
    return [
        f
        for f in assessment.files.all()
        if f.file and PurePath(f.original_name).suffix.lower() in DATA_EXTENSIONS
    ]


def estimate_start(*, assessment: Assessment, by: User | None = None) -> Estimate | None:
    """Queue an estimate once the transaction commits, when the assessment has data files; None otherwise.
    A new estimate is shown to the prospect only after staff release it again."""
    if not data_files(assessment):
        return None
    from .tasks import estimate_run as task

    with transaction.atomic():
        estimate = Estimate.objects.create(
            assessment=assessment, requested_by=by, stage="Waiting for a worker"
        )
        Assessment.objects.filter(pk=assessment.pk).update(released_at=None, released_by=None)
        if assessment.lead_id:
            LeadEvent.objects.create(
                lead_id=assessment.lead_id, action=LeadEvent.Action.ESTIMATE, text="Started", actor=by
            )
        transaction.on_commit(lambda: task.delay(estimate.pk))
    return estimate


def workspace_for(assessment: Assessment) -> Client:
    """The prospect's workspace, created on first use with the company's own numbers."""
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("workspace")
            .get(pk=assessment.pk)
        )
        if locked.workspace_id:
            return locked.workspace
        company = locked.answers.get("company", {})
        workspace = Client.objects.create(
            firm_id=locked.firm_id,
            code=f"prospect-{uuid.uuid4().hex[:11]}",
            legal_name=company.get("legal_name") or "Prospect",
            importer_number=company.get("importer_number", ""),
            exporter_number=company.get("exporter_number", ""),
            address=company.get("address", ""),
            is_active=False,
            is_workspace=True,
        )
        locked.workspace = workspace
        locked.save(update_fields=["workspace"])
    assessment.workspace = workspace
    return workspace


def _progress(estimate_id: int, percent: int, stage: str) -> None:
    Estimate.objects.filter(pk=estimate_id).update(
        progress=max(1, min(percent, 99)), stage=stage, heartbeat_at=timezone.now()
    )


def estimate_run(*, estimate_id: int, today: dt.date | None = None) -> None:
    """Run one estimate (see the module's docstring). A failure marks it FAILED with the reason."""
    claimed = Estimate.objects.filter(pk=estimate_id, status=S.QUEUED).update(
        status=S.RUNNING, progress=1, stage="Starting", heartbeat_at=timezone.now()
    )
    if not claimed:
        return
    estimate = Estimate.objects.select_related("assessment__firm").get(pk=estimate_id)
    try:
        result = _run(estimate, today or timezone.localdate())
    except Exception as exc:
        log.exception("estimate %s failed", estimate_id)
        Estimate.objects.filter(pk=estimate_id).update(
            status=S.FAILED,
            progress=100,
            stage="",
            message=f"The estimate failed: {exc}",
            finished_at=timezone.now(),
        )
        _lead_event(estimate, f"Failed: {exc}")
        return
    Estimate.objects.filter(pk=estimate_id).update(
        status=S.DONE,
        progress=100,
        stage="",
        refund=Decimal(result["refund"]),
        result=result,
        finished_at=timezone.now(),
    )
    _lead_event(estimate, f"Done: preliminary refund ${Decimal(result['refund']):,.2f}")


def _lead_event(estimate: Estimate, text: str) -> None:
    lead_id = Assessment.objects.filter(pk=estimate.assessment_id).values_list("lead_id", flat=True).first()
    if lead_id:
        LeadEvent.objects.create(lead_id=lead_id, action=LeadEvent.Action.ESTIMATE, text=text)


def _detect(stored: AssessmentFile) -> str | None:
    with stored.file.open("rb") as handle:
        headers = uploaded_headers(file=File(handle, name=stored.original_name))
    kinds = [k for k in detect_kinds(headers) if k != Upload.Kind.HTS]
    for kind in PREFERRED.get(stored.kind, ()):
        if kind in kinds:
            return kind
    return kinds[0] if kinds else None


def _load(estimate: Estimate, workspace: Client) -> None:
    files = data_files(estimate.assessment)
    plan = []
    for stored in files:
        if stored.upload_id and stored.upload.status in LOADED:
            continue  # in the workspace already
        kind = _detect(stored)
        if kind is None:
            AssessmentFile.objects.filter(pk=stored.pk).update(
                not_data="Its columns match none of the layouts we read (ACE ES-003, our imports.csv or "
                "exports.csv, an AES/EEI listing), so it was kept as a document and not read as data."
            )
            continue
        plan.append((LOAD_ORDER.index(kind), stored.pk, kind, stored))
    plan.sort(key=lambda p: p[:2])
    for n, (_, _, kind, stored) in enumerate(plan):
        _progress(estimate.pk, 5 + 55 * n // max(len(plan), 1), f"Reading {stored.original_name}")
        with stored.file.open("rb") as handle:
            upload = upload_create(
                client=workspace,
                kind=kind,
                file=File(handle, name=stored.original_name),
                user=None,
                allow_partial=True,
                queue=False,
            )
        upload_process(upload_id=upload.pk)
        AssessmentFile.objects.filter(pk=stored.pk).update(upload=upload, not_data="")


def _run(estimate: Estimate, today: dt.date) -> dict:
    assessment = estimate.assessment
    workspace = workspace_for(assessment)
    _load(estimate, workspace)
    _progress(estimate.pk, 65, "Checking the data (risk findings)")
    findings = assess_client(client=workspace, today=today)
    _progress(estimate.pk, 80, "Designating import lines against exports (optimizer)")
    refund = _optimize(workspace, today)
    titles = {code: title for code, title, _ in RULES}
    return {
        **refund,
        "today": today.isoformat(),
        "findings": {
            "errors": findings.errors,
            "warnings": findings.warnings,
            "info": findings.info,
            "by_rule": [
                {"rule": rule, "title": titles.get(rule, rule), "count": count}
                for rule, count in sorted(findings.by_rule.items(), key=lambda kv: -kv[1])
            ],
        },
        "files": _file_summaries(assessment),
    }


def _optimize(workspace: Client, today: dt.date) -> dict:
    window = ExportWindow(workspace.firm.export_window)
    filing_date = today + dt.timedelta(days=1)
    settings = Settings(filing_date=filing_date, export_window=window)
    exports = Export.objects.filter(client=workspace, quantity_available__gt=0, export_date__lte=today)
    inputs = inputs_from(client=workspace, exports=exports, settings=settings)
    empty = {
        "filing_date": filing_date.isoformat(),
        "refund": "0.00",
        "classes": {},
        "lines": workspace.import_lines.count(),
        "exports": workspace.exports.count(),
        "designations": 0,
        "by_year": [],
        "expiring": [],
        "left_out": [],
    }
    if not inputs.lines or not inputs.exports:
        return empty
    problem = prepare(
        lines=inputs.lines,
        exports=inputs.exports,
        tariff=inputs.tariff,
        chapter99=inputs.chapter99,
        settings=settings,
    )
    # One process: a Celery prefork worker may not start children, and a prospect's files are small.
    result = solve_problem(problem, Method.OPTIMAL, workers=1)
    per_line: dict = defaultdict(lambda: ZERO)
    with localcontext(EXACT):
        for d in result.designations:
            per_line[d.line] += d.refund
    by_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    first_import: dict[int, dt.date] = {}
    lines = []
    with localcontext(EXACT):
        for key, amount in per_line.items():
            line = inputs.line_of(key)
            year = line.import_date.year
            by_year[year] += amount
            first_import[year] = min(first_import.get(year, line.import_date), line.import_date)
            lines.append((line, amount))
    expiring = sorted(
        (
            (line, amount)
            for line, amount in lines
            if amount > 0 and last_claim_day(line.import_date) >= today
        ),
        key=lambda pair: (pair[0].import_date, -pair[1], pair[0].entry_number, pair[0].line_number),
    )[:EXPIRING_SHOWN]
    reasons = Counter(e.reason.split(":")[0] for e in result.exclusions)
    return {
        **empty,
        "refund": f"{result.refund:f}",
        "classes": {k: f"{v:f}" for k, v in result.rounded.items()},
        "designations": len(result.designations),
        "by_year": [
            {
                "year": year,
                "refund": f"{to_cents(amount):f}",
                # The year's first line to run out: after this day the year's refund starts to shrink.
                "first_closes": last_claim_day(first_import[year]).isoformat(),
            }
            for year, amount in sorted(by_year.items())
        ],
        "expiring": [
            {
                "line": str(line.key),
                "import_date": line.import_date.isoformat(),
                "hts": line.hts,
                "description": line.description,
                "last_export_day": last_export_day(line.import_date, window).isoformat(),
                "last_claim_day": last_claim_day(line.import_date).isoformat(),
                "days_left": (last_claim_day(line.import_date) - today).days,
                "refund": f"{to_cents(amount):f}",
            }
            for line, amount in expiring
        ],
        "left_out": [{"reason": reason, "count": count} for reason, count in reasons.most_common(5)],
    }


def _file_summaries(assessment: Assessment) -> list[dict]:
    out = []
    for stored in assessment.files.select_related("upload"):
        upload = stored.upload
        out.append(
            {
                "name": stored.original_name,
                "kind": stored.get_kind_display(),
                "read_as": upload.get_kind_display() if upload else "",
                "status": upload.get_status_display() if upload else "",
                "rows": upload.rows_read if upload else 0,
                "loaded": (upload.created + upload.updated + upload.unchanged) if upload else 0,
                "rejected_rows": upload.error_count if upload else 0,
                "not_data": stored.not_data,
            }
        )
    return out

"""Writes for claims: risk assessment of a client's data and acknowledgement of findings."""

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from claims.models import Finding
from drawback.accounts.models import Client, User
from drawback.accounts.tenancy import clients_for

from . import RULES, FindingDraft, RiskContext, Tolerance
from .base import chunks

ACTIVE = (Finding.Status.OPEN, Finding.Status.ACKNOWLEDGED)
# An acknowledged warning whose amount moves by more than this is reopened (same test as the duty
# tolerance: max($1, 1%)).
MATERIAL_AMOUNT = Tolerance()


@dataclass
class AssessmentSummary:
    client: str
    created: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    unchanged: int = 0
    errors: int = 0
    warnings: int = 0
    info: int = 0
    acknowledged: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    rule_seconds: dict[str, float] = field(default_factory=dict)
    skipped_rules: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def assess_client(
    *,
    client: Client,
    today: dt.date | None = None,
    tolerance: Tolerance | None = None,
    progress: Callable[[float], None] | None = None,
) -> AssessmentSummary:
    """Run every risk rule over the client's data and store the result as findings.

    Findings are keyed by fingerprint (rule + subject): a finding still produced is updated in place, a
    new one is created, one no longer produced is marked resolved, and one that comes back is reopened.
    An acknowledged warning stays acknowledged while it still applies; if it becomes an error, or its
    basis or amount changes materially, it is reopened (the earlier comment is kept for context).
    Safe to run twice: the second run changes nothing but `last_seen_at`. Two runs for the same client
    do not interleave their writes (the client row is locked while findings are written). `progress`
    hears the share of the rules run (0..1).
    """
    started = time.monotonic()
    ctx = RiskContext(client=client, today=today or timezone.localdate(), tolerance=tolerance)
    drafts: dict[str, FindingDraft] = {}
    summary = AssessmentSummary(client=client.code)
    for done, (code, _title, rule) in enumerate(RULES, start=1):
        rule_started = time.monotonic()
        for draft in rule(client, ctx):
            drafts[draft.fingerprint] = draft
        summary.rule_seconds[code] = round(time.monotonic() - rule_started, 3)
        if progress is not None:
            progress(0.9 * done / len(RULES))
    write_started = time.monotonic()
    summary.by_rule = dict(sorted(Counter(d.rule for d in drafts.values()).items()))
    summary.skipped_rules = sorted(ctx.skipped)
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).values_list("pk").first()
        _findings_apply(client=client, drafts=drafts, skipped=ctx.skipped, summary=summary)
    summary.rule_seconds["write"] = round(time.monotonic() - write_started, 3)
    counts = {
        (row["status"], row["severity"]): row["n"]
        for row in Finding.objects.filter(client=client, status__in=ACTIVE)
        .values("status", "severity")
        .annotate(n=Count("id"))
        .order_by()
    }
    summary.errors = counts.get((Finding.Status.OPEN, Finding.Severity.ERROR), 0)
    summary.warnings = counts.get((Finding.Status.OPEN, Finding.Severity.WARNING), 0)
    summary.info = counts.get((Finding.Status.OPEN, Finding.Severity.INFO), 0)
    summary.acknowledged = sum(
        n for (status, _), n in counts.items() if status == Finding.Status.ACKNOWLEDGED
    )
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _material_change(old: Decimal | None, new: Decimal | None) -> bool:
    if old is None or new is None:
        return (old is None) != (new is None)
    return not MATERIAL_AMOUNT.allows(expected=old, recorded=new)


_FIELDS = ("severity", "message", "basis", "amount_at_stake", "entry_id", "line_id", "export_id")


def _draft_values(draft: FindingDraft) -> dict:
    return {
        "rule": draft.rule,
        "severity": draft.severity,
        "message": draft.message,
        "basis": draft.basis[:300],
        "amount_at_stake": draft.amount,
        "entry_id": draft.entry_id,
        "line_id": draft.line_id,
        "export_id": draft.export_id,
    }


def _findings_apply(
    *, client: Client, drafts: dict[str, FindingDraft], skipped: set[str], summary: AssessmentSummary
) -> None:
    now = timezone.now()
    to_create: list[FindingDraft] = []
    to_update: list[Finding] = []
    to_reopen: list[Finding] = []
    to_resolve: list[int] = []
    seen: set[str] = set()
    existing = Finding.objects.filter(client=client).values_list(
        "id", "fingerprint", "rule", "status", *_FIELDS
    )
    for row in existing.iterator(chunk_size=5000):
        finding_id, fingerprint, rule, status = row[:4]
        old = dict(zip(_FIELDS, row[4:], strict=True))
        draft = drafts.get(fingerprint)
        if draft is None:
            if status != Finding.Status.RESOLVED and rule not in skipped:
                to_resolve.append(finding_id)
            continue
        seen.add(fingerprint)
        new = _draft_values(draft)
        changed = any(old[f] != new[f] for f in _FIELDS)
        new_status = status
        if status == Finding.Status.RESOLVED:
            new_status = Finding.Status.OPEN
        elif status == Finding.Status.ACKNOWLEDGED and (
            draft.severity != Finding.Severity.WARNING
            or old["basis"] != new["basis"]
            or _material_change(old["amount_at_stake"], draft.amount)
        ):
            new_status = Finding.Status.OPEN
        if new_status != status:
            summary.reopened += 1
            # The acknowledgement no longer covers it; its comment stays as the earlier reasoning.
            values = {**new, "status": new_status, "resolved_at": None}
            values.update(acknowledged_by=None, acknowledged_at=None)
            to_reopen.append(Finding(id=finding_id, client=client, fingerprint=fingerprint, **values))
        elif changed:
            summary.updated += 1
            to_update.append(
                Finding(id=finding_id, client=client, fingerprint=fingerprint, status=status, **new)
            )
        else:
            summary.unchanged += 1
    for fingerprint, draft in drafts.items():
        if fingerprint not in seen:
            to_create.append(draft)
    summary.created = len(to_create)
    summary.resolved = len(to_resolve)

    _findings_create(client=client, drafts=to_create, now=now)
    if to_update:
        Finding.objects.bulk_update(to_update, [*_FIELDS], batch_size=2000)
    if to_reopen:
        Finding.objects.bulk_update(
            to_reopen,
            [*_FIELDS, "status", "resolved_at", "acknowledged_by", "acknowledged_at"],
            batch_size=2000,
        )
    for batch in chunks(to_resolve):
        Finding.objects.filter(id__in=batch).update(
            status=Finding.Status.RESOLVED, resolved_at=now, last_seen_at=now
        )
    # Everything produced this time was seen now; one statement instead of a write per finding (the
    # ones just created already carry `now`).
    Finding.objects.filter(client=client, status__in=ACTIVE, last_seen_at__lt=now).exclude(
        rule__in=skipped
    ).update(last_seen_at=now)


def _findings_create(*, client: Client, drafts: list[FindingDraft], now) -> None:
    """Insert new findings. On PostgreSQL through COPY, straight from the drafts: a first assessment of
    a large client creates hundreds of thousands of findings, which bulk_create prepares far slower."""
    if connection.vendor != "postgresql":
        Finding.objects.bulk_create(
            [Finding(client=client, fingerprint=d.fingerprint, **_draft_values(d)) for d in drafts],
            batch_size=2000,
        )
        return
    if not drafts:
        return
    fixed = {"client_id": client.pk, "status": Finding.Status.OPEN, "comment": "", "first_seen_at": now}
    fixed["last_seen_at"] = now
    names = [*fixed, "fingerprint", *_draft_values(drafts[0])]
    columns = ", ".join(connection.ops.quote_name(Finding._meta.get_field(n).column) for n in names)
    table = connection.ops.quote_name(Finding._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for draft in drafts:
                copy.write_row([*fixed.values(), draft.fingerprint, *_draft_values(draft).values()])


def finding_acknowledge(*, finding: Finding, user: User, comment: str) -> Finding:
    """Record that an analyst has looked at a warning and accepts it, with the reason.

    Only open warnings can be acknowledged: errors are resolved by fixing the data, information needs
    no action. Firm staff only. Raises PermissionDenied or ValidationError; writes nothing then.
    """
    comment = (comment or "").strip()
    if not user.is_authenticated or not user.is_firm_staff:
        raise PermissionDenied("Only firm staff acknowledge findings.")
    if not clients_for(user).filter(pk=finding.client_id).exists():
        raise PermissionDenied("This finding belongs to another firm's client.")
    if not comment:
        raise ValidationError({"comment": "Say why the warning is acceptable."})
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.severity == Finding.Severity.ERROR:
            raise ValidationError("An error cannot be acknowledged: it is resolved by fixing the data.")
        if locked.severity != Finding.Severity.WARNING:
            raise ValidationError("Only warnings are acknowledged; information needs no action.")
        if locked.status != Finding.Status.OPEN:
            raise ValidationError(f"This warning is {locked.get_status_display().lower()}, not open.")
        locked.status = Finding.Status.ACKNOWLEDGED
        locked.acknowledged_by = user
        locked.acknowledged_at = timezone.now()
        locked.comment = comment
        locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "comment"])
    for attr in ("status", "acknowledged_by", "acknowledged_at", "comment"):
        setattr(finding, attr, getattr(locked, attr))
    return finding


def assessment_request(*, client_id: int, job_id: int | None = None) -> None:
    """Queue a re-assessment of the client once the current transaction commits.

    For ingestion: call it inside the transaction that stores an upload's rows, so the assessment never
    reads data that is later rolled back. Outside a transaction the task is queued at once. `job_id`: the
    job of the page that asked for it (claims.jobs).
    """
    from claims.tasks import assess_client_task

    transaction.on_commit(lambda: assess_client_task.delay(client_id, job_id))

"""Reads for claims and findings."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When

from claims.models import Finding
from drawback.accounts.models import Client
from drawback.lib.entry_numbers import display as entry_display

from . import RULE_TITLES

ACTIVE = (Finding.Status.OPEN, Finding.Status.ACKNOWLEDGED)
SEVERITY_ORDER = (Finding.Severity.ERROR, Finding.Severity.WARNING, Finding.Severity.INFO)
STATUS_ORDER = (Finding.Status.OPEN, Finding.Status.ACKNOWLEDGED, Finding.Status.RESOLVED)


def finding_list(
    *,
    client: Client,
    severity: str = "",
    rule: str = "",
    status: str = "",
    active_only: bool = False,
    hide_acknowledged: bool = False,
) -> QuerySet[Finding]:
    """A client's findings, errors first, then the largest amounts; filters are optional.
    `hide_acknowledged` (client users): a warning an analyst acknowledged is the firm's business."""
    qs = Finding.objects.filter(client=client)
    if hide_acknowledged:
        qs = qs.exclude(status=Finding.Status.ACKNOWLEDGED)
    if severity:
        qs = qs.filter(severity=severity)
    if rule:
        qs = qs.filter(rule=rule)
    if status:
        qs = qs.filter(status=status)
    elif active_only:
        qs = qs.filter(status__in=ACTIVE)
    return (
        qs.select_related("acknowledged_by")
        .annotate(status_rank=_rank("status", STATUS_ORDER), severity_rank=_rank("severity", SEVERITY_ORDER))
        .order_by("status_rank", "severity_rank", "rule", "-amount_at_stake", "fingerprint")
    )


def findings_of(*, client: Client, entry=None, export=None) -> QuerySet[Finding]:
    """The open and acknowledged findings about one entry (its own and its lines') or one export, errors
    first: what the entry or export page shows."""
    qs = Finding.objects.filter(client=client, status__in=ACTIVE)
    if entry is not None:
        qs = qs.filter(Q(entry=entry) | Q(line__entry=entry))
    if export is not None:
        qs = qs.filter(export=export)
    return (
        qs.select_related("line", "export", "acknowledged_by")
        .annotate(status_rank=_rank("status", STATUS_ORDER), severity_rank=_rank("severity", SEVERITY_ORDER))
        .order_by("severity_rank", "status_rank", "rule", "-amount_at_stake", "fingerprint")
    )


def _rank(field: str, order) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(i)) for i, value in enumerate(order)),
        default=Value(len(order)),
        output_field=IntegerField(),
    )


def risk_summary(*, client: Client, top: int = 10, hide_acknowledged: bool = False) -> dict:
    """Where a client's data stands: open and acknowledged findings by rule and severity, money at stake,
    the oldest open finding and the lines with most at stake.

    Money at stake is the sum of the amounts of open and acknowledged findings. One line can carry
    several findings on the same money (e.g. near its 5-year limit and lacking documents), so the total
    is an upper bound; "top lines" ranks each line by its largest single amount.
    """
    active = Finding.objects.filter(
        client=client, status__in=(Finding.Status.OPEN,) if hide_acknowledged else ACTIVE
    )
    by_rule = []
    totals = {s: {"open": 0, "acknowledged": 0, "amount": Decimal("0")} for s in SEVERITY_ORDER}
    rows = active.values("rule", "severity", "status").annotate(n=Count("id"), amount=Sum("amount_at_stake"))
    grouped: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["rule"], row["severity"])
        entry = grouped.setdefault(
            key,
            {
                "rule": row["rule"],
                "title": RULE_TITLES.get(row["rule"], row["rule"]),
                "severity": row["severity"],
                "open": 0,
                "acknowledged": 0,
                "amount": Decimal("0"),
            },
        )
        entry[row["status"]] += row["n"]
        entry["amount"] += row["amount"] or Decimal("0")
        totals[row["severity"]][row["status"]] += row["n"]
        totals[row["severity"]]["amount"] += row["amount"] or Decimal("0")
    by_rule = sorted(grouped.values(), key=lambda r: (SEVERITY_ORDER.index(r["severity"]), r["rule"]))

    oldest = (
        Finding.objects.filter(client=client, status=Finding.Status.OPEN)
        .order_by("first_seen_at", "id")
        .values("id", "rule", "severity", "message", "first_seen_at")
        .first()
    )
    top_rows = list(
        active.filter(line__isnull=False, amount_at_stake__isnull=False)
        .values("line_id", "line__entry__entry_number", "line__line_number", "line__hts")
        .annotate(amount=Max("amount_at_stake"), findings=Count("id"))
        .order_by("-amount", "line_id")[:top]
    )
    rules_by_line: dict[int, list[str]] = defaultdict(list)
    for line_id, rule in (
        active.filter(line_id__in=[r["line_id"] for r in top_rows])
        .values_list("line_id", "rule")
        .order_by("rule")
    ):
        if rule not in rules_by_line[line_id]:
            rules_by_line[line_id].append(rule)
    top_lines = [
        {
            "line_id": r["line_id"],
            "entry_number": entry_display(r["line__entry__entry_number"]),
            "line_number": r["line__line_number"],
            "hts": r["line__hts"],
            "amount": r["amount"],
            "findings": r["findings"],
            "rules": rules_by_line[r["line_id"]],
        }
        for r in top_rows
    ]
    seen = Finding.objects.filter(client=client).aggregate(last=Max("last_seen_at"))
    return {
        "client": client.code,
        "by_severity": totals,
        "by_rule": by_rule,
        "money_at_stake": sum((t["amount"] for t in totals.values()), Decimal("0")),
        "oldest_open": oldest,
        "top_lines": top_lines,
        "last_assessed_at": seen["last"],
    }

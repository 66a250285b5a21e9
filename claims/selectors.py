"""Reads for claims and findings."""

from collections import defaultdict

from django.db.models import Count, QuerySet

from .models import Finding


def finding_counts_by_client(*, clients: QuerySet) -> dict[int, dict[str, int]]:
    """{client id: {"error": n, "warning": n}} of open findings, in one query."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"error": 0, "warning": 0})
    rows = (
        Finding.objects.filter(client__in=clients, status=Finding.Status.OPEN)
        .values("client_id", "severity")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["client_id"]][row["severity"]] = row["n"]
    return counts

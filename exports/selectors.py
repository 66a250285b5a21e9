"""Reads for exports of a client, and per-client figures."""

from collections.abc import Mapping

from django.db.models import Count, QuerySet

from drawback.accounts.models import Client

from .filters import ExportFilter
from .models import Export


def export_base(*, client: Client) -> QuerySet[Export]:
    return Export.objects.filter(client=client).select_related("direct_line__entry")


def export_list(*, client: Client, params: Mapping) -> ExportFilter:
    """The filter set over a client's exports for these query parameters; `.qs` is filtered and sorted."""
    return ExportFilter(params, queryset=export_base(client=client))


def export_get(*, client: Client, pk: int) -> Export:
    """An export with its documents. Raises DoesNotExist."""
    return export_base(client=client).prefetch_related("documents").get(pk=pk)


def export_counts_by_client(*, client_ids: list[int]) -> dict[int, int]:
    rows = (
        Export.objects.filter(client_id__in=client_ids).values("client_id").annotate(n=Count("*")).order_by()
    )
    return {row["client_id"]: row["n"] for row in rows}

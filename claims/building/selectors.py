"""Reads for claim building pages and the API. Callers resolve the client through drawback.accounts.tenancy
first; every read here is of that one client."""

from collections import OrderedDict
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from claims.models import ClaimBuild, ProposedDesignation
from drawback.accounts.models import Client
from drawback.accounts.tenancy import scope
from drawback.lib.entry_numbers import display
from exports.models import Export
from imports.models import ImportLine

from .parameters import BuildParameters


def build_list(*, client: Client) -> QuerySet:
    """The client's builds, newest first, without their proposals (see build_refunds)."""
    return (
        ClaimBuild.objects.filter(client=client)
        .select_related("requested_by")
        .defer("result")
        .order_by("-created_at", "-id")
    )


def build_refunds(*, builds) -> dict[int, str]:
    """{build id: proposed refund} read out of the stored proposals, not the whole of them."""
    ids = [b.pk for b in builds]
    return dict(ClaimBuild.objects.filter(pk__in=ids).values_list("pk", "result__refund"))


def builds_for(user) -> QuerySet:
    """Builds of the clients the user may see (the API addresses builds by id alone)."""
    return scope(ClaimBuild.objects.select_related("client__firm", "requested_by"), user)


def exports_available_count(*, client: Client) -> int:
    return Export.objects.filter(client=client, quantity_available__gt=0).count()


def build_status(*, client: Client, pk: int) -> dict | None:
    return (
        ClaimBuild.objects.filter(client=client, pk=pk)
        .values("status", "progress", "groups_total", "groups_done", "message")
        .first()
    )


def proposal_rows(*, build: ClaimBuild) -> QuerySet:
    """The proposal's designation rows (as claims.building.proposal shapes them), in proposal order."""
    return ProposedDesignation.objects.filter(build=build).order_by("position").values_list("row", flat=True)


def proposal_page(*, build: ClaimBuild, page_number, per_page: int) -> tuple[Page, list[dict]]:
    """One page of the proposal's exports with their designations: only those rows are read."""
    exports = (
        ProposedDesignation.objects.filter(build=build)
        .order_by("export_date", "export_ref", "export_id")
        .values_list("export_date", "export_ref", "export_id")
        .distinct()
    )
    page = Paginator(exports, per_page).get_page(page_number)
    ids = [export_id for _, _, export_id in page.object_list]
    rows = list(proposal_rows(build=build).filter(export_id__in=ids))
    return page, designations_by_export(rows)


def designations_by_export(rows: list[dict]) -> list[dict]:
    """Proposal rows grouped by export, in the proposal's order (export date, reference)."""
    groups: OrderedDict[int, dict] = OrderedDict()
    for row in rows:
        group = groups.get(row["export_id"])
        if group is None:
            group = groups[row["export_id"]] = {
                "export_id": row["export_id"],
                "export_ref": row["export_ref"],
                "export_date": row["export_date"],
                "destination": row["destination"],
                "disposition": row["disposition"],
                "provision": row["provision"],
                "rows": [],
                "quantity": Decimal(0),
                "refund": Decimal(0),
            }
        group["rows"].append(row)
        group["quantity"] += Decimal(row["quantity"])
        group["refund"] += Decimal(row["refund"])
    return list(groups.values())


def excluded_labels(*, build: ClaimBuild) -> list[dict]:
    """The analyst's exclusions of a build, named as a reviewer reads them."""
    params = BuildParameters.from_json(build.parameters)
    out = []
    lines = ImportLine.objects.filter(client=build.client, pk__in=params.exclusions.lines).values_list(
        "pk", "entry__entry_number", "line_number"
    )
    for pk, entry, number in lines:
        out.append({"kind": "line", "id": pk, "label": f"{display(entry)} line {number}"})
    exports = Export.objects.filter(client=build.client, pk__in=params.exclusions.exports).values_list(
        "pk", "export_ref"
    )
    for pk, ref in exports:
        out.append({"kind": "export", "id": pk, "label": f"export {ref}"})
    return out


def pin_labels(*, build: ClaimBuild) -> list[dict]:
    params = BuildParameters.from_json(build.parameters)
    if not params.pins:
        return []
    lines = dict(
        (pk, f"{display(entry)} line {number}")
        for pk, entry, number in ImportLine.objects.filter(
            client=build.client, pk__in=[p.line_id for p in params.pins]
        ).values_list("pk", "entry__entry_number", "line_number")
    )
    exports = dict(
        Export.objects.filter(client=build.client, pk__in=[p.export_id for p in params.pins]).values_list(
            "pk", "export_ref"
        )
    )
    return [
        {
            "line": p.line_id,
            "export": p.export_id,
            "quantity": p.quantity,
            "label": f"{lines.get(p.line_id, '?')} against export {exports.get(p.export_id, '?')}",
        }
        for p in params.pins
    ]

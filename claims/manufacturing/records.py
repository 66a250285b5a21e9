"""Pages over a client's manufacturing records as loaded from their files: bills of materials, production
lots and rejected-merchandise returns. Read-only; the records change only through uploads.

Who sees them: like the client's import lines and exports, firm staff of the client's firm and the client's
own users (their own records, never another client's: 404 through the tenant boundary)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from drawback.accounts.tenancy import client_for_code
from imports.views.common import page_of

from . import selectors
from .models import BillOfMaterials, ProductionLot

TAB = "uploads"  # the records come from the client's files


@login_required
def bom_list(request: HttpRequest, code: str) -> HttpResponse:
    client = client_for_code(request.user, code)
    filterset = selectors.bom_list(client=client, params=request.GET)
    return render(
        request,
        "claims/manufacturing/bom_list.html",
        {"client": client, "tab": TAB, "filter": filterset, "page": page_of(request, filterset.qs)},
    )


@login_required
def bom_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    client = client_for_code(request.user, code)
    try:
        bom = selectors.bom_get(client=client, pk=pk)
    except BillOfMaterials.DoesNotExist as exc:
        raise Http404 from exc
    items = list(bom.items.all())
    return render(
        request,
        "claims/manufacturing/bom_detail.html",
        {
            "client": client,
            "tab": TAB,
            "bom": bom,
            # Each waste row with its value per article, the value deducted from its component's.
            "waste": [(i, i.quantity * i.unit_value) for i in items if i.kind == i.Kind.WASTE],
            "allocation": selectors.bom_allocation(bom),
            "lots": bom.lots.order_by("finished_on", "id"),
        },
    )


@login_required
def lot_list(request: HttpRequest, code: str) -> HttpResponse:
    client = client_for_code(request.user, code)
    filterset = selectors.lot_list(client=client, params=request.GET)
    return render(
        request,
        "claims/manufacturing/lot_list.html",
        {"client": client, "tab": TAB, "filter": filterset, "page": page_of(request, filterset.qs)},
    )


@login_required
def lot_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    client = client_for_code(request.user, code)
    try:
        lot = selectors.lot_get(client=client, pk=pk)
    except ProductionLot.DoesNotExist as exc:
        raise Http404 from exc
    found = selectors.exports_by_ref(client=client, refs=lot.export_refs)
    return render(
        request,
        "claims/manufacturing/lot_detail.html",
        {
            "client": client,
            "tab": TAB,
            "lot": lot,
            "exports": [(ref, found.get(ref)) for ref in lot.export_refs],
        },
    )


@login_required
def return_list(request: HttpRequest, code: str) -> HttpResponse:
    client = client_for_code(request.user, code)
    filterset = selectors.return_list(client=client, params=request.GET)
    page = page_of(request, filterset.qs)
    found = selectors.exports_by_ref(client=client, refs=[r.export_ref for r in page.items if r.export_ref])
    return render(
        request,
        "claims/manufacturing/return_list.html",
        {
            "client": client,
            "tab": TAB,
            "filter": filterset,
            "page": page,
            "rows": [(r, found.get(r.export_ref)) for r in page.items],
        },
    )

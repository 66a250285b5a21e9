"""Pages: a client's exports and destructions (search, filters, sorts, keyset pages) and one export."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from drawback.accounts.tenancy import client_for_code
from imports.forms import DocumentUploadForm
from imports.views.common import page_of

from . import selectors
from .models import Export


@login_required
def export_list(request, code: str):
    client = client_for_code(request.user, code)
    filterset = selectors.export_list(client=client, params=request.GET)
    page = page_of(request, filterset.qs)
    return render(
        request,
        "exports/export_list.html",
        {"client": client, "tab": "exports", "filter": filterset, "page": page},
    )


@login_required
def export_detail(request, code: str, pk: int):
    client = client_for_code(request.user, code)
    try:
        export = selectors.export_get(client=client, pk=pk)
    except Export.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "exports/export_detail.html",
        {
            "client": client,
            "tab": "exports",
            "export": export,
            "documents": export.documents.prefetch_related("proofs"),
            "upload_form": DocumentUploadForm(initial={"export_ref": export.export_ref}),
        },
    )

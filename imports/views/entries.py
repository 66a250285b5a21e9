"""Pages: a client's import lines (search, filters, sorts, keyset pages) and an entry with its lines."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from drawback.accounts.tenancy import client_for_code

from .. import selectors
from ..filters import clean_code
from ..forms import DocumentUploadForm
from ..models import ImportEntry
from .common import page_of


@login_required
def line_list(request, code: str):
    client = client_for_code(request.user, code)
    filterset = selectors.import_line_list(client=client, params=request.GET)
    page = page_of(request, filterset.qs)
    return render(
        request,
        "imports/line_list.html",
        {"client": client, "tab": "lines", "filter": filterset, "page": page},
    )


@login_required
def entry_detail(request, code: str, entry_number: str):
    client = client_for_code(request.user, code)
    try:
        entry = selectors.import_entry_detail(client=client, entry_number=clean_code(entry_number))
    except ImportEntry.DoesNotExist as exc:
        raise Http404 from exc
    upload_form = DocumentUploadForm(initial={"entry_number": entry.display_number})
    return render(
        request,
        "imports/entry_detail.html",
        {
            "client": client,
            "tab": "lines",
            "entry": entry,
            "lines": entry.lines.all(),
            "decisions": selectors.chapter99_decisions(entry=entry),
            "totals": selectors.import_entry_totals(entry=entry),
            "documents": entry.documents.prefetch_related("proofs"),
            "upload_form": upload_form,
        },
    )

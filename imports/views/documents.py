"""Pages: a client's documents; upload, scoped download, attach, detach and delete.

Client users may upload to their own client and attach what they uploaded; detach and delete are firm
staff's. Anything a user may not touch answers 404, like an object they cannot see.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from drawback.accounts.tenancy import client_for_code, require_staff

from .. import documents as services
from .. import selectors
from ..forms import DocumentAttachForm, DocumentUploadForm
from ..models import Document
from .common import page_of


def _back(request, default: str):
    """Return to the page the form was on (an entry or export page), never to another site."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _document(request, code: str, pk: int):
    client = client_for_code(request.user, code)
    try:
        return client, selectors.document_get(client=client, pk=pk)
    except Document.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def document_list(request, code: str):
    client = client_for_code(request.user, code)
    list_url = reverse("imports:document_list", args=[client.code])
    form = DocumentUploadForm()
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entries, exports = selectors.document_targets(
                    client=client, entry_numbers=[data["entry_number"]], export_refs=[data["export_ref"]]
                )
                document, created = services.document_create(
                    client=client,
                    user=request.user,
                    file=data["file"],
                    doc_type=data["doc_type"],
                    note=data["note"],
                    entries=entries,
                    exports=exports,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                where = ", ".join(
                    [f"entry {e.display_number}" for e in entries]
                    + [f"export {x.export_ref}" for x in exports]
                )
                attached = f", attached to {where}" if where else ""
                if created:
                    messages.success(request, f"Stored {document.original_name}{attached}.")
                else:
                    messages.info(
                        request,
                        f"This file was already on file as {document.original_name}; it is now recorded as "
                        f"{document.types_display}{attached}.",
                    )
                return _back(request, list_url)
    doc_type = request.GET.get("type", "")
    page = page_of(request, selectors.document_list(client=client, doc_type=doc_type))
    return render(
        request,
        "imports/document_list.html",
        {
            "client": client,
            "tab": "documents",
            "page": page,
            "form": form,
            "doc_type": doc_type,
            "doc_types": Document.Type.choices,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def document_download(request, code: str, pk: int):
    _, document = _document(request, code, pk)
    return FileResponse(
        services.document_open(document=document),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type or "application/octet-stream",
    )


@login_required
@require_POST
def document_attach(request, code: str, pk: int):
    client, document = _document(request, code, pk)
    if not services.can_change_document(request.user, document):
        raise Http404
    form = DocumentAttachForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("__all__", [])) or "Check the numbers given.")
        return _back(request, reverse("imports:document_list", args=[client.code]))
    try:
        entries, exports = selectors.document_targets(
            client=client,
            entry_numbers=[form.cleaned_data["entry_number"]],
            export_refs=[form.cleaned_data["export_ref"]],
        )
        services.document_attach(document=document, user=request.user, entries=entries, exports=exports)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Attached {document.original_name}.")
    return _back(request, reverse("imports:document_list", args=[client.code]))


@login_required
@require_POST
def document_detach(request, code: str, pk: int):
    require_staff(request.user)
    client, document = _document(request, code, pk)
    entries = document.import_entries.filter(pk__in=_ids(request.POST.getlist("entry")))
    exports = document.exports.filter(pk__in=_ids(request.POST.getlist("export")))
    services.document_detach(document=document, user=request.user, entries=entries, exports=exports)
    messages.success(request, f"Detached {document.original_name}.")
    return _back(request, reverse("imports:document_list", args=[client.code]))


@login_required
@require_POST
def document_delete(request, code: str, pk: int):
    require_staff(request.user)
    client, document = _document(request, code, pk)
    name = document.original_name
    services.document_delete(document=document, user=request.user)
    messages.success(request, f"Deleted {name}.")
    return redirect("imports:document_list", client.code)

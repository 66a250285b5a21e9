"""Upload pages: a client's uploads (form, history, progress, errors, rejected rows, column mapping) and
the HTS tariff uploads (firm staff). Every object is looked up through the tenant boundary."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from drawback.accounts.tenancy import can_write, client_for_code, require_staff

from .. import selectors, services
from ..api.uploads import rejects_response
from ..forms import MappingForm, TariffUploadForm, UploadForm
from ..ingest.core import detect_kinds, get_parser
from ..models import Upload

RUNNING = (Upload.Status.QUEUED, Upload.Status.PROCESSING)
UPLOADS_PER_PAGE = 50


def _with_urls(uploads, client=None):
    for upload in uploads:
        upload.detail_url = (
            reverse("client-upload-detail", args=[client.code, upload.pk])
            if client
            else reverse("tariff-upload-detail", args=[upload.pk])
        )
        upload.status_url = reverse("api-upload-detail", args=[upload.pk])
        upload.running = upload.status in RUNNING
    return uploads


def _page(request, uploads):
    return Paginator(uploads, UPLOADS_PER_PAGE).get_page(request.GET.get("page"))


def _form_error(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def _detected_kind(client, headers: list[str]) -> str | None:
    """The kind named by the file's header row (the form's 'Recognise' choice): a documented layout, else
    one of the client's saved column mappings."""
    kinds = [k for k in detect_kinds(headers) if k != Upload.Kind.HTS]
    if kinds:
        return kinds[0]
    for mapping in selectors.mapping_list_for(client=client):
        if get_parser(mapping.kind).resolve(headers, mapping.mapping)[0] is not None:
            return mapping.kind
    return None


PENDING = "pending_upload"  # session key: {"token": ..., "name": storage name, "client": code}


def _pending(request, client) -> dict | None:
    kept = request.session.get(PENDING)
    return kept if kept and kept.get("client") == client.code else None


@login_required
def client_uploads(request, code):
    client = client_for_code(request.user, code)
    writable = can_write(request.user)
    form = None
    kept = _pending(request, client) if writable else None
    pending_name = kept["name"].rsplit("/", 1)[-1] if kept else ""
    if request.method == "POST":
        if not writable:
            raise Http404  # client users see their uploads but do not load data files
        form = UploadForm(request.POST, request.FILES, client=client, pending_name=pending_name)
        if form.is_valid():
            data = form.cleaned_data
            use_kept = not data["file"] and kept and data["pending"] == kept["token"]
            file = services.pending_file_open(name=kept["name"]) if use_kept else data["file"]
            kind = data["kind"]
            if not kind and not data["mapping"]:
                kind = _detected_kind(client, services.uploaded_headers(file=file))
            if not kind:
                # Keep the file: the analyst says what it is and maps its columns without sending it again
                # (if it is one an upload would take at all: the same limits apply).
                try:
                    if not use_kept:
                        stored = services.pending_file_keep(file=file)
                        if kept:
                            services.pending_file_discard(name=kept["name"])
                        request.session[PENDING] = {
                            "token": uuid.uuid4().hex,
                            "name": stored,
                            "client": client.code,
                        }
                        kept, pending_name = request.session[PENDING], file.name
                except ValidationError as exc:
                    _form_error(form, exc)
                else:
                    form = UploadForm(
                        initial={"pending": kept["token"], "map_columns": True},
                        client=client,
                        pending_name=pending_name,
                    )
                    form.unrecognised = (
                        f"The header row of {pending_name} matches no known layout: choose the kind of file, "
                        "and map its columns in the next step."
                    )
            else:
                try:
                    upload = services.upload_create(
                        client=client,
                        kind=kind or data["mapping"].kind,
                        file=file,
                        user=request.user,
                        allow_partial=data["allow_partial"],
                        mapping=data["mapping"],
                        await_mapping=data["map_columns"],
                    )
                except ValidationError as exc:
                    _form_error(form, exc)
                else:
                    if use_kept:
                        services.pending_file_discard(name=kept["name"])
                        request.session.pop(PENDING, None)
                    return redirect("client-upload-detail", client.code, upload.pk)
    elif writable:
        form = UploadForm(
            client=client,
            pending_name=pending_name,
            initial={"pending": kept["token"], "map_columns": True} if kept else None,
        )
    page = _page(request, selectors.upload_list_for(user=request.user, client=client))
    uploads = _with_urls(list(page), client)
    return render(
        request,
        "imports/upload_list.html",
        {
            "client": client,
            "tab": "uploads",
            "form": form,
            "uploads": uploads,
            "page": page,
            # Where the client's files come from by themselves: firm configuration, for staff.
            "feeds": selectors.feed_list_for(client=client) if writable else None,
            "mappings": selectors.mapping_list_for(client=client),
            "title": f"Uploads · {client.legal_name}",
        },
    )


def _detail(request, upload, *, client, mapping_form=None):
    _with_urls([upload], client)
    unknown_layout = upload.errors.filter(rule="unknown_layout").exists()
    # An unrecognised layout is one message, already shown with the status.
    errors = [] if unknown_layout else upload.errors.exclude(rule="rejected_with_line")[:200]
    to_map = unknown_layout or upload.status == Upload.Status.NEEDS_MAPPING
    if mapping_form is None and to_map and client and can_write(request.user):
        mapping_form = MappingForm(kind=upload.kind, headers=services.upload_headers(upload=upload))
    rejects_url = None
    if upload.error_count and not unknown_layout:
        rejects_url = (
            reverse("client-upload-rejects", args=[client.code, upload.pk])
            if client
            else reverse("tariff-upload-rejects", args=[upload.pk])
        )
    return render(
        request,
        "imports/upload_detail.html",
        {
            "client": client,
            "tab": "uploads",
            "upload": upload,
            "errors": errors,
            "more_errors": max(upload.error_count - len(errors), 0),
            "rejects_url": rejects_url,
            "mapping_form": mapping_form,
            "back_url": reverse("client-uploads", args=[client.code])
            if client
            else reverse("tariff-uploads"),
            "title": upload.original_name,
        },
    )


@login_required
def client_upload_detail(request, code, pk):
    client = client_for_code(request.user, code)
    upload = selectors.upload_get_for(user=request.user, pk=pk, client=client)
    return _detail(request, upload, client=client)


@login_required
@require_POST
def client_upload_mapping(request, code, pk):
    """Save a column mapping for the client and load the same file again with it."""
    client = client_for_code(request.user, code)
    if not can_write(request.user):
        raise Http404
    upload = selectors.upload_get_for(user=request.user, pk=pk, client=client)
    form = MappingForm(request.POST, kind=upload.kind, headers=services.upload_headers(upload=upload))
    if form.is_valid():
        try:
            mapping = services.column_mapping_save(
                client=client,
                kind=upload.kind,
                name=form.cleaned_data["name"],
                mapping=form.mapping(),
                user=request.user,
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            if upload.status == Upload.Status.NEEDS_MAPPING:
                again = services.upload_mapping_apply(upload=upload, mapping=mapping)
            else:
                again = services.upload_reload(upload=upload, user=request.user, mapping=mapping)
            return redirect("client-upload-detail", client.code, again.pk)
    return _detail(request, upload, client=client, mapping_form=form)


@login_required
def client_upload_rejects(request, code, pk):
    client = client_for_code(request.user, code)
    upload = selectors.upload_get_for(user=request.user, pk=pk, client=client)
    return rejects_response(upload)


@login_required
def tariff_uploads(request):
    require_staff(request.user)
    # Every firm reads the tariff's history; only a platform administrator changes what all firms share.
    form = TariffUploadForm() if request.user.is_platform_admin else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(services.TARIFF_IS_SHARED)
        form = TariffUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                upload = services.upload_create(
                    client=None,
                    kind=Upload.Kind.HTS,
                    file=form.cleaned_data["file"],
                    user=request.user,
                    allow_partial=form.cleaned_data["allow_partial"],
                )
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                return redirect("tariff-upload-detail", upload.pk)
    page = _page(request, selectors.upload_list_for(user=request.user, tariff=True))
    uploads = _with_urls(list(page))
    return render(
        request,
        "imports/upload_list.html",
        {
            "client": None,
            "form": form,
            "uploads": uploads,
            "page": page,
            "title": "HTS tariff uploads",
            "tariff_is_shared": services.TARIFF_IS_SHARED,
        },
    )


@login_required
def tariff_upload_detail(request, pk):
    require_staff(request.user)
    return _detail(request, selectors.upload_get_for(user=request.user, pk=pk, tariff=True), client=None)


@login_required
def tariff_upload_rejects(request, pk):
    require_staff(request.user)
    return rejects_response(selectors.upload_get_for(user=request.user, pk=pk, tariff=True))

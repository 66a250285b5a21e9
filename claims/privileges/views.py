"""Applications and rulings pages: everyone who may see the client reads them; the firm's staff record
applications, change their details and status and attach their documents. (A draft claim's accelerated
payment request is one of the claim's actions: claims.views.claim_action.) Views parse input and call one
service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from drawback.accounts.models import Privilege
from drawback.accounts.tenancy import client_for_code, require_staff

from . import selectors, services
from .forms import AttachForm, NewPrivilegeForm, PrivilegeForm, StatusForm


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def privilege_list(request: HttpRequest, code: str) -> HttpResponse:
    client = client_for_code(request.user, code)
    today = timezone.localdate()
    return render(
        request,
        "claims/privilege_list.html",
        {
            "client": client,
            "tab": "privileges",
            "privileges": selectors.privilege_list(client=client),
            "bond": selectors.bond_position(client=client, on=today),
            "warnings": selectors.privilege_warnings(client=client, today=today),
            "can_write": request.user.is_firm_staff,
        },
    )


@login_required
def privilege_new(request: HttpRequest, code: str) -> HttpResponse:
    require_staff(request.user)
    client = client_for_code(request.user, code)
    form = NewPrivilegeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            privilege = services.privilege_create(
                client=client, by=request.user, kind=data.pop("kind"), status=data.pop("status"), **data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, f"{privilege.get_kind_display()} recorded.")
            return redirect("privileges:detail", code=code, pk=privilege.pk)
    return render(
        request, "claims/privilege_form.html", {"client": client, "tab": "privileges", "form": form}
    )


@login_required
def privilege_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    client = client_for_code(request.user, code)
    # Only through its own client: another client's privilege under this code is not found.
    privilege = get_object_or_404(selectors.privilege_list(client=client), pk=pk)
    edit_form = PrivilegeForm(instance=privilege)
    status_form = StatusForm(privilege=privilege)
    attach_form = AttachForm()
    if request.method == "POST":
        require_staff(request.user)
        action = request.POST.get("action")
        try:
            if action == "edit":
                edit_form = PrivilegeForm(request.POST, instance=Privilege.objects.get(pk=privilege.pk))
                if edit_form.is_valid():
                    services.privilege_update(
                        privilege=privilege,
                        by=request.user,
                        **{name: edit_form.cleaned_data[name] for name in edit_form.Meta.fields},
                    )
                    messages.success(request, "Details saved.")
                    return redirect("privileges:detail", code=code, pk=pk)
            elif action == "status":
                status_form = StatusForm(request.POST, privilege=privilege)
                if status_form.is_valid():
                    data = status_form.cleaned_data
                    services.privilege_status_change(
                        privilege=privilege,
                        to=data["to"],
                        by=request.user,
                        on=data["on"],
                        note=data["note"],
                        granted_on=data["granted_on"],
                        expires_on=data["expires_on"],
                    )
                    messages.success(request, f"Status: {Privilege.Status(data['to']).label}.")
                    return redirect("privileges:detail", code=code, pk=pk)
            elif action == "attach":
                attach_form = AttachForm(request.POST, request.FILES)
                if attach_form.is_valid():
                    document = services.privilege_document_attach(
                        privilege=privilege,
                        by=request.user,
                        file=attach_form.cleaned_data["file"],
                        doc_type=attach_form.cleaned_data["doc_type"],
                        note=attach_form.cleaned_data["note"],
                    )
                    messages.success(request, f"{document.original_name} attached.")
                    return redirect("privileges:detail", code=code, pk=pk)
            else:
                raise Http404
        except ValidationError as exc:
            form = {"edit": edit_form, "status": status_form, "attach": attach_form}[action]
            _errors_to_form(form, exc)
            privilege.refresh_from_db()
    bond = None
    if privilege.kind == Privilege.Kind.ACCELERATED_PAYMENT:
        bond = selectors.bond_position(client=client)
        if bond is not None and bond.privilege.pk != privilege.pk:
            bond = None
    return render(
        request,
        "claims/privilege_detail.html",
        {
            "client": client,
            "tab": "privileges",
            "privilege": privilege,
            "bond": bond,
            "history": list(privilege.status_changes.all()),
            "documents": list(privilege.documents.all()),
            "can_write": request.user.is_firm_staff,
            "edit_form": edit_form,
            "status_form": status_form,
            "attach_form": attach_form,
        },
    )

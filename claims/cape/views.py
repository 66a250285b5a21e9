"""The CAPE page of a client: every entry that paid IEEPA duty, where each dollar goes and why, the
declaration files and CBP's results. Client users read it; the firm's staff act. Views parse input and call
one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from drawback.accounts.tenancy import client_for_code, require_staff
from imports.models import ImportEntry, Upload

from . import services
from .forms import ReleaseForm, SubmittedForm
from .models import CapeDeclaration
from .selectors import WINDOW_WARNING_DAYS, cape_overview


@login_required
def cape_page(request: HttpRequest, code: str) -> HttpResponse:
    client = client_for_code(request.user, code)
    staff = request.user.is_firm_staff
    overview = cape_overview(client=client)
    return render(
        request,
        "claims/cape.html",
        {
            "client": client,
            "tab": "cape",
            "overview": overview,
            "can_write": staff,
            "submitted_form": SubmittedForm(initial={"submitted_on": timezone.localdate()}),
            "release_form": ReleaseForm(),
            "warning_days": WINDOW_WARNING_DAYS,
            "firm_path": client.firm.get_ieepa_path_display(),
            "uploads": Upload.objects.filter(
                client=client, kind__in=[Upload.Kind.CAPE, Upload.Kind.LIQUIDATION]
            )[:5],
        },
    )


@login_required
@require_POST
def declarations_create(request: HttpRequest, code: str) -> HttpResponse:
    require_staff(request.user)
    client = client_for_code(request.user, code)
    try:
        made = services.declarations_create(client=client, user=request.user)
    except services.CapeError as exc:
        messages.error(request, str(exc))
    else:
        names = ", ".join(d.file_name for d in made)
        messages.success(
            request,
            f"{sum(d.entry_count for d in made)} entries declared on {names}: download, upload in the ACE "
            "portal's CAPE tab, then record the submission here.",
        )
    return redirect("cape:page", code=code)


@login_required
def declaration_download(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    client = client_for_code(request.user, code)
    declaration = get_object_or_404(CapeDeclaration, client=client, pk=pk)
    response = HttpResponse(declaration.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{declaration.file_name}"'
    return response


@login_required
@require_POST
def declaration_action(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    require_staff(request.user)
    client = client_for_code(request.user, code)
    declaration = get_object_or_404(CapeDeclaration, client=client, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "submitted":
            form = SubmittedForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Give the day the file was submitted in ACE.")
                return redirect("cape:page", code=code)
            services.declaration_submitted(
                declaration=declaration,
                user=request.user,
                on=form.cleaned_data["submitted_on"],
                ace_reference=form.cleaned_data["ace_reference"],
            )
            messages.success(
                request, f"{declaration.file_name}: submission recorded. Upload CBP's result when it comes."
            )
        elif action == "discard":
            name = declaration.file_name
            services.declaration_discard(declaration=declaration, user=request.user)
            messages.success(request, f"{name} discarded: its entries are not declared.")
        else:
            raise Http404
    except services.CapeError as exc:
        messages.error(request, str(exc))
    return redirect("cape:page", code=code)


@login_required
@require_POST
def entry_action(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    require_staff(request.user)
    client = client_for_code(request.user, code)
    entry = get_object_or_404(ImportEntry, client=client, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "release":
            form = ReleaseForm(request.POST)
            reason = form.data.get("reason", "")
            services.entry_release(entry=entry, user=request.user, reason=reason)
            messages.success(
                request, f"Entry {entry.display_number} released to drawback; the decision is recorded."
            )
        elif action == "declare_again":
            services.entry_declare_again(entry=entry, user=request.user)
            messages.success(request, f"Entry {entry.display_number} goes on the next declaration.")
        else:
            raise Http404
    except services.CapeError as exc:
        messages.error(request, str(exc))
    return redirect("cape:page", code=code)

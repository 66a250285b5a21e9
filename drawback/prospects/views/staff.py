"""The firm's leads: list with filters and search, a lead's page (answers, assessment, files, estimate,
notes, audit trail), and its actions: status and owner, notes, run the estimate again, release it to the
prospect, convert to a client, invite the new client users again.

Firm staff only, their own firm's leads: a client user, another firm's staff or a lead of another firm get
404, like any object outside the tenant boundary.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from drawback.accounts.models import User
from drawback.accounts.tenancy import require_staff

from ..conversion import CONVERTIBLE, ConversionError, lead_convert
from ..display import answers_display, estimate_display, files_display, questionnaire_display
from ..estimate import data_files, estimate_start
from ..forms import ConvertForm, LeadFilterForm, LeadUpdateForm, NoteForm, suggested_code
from ..invitations import invitation_pending
from ..models import Lead
from ..selectors import firm_staff, lead_for, lead_list_for
from ..services import ProspectError, estimate_release, lead_note_add, lead_update
from .assessment import base_url

PAGE_SIZE = 25


def _lead(request, pk: int) -> Lead:
    require_staff(request.user)
    try:
        return lead_for(user=request.user, pk=pk)
    except Lead.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def lead_list(request):
    require_staff(request.user)
    staff = firm_staff(firm=request.user.firm) if request.user.firm_id else User.objects.none()
    form = LeadFilterForm(request.GET or None, staff=staff)
    filters = form.cleaned_data if form.is_valid() else {}
    leads = lead_list_for(user=request.user, **{k: v or "" for k, v in filters.items()})
    page = Paginator(leads, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "prospects/lead_list.html", {"form": form, "page": page, "title": "Leads"})


@login_required
@require_GET
def lead_detail(request, pk: int):
    lead = _lead(request, pk)
    return _detail(request, lead)


def _detail(request, lead: Lead, *, convert_form=None, update_form=None, note_form=None, status=200):
    staff = firm_staff(firm=lead.firm)
    assessment = lead.assessment_or_none()
    estimate = assessment.latest_estimate() if assessment else None
    contacts = assessment.answers.get("contacts", []) if assessment else []
    company = assessment.answers.get("company", {}) if assessment else {}
    if convert_form is None and assessment and not lead.client_id:
        convert_form = ConvertForm(
            initial={
                "code": suggested_code(company.get("legal_name", lead.company)),
                "legal_name": company.get("legal_name", lead.company),
                "importer_number": company.get("importer_number", ""),
                "exporter_number": company.get("exporter_number", ""),
                "address": company.get("address", ""),
            }
        )
    users = list(lead.client.users.order_by("username")) if lead.client_id else []
    for user in users:
        user.invitation_pending = invitation_pending(user)
    return render(
        request,
        "prospects/lead_detail.html",
        {
            "lead": lead,
            "title": str(lead),
            "assessment": assessment,
            "answers": answers_display(assessment) if assessment else [],
            "files": files_display(assessment) if assessment else [],
            "has_data_files": bool(assessment and data_files(assessment)),
            "estimate": estimate,
            "result": estimate_display(estimate),
            "questionnaire": questionnaire_display(lead.questionnaire) if lead.questionnaire else [],
            "update_form": update_form
            or LeadUpdateForm(initial={"status": lead.status, "owner": lead.owner}, staff=staff),
            "note_form": note_form or NoteForm(),
            "convert_form": convert_form,
            "convertible": lead.status in CONVERTIBLE,
            "contacts": contacts,
            "privileges": assessment.answers.get("privileges", []) if assessment else [],
            "users": users,
            "notes": lead.notes.select_related("author"),
            "events": lead.events.select_related("actor")[:100],
        },
        status=status,
    )


@login_required
@require_POST
def lead_update_view(request, pk: int):
    lead = _lead(request, pk)
    form = LeadUpdateForm(request.POST, staff=firm_staff(firm=lead.firm))
    if not form.is_valid():
        return _detail(request, lead, update_form=form, status=400)
    try:
        changes = lead_update(
            lead=lead, by=request.user, status=form.cleaned_data["status"], owner=form.cleaned_data["owner"]
        )
    except ProspectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "; ".join(changes) if changes else "Nothing changed.")
    return redirect("prospects:lead_detail", lead.pk)


@login_required
@require_POST
def lead_note(request, pk: int):
    lead = _lead(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _detail(request, lead, note_form=form, status=400)
    lead_note_add(lead=lead, by=request.user, text=form.cleaned_data["text"])
    messages.success(request, "Note added.")
    return redirect("prospects:lead_detail", lead.pk)


@login_required
@require_POST
def lead_estimate(request, pk: int):
    lead = _lead(request, pk)
    assessment = lead.assessment_or_none()
    if assessment is None or not assessment.is_submitted:
        messages.error(request, "There is no submitted assessment to estimate.")
    elif (latest := assessment.latest_estimate()) is not None and latest.running and not latest.stalled:
        messages.info(request, "The estimate is running already.")
    elif estimate_start(assessment=assessment, by=request.user) is None:
        messages.error(request, "The assessment has no data files (CSV or XLSX) to compute an estimate from.")
    else:
        messages.success(request, "The estimate is being computed.")
    return redirect("prospects:lead_detail", lead.pk)


@login_required
@require_GET
def lead_estimate_progress(request, pk: int):
    lead = _lead(request, pk)
    assessment = lead.assessment_or_none()
    estimate = assessment.latest_estimate() if assessment else None
    if estimate is None:
        raise Http404
    return JsonResponse({"status": estimate.status, "progress": estimate.progress, "stage": estimate.stage})


@login_required
@require_POST
def lead_release(request, pk: int):
    lead = _lead(request, pk)
    assessment = lead.assessment_or_none()
    if assessment is None:
        raise Http404
    try:
        estimate_release(assessment=assessment, by=request.user, base_url=base_url(request))
    except ProspectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The prospect can now see the estimate; they were e-mailed a link.")
    return redirect("prospects:lead_detail", lead.pk)


@login_required
@require_POST
def lead_convert_view(request, pk: int):
    lead = _lead(request, pk)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        return _detail(request, lead, convert_form=form, status=400)
    try:
        client = lead_convert(lead=lead, by=request.user, base_url=base_url(request), **form.cleaned_data)
    except ConversionError as exc:
        messages.error(request, str(exc))
        return redirect("prospects:lead_detail", lead.pk)
    messages.success(
        request,
        f"{client.legal_name} is a client now; its users were e-mailed an invitation to set a password.",
    )
    return redirect("prospects:lead_detail", lead.pk)


@login_required
@require_POST
def lead_invite(request, pk: int, user_pk: int):
    """Send a converted lead's client user their invitation again (a new one-time link)."""
    from ..tasks import invitation_mail

    lead = _lead(request, pk)
    if not lead.client_id:
        raise Http404
    user = lead.client.users.filter(pk=user_pk).first()
    if user is None:
        raise Http404
    if not invitation_pending(user):
        messages.info(request, f"{user.username} has set a password already.")
    else:
        invitation_mail.delay(user.pk, base_url(request), lead.pk)
        messages.success(request, f"Invitation sent again to {user.email}.")
    return redirect("prospects:lead_detail", lead.pk)


@login_required
@require_GET
def lead_file(request, pk: int, file_pk: int):
    lead = _lead(request, pk)
    assessment = lead.assessment_or_none()
    stored = assessment.files.filter(pk=file_pk).first() if assessment else None
    if stored is None:
        raise Http404
    if not stored.file:
        if stored.document_id and lead.client_id:
            return redirect("imports:document_download", lead.client.code, stored.document_id)
        raise Http404
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.original_name)

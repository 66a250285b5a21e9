"""Pages for the claim's life with CBP: the claim's CBP tab, filing, CBP requests, notifications.

Thin: each view scopes through drawback.accounts.tenancy, then calls one selector or service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from claims.jobs.models import Job
from claims.jobs.views import jobs_for_page, tell_outcome
from claims.lifecycle import TransitionError
from claims.models import Claim, status_phrase
from drawback.accounts.tenancy import can_write, get_scoped_or_404, require_staff

from . import notices, selectors, services
from .forms import AssignForm, AttachForm, NoticeForm, ProtestDecisionForm, ProtestForm, RespondForm
from .models import CbpNotice, CbpRequest, Notification, Protest


def _notice_form(claim, data=None, files=None) -> NoticeForm:
    classes = list(claim.class_totals.order_by("accounting_class").values_list("accounting_class", flat=True))
    return NoticeForm(data, files, classes=classes or ["364"])


@login_required
def claim_cbp(request, pk: int, notice_form=None):
    """The claim's CBP tab; an HTMX request gets the panel alone."""
    claim = get_scoped_or_404(Claim.objects.select_related("client", "preparer"), request.user, pk=pk)
    template = "claims/_cbp_panel_only.html" if request.htmx else "claims/claim_cbp.html"
    staff = can_write(request.user)
    if notice_form is None and staff:
        notice_form = _notice_form(claim)
    return render(
        request,
        template,
        {
            "claim": claim,
            "cbp_jobs": jobs_for_page(request, kind=Job.Kind.CBP_CHECK),
            "notices": selectors.claim_cbp_notices(claim=claim, user=request.user),
            "notice_form": notice_form if staff and claim.status in notices.NOTICE_STATUSES else None,
        },
    )


@login_required
@require_POST
def notice_enter(request, pk: int):
    """Enter a CBP notice received outside the gateway; it waits for a second person."""
    require_staff(request.user)
    claim = get_scoped_or_404(Claim.objects.select_related("client"), request.user, pk=pk)
    form = _notice_form(claim, request.POST, request.FILES)
    if form.is_valid():
        try:
            notices.cbp_notice_enter(
                claim=claim,
                kind=form.cleaned_data["kind"],
                notice_date=form.cleaned_data["notice_date"],
                amounts=form.amounts(),
                reference=form.cleaned_data["reference"],
                file=form.cleaned_data["document"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, "Not recorded: " + " ".join(exc.messages))
        else:
            messages.success(
                request,
                "CBP's notice is recorded; it applies once a colleague confirms it against the document.",
            )
            return redirect("cbp:claim_cbp", pk=claim.pk)
    return claim_cbp(request, pk, notice_form=form)


@login_required
@require_POST
def notice_confirm(request, pk: int):
    """A second person confirms a pending CBP notice: it is then applied to the claim."""
    return _notice_decide(request, pk, "confirm")


@login_required
@require_POST
def notice_discard(request, pk: int):
    return _notice_decide(request, pk, "discard")


def _notice_decide(request, pk: int, decision: str):
    require_staff(request.user)
    notices_ = CbpNotice.objects.select_related("claim")
    notice = get_scoped_or_404(notices_, request.user, "claim__client", pk=pk)
    try:
        if decision == "confirm":
            notices.cbp_notice_confirm(notice=notice, by=request.user)
            messages.success(request, f"{notice.get_kind_display()} confirmed and applied to the claim.")
        else:
            notices.cbp_notice_discard(notice=notice, by=request.user)
            messages.info(request, f"{notice.get_kind_display()} discarded.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("cbp:claim_cbp", pk=notice.claim_id)


@login_required
@require_POST
def claim_file(request, pk: int):
    require_staff(request.user)
    claim = get_scoped_or_404(Claim.objects.all(), request.user, pk=pk)
    try:
        transmission = services.claim_file(claim=claim, by=request.user)
    except services.FilingError as exc:
        messages.error(request, f"Not filed: {exc}")
    else:
        messages.success(
            request,
            f"Claim {claim.display_number} filed with CBP on {claim.filed_on:%m/%d/%Y} "
            f"({transmission.reference}); its answer shows here once a check with CBP has read it.",
        )
    return HttpResponseRedirect(_next(request, reverse("cbp:claim_cbp", args=[claim.pk])))


@login_required
@require_POST
def poll_now(request):
    """Check CBP at once for the user's firm's open claims instead of waiting for the beat schedule (at
    most once every CBP_POLL_NOW_SECONDS per firm); the check is a job whose outcome or progress is shown."""
    require_staff(request.user)
    back = _next(request, reverse("cbp:request_list"))
    job, wait = services.cbp_poll_request(user=request.user)
    if job is None:
        messages.warning(request, f"CBP was asked for your firm's claims moments ago; ask again in {wait} s.")
    else:
        tell_outcome(request, job, waiting="Checking CBP on a worker; the progress shows below.")
    return HttpResponseRedirect(back)


def _next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else fallback


def _form_errors(request, form_or_exc) -> None:
    """Say what was wrong with a form posted from a claim page (the page is drawn again after a redirect)."""
    if isinstance(form_or_exc, ValidationError):
        if hasattr(form_or_exc, "error_dict"):
            items = form_or_exc.message_dict.items()
        else:
            items = [("", form_or_exc.messages)]
    else:
        items = form_or_exc.errors.items()
    for name, errors in items:
        label = name.replace("_", " ").capitalize() + ": " if name and name != "__all__" else ""
        messages.error(request, label + " ".join(errors))


@login_required
@require_POST
def protest_record(request, pk: int):
    """Record a protest filed with CBP against the claim's liquidation (firm staff)."""
    require_staff(request.user)
    claim = get_scoped_or_404(Claim.objects.select_related("client"), request.user, pk=pk)
    back = _next(request, reverse("cbp:claim_cbp", args=[claim.pk]))
    form = ProtestForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(back)
    try:
        protest = services.protest_file(claim=claim, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _form_errors(request, exc)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Protest {protest.display_number} recorded (filed {protest.filed_on:%m/%d/%Y}); claim "
            f"{claim.display_number} is under protest until CBP's decision is recorded.",
        )
    return HttpResponseRedirect(back)


def _protest(request, pk: int) -> Protest:
    require_staff(request.user)
    return get_scoped_or_404(
        Protest.objects.select_related("claim__client"), request.user, "claim__client", pk=pk
    )


@login_required
@require_POST
def protest_decision(request, pk: int):
    """Enter CBP's decision on a protest (firm staff); it applies once a colleague confirms it."""
    protest = _protest(request, pk)
    back = _next(request, reverse("cbp:claim_cbp", args=[protest.claim_id]))
    form = ProtestDecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(back)
    try:
        protest = services.protest_decide(protest=protest, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _form_errors(request, exc)
    else:
        messages.success(
            request,
            f"CBP's decision on protest {protest.display_number} ({protest.get_decision_display().lower()} "
            f"on {protest.decided_on:%m/%d/%Y}) is recorded; it applies to claim "
            f"{protest.claim.display_number} once a colleague confirms it against CBP's notice.",
        )
    return HttpResponseRedirect(back)


@login_required
@require_POST
def protest_decision_confirm(request, pk: int):
    """A second person confirms CBP's decision on a protest: it is then applied to the claim."""
    protest = _protest(request, pk)
    back = _next(request, reverse("cbp:claim_cbp", args=[protest.claim_id]))
    try:
        protest = services.protest_decision_confirm(protest=protest, by=request.user)
    except ValidationError as exc:
        _form_errors(request, exc)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        protest.claim.refresh_from_db()
        messages.success(
            request,
            f"Protest {protest.display_number} {protest.get_decision_display().lower()} on "
            f"{protest.decided_on:%m/%d/%Y}; claim {protest.claim.display_number} is "
            f"{status_phrase(protest.claim.status)}.",
        )
    return HttpResponseRedirect(back)


@login_required
@require_POST
def protest_decision_discard(request, pk: int):
    """Set aside CBP's decision entered by mistake, before it is confirmed."""
    protest = _protest(request, pk)
    back = _next(request, reverse("cbp:claim_cbp", args=[protest.claim_id]))
    try:
        services.protest_decision_discard(protest=protest, by=request.user)
    except ValidationError as exc:
        _form_errors(request, exc)
    else:
        messages.info(
            request, f"CBP's decision on protest {protest.display_number} was discarded; enter it again."
        )
    return HttpResponseRedirect(back)


@login_required
def request_document_download(request, pk: int, doc_id: int):
    """A document attached to a CBP request, for whoever may see the request."""
    cbp_request = get_scoped_or_404(CbpRequest.objects.all(), request.user, "claim__client", pk=pk)
    document = get_object_or_404(cbp_request.documents.all(), pk=doc_id)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type or "application/octet-stream",
    )


@login_required
def request_list(request):
    show = request.GET.get("show", "open")
    status = {"open": CbpRequest.Status.OPEN, "responded": CbpRequest.Status.RESPONDED}.get(show)
    page = Paginator(selectors.cbp_requests_for(request.user, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "claims/cbprequest_list.html",
        {
            "page": page,
            "show": show,
            "today": timezone.localdate(),
            "cbp_jobs": jobs_for_page(request, kind=Job.Kind.CBP_CHECK),
        },
    )


@login_required
def request_detail(request, pk: int):
    cbp_request = get_scoped_or_404(
        CbpRequest.objects.select_related("claim", "claim__client", "assigned_to", "responded_by"),
        request.user,
        "claim__client",
        pk=pk,
    )
    firm_id = cbp_request.claim.client.firm_id
    respond_form, attach_form = RespondForm(), AttachForm()
    assign_form = AssignForm(firm_id=firm_id, initial={"assigned_to": cbp_request.assigned_to_id})
    if request.method == "POST":
        action = request.POST.get("action")
        # Client users may add documents to their own claims' requests; everything else is firm work.
        if action != "attach":
            require_staff(request.user)
        if action == "respond":
            respond_form = RespondForm(request.POST)
            if respond_form.is_valid():
                try:
                    services.cbp_request_respond(
                        request=cbp_request, by=request.user, text=respond_form.cleaned_data["response_text"]
                    )
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, "Response recorded.")
                    return redirect("cbp:request_detail", pk=pk)
        elif action == "assign":
            assign_form = AssignForm(request.POST, firm_id=firm_id)
            if assign_form.is_valid():
                services.cbp_request_assign(
                    request=cbp_request, to=assign_form.cleaned_data["assigned_to"], by=request.user
                )
                messages.success(request, "Assignment saved.")
                return redirect("cbp:request_detail", pk=pk)
        elif action == "attach":
            attach_form = AttachForm(request.POST, request.FILES)
            if attach_form.is_valid():
                try:
                    services.cbp_request_document_attach(
                        request=cbp_request,
                        file=attach_form.cleaned_data["file"],
                        by=request.user,
                        note=attach_form.cleaned_data["note"],
                    )
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, "Document attached.")
                    return redirect("cbp:request_detail", pk=pk)
        else:
            raise Http404
    return render(
        request,
        "claims/cbprequest_detail.html",
        {
            "req": cbp_request,
            "documents": cbp_request.documents.order_by("-uploaded_at"),
            "overdue": cbp_request.is_overdue(),
            "respond_form": respond_form,
            "assign_form": assign_form,
            "attach_form": attach_form,
            "can_write": request.user.is_firm_staff,
        },
    )


@login_required
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "claims/notification_list.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    """Mark the user's notifications read: one (id in the form) or all. Another person's notification, like
    any object the user may not see, is not found."""
    mine = Notification.objects.filter(user=request.user)
    if request.POST.get("id"):
        mine = mine.filter(pk=request.POST["id"]) if request.POST["id"].isdigit() else mine.none()
        if not mine.exists():
            raise Http404
    mine.filter(read_at=None).update(read_at=timezone.now())
    return redirect("cbp:notification_list")

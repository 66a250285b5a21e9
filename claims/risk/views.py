"""Pages for a client's findings: the risk summary, the list with filters, acknowledgement, re-assessment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from claims.jobs.models import Job
from claims.jobs.services import job_create
from claims.jobs.views import jobs_for_page, tell_outcome
from claims.models import Finding
from drawback.accounts.tenancy import can_write, client_for_code, get_scoped_or_404, require_staff

from . import RULE_TITLES, selectors, services
from .forms import AcknowledgeForm, FindingFilterForm

PAGE_SIZE = 50


@login_required
def finding_list(request, code: str):
    client = client_for_code(request.user, code)
    filter_form = FindingFilterForm(request.GET or None)
    hide = request.user.is_client_user  # acknowledged warnings stay with the firm
    findings = selectors.finding_list(
        client=client, hide_acknowledged=hide, **filter_form.filters()
    ).select_related("entry", "line__entry", "export")
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    for finding in page:
        finding.rule_title = RULE_TITLES.get(finding.rule, finding.rule)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "claims/finding_list.html",
        {
            "client": client,
            "tab": "findings",
            "summary": selectors.risk_summary(client=client, hide_acknowledged=hide),
            "filter_form": filter_form,
            "page": page,
            "query": query.urlencode(),
            "can_write": can_write(request.user),
            "acknowledge_form": AcknowledgeForm(),
            "jobs": jobs_for_page(request, kind=Job.Kind.ASSESSMENT, client=client),
        },
    )


def _back(request, code: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(reverse("findings:finding-list", args=[code]))


@login_required
@require_POST
def finding_acknowledge(request, code: str, pk: int):
    require_staff(request.user)
    client = client_for_code(request.user, code)
    finding = get_scoped_or_404(Finding.objects.filter(client=client), request.user, pk=pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a comment saying why the warning is acceptable.")
        return _back(request, code)
    try:
        services.finding_acknowledge(finding=finding, user=request.user, comment=form.cleaned_data["comment"])
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Acknowledged: {finding.rule} {finding.fingerprint.split(':', 1)[-1]}.")
    return _back(request, code)


@login_required
@require_POST
def assess_now(request, code: str):
    require_staff(request.user)
    client = client_for_code(request.user, code)
    job = job_create(kind=Job.Kind.ASSESSMENT, requested_by=request.user, client=client)
    services.assessment_request(client_id=client.pk, job_id=job.pk)
    tell_outcome(request, job, waiting="Re-assessment queued for a worker; its progress shows below.")
    return _back(request, code)

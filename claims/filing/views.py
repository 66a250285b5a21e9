"""Pages of a claim's filing package: the list of its files, downloads, and (re)building it.

Every view goes through the tenant boundary: a claim or document outside the user's clients is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from claims.jobs.models import Job
from claims.jobs.services import job_create
from claims.jobs.views import jobs_for_page, tell_outcome
from claims.models import Claim
from drawback.accounts.tenancy import client_for_code, require_staff
from imports.models import Document

from .selectors import PARTS, claim_package_documents
from .services import PACKAGE_STATUSES, FilingError, claim_package_check
from .tasks import claim_package_build_task


def _back(request, *fallback, **kwargs):
    """To the page the form was on (the claim page or its files page), else to `fallback`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(*fallback, **kwargs)


def _claim(request, code: str, pk: int) -> Claim:
    client = client_for_code(request.user, code)
    return get_object_or_404(Claim.objects.select_related("client__firm"), client=client, pk=pk)


@login_required
def claim_files(request, code: str, pk: int):
    claim = _claim(request, code, pk)
    package = claim_package_documents(claim=claim)
    rows = [(part, PARTS[part][2], package.get(part)) for part in PARTS]
    others = claim.documents.exclude(pk__in=[d.pk for d in package.values()])
    return render(
        request,
        "claims/claim_files.html",
        {
            "claim": claim,
            "rows": rows,
            "others": others,
            "can_build": request.user.is_firm_staff and claim.status in PACKAGE_STATUSES,
            "jobs": jobs_for_page(request, kind=Job.Kind.PACKAGE, claim=claim),
        },
    )


@login_required
def claim_file_download(request, code: str, pk: int, doc_id: int):
    claim = _claim(request, code, pk)
    document: Document = get_object_or_404(claim.documents.all(), pk=doc_id)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type or "application/octet-stream",
    )


@login_required
@require_POST
def claim_package_build_view(request, code: str, pk: int):
    require_staff(request.user)  # client users are read-only: 404, like anything they may not touch
    claim = _claim(request, code, pk)
    try:
        claim_package_check(claim=claim)
    except FilingError as exc:
        messages.error(request, str(exc))
    else:
        job = job_create(kind=Job.Kind.PACKAGE, requested_by=request.user, claim=claim)
        user_id = request.user.pk
        transaction.on_commit(lambda: claim_package_build_task.delay(claim.pk, user_id, job.pk))
        tell_outcome(
            request,
            job,
            waiting=f"Filing package of claim {claim.display_number} queued for a worker; "
            "its progress shows below.",
        )
    return _back(request, "filing:claim_files", code=code, pk=pk)

"""The type choice page (firm staff; client users get 404): for each export of the client, the drawback type
that refunds most, why, and the alternative it beat, as last computed. Choosing and saving run on a worker
(claims.manufacturing.services); the page follows their progress and then shows the outcome."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from claims.building.services import BuildError, as_sentence
from claims.jobs.models import Job
from claims.jobs.views import jobs_for_page, tell_outcome
from drawback.accounts.tenancy import client_for_code, require_staff

from . import report, services
from .models import BillOfMaterials, ProductionLot, RejectedReturn, TypeChoiceRun
from .runs import is_stale, latest_run, stored_designations


@login_required
def type_choice(request: HttpRequest, code: str) -> HttpResponse:
    require_staff(request.user)
    client = client_for_code(request.user, code)
    jobs = jobs_for_page(request, kind=Job.Kind.TYPE_CHOICE, client=client) + jobs_for_page(
        request, kind=Job.Kind.TYPE_SAVE, client=client
    )
    run = latest_run(client)
    result = run.result if run else {}
    return render(
        request,
        "claims/type_choice.html",
        {
            "client": client,
            "tab": "claims",
            "filing_date": run.filing_date if run else timezone.localdate(),
            "run": run,
            "stale": run is not None and not jobs and is_stale(run),
            "jobs": jobs,
            "result": result,
            "designations": report.designation_rows(stored_designations(run)) if run else [],
            "saved_claims": list(run.claims.order_by("provision", "number")) if run else [],
            "counts": {
                "boms": BillOfMaterials.objects.filter(client=client).count(),
                "lots": ProductionLot.objects.filter(client=client).count(),
                "returns": RejectedReturn.objects.filter(client=client).count(),
            },
        },
    )


@login_required
@require_POST
def type_choice_start_view(request: HttpRequest, code: str) -> HttpResponse:
    """Choose the types for a filing date, on a worker; the page shows the progress, then the choice."""
    require_staff(request.user)
    client = client_for_code(request.user, code)
    try:
        filing_date = dt.date.fromisoformat(request.POST.get("filing_date", ""))
    except ValueError:
        messages.error(request, "The filing date must be a date YYYY-MM-DD.")
        return redirect("claims:types", code=code)
    try:
        job = services.type_choice_start(client=client, user=request.user, filing_date=filing_date)
    except BuildError as exc:
        messages.error(request, as_sentence(str(exc)))
    else:
        tell_outcome(request, job, waiting="Choosing the drawback types; the progress shows below.")
    return redirect("claims:types", code=code)


@login_required
@require_POST
def type_choice_save_view(request: HttpRequest, code: str) -> HttpResponse:
    """Save the choice shown as draft claims, on a worker (refused there if the data changed since)."""
    require_staff(request.user)
    client = client_for_code(request.user, code)
    pk = request.POST.get("run", "")
    if not pk.isdigit():
        raise Http404
    run = get_object_or_404(TypeChoiceRun, client=client, pk=int(pk))
    try:
        job = services.type_choice_save_start(run=run, user=request.user)
    except BuildError as exc:
        messages.error(request, as_sentence(str(exc)))
    else:
        tell_outcome(
            request, job, waiting="Saving the type choice as draft claims; the progress shows below."
        )
    return redirect("claims:types", code=code)

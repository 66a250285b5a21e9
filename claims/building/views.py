"""Claim building pages (firm staff; client users get 404) and the money at risk page (everyone who may see
the client). Views parse input and call services; the proposal is read from the build as stored."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from claims.jobs.models import Job
from claims.jobs.views import jobs_for_page, tell_outcome
from claims.models import ACCOUNTING_CLASSES, DRAWBACK_PORTS, ClaimBuild
from drawback.accounts.tenancy import client_for_code, require_staff

from . import selectors, services
from .forms import BuildForm
from .money_at_risk import money_at_risk_cached
from .parameters import ParameterError, Pin
from .proposal import METHOD_NAMES

EXPORTS_PER_PAGE = 25
EXCLUSIONS_SHOWN = 300


def _staff_client(request: HttpRequest, code: str):
    require_staff(request.user)
    return client_for_code(request.user, code)


def _build(request: HttpRequest, code: str, pk: int, *, proposal: bool = True):
    client = _staff_client(request, code)
    builds = ClaimBuild.objects.all() if proposal else ClaimBuild.objects.defer("result")
    # Only through its own client: another client's build id under this code is not found.
    return client, get_object_or_404(
        builds.select_related("client__firm", "requested_by"), client=client, pk=pk
    )


@login_required
def build_new(request: HttpRequest, code: str) -> HttpResponse:
    client = _staff_client(request, code)
    form = BuildForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            build = services.claim_build_start(client=client, user=request.user, parameters=form.parameters)
        except services.BuildError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("claims:build-detail", code=code, pk=build.pk)
    return render(
        request,
        "claims/build_form.html",
        {
            "client": client,
            "tab": "claims",
            "form": form,
            "builds": _with_refunds(list(selectors.build_list(client=client)[:20])),
            "builds_total": selectors.build_list(client=client).count(),
            "available_exports": selectors.exports_available_count(client=client),
        },
    )


def _with_refunds(builds: list[ClaimBuild]) -> list[tuple[ClaimBuild, Decimal | None]]:
    refunds = selectors.build_refunds(builds=builds)
    return [(b, Decimal(refunds[b.pk]) if refunds.get(b.pk) else None) for b in builds]


@login_required
def build_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    client, build = _build(request, code, pk)
    params = services.parameters_for(build)
    proposal = build.result if build.status in (ClaimBuild.Status.DONE, ClaimBuild.Status.SAVED) else None
    context = {
        "client": client,
        "tab": "claims",
        "build": build,
        "params": params,
        "parameters": build.parameters,
        "method_name": METHOD_NAMES[params.method],
        "port_name": dict(DRAWBACK_PORTS).get(params.drawback_port, ""),
        "claims": list(build.claims.order_by("provision", "number")),
        "excluded": selectors.excluded_labels(build=build),
        "pins": selectors.pin_labels(build=build),
        "save_jobs": jobs_for_page(request, kind=Job.Kind.BUILD_SAVE, build=build),
    }
    if proposal:
        page, groups = selectors.proposal_page(
            build=build, page_number=request.GET.get("page"), per_page=EXPORTS_PER_PAGE
        )
        exclusions = proposal.get("exclusions", [])
        context.update(
            {
                "proposal": proposal,
                "page": page,
                "groups": groups,
                "totals": [
                    (cls, ACCOUNTING_CLASSES.get(cls, ""), Decimal(v["claim"]), Decimal(v["calculated"]))
                    for cls, v in proposal.get("totals", {}).items()
                ],
                "by_provision": sorted(proposal.get("by_provision", {}).items()),
                "exclusions": exclusions[:EXCLUSIONS_SHOWN],
                "more_exclusions": max(0, len(exclusions) - EXCLUSIONS_SHOWN),
                "pinned_pairs": {(p.line_id, p.export_id) for p in params.pins},
            }
        )
    return render(request, "claims/build_detail.html", context)


@login_required
def build_status(request: HttpRequest, code: str, pk: int) -> JsonResponse:
    """The small JSON the progress bar polls; never loads the proposal."""
    client = _staff_client(request, code)
    status = selectors.build_status(client=client, pk=pk)
    if status is None:
        raise Http404
    return JsonResponse({**status, "client": client.code})


RERUN_ACTIONS = {"again", "exclude_line", "include_line", "exclude_export", "include_export", "pin", "unpin"}


@login_required
@require_POST
def build_rerun(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Run the build again, as it was or with one change: a line or export left out or back in, a
    designation pinned or released."""
    client, build = _build(request, code, pk, proposal=False)
    action = request.POST.get("action", "again")
    if action not in RERUN_ACTIONS:
        raise Http404
    params = services.parameters_for(build)
    try:
        line = int(request.POST.get("line") or 0)
        export = int(request.POST.get("export") or 0)
        if action == "exclude_line":
            params = params.excluding_line(line)
        elif action == "include_line":
            params = params.including_line(line)
        elif action == "exclude_export":
            params = params.excluding_export(export)
        elif action == "include_export":
            params = params.including_export(export)
        elif action == "pin":
            params = params.pinning(Pin(line, export, Decimal(request.POST.get("quantity", ""))))
        elif action == "unpin":
            params = params.unpinning(line, export)
        new = services.claim_build_rerun(build=build, user=request.user, parameters=params)
    except (ValueError, ArithmeticError, ParameterError, services.BuildError) as exc:
        messages.error(request, f"Could not run again: {exc}")
        return redirect("claims:build-detail", code=code, pk=build.pk)
    return redirect("claims:build-detail", code=code, pk=new.pk)


@login_required
@require_POST
def build_save(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Ask a worker to save the proposal; the build's page follows the save and ends on the saved claims."""
    client, build = _build(request, code, pk, proposal=False)  # the service reads the proposal itself
    try:
        job = services.claim_build_save_start(build=build, user=request.user)
    except services.BuildError as exc:
        messages.error(request, services.as_sentence(str(exc)))
    else:
        tell_outcome(request, job, waiting="Saving the proposal as draft claims; its progress shows below.")
    return redirect("claims:build-detail", code=code, pk=build.pk)


@login_required
def money_at_risk_page(request: HttpRequest, code: str) -> HttpResponse:
    client = client_for_code(request.user, code)
    risk = money_at_risk_cached(client=client)
    page = Paginator(risk.lines, 200).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/money_at_risk.html",
        {"client": client, "tab": "money_at_risk", "risk": risk, "page": page},
    )

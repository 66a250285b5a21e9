"""Claim pages: a client's claims, and one claim with its timeline, totals, designations, pre-flight
results, review history and the actions the current user may take. Views parse input and call services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from drawback.accounts.tenancy import client_for_code, require_staff
from drawback.lib.money import format_usd
from reviews.selectors import claim_reviews, comments_by_target, latest_return

from . import selectors, services
from .filing.selectors import PARTS, claim_package_documents
from .filing.services import PACKAGE_STATUSES
from .jobs.models import Job
from .jobs.views import jobs_for_page
from .lifecycle import FILED_STATUSES, TransitionError
from .models import ACCOUNTING_CLASSES, Claim
from .preflight import PreflightIssue
from .privileges.services import bond_room_for

# A page of designations stays readable (explanations folded); the workbook and the PDF hold them all.
DESIGNATIONS_PER_PAGE = 50


@login_required
def claim_list(request: HttpRequest, code: str) -> HttpResponse:
    client = client_for_code(request.user, code)
    status = request.GET.get("status") or None
    stage = request.GET.get("stage") if request.GET.get("stage") in selectors.STAGES else None
    claims = selectors.claim_list(user=request.user, client=client, status=status, stage=stage)
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/claim_list.html",
        {
            "client": client,
            "tab": "claims",
            "page": page,
            "statuses": Claim.Status.choices,
            "status": status or "",
            "stage": stage or "",
            "stage_label": selectors.STAGES[stage][0] if stage else "",
        },
    )


def _open_return(claim: Claim):
    """The reviewers' return the preparer is working on: shown until the claim is sent to review again."""
    if claim.status not in (Claim.Status.RETURNED, Claim.Status.DRAFT):
        return None
    recent = list(claim.transitions.order_by("-at", "-id").values_list("to_status", flat=True)[:2])
    if Claim.Status.RETURNED not in recent:
        return None
    return latest_return(claim=claim)


def _issues(run) -> list[PreflightIssue]:
    return [PreflightIssue(**i) for i in run.issues] if run else []


@login_required
def claim_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    client = client_for_code(request.user, code)
    claim = selectors.claim_get(user=request.user, pk=pk, client=client)
    run = selectors.claim_latest_preflight(claim=claim)
    # Reviewers' comments and decisions are the firm's work: a client user sees the claim without them.
    staff = request.user.is_firm_staff
    comments = (
        comments_by_target(claim=claim) if staff else {"designation": {}, "import_line": {}, "export": {}}
    )
    designations = Paginator(selectors.claim_designations(claim=claim), DESIGNATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    issues = _issues(run)
    issues_by_designation: dict[int, list[PreflightIssue]] = {}
    for issue in issues:
        if issue.designation_id:
            issues_by_designation.setdefault(issue.designation_id, []).append(issue)
    rows = [
        {
            "d": d,
            "comments": comments["designation"].get(d.pk, [])
            + comments["import_line"].get(d.import_line_id, [])
            + comments["export"].get(d.export_id, []),
            "issues": issues_by_designation.get(d.pk, []),
            "amounts": sorted(d.amounts.items()),
        }
        for d in designations
    ]
    totals = list(claim.class_totals.all())
    actions = selectors.claim_actions(claim=claim, user=request.user)
    package = claim_package_documents(claim=claim)
    show_package = bool(package) or claim.status in PACKAGE_STATUSES
    context = {
        "client": client,
        "tab": "claims",
        "claim": claim,
        "timeline": selectors.claim_timeline(claim=claim, for_client=not staff),
        "totals": [(t, ACCOUNTING_CLASSES.get(t.accounting_class, "")) for t in totals],
        "grand_total": format_usd(sum((t.claim_amount for t in totals), start=0)),
        "rows": rows,
        "designations": designations,
        "run": run,
        "issues": issues,
        "reviews": claim_reviews(claim=claim) if staff else [],
        "returned": _open_return(claim) if staff else None,
        "actions": actions,
        # The CBP panel below carries its own buttons (check CBP, answer a request).
        # Actions offered only in the CBP panel do not make an actions card of their own.
        "actions_card": bool(
            set(actions) - {"check_cbp", "respond", "protest_discard", "cbp_notice", "cbp_notice_confirm"}
        ),
        "corrections": list(claim.corrections.order_by("created_at")),
        "package": [(PARTS[part][2], package.get(part)) for part in PARTS] if show_package else None,
        "package_jobs": jobs_for_page(request, kind=Job.Kind.PACKAGE, claim=claim) if show_package else [],
        "show_cbp": claim.status == Claim.Status.READY_TO_FILE or claim.status in FILED_STATUSES,
        "cbp_jobs": jobs_for_page(request, kind=Job.Kind.CBP_CHECK),
    }
    return render(request, "claims/claim_detail.html", context)


def _staff_claim(request: HttpRequest, code: str, pk: int) -> Claim:
    require_staff(request.user)
    client = client_for_code(request.user, code)
    return selectors.claim_get(user=request.user, pk=pk, client=client)


@login_required
@require_POST
def claim_action(request: HttpRequest, code: str, pk: int, action: str) -> HttpResponse:
    """Run one action from the claim page. Client users get 404: they read their claims but act on none."""
    claim = _staff_claim(request, code, pk)
    user = request.user
    target = claim
    try:
        if action == "validate":
            result = services.claim_validate(claim=claim, by=user)
            if result.validated:
                messages.success(
                    request, f"Pre-flight passed with {len(result.warnings)} warning(s); claim validated."
                )
            else:
                messages.error(
                    request, f"Pre-flight found {len(result.errors)} error(s); the claim stays a draft."
                )
        elif action == "preflight":
            issues, run = services.preflight_run(claim=claim, by=user)
            messages.info(request, f"Pre-flight: {run.error_count} error(s), {run.warning_count} warning(s).")
        elif action == "submit":
            from reviews.services import review_start

            review_start(claim=claim, by=user)
            messages.success(request, "Sent to first review.")
        elif action == "reopen":
            services.claim_reopen(claim=claim, by=user, reason=request.POST.get("reason", ""))
            messages.success(request, "The claim is a draft again.")
        elif action == "withdraw":
            services.claim_withdraw(claim=claim, by=user, reason=request.POST.get("reason", ""))
            messages.success(request, "Claim withdrawn; its designated quantities are free again.")
        elif action == "correct":
            target = services.claim_correction_create(claim=claim, by=user)
            messages.success(
                request, f"Correction created as a new draft replacing claim {claim.display_number}."
            )
        elif action in ("accelerated_payment_request", "accelerated_payment_stop"):
            requested = action == "accelerated_payment_request"
            services.claim_accelerated_payment_set(claim=claim, requested=requested, by=user)
            messages.success(request, _accelerated_payment_message(claim, requested))
        else:
            raise Http404
    except (services.ClaimError, TransitionError) as exc:
        messages.error(request, str(exc))
    return redirect("claims:detail", code=code, pk=target.pk)


def _accelerated_payment_message(claim: Claim, requested: bool) -> str:
    if not requested:
        return "Accelerated payment no longer requested."
    _, carries = bond_room_for(claim=claim)
    text = "Accelerated payment requested."
    if not carries:
        text += " The bond's headroom does not cover this claim; pre-flight will warn (PF-15)."
    return text


@login_required
@require_POST
def designation_remove(request: HttpRequest, code: str, pk: int, designation_pk: int) -> HttpResponse:
    claim = _staff_claim(request, code, pk)
    designation = get_object_or_404(claim.designations, pk=designation_pk)
    try:
        services.designation_remove(designation=designation, by=request.user)
        messages.success(request, "Designation removed; its quantity is available again.")
    except services.ClaimError as exc:
        messages.error(request, str(exc))
    return redirect("claims:detail", code=code, pk=claim.pk)

"""Review pages: the queue of each level with the age of each claim, and the review form with the level's
checklist and a comment box per designation. Firm staff only (client users get 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from claims import selectors as claim_selectors
from claims.lifecycle import REVIEW_MOVES, TransitionError, move_refusal
from claims.models import Claim
from drawback.accounts.tenancy import client_for_code, require_staff

from . import selectors, services
from .models import Level

DESIGNATIONS_PER_PAGE = 200


@login_required
def review_queue(request: HttpRequest, level: int) -> HttpResponse:
    require_staff(request.user)
    if level not in Level.values:
        raise Http404
    items = selectors.review_queue(user=request.user, level=level)
    return render(request, "reviews/review_queue.html", {"level": Level(level), "items": items})


def _line_comments(post) -> list[services.LineComment]:
    comments = []
    for key, text in post.items():
        if key.startswith("comment-d-") and text.strip():
            comments.append(
                services.LineComment(text=text, designation_id=int(key.removeprefix("comment-d-")))
            )
    return comments


def _approved_text(claim: Claim, level: int, reviewer) -> str:
    """What approving did, and who was told of it (claims.cbp.notifications.notify_review)."""
    from claims.cbp.notifications import second_level_reviewers

    done = f"{Level(level).label} of claim {claim.display_number} approved"
    if level == Level.SECOND:
        return f"{done}: ready to file; {claim.preparer.get_username()} (its preparer) has been notified."
    names = [user.get_username() for user in second_level_reviewers(claim, first_reviewer=reviewer)]
    if not names:
        return f"{done}; no one else in the firm may take its second review."
    return f"{done}; notified for the second review: {', '.join(names)}."


@login_required
def review_form(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    require_staff(request.user)
    client = client_for_code(request.user, code)
    claim = claim_selectors.claim_get(user=request.user, pk=pk, client=client)
    level = services.RETURNABLE.get(claim.status)
    if level is None:
        messages.info(request, f"Claim {claim.display_number} is not in review.")
        return redirect("claims:detail", code=code, pk=pk)
    can_approve = claim.status in services.LEVEL_STATUS.values()
    if request.method == "POST":
        decision = request.POST.get("decision")
        ticked = [int(i) for i in request.POST.getlist("item") if i.isdigit()]
        comment = request.POST.get("comment", "")
        try:
            if decision == "approve" and can_approve:
                services.review_approve(
                    claim=claim,
                    by=request.user,
                    level=level,
                    ticked=ticked,
                    comment=comment,
                    line_comments=_line_comments(request.POST),
                )
                messages.success(request, _approved_text(claim, level, request.user))
                return redirect("reviews:queue", level=level)
            if decision == "return":
                services.review_return(
                    claim=claim,
                    by=request.user,
                    comment=comment,
                    line_comments=_line_comments(request.POST),
                    ticked=ticked,
                )
                messages.success(
                    request,
                    f"Claim {claim.display_number} returned to its preparer, "
                    f"{claim.preparer.get_username()}, who has been notified.",
                )
                return redirect("reviews:queue", level=level)
            messages.error(request, "Choose approve or return.")
        except (services.ReviewError, TransitionError) as exc:
            messages.error(request, str(exc))
    designations = Paginator(claim_selectors.claim_designations(claim=claim), DESIGNATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    next_status = services.APPROVED_STATUS[level] if can_approve else Claim.Status.RETURNED
    refusal = move_refusal(claim, next_status, request.user)
    run = claim_selectors.claim_latest_preflight(claim=claim)
    context = {
        "client": client,
        "claim": claim,
        "level": Level(level),
        "items": services.checklist_items(level),
        "ticked": {int(i) for i in request.POST.getlist("item") if i.isdigit()},
        "designations": designations,
        "can_approve": can_approve,
        "refusal": refusal if (claim.status, next_status) in REVIEW_MOVES else "",
        "reviews": selectors.claim_reviews(claim=claim),
        "run": run,
        "totals": list(claim.class_totals.all()),
    }
    return render(request, "reviews/review_form.html", context)

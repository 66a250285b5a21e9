"""Template tags for the CBP side of a claim: nav alerts, the claim's CBP panel, overdue flags."""

from django import template
from django.utils import timezone

from claims.cbp import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def cbp_alert_counts(context) -> dict:
    """{"overdue": n, "unread": n} for the signed-in user; overdue requests count for firm staff only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"overdue": 0, "unread": 0, "staff": False}
    return {
        "overdue": selectors.overdue_cbp_requests(user).count() if user.is_firm_staff else 0,
        "unread": selectors.unread_notification_count(user),
        "staff": user.is_firm_staff,
    }


@register.inclusion_tag("claims/_cbp_panel.html", takes_context=True)
def claim_cbp_panel(context, claim) -> dict:
    """The claim's CBP tab. Claim pages include it with {% load cbp %}{% claim_cbp_panel claim %}; the page
    passes the CBP checks in progress as `cbp_jobs`."""
    from claims.selectors import claim_actions

    from ..cbp.forms import ProtestDecisionForm, ProtestForm

    request = context.get("request")
    user = getattr(request, "user", None)
    actions = claim_actions(claim=claim, user=user) if user is not None and user.is_authenticated else []
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "overview": selectors.claim_cbp_overview(claim=claim),
        "actions": actions,
        "jobs": context.get("cbp_jobs") or [],
        "protest_form": ProtestForm(initial={"filed_on": timezone.localdate()}),
        "decision_form": ProtestDecisionForm(initial={"decided_on": timezone.localdate()}),
    }


@register.simple_tag
def cbp_overdue_count(claim) -> int:
    """Overdue CBP requests of a claim, from `with_overdue_request_count` when the list annotated it."""
    annotated = getattr(claim, "overdue_cbp_requests", None)
    if annotated is not None:
        return annotated
    return claim.cbp_requests.filter(status="open", due_on__lt=timezone.localdate()).count()

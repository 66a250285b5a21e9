"""Reads for the prospects pages: the firm the public site works for, leads as staff list them, the FAQ."""

from django.conf import settings
from django.db.models import Q, QuerySet

from drawback.accounts.models import Firm, User

from .models import Assessment, FaqEntry, Lead


def public_firm() -> Firm | None:
    """The firm public submissions go to: PROSPECTS_FIRM_FILER_CODE, else the first firm."""
    firms = Firm.objects.order_by("pk")
    if settings.PROSPECTS_FIRM_FILER_CODE:
        firms = firms.filter(filer_code=settings.PROSPECTS_FIRM_FILER_CODE)
    return firms.first()


def firm_staff(*, firm: Firm) -> QuerySet[User]:
    return (
        User.objects.filter(firm=firm, is_active=True)
        .exclude(role=User.Role.CLIENT_USER)
        .order_by("first_name", "last_name", "username")
    )


def lead_list_for(
    *, user: User, q: str = "", status: str = "", source: str = "", rating: str = "", owner: str = ""
):
    """The leads of the user's firm, filtered; newest first."""
    leads = Lead.objects.filter(firm_id=user.firm_id).select_related("owner", "assessment")
    if status:
        leads = leads.filter(status=status)
    if rating:
        leads = leads.filter(rating=rating)
    if source == "questionnaire":
        leads = leads.filter(assessment__isnull=True)
    elif source == "assessment":
        leads = leads.filter(assessment__isnull=False)
    if owner == "none":
        leads = leads.filter(owner__isnull=True)
    elif owner.isdigit():
        leads = leads.filter(owner_id=int(owner))
    if q.strip():
        words = q.strip()
        leads = leads.filter(
            Q(company__icontains=words)
            | Q(contact_name__icontains=words)
            | Q(email__icontains=words)
            | Q(notes__text__icontains=words)
        ).distinct()
    return leads.order_by("-created_at", "-id")


def lead_for(*, user: User, pk: int) -> Lead:
    """A lead of the user's firm (Lead.DoesNotExist otherwise: views answer 404)."""
    return Lead.objects.select_related("owner", "client", "firm").get(pk=pk, firm_id=user.firm_id)


def new_lead_count(*, user: User) -> int:
    if not user.is_authenticated or user.is_client_user or not user.firm_id:
        return 0
    return Lead.objects.filter(firm_id=user.firm_id, status=Lead.Status.NEW).count()


def assessment_by_token(token) -> Assessment | None:
    return Assessment.objects.filter(token=token).select_related("firm", "lead").first()


def faq_entries(*, q: str = "") -> QuerySet[FaqEntry]:
    """Published entries in category order; `q` keeps those whose question or answer hold every word."""
    entries = FaqEntry.objects.filter(published=True).select_related("category")
    for word in q.split()[:8]:
        entries = entries.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return entries.order_by("category__order", "category__name", "order", "id")

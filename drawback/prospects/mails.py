"""E-mails of the prospects' path: resume links, the estimate released, staff told of a new assessment,
client users invited. Plain text, sent by Django's mail (tasks.py queues them after commit, so a mail
server that is down delays a mail without failing the page). Links are absolute, from the base URL of the
request that caused the mail."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from drawback.accounts.models import User

from .invitations import invitation_path, invitation_pending
from .models import Assessment, Lead, LeadEvent
from .selectors import firm_staff
from .services import resume_token


def _send(subject: str, body: str, to: list[str]) -> None:
    if to:
        send_mail(subject=subject, message=body, from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=to)


def resume_link_body(assessment: Assessment, base_url: str) -> str:
    link = base_url + reverse("prospects:assessment_resume", args=[resume_token(assessment)])
    return (
        f"Hello,\n\nHere is the link to your drawback assessment with {assessment.firm.name}. It opens your "
        f"answers where you left them, on any device:\n\n{link}\n\n"
        f"The link works for {settings.PROSPECT_RESUME_LINK_DAYS} days and only for this assessment; "
        "keep it to yourself.\n"
    )


def resume_link_mail(*, assessment_id: int, base_url: str) -> None:
    assessment = Assessment.objects.select_related("firm").get(pk=assessment_id)
    _send(
        f"Your drawback assessment with {assessment.firm.name}",
        resume_link_body(assessment, base_url),
        [assessment.email],
    )


def estimate_released_mail(*, assessment_id: int, base_url: str) -> None:
    assessment = Assessment.objects.select_related("firm").get(pk=assessment_id)
    link = base_url + reverse("prospects:assessment_resume", args=[resume_token(assessment)])
    _send(
        "Your preliminary drawback estimate is ready",
        f"Hello,\n\n{assessment.firm.name} has reviewed the estimate computed from the files you sent. "
        f"You can see it here:\n\n{link}\n\nIt is preliminary: the refund is settled only when the claims "
        "are prepared, reviewed and filed.\n",
        [assessment.email],
    )


def staff_new_assessment_mail(*, lead_id: int, base_url: str) -> None:
    """Tell the firm's staff (the owner first, if any) that an assessment came in."""
    lead = Lead.objects.select_related("firm", "owner").get(pk=lead_id)
    link = base_url + reverse("prospects:lead_detail", args=[lead.pk])
    to = [u.email for u in firm_staff(firm=lead.firm) if u.email]
    _send(
        f"New drawback assessment: {lead.company}",
        f"{lead.company} sent a full assessment ({lead.contact_name}, {lead.email}).\n\n{link}\n",
        to,
    )


def invitation_mail(*, user_id: int, base_url: str, lead_id: int | None = None) -> None:
    """Invite a client user to set their password. Sends nothing once they have one."""
    user = User.objects.select_related("client__firm").get(pk=user_id)
    if not invitation_pending(user) or not user.email:
        return
    firm = user.client.firm.name
    link = base_url + invitation_path(user)
    _send(
        f"Your access to {user.client.legal_name}'s drawback claims",
        f"Hello {user.first_name or user.username},\n\n{firm} has opened an account for you to follow "
        f"{user.client.legal_name}'s drawback claims.\n\nYour user name: {user.username}\n\n"
        f"Choose your password here (the link works once, for {settings.INVITATION_DAYS} days):\n\n{link}\n",
        [user.email],
    )
    if lead_id:
        LeadEvent.objects.create(lead_id=lead_id, action=LeadEvent.Action.INVITATION, text=user.email)

"""Telling people about a claim's events with CBP: in the app and by e-mail.

Who hears what: the client's contacts (Client.contact_emails) and the claim's analyst (its preparer) by
e-mail; the analyst and the client's active users in the app. E-mail goes out from a task queued after
the transaction commits, so a move that rolls back tells nobody and a mail server that is down delays
the mail without losing it (the Notification row waits with sent_at empty).
"""

from django.db import transaction
from django.utils import timezone

from drawback.lib.money import format_usd

from .models import Notification

Event = Notification.Event

# Claim status reached -> event told. Returning to "accepted" after answering a CBP request is not news.
STATUS_EVENTS = {
    "filed": Event.FILED,
    "accepted": Event.ACCEPTED,
    "rejected": Event.REJECTED,
    "info_requested": Event.CF28,
    "action_proposed": Event.CF29,
    "accelerated_paid": Event.ACCELERATED_PAYMENT,
    "liquidated": Event.LIQUIDATION,
    "deemed_liquidated": Event.LIQUIDATION,
}


def event_text(*, claim, event: str, detail: str = "") -> str:
    label = Event(event).label
    who = f"Claim {claim.display_number} ({claim.client.legal_name})"
    text = f"{who}: {label.lower().replace('cbp', 'CBP')}."
    if event == Event.FILED and claim.filed_on:
        text = f"{who} was filed with CBP on {claim.filed_on}."
    if detail:
        text = f"{text} {detail}"
    return text


def contact_emails(client) -> list[str]:
    return [line.strip() for line in (client.contact_emails or "").splitlines() if line.strip()]


def notify(*, claim, event: str, detail: str = "") -> list[Notification]:
    """Record the event for each recipient and queue the e-mails after commit. Returns the rows."""
    from drawback.accounts.models import User

    text = event_text(claim=claim, event=event, detail=detail)
    rows: list[Notification] = []
    analyst = claim.preparer
    seen_emails: set[str] = set()
    if analyst is not None and analyst.is_active:
        email = analyst.email.strip()
        rows.append(Notification(user=analyst, email=email, claim=claim, event=event, text=text))
        seen_emails.add(email.lower())
    for user in User.objects.filter(client=claim.client, role=User.Role.CLIENT_USER, is_active=True).order_by(
        "pk"
    ):
        rows.append(Notification(user=user, email="", claim=claim, event=event, text=text))
    for email in contact_emails(claim.client):
        if email.lower() not in seen_emails:
            seen_emails.add(email.lower())
            rows.append(Notification(user=None, email=email, claim=claim, event=event, text=text))
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.email]
    if ids:
        from .tasks import notifications_send

        transaction.on_commit(lambda: notifications_send.delay(ids))
    return created


def notifications_send(*, ids: list[int]) -> int:
    """E-mail the notifications not yet sent. Safe to repeat: a sent row is skipped. Returns the count."""
    from django.conf import settings
    from django.core.mail import send_mail

    sent = 0
    for notification in (
        Notification.objects.filter(pk__in=ids, sent_at=None).exclude(email="").select_related("claim")
    ):
        # Claim the row first so two workers do not both send it.
        if not Notification.objects.filter(pk=notification.pk, sent_at=None).update(sent_at=timezone.now()):
            continue
        subject = f"Drawback claim {notification.claim.display_number}: {notification.get_event_display()}"
        try:
            send_mail(
                subject=subject,
                message=notification.text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[notification.email],
            )
        except Exception as exc:
            Notification.objects.filter(pk=notification.pk).update(sent_at=None, error=str(exc)[:500])
            raise
        sent += 1
    return sent


def notify_on_transition(claim, from_status: str, to_status: str, by) -> None:
    """claims.lifecycle EFFECTS hook: tell people when the claim reaches a status that is news."""
    event = STATUS_EVENTS.get(to_status)
    if event is None:
        return
    if to_status == "accepted" and from_status != "filed":
        return
    notify(claim=claim, event=event, detail=_detail(claim, event))


def _detail(claim, event: str) -> str:
    if event == Event.ACCELERATED_PAYMENT:
        payment = claim.payments.filter(kind="accelerated").order_by("-paid_on", "-id").first()
        if payment:
            return f"CBP paid {format_usd(payment.total)} on {payment.paid_on}."
    if event == Event.LIQUIDATION:
        liquidation = getattr(claim, "liquidation", None)
        if liquidation and liquidation.liquidated_on:
            how = "deemed liquidated" if liquidation.deemed else "liquidated"
            return f"{how.capitalize()} on {liquidation.liquidated_on} at {format_usd(liquidation.total)}."
    if event in (Event.CF28, Event.CF29):
        request = claim.cbp_requests.filter(kind=event).order_by("-id").first()
        if request:
            return f"Response due {request.due_on}."
    if event == Event.REJECTED:
        message = claim.cbp_messages.filter(kind="rejected").order_by("-id").first()
        if message:
            return "Conditions: " + "; ".join(f"{c['code']} {c['text']}" for c in message.conditions) + "."
    return ""


def register() -> None:
    from claims.lifecycle import EFFECTS

    if notify_on_transition not in EFFECTS:
        EFFECTS.append(notify_on_transition)

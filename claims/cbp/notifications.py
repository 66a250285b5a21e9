"""Telling people about a claim's events, and about their client as a whole: in the app and by e-mail.

Who hears what about a claim: of the events with CBP, the client's contacts (Client.contact_emails) and
the claim's analyst (its preparer) by e-mail, the analyst and the client's active users in the app. Of the
review, only the firm's people who act next: the preparer hears of a return and of the final approval, the
second-level reviewers of a first-level approval (in the app and by e-mail). Notices about the client
(`notify_client`: a privilege expiring, the bond running short, the dashboard digest) go to whom the
caller names, once per `key`. E-mail goes out from a task queued after the transaction commits, so a move
that rolls back tells nobody and a mail server that is down delays the mail without losing it (the
Notification row waits with sent_at empty).
"""

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import in_sentence
from drawback.lib.money import format_usd

from .models import Notification

Event = Notification.Event

# Review decisions (from status, to status) -> event told to whoever acts next.
REVIEW_EVENTS = {
    ("first_review", "returned"): Event.RETURNED,
    ("second_review", "returned"): Event.RETURNED,
    ("ready_to_file", "returned"): Event.RETURNED,
    ("first_review", "second_review"): Event.SECOND_REVIEW,
    ("second_review", "ready_to_file"): Event.READY_TO_FILE,
}
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
    text = f"{who}: {in_sentence(label)}."
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
        rows.append(
            Notification(user=analyst, email=email, claim=claim, client=claim.client, event=event, text=text)
        )
        seen_emails.add(email.lower())
    for user in User.objects.filter(client=claim.client, role=User.Role.CLIENT_USER, is_active=True).order_by(
        "pk"
    ):
        rows.append(
            Notification(user=user, email="", claim=claim, client=claim.client, event=event, text=text)
        )
    for email in contact_emails(claim.client):
        if email.lower() not in seen_emails:
            seen_emails.add(email.lower())
            rows.append(
                Notification(user=None, email=email, claim=claim, client=claim.client, event=event, text=text)
            )
    return _record(rows)


def _record(rows: list[Notification]) -> list[Notification]:
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.email]
    if ids:
        from .tasks import notifications_send

        transaction.on_commit(lambda: notifications_send.delay(ids))
    return created


def notify_client(
    *,
    client,
    event: str,
    text: str,
    subject: str,
    key: str,
    users=(),
    emails=(),
    attachment: tuple[str, bytes] | None = None,
    data: dict | None = None,
) -> list[Notification]:
    """Tell `users` (in the app) and `emails` about the client, once per key: a recipient who was already
    told under this event and key is skipped, so running it again tells nobody twice. `attachment` is
    (file name, content) for the e-mails. Returns the rows created now; e-mails are queued after commit."""
    created: list[Notification] = []
    for user in users:
        if Notification.objects.filter(event=event, key=key, user=user).exists():
            continue
        created += _create_once(
            Notification(user=user, email="", client=client, event=event, subject=subject, text=text, key=key)
        )
    seen: set[str] = set()
    for email in emails:
        email = email.strip()
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        if Notification.objects.filter(event=event, key=key, user=None, email__iexact=email).exists():
            continue
        row = Notification(
            user=None,
            email=email,
            client=client,
            event=event,
            subject=subject,
            text=text,
            key=key,
            data=data or {},
        )
        if attachment:
            row.attachment.save(attachment[0], ContentFile(attachment[1]), save=False)
        created += _create_once(row)
    ids = [n.pk for n in created if n.email]
    if ids:
        from .tasks import notifications_send

        transaction.on_commit(lambda: notifications_send.delay(ids))
    return created


def _create_once(row: Notification) -> list[Notification]:
    """Insert the row unless another process inserted the same key meanwhile (the unique constraint)."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if row.attachment:
            row.attachment.delete(save=False)
        return []
    return [row]


def notify_staff(*, claim, event: str, users, detail: str = "") -> list[Notification]:
    """Tell these people of the firm (in the app, and by e-mail where they have an address)."""
    text = event_text(claim=claim, event=event, detail=detail)
    rows = [
        Notification(
            user=user, email=user.email.strip(), claim=claim, client=claim.client, event=event, text=text
        )
        for user in users
        if user is not None and user.is_active
    ]
    return _record(rows)


def second_level_reviewers(claim, *, first_reviewer):
    """Who may take the second review: the firm's reviewers and firm admins, neither the preparer nor the
    first reviewer (claims.lifecycle.move_refusal)."""
    from claims.lifecycle import REVIEWER_ROLES
    from drawback.accounts.models import User

    return (
        User.objects.filter(firm_id=claim.client.firm_id, role__in=REVIEWER_ROLES, is_active=True)
        .exclude(pk=claim.preparer_id)
        .exclude(pk=getattr(first_reviewer, "pk", None))
        .order_by("pk")
    )


def notify_review(claim, event: str, by) -> list[Notification]:
    """A review decision, told to whoever acts next, with the reviewer's words."""
    last = claim.transitions.order_by("-at", "-id").first()
    said = (last.reason.split(": ", 1)[1] if last and ": " in last.reason else "").strip()
    who = by.get_username() if by is not None else "a reviewer"
    if event == Event.RETURNED:
        detail = (
            f"Returned by {who}" + (f": {said}" if said else "") + ". Correct it and send it to review again."
        )
        return notify_staff(claim=claim, event=event, users=[claim.preparer], detail=detail)
    if event == Event.SECOND_REVIEW:
        detail = f"First review approved by {who}; it waits in the second-review queue."
        return notify_staff(
            claim=claim, event=event, users=second_level_reviewers(claim, first_reviewer=by), detail=detail
        )
    detail = f"Second review approved by {who}: build its filing package and file it with CBP."
    return notify_staff(claim=claim, event=event, users=[claim.preparer], detail=detail)


def notifications_send(*, ids: list[int]) -> int:
    """E-mail the notifications not yet sent. Safe to repeat: a sent row is skipped. Returns the count."""
    from django.conf import settings
    from django.core.mail import EmailMessage, send_mail

    sent = 0
    for notification in (
        Notification.objects.filter(pk__in=ids, sent_at=None).exclude(email="").select_related("claim")
    ):
        # Claim the row first so two workers do not both send it.
        if not Notification.objects.filter(pk=notification.pk, sent_at=None).update(sent_at=timezone.now()):
            continue
        subject = notification.subject or (
            f"Drawback claim {notification.claim.display_number}: {notification.get_event_display()}"
        )
        unsubscribe = (notification.data or {}).get("unsubscribe_url")
        try:
            if notification.attachment or unsubscribe:
                _send_message(EmailMessage, notification, subject, unsubscribe, settings.DEFAULT_FROM_EMAIL)
            else:
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


def _send_message(message_class, notification: Notification, subject: str, unsubscribe: str, sender: str):
    headers = {}
    if unsubscribe:
        # RFC 2369 and RFC 8058: mail programs offer a one-click "unsubscribe" from these headers.
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    message = message_class(
        subject=subject, body=notification.text, from_email=sender, to=[notification.email], headers=headers
    )
    if notification.attachment:
        name = notification.attachment.name.rsplit("/", 1)[-1]
        with notification.attachment.open("rb") as f:
            message.attach(name, f.read(), "application/pdf" if name.endswith(".pdf") else None)
    message.send()


def notify_on_transition(claim, from_status: str, to_status: str, by) -> None:
    """claims.lifecycle EFFECTS hook: tell people when the claim reaches a status that is news."""
    review_event = REVIEW_EVENTS.get((from_status, to_status))
    if review_event is not None:
        notify_review(claim, review_event, by)
        return
    if from_status == "protest_filed":
        return  # claims.cbp.services.protest_decide tells CBP's decision itself
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

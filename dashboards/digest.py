"""The dashboard digest: each client contact receives, weekly or monthly as set for them, the dashboard's
numbers, what changed in the week or month just ended and since their last digest, what is needed from
the client, and the dashboard as a PDF; with a signed link to stop them without logging in.

Sent through the notification machinery (claims.cbp.notifications.notify_client) under the key of the
period: a contact is sent one digest per period, however often the job runs. The PDF is drawn once per
client and run, only when some contact of the client still has the period's digest to receive.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from claims.cbp.models import Notification, Payment
from claims.cbp.notifications import STATUS_EVENTS, notify_client
from claims.models import Claim, ClaimTransition
from drawback.accounts import digests
from drawback.accounts.models import Client, DigestSubscription
from drawback.lib.money import ZERO, format_usd

from . import figures, report

Frequency = DigestSubscription.Frequency
EVENT = Notification.Event.DIGEST
# Moves a client hears of: CBP's, and the claim's filing and closing (not the firm's review steps).
NEWS = {**{status: event.label for status, event in STATUS_EVENTS.items()}, Claim.Status.CLOSED: "Closed"}


@dataclass(frozen=True)
class Period:
    key: str  # "weekly:2026-W49", "monthly:2026-11"
    first: dt.date
    last: dt.date
    label: str


def period_for(frequency: str, today: dt.date) -> Period:
    """The last complete week (Monday to Sunday) or month before `today`."""
    if frequency == Frequency.WEEKLY:
        last = today - dt.timedelta(days=today.weekday() + 1)
        first = last - dt.timedelta(days=6)
        year, week, _ = first.isocalendar()
        return Period(f"weekly:{year}-W{week:02d}", first, last, f"week of {first} to {last}")
    last = today.replace(day=1) - dt.timedelta(days=1)
    first = last.replace(day=1)
    return Period(f"monthly:{first:%Y-%m}", first, last, first.strftime("%B %Y"))


def _figures(board: figures.Dashboard) -> dict:
    return {
        "received_year": str(board.money.this_year),
        "outstanding": str(board.money.outstanding),
        "next_quarter": str(board.next_quarter),
        "projected": str(board.projected_total),
    }


def digest_text(*, board: figures.Dashboard, period: Period, previous: dict | None, opt_out: str) -> str:
    """The e-mail's text: the numbers, what changed, what is needed, the stages, and the links."""
    client, today = board.client, board.today
    payments = Payment.objects.filter(
        claim__client=client, paid_on__gte=period.first, paid_on__lte=period.last
    ).order_by()
    received = ZERO
    for kind, total in payments.values("kind").annotate(total=Sum("total")).values_list("kind", "total"):
        received += -total if kind == Payment.Kind.BILL else total
    moves = list(
        ClaimTransition.objects.filter(
            claim__client=client,
            to_status__in=list(NEWS),
            at__date__gte=period.first,
            at__date__lte=period.last,
        )
        .select_related("claim")
        .order_by("at", "pk")
    )
    lines = [
        f"{client.legal_name}: drawback, {period.label}",
        "",
        f"Received in the period: {format_usd(received)} ({payments.count()} payment(s)).",
        f"Received in {today.year}: {format_usd(board.money.this_year)}.",
        f"Claimed, not yet paid: {format_usd(board.money.outstanding)} on {board.money.outstanding_claims} "
        "claim(s) with CBP.",
        f"Projected in the next 3 months: {format_usd(board.next_quarter)}; over 18 months: "
        f"{format_usd(board.projected_total)}.",
        "",
        "What changed" + (f" since the last digest ({previous['period_last']})" if previous else "") + ":",
    ]
    for move in moves:
        lines.append(f"- Claim {move.claim.display_number}: {NEWS[move.to_status]} on {move.at:%Y-%m-%d}.")
    if previous:
        for key, words in (
            ("received_year", "received this year"),
            ("outstanding", "claimed, not yet paid"),
            ("projected", "projected over 18 months"),
        ):
            before, now = Decimal(previous.get(key, "0")), Decimal(_figures(board)[key])
            if before != now:
                lines.append(f"- {words.capitalize()}: {format_usd(before)} then, {format_usd(now)} now.")
    if len(lines) and lines[-1].startswith("What changed"):
        lines.append("- Nothing new.")
    lines += ["", "Needed from you:"]
    needs = board.needs
    for r in needs.requests:
        late = " (overdue)" if r.due_on < today else ""
        lines.append(
            f"- {r.get_kind_display()} {r.reference} on claim {r.claim.display_number}: due {r.due_on}{late}."
        )
    for d in needs.documents:
        lines.append(f"- {d.count} x {d.title.lower()}.")
    for w in needs.warnings:
        lines.append(f"- {w.text}")
    if not needs.count:
        lines.append("- Nothing right now.")
    lines += ["", "Claims by stage:"]
    lines += [f"- {s.label}: {s.count} ({format_usd(s.amount)})" for s in board.pipeline]
    url = settings.SITE_URL + reverse("client_overview", kwargs={"code": client.code})
    lines += [
        "",
        f"The dashboard is attached as a PDF, with the projection and how each date was reached: {url}",
        "",
        f"To stop these e-mails: {opt_out}",
    ]
    return "\n".join(lines)


def _previous(client: Client, email: str) -> dict | None:
    row = (
        Notification.objects.filter(event=EVENT, client=client, email__iexact=email, user=None)
        .exclude(data={})
        .order_by("-created_at", "-pk")
        .first()
    )
    return row.data if row else None


def client_digests_send(*, client: Client, today: dt.date) -> int:
    """Send each contact of the client the digest of its last complete period, unless already sent.
    Returns how many were queued now."""
    due: list[tuple[str, Period]] = []
    for sub in digests.digest_subscriptions(client=client):
        if not sub.receives:
            continue
        period = period_for(sub.frequency, today)
        if not Notification.objects.filter(
            event=EVENT, key=period.key, user=None, email__iexact=sub.email
        ).exists():
            due.append((sub.email, period))
    if not due:
        return 0
    board = figures.client_dashboard(client=client, today=today)
    pdf = report.dashboard_pdf(board)
    sent = 0
    for email, period in due:
        opt_out = digests.opt_out_url(client=client, email=email)
        text = digest_text(board=board, period=period, previous=_previous(client, email), opt_out=opt_out)
        data = {**_figures(board), "period_last": period.last.isoformat(), "unsubscribe_url": opt_out}
        sent += len(
            notify_client(
                client=client,
                event=EVENT,
                text=text,
                subject=f"Drawback dashboard: {client.legal_name}, {period.label}",
                key=period.key,
                emails=[email],
                attachment=(report.file_name(board, "pdf"), pdf),
                data=data,
            )
        )
    return sent


def digests_send(*, today: dt.date | None = None) -> int:
    """The daily beat job: every active client's due digests (a prospect's workspace is nobody's client)."""
    today = today or timezone.localdate()
    sent = 0
    for client in (
        Client.objects.filter(is_active=True, is_workspace=False).exclude(contact_emails="").order_by("pk")
    ):
        sent += client_digests_send(client=client, today=today)
    return sent

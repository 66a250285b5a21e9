"""Who receives the dashboard digest and how often: one row per contact address of a client (the addresses
are Client.contact_emails), a frequency the firm sets, and an opt-out the contact makes through a signed
link without logging in. The digest itself is composed and sent by dashboards.digest."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone

from .models import Client, DigestSubscription, User

Frequency = DigestSubscription.Frequency
FREQUENCIES = Frequency.choices
SALT = "drawback.digest.opt-out"


class DigestError(ValueError):
    """A preference that cannot be saved; the message says why."""


def contact_emails(client: Client) -> list[str]:
    seen, out = set(), []
    for line in (client.contact_emails or "").splitlines():
        email = line.strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            out.append(email)
    return out


def default_frequency() -> str:
    value = settings.DIGEST_DEFAULT_FREQUENCY
    return value if value in Frequency.values else Frequency.MONTHLY


@dataclass(frozen=True)
class Subscriber:
    email: str
    frequency: str
    opted_out_at: object  # datetime or None

    @property
    def receives(self) -> bool:
        return self.opted_out_at is None and self.frequency != Frequency.NEVER

    @property
    def frequency_label(self) -> str:
        return Frequency(self.frequency).label


def digest_subscriptions(*, client: Client) -> list[Subscriber]:
    """Each contact of the client with the frequency it receives the digest at (the default when not set)."""
    rows = {s.email.lower(): s for s in DigestSubscription.objects.filter(client=client)}
    out = []
    for email in contact_emails(client):
        row = rows.get(email.lower())
        out.append(
            Subscriber(
                email, row.frequency if row else default_frequency(), row.opted_out_at if row else None
            )
        )
    return out


def _row(client: Client, email: str) -> DigestSubscription:
    """The contact's row, whatever the case of the address; made with the default frequency if missing."""
    row = DigestSubscription.objects.filter(client=client, email__iexact=email).first()
    if row is None:
        row = DigestSubscription.objects.create(client=client, email=email, frequency=default_frequency())
    return row


def digest_frequency_set(*, client: Client, email: str, frequency: str, by: User) -> DigestSubscription:
    """Set how often a contact receives the digest (firm staff). Choosing weekly or monthly again for a
    contact who opted out is refused: only the contact can undo their opt-out."""
    if by is None or by.is_client_user or (by.firm_id != client.firm_id and not by.is_superuser):
        raise DigestError("only the client's firm sets digest preferences")
    if frequency not in Frequency.values:
        raise DigestError("choose weekly, monthly or never")
    match = next((e for e in contact_emails(client) if e.lower() == email.strip().lower()), None)
    if match is None:
        raise DigestError(f"{email} is not a contact address of {client.legal_name}")
    row = _row(client, match)
    if row.opted_out_at and frequency != Frequency.NEVER:
        raise DigestError(f"{match} opted out of the digest on {row.opted_out_at:%Y-%m-%d}")
    row.frequency = frequency
    row.save(update_fields=["frequency", "updated_at"])
    return row


def opt_out_token(*, client: Client, email: str) -> str:
    """A signed token naming the client and address; it never expires (an old e-mail's link still works)."""
    return signing.dumps({"c": client.pk, "e": email.lower()}, salt=SALT, compress=True)


def opt_out_url(*, client: Client, email: str) -> str:
    from django.urls import reverse

    path = reverse("dashboards:digest-opt-out", kwargs={"token": opt_out_token(client=client, email=email)})
    return f"{settings.SITE_URL}{path}"


def opt_out_read(token: str) -> tuple[Client, str] | None:
    """(client, address) of a genuine token, or None for a forged or damaged one."""
    try:
        data = signing.loads(token, salt=SALT)
        client = Client.objects.get(pk=int(data["c"]))
        return client, str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, Client.DoesNotExist):
        return None


def digest_opt_out(*, client: Client, email: str) -> DigestSubscription:
    """Stop the digest for the address. Safe to repeat: the first opt-out's time is kept."""
    row = _row(client, email)
    if row.opted_out_at is None:
        row.opted_out_at = timezone.now()
        row.save(update_fields=["opted_out_at", "updated_at"])
    return row

"""The gateway to CBP: how a claim's transmission leaves and how CBP's answers come back.

Two implementations: the sandbox (claims.cbp.sandbox), which behaves like CBP on a clock, and the file
exchange (claims.cbp.files), which works through a service provider's outbox and inbox folders.
settings.CBP_GATEWAY picks one.
"""

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class GatewayError(Exception):
    """The gateway could not send or read (folder missing, disk full...). Worth retrying."""


@dataclass(frozen=True)
class Receipt:
    """What the gateway gives back for a transmission: its reference (file name, sandbox id)."""

    reference: str
    sent_at: dt.datetime


@dataclass(frozen=True)
class Response:
    """One message from CBP about one claim, before it is stored.

    message_id is stable: reading the same message twice gives the same id, which is how duplicates are
    recognised. `source` names where it came from (an inbox file) so the gateway can file it once stored.
    """

    message_id: str
    claim_number: str
    kind: str
    cbp_date: dt.date | None
    payload: dict = field(default_factory=dict)
    source: str = ""
    # Order among messages of one claim read in the same poll (acceptance before what follows it).
    sequence: int = 0


class Gateway(ABC):
    name: str = ""

    @abstractmethod
    def transmit(self, claim, catair_text: str) -> Receipt:
        """Send the claim. Sending the same text again must not create a second claim at CBP."""

    @abstractmethod
    def poll(self, claims: Iterable) -> list[Response]:
        """Messages CBP has for these claims (the file exchange returns whatever is in its inbox)."""

    def acknowledge(self, source: str) -> None:  # noqa: B027 - optional hook
        """Every message read from `source` is stored: the gateway may file it away."""

    def reject(self, source: str, reason: str) -> None:  # noqa: B027 - optional hook
        """Messages from `source` could not be stored: set it aside with the reason."""

    def send_request_response(self, request) -> str:
        """Forward the answer to a CBP Form 28/29; returns a reference ("" when nothing is sent)."""
        return ""


def get_gateway() -> Gateway:
    """The gateway settings.CBP_GATEWAY names (`sandbox` or `files`)."""
    kind = settings.CBP_GATEWAY
    if kind == "sandbox":
        from .sandbox import SandboxGateway

        return SandboxGateway(speed=Decimal(str(settings.CBP_SANDBOX_SPEED)))
    if kind == "files":
        from .files import FileExchangeGateway

        return FileExchangeGateway(outbox=settings.CBP_OUTBOX, inbox=settings.CBP_INBOX)
    raise ImproperlyConfigured(f"CBP_GATEWAY must be 'sandbox' or 'files', not {kind!r}")

"""What passes between us and CBP about a filed claim, and what follows from it.

Imported by claims.models so the models belong to the `claims` app.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from imports.models import MONEY, Document


def _decimal_amounts(amounts: dict) -> dict[str, Decimal]:
    return {cls: Decimal(str(value)) for cls, value in (amounts or {}).items()}


class CbpTransmission(models.Model):
    """One sending of the claim's CATAIR text through the gateway.

    The row is written (SENDING) before the gateway is called, so a crash between sending and recording
    leaves a trace; sending again reuses the same text, and both gateways treat a repeat as the same
    transmission.
    """

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="cbp_transmissions")
    gateway = models.CharField(max_length=20)
    action = models.CharField(max_length=1, default="A", help_text="CATAIR action: A add, R replace")
    catair_text = models.TextField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    reference = models.CharField(max_length=200, blank=True, help_text="Gateway receipt, e.g. outbox file")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["claim", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.claim} transmission {self.pk} ({self.status})"


class CbpMessage(models.Model):
    """A response or notice from CBP, stored once under the gateway's message id.

    Storing and applying are separate steps: a message is stored as soon as it is read and applied by
    `cbp_response_process`, which sets processed_at in the same transaction as the effect. A message read
    twice is stored once; a message stored but not applied (a worker died) is applied on the next poll.
    """

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", "Accepted (DX)"
        REJECTED = "rejected", "Rejected (DX)"
        CONDITIONS = "conditions", "Conditions, not final (DX)"
        CF28 = "cf28", "CF-28 request for information"
        CF29 = "cf29", "CF-29 notice of action"
        PAYMENT = "payment", "Payment or bill"
        LIQUIDATION = "liquidation", "Notice of liquidation"
        EXTENSION = "extension", "Extension of liquidation"
        SUSPENSION = "suspension", "Suspension of liquidation"

    claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.CASCADE, related_name="cbp_messages"
    )
    gateway = models.CharField(max_length=20)
    message_id = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=15, choices=Kind.choices)
    cbp_date = models.DateField(null=True, blank=True, help_text="Date CBP gives for the event")
    received_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the message is held or could not be applied")
    note = models.TextField(blank=True, help_text="What applying it did, when not the usual effect")

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["processed_at", "claim"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.message_id}"

    @property
    def conditions(self) -> list[dict]:
        """ACE condition codes of a DX response: [{"code": "F555", "text": "EXCESS MPF CLAIMED"}, ...]."""
        return list(self.payload.get("conditions", []))


class CbpRequest(models.Model):
    """A CBP Form 28 (request for information) or Form 29 (notice of action) on a claim."""

    class Kind(models.TextChoices):
        CF28 = "cf28", "CF-28 request for information"
        CF29 = "cf29", "CF-29 notice of action"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESPONDED = "responded", "Responded"
        # Liquidation is CBP's final word on the claim: a request still open then can no longer be answered
        # (a CF-29's proposed action is what the liquidation decided); a protest is the way to contest it.
        CLOSED = "closed", "Closed on liquidation"

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="cbp_requests")
    message = models.OneToOneField(
        CbpMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="cbp_request"
    )
    kind = models.CharField(max_length=4, choices=Kind.choices)
    reference = models.CharField(max_length=60, blank=True, help_text="CBP's reference for the form")
    issued_on = models.DateField()
    due_on = models.DateField(help_text="CF-28: 30 days after issue; CF-29: 20 days")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request_text = models.TextField(blank=True)
    response_text = models.TextField(blank=True)
    responded_on = models.DateField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    documents = models.ManyToManyField(Document, blank=True, related_name="cbp_requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(
        null=True, blank=True, help_text="Liquidation date that closed it unanswered"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.claim} due {self.due_on}"

    def is_overdue(self, today=None) -> bool:
        return self.status == self.Status.OPEN and self.due_on < (today or timezone.localdate())


class Payment(models.Model):
    """Money between CBP and the claimant on a claim, per accounting class."""

    class Kind(models.TextChoices):
        ACCELERATED = "accelerated", "Accelerated payment (19 CFR 190.92)"
        LIQUIDATION_REFUND = "liquidation_refund", "Refund on liquidation"
        BILL = "bill", "Bill on liquidation (owed to CBP)"

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="payments")
    message = models.OneToOneField(
        CbpMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="payment"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    paid_on = models.DateField()
    # {"364": "1234.56", "399": "12.00"}: exact text, two decimals per class as CBP states them.
    amounts = models.JSONField(default=dict)
    total = models.DecimalField(**MONEY)
    reference = models.CharField(max_length=60, blank=True, help_text="Check, ACH trace or bill number")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "paid_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.total} on {self.paid_on}"

    @property
    def class_amounts(self) -> dict[str, Decimal]:
        return _decimal_amounts(self.amounts)


class Liquidation(models.Model):
    """How CBP liquidated the claim, or the flags that move its deemed-liquidation date."""

    claim = models.OneToOneField("claims.Claim", on_delete=models.CASCADE, related_name="liquidation")
    message = models.ForeignKey(
        CbpMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    liquidated_on = models.DateField(null=True, blank=True)
    deemed = models.BooleanField(default=False, help_text="Liquidated by operation of law (1504(a)(2))")
    amounts = models.JSONField(default=dict, help_text="Liquidated amount per accounting class")
    total = models.DecimalField(**MONEY, null=True, blank=True)
    extended = models.BooleanField(default=False, help_text="CBP extended liquidation (1504(b))")
    extended_on = models.DateField(null=True, blank=True)
    suspended = models.BooleanField(default=False, help_text="Liquidation suspended (1504(c))")
    suspended_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Liquidation of {self.claim}"

    @property
    def class_amounts(self) -> dict[str, Decimal]:
        return _decimal_amounts(self.amounts)


class CbpNotice(models.Model):
    """CBP's word that reached the firm outside the gateway (a notice of liquidation or a payment seen in
    ACE, on paper or by e-mail), entered with its date, amounts per class and the document itself by one
    member of the firm. It changes nothing until another member confirms it; it is then applied exactly as
    the gateway's message would be (claims.cbp.notices)."""

    class Kind(models.TextChoices):
        LIQUIDATION = "liquidation", "Notice of liquidation"
        ACCELERATED_PAYMENT = "accelerated", "Accelerated payment (19 CFR 190.92)"
        LIQUIDATION_REFUND = "liquidation_refund", "Refund on liquidation"
        BILL = "bill", "Bill on liquidation (owed to CBP)"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second person"
        CONFIRMED = "confirmed", "Confirmed and applied"
        DISCARDED = "discarded", "Discarded"

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="cbp_notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    notice_date = models.DateField(help_text="The date CBP gives: liquidation date, or date paid")
    # {"364": "1234.56", "399": "12.00"}: exact text, two decimals per class as CBP states them.
    amounts = models.JSONField(default=dict)
    reference = models.CharField(max_length=60, blank=True, help_text="CBP's bulletin, check or bill number")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    message = models.OneToOneField(
        CbpMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="notice"
    )

    class Meta:
        ordering = ["claim", "-entered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.notice_date} on {self.claim}"

    @property
    def class_amounts(self) -> dict[str, Decimal]:
        return _decimal_amounts(self.amounts)

    @property
    def total(self) -> Decimal:
        return sum(self.class_amounts.values(), Decimal(0))


class Notification(models.Model):
    """An event told to one person: in the app (user) and/or by e-mail (email).

    Most are about a claim; notices about the client as a whole (a privilege expiring, the bond running
    short, the dashboard digest) name the client instead. `key` makes a notice idempotent: the same key is
    told to the same recipient once (a digest per period, a warning per privilege and date)."""

    class Event(models.TextChoices):
        FILED = "filed", "Filed with CBP"
        ACCEPTED = "accepted", "Accepted by CBP"
        REJECTED = "rejected", "Rejected by CBP"
        CF28 = "cf28", "CF-28 request for information"
        CF29 = "cf29", "CF-29 notice of action"
        ACCELERATED_PAYMENT = "accelerated_payment", "Accelerated payment received"
        LIQUIDATION = "liquidation", "Liquidated"
        PAYMENT = "payment", "Refund or bill on liquidation"
        PROTEST_DECIDED = "protest_decided", "CBP decided the protest"
        # The two-level review, told to the people who act next.
        RETURNED = "returned", "Returned for correction"
        SECOND_REVIEW = "second_review", "Ready for second review"
        READY_TO_FILE = "ready_to_file", "Approved: ready to file"
        # About the client as a whole (no claim).
        PRIVILEGE_EXPIRY = "privilege_expiry", "Privilege or ruling expiring"
        BOND_HEADROOM = "bond_headroom", "Bond headroom running short"
        DIGEST = "digest", "Dashboard digest"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    email = models.EmailField(blank=True, help_text="Address the notice is e-mailed to, if any")
    claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    client = models.ForeignKey(
        "accounts.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text="The client a notice not about one claim concerns",
    )
    event = models.CharField(max_length=20, choices=Event.choices)
    subject = models.CharField(max_length=200, blank=True, help_text="E-mail subject, when not the claim's")
    text = models.TextField()
    key = models.CharField(max_length=100, blank=True, help_text="Told once per recipient (idempotency)")
    attachment = models.FileField(upload_to="notifications/%Y/%m/", blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="Figures a later notice compares with")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the e-mail went out")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.CheckConstraint(
                name="notification_has_recipient",
                condition=models.Q(user__isnull=False) | ~models.Q(email=""),
            ),
            models.CheckConstraint(
                name="notification_has_subject",
                condition=models.Q(claim__isnull=False) | models.Q(client__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["event", "key", "email"],
                condition=~models.Q(key="") & models.Q(user__isnull=True),
                name="notification_key_once_per_email",
            ),
            models.UniqueConstraint(
                fields=["event", "key", "user"],
                condition=~models.Q(key="") & models.Q(user__isnull=False),
                name="notification_key_once_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.claim or self.client} to {self.user or self.email}"


class Protest(models.Model):
    """A protest of the claim's liquidation (19 U.S.C. 1514; 19 CFR Part 174) and CBP's decision on it.

    Filed within 180 days after the liquidation (1514(c)(3)); CBP allows or denies it. An allowed protest
    reliquidates the claim; a denied one leaves a civil action in the Court of International Trade within
    180 days of the denial (28 U.S.C. 2636(a)) as the only remedy. CBP's decision is CBP's word: one member
    of the firm enters it (`decided_by`), and it moves the claim only once another confirms it
    (`confirmed_by`), as for any CBP notice received outside the gateway (claims.cbp.notices).
    """

    class Decision(models.TextChoices):
        PENDING = "", "Pending"
        ALLOWED = "allowed", "Allowed"
        DENIED = "denied", "Denied"

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="protests")
    number = models.CharField(max_length=12, help_text="CBP protest number: port, year, serial (12 digits)")
    filed_on = models.DateField(help_text="Date the protest was filed with CBP")
    grounds = models.TextField(help_text="What is protested and why")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    decided_on = models.DateField(null=True, blank=True, help_text="Date of CBP's decision")
    decision_note = models.TextField(blank=True, help_text="CBP's reasons, as its notice gives them")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who entered CBP's decision",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who confirmed CBP's decision against CBP's notice (not the person who entered it)",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "filed_on", "id"]
        constraints = [models.UniqueConstraint(fields=["claim", "number"], name="protest_number_unique")]

    def __str__(self) -> str:
        return f"Protest {self.display_number} on {self.claim}"

    @property
    def display_number(self) -> str:
        n = self.number
        return f"{n[:4]}-{n[4:6]}-{n[6:]}" if len(n) == 12 else n

    @property
    def pending(self) -> bool:
        """CBP's decision is not applied yet (not entered, or entered and not confirmed)."""
        return self.confirmed_at is None

    @property
    def awaiting_confirmation(self) -> bool:
        return bool(self.decision) and self.confirmed_at is None

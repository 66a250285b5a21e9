"""The firm (drawback service provider), its client companies, their privileges, and users with roles."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models

from drawback.lib.dates import ExportWindow
from drawback.lib.identifiers import IdentifierError, normalize_importer_number


def validate_importer_number(value: str) -> None:
    try:
        normalize_importer_number(value)
    except IdentifierError as exc:
        raise ValidationError(str(exc)) from exc


filer_code_validator = RegexValidator(r"^[A-Z0-9]{3}$", "A filer code is 3 letters or digits.")


class Firm(models.Model):
    """The drawback service provider running this installation, with its product settings."""

    name = models.CharField(max_length=200)
    filer_code = models.CharField(
        max_length=3, validators=[filer_code_validator], help_text="CBP filer code used on drawback claims"
    )
    claim_check_digit_offset = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(9)], help_text="CBP-approved +N offset of our filer code"
    )
    export_window = models.CharField(
        max_length=10,
        choices=[(w.value, w.value) for w in ExportWindow],
        default=ExportWindow.STRICT.value,
        help_text="strict: an export on the fifth anniversary of import is late (product decision 1)",
    )
    drawback_port = models.CharField(
        max_length=4, default="1001", help_text="Drawback office (port code) new claims are filed with"
    )
    ieepa_path = models.CharField(
        max_length=10,
        choices=[
            ("cape", "CAPE first: IEEPA duties of entries CAPE can take are refunded by CBP, not drawn back"),
            ("drawback", "Drawback: IEEPA duties are claimed on drawback where the Chapter 99 table allows"),
        ],
        default="cape",
        help_text="Which path recovers the IEEPA duties of an entry CAPE can still take (counsel's decision)",
    )

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """A company the firm prepares drawback claims for (the claimant)."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="clients")
    code = models.SlugField(max_length=20, unique=True, help_text="Short code used on the command line")
    legal_name = models.CharField(max_length=200)
    importer_number = models.CharField(
        max_length=20,
        validators=[validate_importer_number],
        help_text="IOR number: EIN with suffix (NN-NNNNNNNXX) or CBP-assigned number",
    )
    exporter_number = models.CharField(
        max_length=20, blank=True, validators=[validate_importer_number], help_text="EIN of the exporter"
    )
    address = models.TextField(blank=True)
    contact_emails = models.TextField(blank=True, help_text="One address per line; notified of claim events")
    is_active = models.BooleanField(default=True)
    # A prospect's private workspace (drawback.prospects): the real pipeline runs on the prospect's own files
    # here, apart from every client's data. Hidden from every list and page until the prospect is converted.
    is_workspace = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.code})"

    def clean(self) -> None:
        for field in ("importer_number", "exporter_number"):
            value = getattr(self, field)
            if value:
                try:
                    setattr(self, field, normalize_importer_number(value))
                except IdentifierError as exc:
                    raise ValidationError({field: str(exc)}) from exc

    def privilege(self, kind: str, on=None):
        """The privilege of this kind approved and in force on a date (today when None), or None.

        In force: CBP approved it (it may have expired or been given up since) and the day lies between
        its effective date and its expiry (see Privilege.in_force_on)."""
        from django.utils import timezone

        day = on or timezone.localdate()
        return (
            self.privileges.filter(kind=kind, status__in=Privilege.APPROVED_STATUSES, granted_on__lte=day)
            .filter(models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=day))
            .order_by("-granted_on", "-pk")
            .first()
        )


class Privilege(models.Model):
    """An application to CBP for a drawback privilege or ruling, and once approved the privilege itself, with
    its dates, the documents that prove it and the history of its status.

    The bond behind accelerated payment (activity code 1A, 19 CFR 190.92; CSMS 48380692) is kept on the
    accelerated payment privilege it stands for: CBP approves accelerated payment for a claimant with that
    bond on file, and the claim names it (CATAIR 31-record).
    """

    class Kind(models.TextChoices):
        ACCELERATED_PAYMENT = "accelerated_payment", "Accelerated payment (19 CFR 190.92)"
        WAIVER_PRIOR_NOTICE = "waiver_prior_notice", "Waiver of prior notice (19 CFR 190.91)"
        MANUFACTURING_RULING = "manufacturing_ruling", "Manufacturing drawback ruling (19 CFR 190.7/190.8)"
        COMPLIANCE_PROGRAM = "compliance_program", "Drawback compliance program (19 CFR 190.191)"

    class Status(models.TextChoices):
        DRAFTING = "drafting", "Drafting"
        SUBMITTED = "submitted", "Submitted to CBP"
        UNDER_REVIEW = "under_review", "Under review by CBP"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    class RulingType(models.TextChoices):
        SPECIFIC = "specific", "Specific manufacturing ruling (19 CFR 190.8)"
        GENERAL = "general", "General manufacturing ruling, T.D. (19 CFR 190.7)"

    class BondType(models.TextChoices):
        CONTINUOUS = "8", "Continuous (8)"
        SINGLE = "9", "Single transaction (9)"

    # Statuses of a privilege CBP approved: in force on the days between its effective date and its expiry.
    # An approved privilege later withdrawn or expired still covers the days it was in force (a claim's
    # exports made under a waiver that has since lapsed).
    APPROVED_STATUSES = ("approved", "expired", "withdrawn")
    # Moves an analyst records; EXPIRED is also set by the daily check once the expiry date has passed.
    MOVES = {
        "drafting": ("submitted", "withdrawn"),
        "submitted": ("under_review", "approved", "denied", "withdrawn"),
        "under_review": ("approved", "denied", "withdrawn"),
        "approved": ("expired", "withdrawn"),
        "denied": (),
        "withdrawn": (),
        "expired": (),
    }

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="privileges")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # A privilege on file without a status is one CBP granted (data entered from the approval letter).
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.APPROVED)
    reference = models.CharField(
        max_length=60, blank=True, help_text="Application, approval letter or ruling number"
    )
    ruling_type = models.CharField(
        max_length=10, choices=RulingType.choices, blank=True, help_text="Manufacturing rulings only"
    )
    submitted_on = models.DateField(null=True, blank=True, help_text="Day the application reached CBP")
    decided_on = models.DateField(null=True, blank=True, help_text="Day of CBP's decision")
    granted_on = models.DateField(
        "effective from", null=True, blank=True, help_text="First day the privilege is in force"
    )
    expires_on = models.DateField(null=True, blank=True, help_text="Last day in force (empty: no expiry)")
    # Bond details: required for accelerated payment (activity code 1A bond; CSMS 48380692).
    bond_type = models.CharField(max_length=1, choices=BondType.choices, blank=True)
    surety_code = models.CharField(max_length=3, blank=True)
    surety_name = models.CharField(max_length=100, blank=True)
    bond_number = models.CharField(max_length=20, blank=True)
    bond_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    bond_effective_on = models.DateField(null=True, blank=True)
    documents = models.ManyToManyField("imports.Document", blank=True, related_name="privileges")
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client", "kind", "-granted_on"]
        indexes = [models.Index(fields=["client", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client.code}"

    @property
    def is_approved(self) -> bool:
        return self.status in self.APPROVED_STATUSES and self.granted_on is not None

    def in_force_on(self, day) -> bool:
        """Approved by CBP and `day` between the effective date and the expiry, both included."""
        return (
            self.is_approved
            and self.granted_on <= day
            and (self.expires_on is None or day <= self.expires_on)
        )

    def clean(self) -> None:
        errors = {}
        if (
            self.status in self.APPROVED_STATUSES
            and self.status != self.Status.WITHDRAWN
            and not self.granted_on
        ):
            errors["granted_on"] = "An approved privilege needs the day it takes effect."
        if self.status not in self.APPROVED_STATUSES and self.granted_on:
            errors["granted_on"] = "Only an approved privilege has an effective date; clear it or approve it."
        if self.expires_on and self.granted_on and self.expires_on < self.granted_on:
            errors["expires_on"] = "A privilege cannot expire before it takes effect."
        if self.decided_on and self.submitted_on and self.decided_on < self.submitted_on:
            errors["decided_on"] = "CBP cannot decide before the application was submitted."
        if self.kind == self.Kind.ACCELERATED_PAYMENT and self.status in self.APPROVED_STATUSES:
            missing = [f for f in ("bond_type", "surety_code", "bond_effective_on") if not getattr(self, f)]
            for f in missing:
                errors[f] = "Accelerated payment needs an activity code 1A bond on file."
        if self.kind == self.Kind.MANUFACTURING_RULING and self.status in self.APPROVED_STATUSES:
            if not self.reference.strip():
                errors["reference"] = (
                    "An approved manufacturing ruling needs its ruling number (190.51(a)(2))."
                )
            if not self.ruling_type:
                errors["ruling_type"] = "Say whether the ruling is specific or general."
        if self.ruling_type and self.kind != self.Kind.MANUFACTURING_RULING:
            errors["ruling_type"] = "Only manufacturing rulings are specific or general."
        if errors:
            raise ValidationError(errors)


class PrivilegeStatusChange(models.Model):
    """One change of an application's status: from, to, the day it happened, who recorded it and why."""

    privilege = models.ForeignKey(Privilege, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=15, choices=Privilege.Status.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=Privilege.Status.choices)
    on = models.DateField(help_text="Day it happened (submitted, decided, expired ...)")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["privilege", "at", "id"]

    def __str__(self) -> str:
        return f"{self.privilege}: {self.from_status or 'new'} -> {self.to_status} on {self.on}"


class DigestSubscription(models.Model):
    """How often one contact address of a client receives the dashboard digest, and whether they opted out.

    Contacts are the addresses in Client.contact_emails; an address without a row gets the default
    frequency (settings.DIGEST_DEFAULT_FREQUENCY)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        NEVER = "never", "Never"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="digest_subscriptions")
    email = models.EmailField()
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    opted_out_at = models.DateTimeField(null=True, blank=True, help_text="Set by the opt-out link")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client", "email"]
        constraints = [models.UniqueConstraint(fields=["client", "email"], name="digest_subscription_unique")]

    def __str__(self) -> str:
        return f"{self.email} ({self.client.code}): {self.get_frequency_display()}"


class User(AbstractUser):
    """A person who logs in: firm staff (analyst, reviewer, admin) or a client company's user."""

    class Role(models.TextChoices):
        ANALYST = "analyst", "Analyst"
        REVIEWER = "reviewer", "Reviewer"
        FIRM_ADMIN = "firm_admin", "Firm admin"
        CLIENT_USER = "client_user", "Client user"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ANALYST)
    firm = models.ForeignKey(Firm, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Only for client users: the one company whose data they see",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="client_user_has_exactly_one_client",
                condition=(models.Q(role="client_user", client__isnull=False, firm__isnull=True))
                | (~models.Q(role="client_user") & models.Q(client__isnull=True)),
            )
        ]

    @property
    def is_client_user(self) -> bool:
        return self.role == self.Role.CLIENT_USER

    @property
    def is_firm_staff(self) -> bool:
        return not self.is_client_user

    @property
    def is_platform_admin(self) -> bool:
        """Runs the installation for every firm (a superuser of no firm): the only one who changes what
        every firm shares (the HTS tariff, the Chapter 99 table, filer-code offsets)."""
        return self.is_active and self.is_superuser and self.firm_id is None

    def clean(self) -> None:
        super().clean()
        if self.is_client_user and not self.client_id:
            raise ValidationError({"client": "A client user belongs to exactly one client."})
        if not self.is_client_user and self.client_id:
            raise ValidationError({"client": "Only client users belong to a client."})

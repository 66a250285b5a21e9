"""The firm (drawback service provider), its client companies, their privileges, and users with roles."""

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
        """The privilege of this kind in force on a date (today when None), or None."""
        from django.utils import timezone

        day = on or timezone.localdate()
        return (
            self.privileges.filter(kind=kind, granted_on__lte=day)
            .filter(models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=day))
            .order_by("-granted_on")
            .first()
        )


class Privilege(models.Model):
    """A drawback privilege CBP granted the client, with the dates it holds."""

    class Kind(models.TextChoices):
        ACCELERATED_PAYMENT = "accelerated_payment", "Accelerated payment (19 CFR 190.92)"
        WAIVER_PRIOR_NOTICE = "waiver_prior_notice", "Waiver of prior notice (19 CFR 190.91)"
        MANUFACTURING_RULING = "manufacturing_ruling", "Manufacturing drawback ruling (19 CFR 190.7/190.8)"
        COMPLIANCE_PROGRAM = "compliance_program", "Drawback compliance program (19 CFR 190.191)"

    class BondType(models.TextChoices):
        CONTINUOUS = "8", "Continuous (8)"
        SINGLE = "9", "Single transaction (9)"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="privileges")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reference = models.CharField(max_length=60, blank=True, help_text="Approval letter or ruling number")
    granted_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    # Bond details: required for accelerated payment (activity code 1A bond; CSMS 48380692).
    bond_type = models.CharField(max_length=1, choices=BondType.choices, blank=True)
    surety_code = models.CharField(max_length=3, blank=True)
    bond_number = models.CharField(max_length=20, blank=True)
    bond_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    bond_effective_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["client", "kind", "-granted_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client.code}"

    def clean(self) -> None:
        if self.expires_on and self.expires_on < self.granted_on:
            raise ValidationError({"expires_on": "A privilege cannot expire before it is granted."})
        if self.kind == self.Kind.ACCELERATED_PAYMENT:
            missing = [f for f in ("bond_type", "surety_code", "bond_effective_on") if not getattr(self, f)]
            if missing:
                raise ValidationError(
                    {f: "Accelerated payment needs an activity code 1A bond on file." for f in missing}
                )


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

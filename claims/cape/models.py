"""Each import entry's IEEPA refund (CAPE) state, and the CAPE declarations written for a client.

Imported by claims.models so the models belong to the `claims` app.
"""

from django.conf import settings
from django.db import models

from drawback.accounts.models import Client
from imports.models import MONEY, ImportEntry


class CapeDeclaration(models.Model):
    """One CAPE declaration file (a CSV of entry numbers, at most 9,999) and its submission in ACE."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="cape_declarations")
    number = models.PositiveIntegerField(help_text="Sequence of the client's declaration files")
    file_name = models.CharField(max_length=100)
    content = models.TextField(help_text="The CSV as written (one column, Entry Number)")
    entry_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_on = models.DateField(null=True, blank=True, help_text="Day it was uploaded in the ACE portal")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ace_reference = models.CharField(max_length=60, blank=True, help_text="Declaration ID ACE gave it")

    class Meta:
        ordering = ["client", "-number"]
        constraints = [models.UniqueConstraint(fields=["client", "number"], name="cape_declaration_unique")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def submitted(self) -> bool:
        return self.submitted_on is not None


class CapeEntry(models.Model):
    """What is known about one entry's IEEPA refund: what the liquidation report and CBP's CAPE results
    said, and the analyst's recorded decision to let drawback use an entry still waiting for CAPE.

    Entries without a row are "not declared" with nothing more known than their ES-003 data."""

    class Status(models.TextChoices):
        NOT_DECLARED = "not_declared", "Not declared"
        DECLARED = "declared", "Declared"
        ACCEPTED = "accepted", "Accepted by CBP"
        REJECTED = "rejected", "Rejected by CBP"
        REFUNDED = "refunded", "Refunded"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="cape_entries")
    entry = models.OneToOneField(ImportEntry, on_delete=models.CASCADE, related_name="cape")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_DECLARED)
    declaration = models.ForeignKey(
        CapeDeclaration, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    cbp_reason = models.TextField(blank=True, help_text="CBP's reason for a rejection, as given")
    accepted_on = models.DateField(null=True, blank=True)
    refunded_on = models.DateField(null=True, blank=True)
    refund_amount = models.DecimalField(**MONEY, null=True, blank=True, help_text="IEEPA duties refunded")
    interest_amount = models.DecimalField(**MONEY, null=True, blank=True, help_text="Interest paid with it")
    # From the liquidation report (ES-003 gives only the liquidation date and status).
    protest_status = models.CharField(max_length=20, blank=True, help_text="open, suspended, closed or blank")
    adcvd = models.BooleanField(default=False, help_text="AD/CVD entry summary")
    surety_paid = models.BooleanField(default=False, help_text="A surety paid the IEEPA duties")
    reliquidated_on = models.DateField(null=True, blank=True)
    ieepa_removed = models.BooleanField(
        default=False, help_text="CBP reliquidated the entry without its IEEPA duties"
    )
    # An analyst's decision to let drawback designate the entry while it waits for CAPE (recorded, with why).
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client", "entry"]
        indexes = [models.Index(fields=["client", "status"])]

    def __str__(self) -> str:
        return f"{self.entry.entry_number}: {self.get_status_display()}"

"""Claims, designations and risk findings."""

from django.conf import settings
from django.db import models

from drawback.accounts.models import Client
from exports.models import Export
from imports.models import MONEY, ImportEntry, ImportLine


class Finding(models.Model):
    """A validation or risk result on stored data.

    An error blocks a claim; a warning needs an analyst's eye (and may be acknowledged with a comment).
    """

    class Severity(models.TextChoices):
        ERROR = "error", "Error"
        WARNING = "warning", "Warning"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="findings")
    rule = models.CharField(max_length=40, help_text="Rule code, e.g. R-CHECK-DIGIT")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    message = models.TextField(help_text="Short reason citing the rule")
    entry = models.ForeignKey(ImportEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(ImportLine, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    export = models.ForeignKey(Export, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    amount_at_stake = models.DecimalField(**MONEY, null=True, blank=True, help_text="Refund at stake")
    # One finding per rule and subject: re-running the assessment updates instead of duplicating.
    fingerprint = models.CharField(max_length=200)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["client", "status", "severity", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["client", "fingerprint"], name="finding_fingerprint_unique")
        ]
        indexes = [models.Index(fields=["client", "status", "severity"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.severity}: {self.message[:60]}"

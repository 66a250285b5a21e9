"""What the projection keeps: a client's projection as made each month (to compare with what arrived) and
the engine's figures for a client that take an optimizer run (refreshed by a beat task, read by the
dashboard). Imported by claims.models so the models belong to the `claims` app."""

from django.db import models

from imports.models import MONEY


class ProjectionSnapshot(models.Model):
    """A client's projection as made on one day: the expected amount and band of each month ahead, and the
    items with their basis. Kept unchanged, so later months can be set against what arrived."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="projection_snapshots"
    )
    taken_on = models.DateField()
    # [{"month": "2026-12-01", "expected": "1234.56", "low": "...", "high": "..."}, ...]
    months = models.JSONField(default=list)
    # [{"kind", "label", "claim_id", "claim_number", "on", "earliest", "latest", "amount", "low", "high",
    #   "basis"}, ...]
    items = models.JSONField(default=list)
    expected_total = models.DecimalField(**MONEY, help_text="Sum of the months' expected amounts")
    method_version = models.CharField(max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "-taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["client", "taken_on"], name="projection_snapshot_once_a_day")
        ]

    def __str__(self) -> str:
        return f"Projection of {self.client.code} on {self.taken_on}"


class ClientEstimate(models.Model):
    """The figures of a client that need an optimizer run: the refund on exports not yet claimed (for the
    projection), money at risk (lines near their 5-year limit and what they could still bring), and the
    refund claimed on lines close to that limit. Too slow for a page on a large client, so a beat task
    refreshes them (and staff may ask for it); pages say when they were computed."""

    client = models.OneToOneField("accounts.Client", on_delete=models.CASCADE, related_name="estimate")
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    seconds = models.DecimalField(max_digits=10, decimal_places=2, default=0, help_text="Time the run took")
    unclaimed_refund = models.DecimalField(**MONEY, default=0)
    unclaimed_exports = models.PositiveIntegerField(default=0)
    at_risk = models.JSONField(default=list, help_text='[{"days": 30, "lines": 3, "refund": "123.45"}, ...]')
    at_risk_refund = models.DecimalField(**MONEY, default=0, help_text="Lines closing within 180 days")
    recovered_near_expiry = models.DecimalField(
        **MONEY, default=0, help_text="Refund claimed on lines within 180 days of their last export day"
    )
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Estimate of {self.client.code} as of {self.as_of}"

"""A piece of work asked for from a page or the API. Imported by claims.models so it belongs to `claims`."""

from django.conf import settings
from django.db import models


class Job(models.Model):
    """One request for work that a task carries out: who asked, for which client, claim or claim build, and
    how it went.

    Without a broker the task runs before the request returns and the job is finished when the page is
    drawn; with a worker the page shows its progress until it ends.
    """

    class Kind(models.TextChoices):
        PACKAGE = "package", "Filing package"
        CBP_CHECK = "cbp_check", "Check with CBP"
        ASSESSMENT = "assessment", "Risk assessment"
        BUILD_SAVE = "build_save", "Saving as draft claims"
        TYPE_CHOICE = "type_choice", "Choosing the drawback types"
        TYPE_SAVE = "type_save", "Saving the type choice as draft claims"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The client whose data it works on; none for work across the firm (checking CBP for open claims).
    client = models.ForeignKey(
        "accounts.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The claim build whose proposal the work saves as draft claims.
    build = models.ForeignKey(
        "claims.ClaimBuild", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The drawback type choice the work computes, or saves as draft claims.
    type_choice = models.ForeignKey(
        "claims.TypeChoiceRun", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    message = models.TextField(blank=True, help_text="What the work did, or why it failed")
    # Whether the person who asked has been told the outcome (once, as a message on the next page).
    told = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

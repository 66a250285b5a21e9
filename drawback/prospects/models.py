"""Prospects: companies that may become clients.

A lead is what the firm's staff follow up: a completed questionnaire, a submitted assessment, or both from
the same visitor. An assessment holds the prospect's answers step by step, the files they upload, and the
estimates computed from those files in a workspace of the prospect's own (a hidden Client, see
`Client.is_workspace`). The FAQ is the public questions and answers staff edit. Public forms are counted per
address to limit abuse (`PublicPostCount`).

Everything a stranger can address carries a random UUID (`token`), never a counter.
"""

import uuid

from django.conf import settings
from django.db import models

from drawback.accounts.models import Client, Firm

MONEY = {"max_digits": 14, "decimal_places": 2}


class Lead(models.Model):
    """A company that may become a client, as the firm's staff follow it up."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        QUALIFIED = "qualified", "Qualified"
        PROPOSAL_SENT = "proposal_sent", "Proposal sent"
        CONVERTED = "converted", "Converted"
        LOST = "lost", "Lost"

    class Rating(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="leads")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
        help_text="The staff member following the lead up",
    )
    company = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Consent to be contacted, as the prospect gave it: the words they agreed to and when.
    consent = models.BooleanField(default=False)
    consent_text = models.TextField(blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    questionnaire = models.JSONField(default=dict, blank=True, help_text="The questionnaire's answers")
    questionnaire_result = models.JSONField(default=dict, blank=True, help_text="The instant result shown")
    questionnaire_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    annual_low = models.DecimalField(**MONEY, null=True, blank=True)
    annual_high = models.DecimalField(**MONEY, null=True, blank=True)
    lookback_low = models.DecimalField(**MONEY, null=True, blank=True)
    lookback_high = models.DecimalField(**MONEY, null=True, blank=True)
    # Set once, by the conversion; the one-to-one makes a second client for the same lead impossible.
    client = models.OneToOneField(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="converted_lead"
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["firm", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                name="lead_converted_has_client",
                condition=~models.Q(status="converted") | models.Q(client__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.company or self.contact_name or self.email or f"Lead {self.pk}"

    @property
    def has_questionnaire(self) -> bool:
        return bool(self.questionnaire)

    def assessment_or_none(self):
        try:
            return self.assessment
        except Assessment.DoesNotExist:
            return None


class LeadNote(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]


class LeadEvent(models.Model):
    """The audit trail of a lead: who did what, when (nobody: the prospect or the system)."""

    class Action(models.TextChoices):
        QUESTIONNAIRE = "questionnaire", "Questionnaire completed"
        CONTACT = "contact", "Contact details left"
        ASSESSMENT = "assessment", "Assessment submitted"
        STATUS = "status", "Status changed"
        OWNER = "owner", "Owner changed"
        NOTE = "note", "Note added"
        ESTIMATE = "estimate", "Estimate"
        RELEASED = "released", "Estimate released to the prospect"
        CONVERTED = "converted", "Converted to a client"
        INVITATION = "invitation", "Invitation sent"
        RETENTION = "retention", "Files deleted after the retention period"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    text = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.text[:60]}"


class Assessment(models.Model):
    """A prospect's full assessment: answers per step, files, and the estimates made from the files."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="assessments")
    lead = models.OneToOneField(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="assessment"
    )
    # The questionnaire the same visitor completed before starting: the assessment joins its lead when sent.
    questionnaire_lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    answers = models.JSONField(default=dict, blank=True, help_text="{step: checked answers}")
    drafts = models.JSONField(default=dict, blank=True, help_text="{step: the form as last posted}")
    email = models.EmailField(blank=True, help_text="Where resume links go")
    workspace = models.OneToOneField(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="prospect_assessment"
    )
    released_at = models.DateTimeField(null=True, blank=True, help_text="When staff showed the prospect")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    files_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.answers.get("company", {}).get("legal_name") or f"Assessment {self.pk}"

    @property
    def legal_name(self) -> str:
        return self.answers.get("company", {}).get("legal_name", "")

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def latest_estimate(self):
        return self.estimates.order_by("-created_at", "-id").first()


class AssessmentFile(models.Model):
    """A file a prospect uploaded. Data files the ingestion reads are loaded into the workspace."""

    class Kind(models.TextChoices):
        ACE_REPORT = "ace_report", "ACE report (ES-003 entry summary lines, or our imports.csv)"
        EXPORT_DATA = "export_data", "Export data (AES/EEI listing, or our exports.csv)"
        ENTRY_SUMMARY = "entry_summary", "Entry summaries (CBP Form 7501)"
        INVOICE = "invoice", "Commercial invoices"
        EXPORT_PROOF = "export_proof", "Proof of export (bills of lading, AES confirmations)"
        BILL_OF_MATERIALS = "bill_of_materials", "Bills of materials"
        OTHER = "other", "Something else"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="prospects/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # What the estimate made of it: the load into the workspace, or why it was not read as data.
    upload = models.ForeignKey(
        "imports.Upload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    not_data = models.TextField(blank=True)
    # Filed as the client's document by the conversion.
    document = models.ForeignKey(
        "imports.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "sha256"], name="assessment_file_unique_content")
        ]

    def __str__(self) -> str:
        return self.original_name


class Estimate(models.Model):
    """One run of the pipeline on an assessment's files: load, risk findings, optimizer."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="estimates")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    stage = models.CharField(max_length=200, blank=True, help_text="What it is doing now")
    message = models.TextField(blank=True)
    refund = models.DecimalField(**MONEY, null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Estimate {self.pk} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def stalled(self) -> bool:
        """Queued or running with no progress for UPLOAD_STALL_MINUTES: its worker is gone (or none took
        it), and staff may compute it again."""
        import datetime as dt

        from django.utils import timezone

        last = self.heartbeat_at or self.created_at
        limit = dt.timedelta(minutes=settings.UPLOAD_STALL_MINUTES)
        return self.running and last is not None and timezone.now() - last > limit


class FaqCategory(models.Model):
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "FAQ categories"

    def __str__(self) -> str:
        return self.name


class FaqEntry(models.Model):
    """A public question and answer. The answer is Markdown, shown as sanitised HTML."""

    category = models.ForeignKey(FaqCategory, on_delete=models.PROTECT, related_name="entries")
    question = models.CharField(max_length=300)
    slug = models.SlugField(max_length=80, unique=True, help_text="Its anchor on the FAQ page")
    answer = models.TextField(help_text="Markdown; cite the rule (19 U.S.C. 1313, 19 CFR Part 190)")
    order = models.PositiveSmallIntegerField(default=0)
    published = models.BooleanField(default=True)
    last_reviewed = models.DateField(help_text="When someone last checked the answer against the law")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__order", "order", "id"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.question


class PublicPostCount(models.Model):
    """Public form posts from one address (hashed) in one window, for the rate limit."""

    key = models.CharField(max_length=64, help_text="SHA-256 of the scope and the address")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="public_post_count_unique")
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.window_start:%Y-%m-%d %H:%M} {self.count}"

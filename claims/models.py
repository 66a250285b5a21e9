"""Claims, designations and risk findings."""

from django.conf import settings
from django.db import models

from drawback.accounts.models import Client
from exports.models import Export
from imports.models import MONEY, Document, ImportEntry, ImportLine


class Finding(models.Model):
    """A validation or risk result on stored data.

    An error blocks a claim; a warning needs an analyst's eye (and may be acknowledged with a comment).
    """

    class Severity(models.TextChoices):
        ERROR = "error", "Error"
        WARNING = "warning", "Warning"
        # Nothing to decide, but the analyst should know (an amount left out by rule, a check skipped).
        INFO = "info", "Information"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="findings")
    rule = models.CharField(max_length=40, help_text="Rule code, e.g. R-CHECK-DIGIT")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    message = models.TextField(help_text="Short reason citing the rule")
    # The stable part of the reason (e.g. "past" vs "within 90 days", the heading decided on). The message
    # may change every day (days left); a change of basis reopens an acknowledged warning.
    basis = models.CharField(max_length=300, blank=True)
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
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["client", "status", "severity", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["client", "fingerprint"], name="finding_fingerprint_unique")
        ]
        indexes = [models.Index(fields=["client", "status", "severity"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.severity}: {self.message[:60]}"


ACCOUNTING_CLASSES = {
    # CATAIR 43-record accounting class codes for drawback (catair.md section 1.8).
    "364": "Drawback duty",
    "365": "Drawback taxes",
    "369": "Puerto Rico drawback duty",
    "374": "Drawback Superfund tax",
    "398": "Drawback HMF",
    "399": "Drawback MPF",
    "674": "Oil spill tax",
    "675": "Domestic tax",
}


def in_sentence(label: str) -> str:
    """A label used inside a sentence: 'Filed with CBP' -> 'filed with CBP'. Only the first letter changes,
    so CBP's names keep their capitals ('CF-29 notice of action' stays as CBP writes it)."""
    first = label.split(" ", 1)[0]
    return label if first.upper() == first else label[:1].lower() + label[1:]


def status_phrase(status: str) -> str:
    """A claim status inside a sentence: 'information requested (CF-28)'."""
    return in_sentence(Claim.Status(status).label)


DRAWBACK_PORTS = [("1001", "New York"), ("2809", "San Francisco"), ("3901", "Chicago"), ("5301", "Houston")]


class Claim(models.Model):
    """A drawback entry (claim) of one client under one provision.

    Its status is written only by claims.lifecycle.claim_transition, which checks the allowed moves and
    records each one. After filing, designations and amounts do not change; a correction is a new claim
    that replaces this one and is reviewed like any other.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        VALIDATED = "validated", "Validated (pre-flight passed)"
        FIRST_REVIEW = "first_review", "First review"
        SECOND_REVIEW = "second_review", "Second review"
        RETURNED = "returned", "Returned for correction"
        READY_TO_FILE = "ready_to_file", "Ready to file"
        FILED = "filed", "Filed with CBP"
        ACCEPTED = "accepted", "Accepted by CBP"
        REJECTED = "rejected", "Rejected by CBP"
        INFO_REQUESTED = "info_requested", "Information requested (CF-28)"
        ACTION_PROPOSED = "action_proposed", "Action proposed (CF-29)"
        ACCELERATED_PAID = "accelerated_paid", "Accelerated payment received"
        LIQUIDATED = "liquidated", "Liquidated"
        DEEMED_LIQUIDATED = "deemed_liquidated", "Deemed liquidated"
        PROTEST_FILED = "protest_filed", "Protest filed"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="claims")
    # A correction is transmitted as a full replacement (CATAIR action R) under the same entry number, so
    # the number is unique among original claims only.
    number = models.CharField(max_length=11, help_text="Filer code + 7 digits + check digit")
    provision = models.CharField(max_length=2, help_text="CATAIR provision code, e.g. 58 = 1313(j)(1)")
    drawback_port = models.CharField(max_length=4, choices=DRAWBACK_PORTS, default="1001")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    preparer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accelerated_payment = models.BooleanField(default=False, help_text="Request accelerated payment")
    waiver_prior_notice = models.BooleanField(default=False, help_text="Claim under a waiver of prior notice")
    build = models.ForeignKey(
        "ClaimBuild", null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text="The filed claim this correction replaces (CATAIR action R)",
    )
    filed_on = models.DateField(null=True, blank=True, help_text="Date the complete claim reached CBP")
    # Taken at the second approval: a change of the data afterwards sends the claim back to review.
    approved_data_digest = models.CharField(max_length=64, blank=True, editable=False)
    # The filing package (claims.filing) and any other document kept with the claim.
    documents = models.ManyToManyField(Document, blank=True, related_name="claims")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(replaces__isnull=True),
                name="claim_number_unique_original",
            )
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        n = self.number
        return f"{n[:3]}-{n[3:10]}-{n[10:]}" if len(n) == 11 else n


class ClaimClassTotal(models.Model):
    """The claim's refund for one accounting class: each class rounded once, half-up, to cents."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="class_totals")
    accounting_class = models.CharField(max_length=3)
    claim_amount = models.DecimalField(**MONEY)
    calculated_amount = models.DecimalField(**MONEY, help_text="99% per-unit-averaged or direct-ID maximum")

    class Meta:
        ordering = ["claim", "accounting_class"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "accounting_class"], name="class_total_unique")
        ]

    def __str__(self) -> str:
        return f"{self.accounting_class} {self.claim_amount}"


AMOUNT = {"max_digits": 20, "decimal_places": 6}


class Designation(models.Model):
    """A quantity of an import line designated against an export on a claim, with the refund it earns."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="designations")
    import_line = models.ForeignKey(ImportLine, on_delete=models.PROTECT, related_name="designations")
    export = models.ForeignKey(Export, on_delete=models.PROTECT, related_name="designations")
    provision = models.CharField(max_length=2)
    method = models.CharField(max_length=12, choices=ImportLine.Method.choices[1:])
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    # Quantity of the export this designation holds, in the export's unit, when it is not `quantity` (a
    # manufacturing designation holds kilograms of a component but articles of the export; an export's
    # articles are held once, by one of its designations, the others hold none of it).
    export_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    refund = models.DecimalField(**AMOUNT, help_text="All eligible classes, before the claim's rounding")
    # {"364": {"claim": "12.345678", "calculated": "20.0"}, "399": {...}} - exact, unrounded.
    amounts = models.JSONField(default=dict)
    entered_value_per_unit = models.DecimalField(**AMOUNT, null=True, blank=True)
    substituted_value_per_unit = models.DecimalField(**AMOUNT, null=True, blank=True)
    explanation = models.JSONField(default=list, help_text="Rule steps taken, with citations")
    # Manufacturing provisions: {"lot", "component", "basis", "ruling"[, "allowable"]} - the production lot
    # the exported articles came from, the component's HTS, the CATAIR basis of claim, the ruling and, with
    # valuable waste or relative value, the exact quantity drawback is allowed on (claims.manufacturing).
    manufacture = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["claim", "export", "import_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "import_line", "export"], name="designation_pair_unique"
            ),
            models.CheckConstraint(name="designation_quantity_positive", condition=models.Q(quantity__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.import_line} -> {self.export} x {self.quantity}"


class ClaimTransition(models.Model):
    """One move of a claim's status: who, when, from, to and why (the audit trail)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Claim.Status.choices)
    to_status = models.CharField(max_length=20, choices=Claim.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["claim", "at", "id"]

    def __str__(self) -> str:
        return f"{self.claim} {self.from_status} -> {self.to_status}"


class ClaimBuild(models.Model):
    """One run of the optimizer for a client's selected exports, and the proposal it produced."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Proposal ready"
        SAVED = "saved", "Saved as claims"
        FAILED = "failed", "Failed"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="claim_builds")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parameters = models.JSONField(default=dict, help_text="Export selection, exclusions, pins, filing date")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    groups_total = models.PositiveIntegerField(default=0)
    groups_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Build {self.pk} for {self.client.code}"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ProposedDesignation(models.Model):
    """One designation of a build's proposal. The proposal's summary (totals, comparison, exclusions) is in
    ClaimBuild.result; its designations are rows here, because a large client's run them to hundreds of
    megabytes (explanations included), past what one JSON value should hold, and pages read them a few
    exports at a time. `row` holds the designation as the proposal shows it (see claims.building.proposal);
    the columns are what pages, the API and the save select and sort on."""

    build = models.ForeignKey(ClaimBuild, on_delete=models.CASCADE, related_name="proposed")
    position = models.PositiveIntegerField(
        help_text="Order in the proposal: export date, export, entry, line"
    )
    import_line = models.ForeignKey(ImportLine, on_delete=models.CASCADE, related_name="+")
    export = models.ForeignKey(Export, on_delete=models.CASCADE, related_name="+")
    export_date = models.DateField()
    export_ref = models.CharField(max_length=60)
    provision = models.CharField(max_length=2)
    method = models.CharField(max_length=12)
    disposition = models.CharField(max_length=10)
    quantity = models.DecimalField(max_digits=18, decimal_places=4)
    substituted_value_per_unit = models.CharField(max_length=40, blank=True)
    row = models.JSONField()

    class Meta:
        ordering = ["build", "position"]
        constraints = [
            models.UniqueConstraint(fields=["build", "position"], name="proposed_position_unique"),
        ]
        indexes = [models.Index(fields=["build", "export_date", "export_ref", "export"])]

    def __str__(self) -> str:
        return f"{self.build} #{self.position}: {self.export_ref} x {self.quantity}"


class ClaimBuildBatch(models.Model):
    """A share of a build's product groups solved by one task. Each task sets its own count of groups done
    (never adds to it), so a task delivered twice cannot count its groups twice in the build's progress."""

    build = models.ForeignKey(ClaimBuild, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    groups = models.PositiveIntegerField()
    groups_done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["build", "number"]
        constraints = [models.UniqueConstraint(fields=["build", "number"], name="build_batch_unique")]

    def __str__(self) -> str:
        return f"{self.build} batch {self.number}: {self.groups_done}/{self.groups}"


class ClaimNumberSequence(models.Model):
    """The last drawback entry number used under a filer code (CATAIR App. B: filer code + 7 digits + check
    digit). Numbers are taken with one conditional UPDATE, outside the claim's own transaction: unique and
    safe under concurrency; a save that fails afterwards leaves a gap, which CBP allows."""

    filer_code = models.CharField(max_length=3, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.filer_code} {self.last:07d}"


class PreflightRun(models.Model):
    """One run of the pre-flight check on a claim: what it found, for whom and when (kept as evidence)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="preflight_runs")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    on = models.DateField(help_text="Filing date the time limits were checked against")
    issues = models.JSONField(default=list)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["claim", "-at", "-id"]
        get_latest_by = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim} pre-flight {self.at:%Y-%m-%d %H:%M}: {self.error_count} errors"

    @property
    def passed(self) -> bool:
        return self.error_count == 0


# Models of the claim's life with CBP live in their own module; importing them here registers them.
from claims.cape.models import CapeDeclaration, CapeEntry  # noqa: E402, F401
from claims.cbp.models import (  # noqa: E402, F401
    CbpMessage,
    CbpNotice,
    CbpRequest,
    CbpTransmission,
    Liquidation,
    Notification,
    Payment,
    Protest,
)
from claims.jobs.models import Job  # noqa: E402, F401
from claims.manufacturing.models import (  # noqa: E402, F401
    BillOfMaterials,
    BomItem,
    LotComponent,
    ProductionLot,
    RejectedReturn,
    TypeChoiceRun,
)
from claims.projection.models import ClientEstimate, ProjectionSnapshot  # noqa: E402, F401

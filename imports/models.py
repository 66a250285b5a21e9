"""Import entries and entry-summary lines as ACE reports them, the HTS tariff, the Chapter 99 table,
uploads of data files, and documents that prove entries and exports."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from drawback.accounts.models import Client

MONEY = {"max_digits": 16, "decimal_places": 2}
# Apportioned fees keep the exact product of a four-decimal ratio and a cents amount.
FEE = {"max_digits": 18, "decimal_places": 6}
QUANTITY = {"max_digits": 18, "decimal_places": 4}


class FilerCodeOffset(models.Model):
    """A filer code CBP allowed to use computed check digit +N (CATAIR App. E step 6; product decision 9)."""

    filer_code = models.CharField(max_length=3, unique=True)
    offset = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(9)])
    note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.filer_code} +{self.offset}"


class TariffLine(models.Model):
    """One numbered row of the USITC HTS schedule (8-digit subheading or 10-digit statistical line)."""

    hts = models.CharField(max_length=10, unique=True, help_text="Digits only")
    indent = models.PositiveSmallIntegerField(default=0)
    description = models.TextField()
    begins_with_other = models.BooleanField(default=False, help_text="1313(j)(5) 'Other' test")
    unit_of_quantity = models.CharField(max_length=60, blank=True, help_text="As published")
    uom = models.CharField(max_length=10, blank=True, help_text="Primary ACE unit code")
    general_rate = models.CharField(max_length=200, blank=True, help_text="General rate of duty as published")
    rate_kind = models.CharField(max_length=12, blank=True)  # free, ad_valorem, specific, compound, text
    ad_valorem_rate = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    specific_rate = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    specific_unit = models.CharField(max_length=10, blank=True)
    special_rate = models.TextField(blank=True)
    column2_rate = models.CharField(max_length=200, blank=True)
    additional_duties = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["hts"]

    def __str__(self) -> str:
        return f"{self.hts} {self.description[:40]}"


class Chapter99Heading(models.Model):
    """A range of Chapter 99 numbers belonging to one trade action, with drawback eligibility.

    Data, not code: seeded from the shared chapter99.csv and maintained by firm admins.
    """

    class Eligibility(models.TextChoices):
        YES = "yes", "Eligible"
        NO = "no", "Not eligible"
        UNKNOWN = "unknown", "Unknown (treated as not eligible)"

    program = models.CharField(max_length=200)
    ch99_from = models.CharField(max_length=10, help_text="9903.NN.NN")
    ch99_to = models.CharField(max_length=10, help_text="9903.NN.NN, inclusive")
    description = models.TextField(blank=True)
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(
        null=True, blank=True, help_text="Last day the duty applied; blank = still in force"
    )
    drawback_eligible = models.CharField(max_length=10, choices=Eligibility.choices)
    basis = models.TextField(blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ch99_from"]
        constraints = [models.UniqueConstraint(fields=["ch99_from"], name="ch99_range_start_unique")]

    def __str__(self) -> str:
        return f"{self.ch99_from}-{self.ch99_to} {self.program}"

    @property
    def is_partial(self) -> bool:
        return self.basis.upper().startswith("PARTIAL")


class Document(models.Model):
    """A scanned or electronic document (entry summary, invoice, bill of lading, ...) kept for a client."""

    class Type(models.TextChoices):
        ENTRY_SUMMARY = "entry_summary", "Entry summary (CBP 7501)"
        COMMERCIAL_INVOICE = "invoice", "Commercial invoice"
        BILL_OF_LADING = "bill_of_lading", "Bill of lading / air waybill"
        AES_CONFIRMATION = "aes_confirmation", "AES/EEI confirmation (ITN)"
        DESTRUCTION_CERTIFICATE = "destruction", "Certificate of destruction"
        NOTICE_OF_INTENT = "notice_of_intent", "Notice of intent (CBP 7553)"
        BILL_OF_MATERIALS = "bill_of_materials", "Bill of materials / formula"
        CBP_CORRESPONDENCE = "cbp", "CBP correspondence (CF-28, CF-29, notices)"
        CLAIM_FILING = "claim_filing", "Claim filing package"
        OTHER = "other", "Other"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(max_length=30, choices=Type.choices)
    file = models.FileField(upload_to="documents/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["client", "sha256"])]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()}: {self.original_name}"

    @property
    def types_display(self) -> str:
        """Every type the document is recorded as ('Commercial invoice; Bill of lading / air waybill');
        use with prefetched proofs."""
        labels = [self.get_doc_type_display()]
        labels += [p.get_doc_type_display() for p in self.proofs.all() if p.doc_type != self.doc_type]
        return "; ".join(labels)


class DocumentProof(models.Model):
    """A type a document is recorded as besides its own: the same file uploaded again as another type (an
    invoice that is also the packing list, a bill of lading that also dates the export) proves that too."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="proofs")
    doc_type = models.CharField(max_length=30, choices=Document.Type.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["document", "doc_type"], name="document_proof_unique")]

    def __str__(self) -> str:
        return f"{self.document} also {self.get_doc_type_display()}"


def documents_of_type(types) -> models.Q:
    """Documents recorded as any of `types`, as their own type or as a further one (filter on Document)."""
    return models.Q(doc_type__in=types) | models.Q(proofs__doc_type__in=types)


class ImportEntry(models.Model):
    """An entry summary (CBP 7501) of a client, as ACE reports it."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="import_entries")
    entry_number = models.CharField(max_length=11, help_text="Filer code + 7 digits + check digit, no dashes")
    entry_type = models.CharField(max_length=2, blank=True)
    port_code = models.CharField(max_length=4, blank=True)
    importer_number = models.CharField(max_length=20, blank=True)
    importer_name = models.CharField(max_length=200, blank=True)
    entry_date = models.DateField(null=True, blank=True)
    import_date = models.DateField(help_text="Date of importation; starts the 5-year windows")
    entry_summary_date = models.DateField(null=True, blank=True)
    liquidation_date = models.DateField(null=True, blank=True)
    liquidation_status = models.CharField(max_length=40, blank=True)
    reconciliation = models.BooleanField(default=False)
    mpf = models.DecimalField(**MONEY, null=True, blank=True, help_text="Entry-level MPF paid")
    hmf = models.DecimalField(**MONEY, null=True, blank=True, help_text="Entry-level HMF paid")
    documents = models.ManyToManyField(Document, blank=True, related_name="import_entries")
    source_upload = models.ForeignKey("Upload", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "import entries"
        ordering = ["client", "import_date", "entry_number"]
        constraints = [
            models.UniqueConstraint(fields=["client", "entry_number"], name="entry_number_unique_per_client")
        ]
        indexes = [models.Index(fields=["client", "import_date", "id"])]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        n = self.entry_number
        return f"{n[:3]}-{n[3:10]}-{n[10:]}" if len(n) == 11 else n


class ImportLine(models.Model):
    """An entry-summary line with every duty, tax and fee separately, and what remains to designate."""

    class Method(models.TextChoices):
        # 19 CFR 190.51(a)(3): a line is designated by one method only, fixed by its first designation.
        NONE = "", "Not designated"
        DIRECT = "direct", "Direct identification"
        SUBSTITUTION = "substitution", "Substitution"

    # No index of its own: every index below starts with the client.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="import_lines", db_index=False)
    entry = models.ForeignKey(ImportEntry, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    import_date = models.DateField(help_text="Copied from the entry so line queries need no join")
    hts = models.CharField(max_length=10, help_text="10-digit Chapter 1-97 classification")
    description = models.CharField(max_length=500, blank=True)
    # CBP 7501 box 28 carries part/style/serial numbers with the description; invoices carry the SKU. A retail
    # return designates another import only of the same product identifier (19 U.S.C. 1313(c)(2)). Blank in
    # the database too, for the bulk inserts written in SQL that do not name it.
    part = models.CharField(
        max_length=60,
        blank=True,
        default="",
        db_default="",
        help_text="Product identifier: part number, SKU or style",
    )
    country_of_origin = models.CharField(max_length=2, blank=True)
    country_of_export = models.CharField(max_length=2, blank=True)
    manufacturer_id = models.CharField(max_length=20, blank=True)
    spi = models.CharField(max_length=4, blank=True, help_text="Special program indicator")
    quantity = models.DecimalField(**QUANTITY)
    uom = models.CharField(max_length=10)
    entered_value = models.DecimalField(**MONEY)
    duty = models.DecimalField(**MONEY, help_text="Duty under the Chapter 1-97 number")
    mpf = models.DecimalField(**FEE, default=0, help_text="MPF attributed to the line")
    hmf = models.DecimalField(**FEE, default=0, help_text="HMF attributed to the line")
    other_taxes = models.DecimalField(**MONEY, default=0, help_text="Internal revenue taxes and other fees")
    mpf_exempt = models.BooleanField(default=False, help_text="Excluded from MPF apportionment")
    quantity_available = models.DecimalField(**QUANTITY, help_text="Quantity not yet designated on any claim")
    designation_method = models.CharField(max_length=12, choices=Method.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entry", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "line_number"], name="line_number_unique_per_entry"),
            models.CheckConstraint(
                name="line_quantity_available_within_quantity",
                condition=models.Q(quantity_available__gte=0)
                & models.Q(quantity_available__lte=models.F("quantity")),
            ),
        ]
        # Each list sort ends in the id so keyset paging can resume after any row (drawback.paging); these
        # indexes answer a client's page in any of the indexed sorts with one range scan.
        indexes = [
            models.Index(fields=["client", "hts", "import_date", "id"]),
            models.Index(fields=["client", "import_date", "id"]),
            models.Index(fields=["client", "duty", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.entry.display_number} line {self.line_number}"

    @property
    def ch99_total(self) -> Decimal:
        """Additional duties under Chapter 99 numbers on this line (use with prefetched ch99_duties)."""
        return sum((row.amount for row in self.ch99_duties.all()), Decimal(0))


class LineCh99Duty(models.Model):
    """An additional duty reported on a line under a Chapter 99 number, in ES-003 ordinal order."""

    line = models.ForeignKey(ImportLine, on_delete=models.CASCADE, related_name="ch99_duties")
    ordinal = models.PositiveSmallIntegerField()
    number = models.CharField(max_length=10, help_text="9903.NN.NN")
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["line", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["line", "number"], name="ch99_number_unique_per_line")]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"


class ColumnMapping(models.Model):
    """A client's own file layout, mapped once to our fields for one kind of file."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="column_mappings")
    kind = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    mapping = models.JSONField(help_text="{our field: their column header}")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "kind", "name"], name="mapping_name_unique_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.client.code} {self.kind}: {self.name}"


class Upload(models.Model):
    """One data file given to the platform, and what became of it."""

    class Kind(models.TextChoices):
        ES003 = "es003", "ACE ES-003 entry summary line report"
        FEES = "fees", "Entry-level fees (MPF/HMF)"
        AES = "aes", "AES/EEI export data"
        HTS = "hts", "USITC HTS schedule"
        IMPORTS = "imports", "Canonical imports.csv"
        EXPORTS = "exports", "Canonical exports.csv"
        LIQUIDATION = "liq_report", "ACE liquidation report (entries' liquidation and protest status)"
        CAPE = "cape", "CBP's CAPE result (IEEPA refund declarations accepted, rejected, refunded)"
        BOM = "bom", "Bills of materials"
        PRODUCTION = "production", "Production lots"
        RETURNS = "returns", "Rejected-merchandise returns"

    class Status(models.TextChoices):
        # Stored and waiting for the analyst to map its columns (in the browser) before it is loaded.
        NEEDS_MAPPING = "mapping", "Waiting for its column mapping"
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        LOADED = "loaded", "Loaded"
        LOADED_WITH_REJECTS = "partial", "Loaded, rejected rows kept"
        REJECTED = "rejected", "Rejected: nothing stored"
        FAILED = "failed", "Failed"

    # No client for the HTS tariff, which every client shares.
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="uploads/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    mapping = models.ForeignKey(ColumnMapping, null=True, blank=True, on_delete=models.SET_NULL)
    allow_partial = models.BooleanField(default=False, help_text="Load the valid rows and keep the rejects")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    feed = models.ForeignKey(
        "DataFeed",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
        help_text="The data feed the file came from",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Written when processing starts and with each progress step: an upload PROCESSING whose heartbeat has
    # stopped lost its worker and is taken up again (services.upload_resume_stalled).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Times processing started: a file that kills its worker (memory, time limit) is tried at most
    # UPLOAD_MAX_ATTEMPTS times, then marked failed with the reason.
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "kind", "sha256"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    def summary(self) -> dict:
        return {
            "rows": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.error_count,
        }


class UploadError(models.Model):
    """A rejected row: where it is, what it held and which rule it broke."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(help_text="Row number in the file, header = 1")
    column = models.CharField(max_length=100, blank=True)
    value = models.TextField(blank=True)
    rule = models.CharField(max_length=60)
    message = models.TextField()
    raw = models.JSONField(default=dict, help_text="The whole row as read, for the rejects download")

    class Meta:
        ordering = ["upload", "row", "id"]

    def __str__(self) -> str:
        return f"row {self.row} {self.column}: {self.message}"


class DataFeed(models.Model):
    """Where a client's files arrive by themselves: a folder on the server or a prefix of the S3-compatible
    store, polled on a schedule. Each new file goes through the same upload service as a browser upload
    (imports.feeds); documents attach to the entry or export their name carries."""

    class Source(models.TextChoices):
        FOLDER = "folder", "Folder on the server"
        S3 = "s3", "S3-compatible prefix"

    DOCUMENTS = "documents"
    KINDS = [
        *[(kind, label) for kind, label in Upload.Kind.choices if kind != Upload.Kind.HTS],
        (DOCUMENTS, "Documents (attached by the entry or export reference in their name)"),
    ]

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="feeds")
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=10, choices=Source.choices)
    location = models.CharField(
        max_length=300,
        blank=True,
        help_text="Sub-folder of the client's own feed folder or prefix (blank: the client's folder itself)",
    )
    kind = models.CharField(max_length=20, choices=KINDS, help_text="The kind of file expected")
    pattern = models.CharField(
        max_length=100, default="*", help_text="File-name pattern, e.g. ES003_*.csv (* and ? as wildcards)"
    )
    doc_type = models.CharField(
        max_length=30, choices=Document.Type.choices, default=Document.Type.OTHER, help_text="For documents"
    )
    allow_partial = models.BooleanField(default=False, help_text="Load the valid rows and keep the rejects")
    every_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(5)], help_text="How often the feed is looked at"
    )
    is_active = models.BooleanField(default=True)
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Told by e-mail when a file of the feed fails",
    )
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_result = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "name"]
        constraints = [models.UniqueConstraint(fields=["client", "name"], name="feed_name_unique_per_client")]
        indexes = [models.Index(fields=["is_active", "next_poll_at"])]

    def __str__(self) -> str:
        return f"{self.client.code} feed {self.name}"

    @property
    def is_documents(self) -> bool:
        return self.kind == self.DOCUMENTS


class FeedFile(models.Model):
    """One file seen in a feed, and what became of it. A file is known by its name, size and time of change
    (seen again unchanged, it is skipped without being read) and by its content (the same bytes under
    another name are not loaded twice)."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        LOADED = "loaded", "Loaded"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"
        DUPLICATE = "duplicate", "Already loaded (same content)"
        ATTACHED = "attached", "Document attached"
        UNMATCHED = "unmatched", "Document kept, nothing named in it"

    feed = models.ForeignKey(DataFeed, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=500, help_text="Path inside the feed's folder or key in its prefix")
    size = models.PositiveBigIntegerField()
    modified = models.CharField(max_length=100, help_text="Time of change or ETag, as the source gives it")
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    message = models.TextField(blank=True)
    upload = models.ForeignKey(Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["feed", "-seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "name", "size", "modified"], name="feed_file_seen_once")
        ]
        indexes = [models.Index(fields=["feed", "sha256"])]

    def __str__(self) -> str:
        return f"{self.feed} {self.name} ({self.status})"

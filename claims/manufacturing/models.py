"""A manufacturer's records behind manufacturing and rejected-merchandise claims.

- BillOfMaterials: a finished article (part, HTS, unit) and what one unit of it takes (BomItem rows:
  components, the waste of a component, co-products), with the manufacturing ruling that covers it
  (19 U.S.C. 1313(b)(3): the claim identifies merchandise and article by 8-digit HTS and quantity).
- ProductionLot: a lot of the article made between two dates, the components used in it (with the import
  lines they came from, where the records show them) and the exports its articles went to.
- RejectedReturn: imported goods returned as rejected (1313(c)): why, when, the proof of it, the import line
  and the export or destruction of the returned goods.

Each is loaded from a file through the upload pipeline (claims.manufacturing.ingest) and belongs to a client.
"""

from django.conf import settings
from django.db import models

from drawback.accounts.models import Client
from imports.models import QUANTITY, ImportLine, Upload

UNIT_VALUE = {"max_digits": 18, "decimal_places": 6}


class BillOfMaterials(models.Model):
    """A finished article and the merchandise one unit of it takes."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="bills_of_materials")
    article_part = models.CharField(max_length=60, help_text="The article's part number")
    article_hts = models.CharField(max_length=10, help_text="10-digit HTS or Schedule B of the article")
    article_uom = models.CharField(max_length=10)
    article_value = models.DecimalField(
        **UNIT_VALUE,
        null=True,
        blank=True,
        help_text="Market value of one article at separation (relative value, with co-products)",
    )
    description = models.CharField(max_length=200, blank=True)
    ruling = models.CharField(max_length=60, help_text="Manufacturing ruling number covering the article")
    source_upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "bills of materials"
        ordering = ["client", "article_part"]
        constraints = [
            models.UniqueConstraint(fields=["client", "article_part"], name="bom_article_unique_per_client")
        ]

    def __str__(self) -> str:
        return f"BOM {self.article_part} ({self.client.code})"


class BomItem(models.Model):
    """One row of a bill of materials, per unit of the article."""

    class Kind(models.TextChoices):
        COMPONENT = "component", "Component (imported or substituted merchandise)"
        WASTE = "waste", "Valuable waste of a component"
        COPRODUCT = "coproduct", "Co-product or by-product"

    bom = models.ForeignKey(BillOfMaterials, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(help_text="Order in the file")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    part = models.CharField(max_length=60, blank=True)
    hts = models.CharField(
        max_length=10,
        blank=True,
        help_text="Component: its HTS. Waste: the HTS of the component it comes from",
    )
    quantity = models.DecimalField(**QUANTITY, help_text="Per unit of the article")
    uom = models.CharField(max_length=10)
    unit_value = models.DecimalField(
        **UNIT_VALUE,
        null=True,
        blank=True,
        help_text="Component: cost of acquisition per unit (1313(b) lesser-of). Waste, co-product: market "
        "value per unit",
    )
    appears_in = models.BooleanField(
        default=False, help_text="Component claimed on the quantity appearing in the article (basis 04)"
    )

    class Meta:
        ordering = ["bom", "position"]
        constraints = [models.UniqueConstraint(fields=["bom", "position"], name="bom_item_position_unique")]

    def __str__(self) -> str:
        return f"{self.bom.article_part} {self.kind} {self.hts or self.part} x {self.quantity}"


class ProductionLot(models.Model):
    """Articles made in one lot between two dates, and the exports they went to."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="production_lots")
    lot = models.CharField(max_length=60)
    bom = models.ForeignKey(BillOfMaterials, on_delete=models.PROTECT, related_name="lots")
    quantity = models.DecimalField(**QUANTITY, help_text="Articles made, in the article's unit")
    started_on = models.DateField()
    finished_on = models.DateField()
    factory = models.CharField(max_length=60, blank=True, help_text="City and state (CATAIR 50-record)")
    export_refs = models.JSONField(default=list, help_text="Exports or destructions of the lot's articles")
    source_upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client", "finished_on", "lot"]
        constraints = [models.UniqueConstraint(fields=["client", "lot"], name="lot_unique_per_client")]

    def __str__(self) -> str:
        return f"lot {self.lot} of {self.bom.article_part}"


class LotComponent(models.Model):
    """Merchandise used in a lot; the import line it came from when the records identify it (1313(a))."""

    lot = models.ForeignKey(ProductionLot, on_delete=models.CASCADE, related_name="components")
    position = models.PositiveIntegerField()
    hts = models.CharField(max_length=10)
    quantity = models.DecimalField(**QUANTITY)
    uom = models.CharField(max_length=10)
    entry_number = models.CharField(max_length=11, blank=True)
    line_number = models.PositiveIntegerField(null=True, blank=True)
    import_line = models.ForeignKey(
        ImportLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="lot_uses"
    )

    class Meta:
        ordering = ["lot", "position"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "position"], name="lot_component_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lot} uses {self.quantity} {self.uom} of {self.hts}"


class RejectedReturn(models.Model):
    """Imported goods returned as rejected merchandise (19 U.S.C. 1313(c)(1)), and what became of them."""

    class Reason(models.TextChoices):
        # CATAIR provisions 53-56 (catair.md 2.1), in CBP's order.
        NONCONFORMING = "nonconforming", "Not conforming to sample or specifications"
        NO_CONSENT = "no_consent", "Shipped without the consignee's consent"
        DEFECTIVE = "defective", "Defective at the time of importation"
        RETAIL = "retail", "Sold at retail and returned"

    PROVISIONS = {"nonconforming": "53", "no_consent": "54", "defective": "55", "retail": "56"}

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="rejected_returns")
    return_ref = models.CharField(max_length=60, help_text="The client's return or RMA number")
    reason = models.CharField(max_length=15, choices=Reason.choices)
    entry_number = models.CharField(max_length=11)
    line_number = models.PositiveIntegerField()
    import_line = models.ForeignKey(
        ImportLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )
    part = models.CharField(max_length=60, blank=True, help_text="Product identifier (SKU); retail returns")
    quantity = models.DecimalField(**QUANTITY)
    uom = models.CharField(max_length=10)
    rejected_on = models.DateField(help_text="Day the goods were found defective or refused")
    returned_on = models.DateField(help_text="Day the goods came back to the claimant")
    proof = models.CharField(max_length=200, help_text="Document proving the defect or non-conformity")
    unused = models.BooleanField(default=False, help_text="The records show the goods were not used")
    export_ref = models.CharField(max_length=60, blank=True, help_text="Export or destruction of the goods")
    source_upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client", "returned_on", "return_ref"]
        constraints = [
            models.UniqueConstraint(fields=["client", "return_ref"], name="return_ref_unique_per_client")
        ]

    def __str__(self) -> str:
        return f"return {self.return_ref} ({self.get_reason_display()})"

    @property
    def provision(self) -> str:
        return self.PROVISIONS[self.reason]


class TypeChoiceRun(models.Model):
    """One computation of the drawback type per export for a client and a filing date (a job on a worker),
    and its outcome: the chosen designations, each export's choice with its explanation and the alternative
    it beat, and the totals per claim and per type. Saving it as draft claims saves exactly this choice, as
    long as the data it was computed from has not changed (`digest`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Computed"
        FAILED = "failed", "Failed"
        SAVED = "saved", "Saved as draft claims"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="type_choices")
    filing_date = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Fingerprints of the data the choice read (claims.manufacturing.runs): exact, and quick.
    digest = models.CharField(max_length=64, blank=True)
    data_mark = models.CharField(max_length=64, blank=True)
    refund = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="Choices, designations and totals")
    message = models.TextField(blank=True)
    claims = models.ManyToManyField("claims.Claim", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"type choice {self.pk} of {self.client.code} for {self.filing_date} ({self.status})"

    @property
    def computed(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.SAVED)

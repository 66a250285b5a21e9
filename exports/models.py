"""Exports and destructions of a client: the proof side of a drawback claim."""

from django.db import models

from drawback.accounts.models import Client
from imports.models import MONEY, QUANTITY, Document, ImportLine, Upload


class Export(models.Model):
    """An exportation or a destruction under CBP supervision, with its unique export identifier."""

    class Disposition(models.TextChoices):
        EXPORT = "export", "Exported"
        DESTROY = "destroy", "Destroyed"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="exports")
    export_ref = models.CharField(
        max_length=60, help_text="Unique export identifier: ITN, shipment reference or bill of lading"
    )
    itn = models.CharField(max_length=20, blank=True, help_text="AES Internal Transaction Number")
    shipment_ref = models.CharField(max_length=60, blank=True)
    bill_of_lading = models.CharField(max_length=60, blank=True)
    export_date = models.DateField()
    exporter_name = models.CharField(max_length=200, blank=True)
    exporter_number = models.CharField(max_length=20, blank=True, help_text="USPPI EIN")
    consignee = models.CharField(max_length=200, blank=True)
    destination = models.CharField(max_length=2, blank=True, help_text="ISO country; blank for a destruction")
    port_of_export = models.CharField(max_length=4, blank=True)
    hts = models.CharField(max_length=10, help_text="10-digit Schedule B or HTS number")
    description = models.CharField(max_length=500, blank=True)
    quantity = models.DecimalField(**QUANTITY)
    uom = models.CharField(max_length=10)
    value = models.DecimalField(**MONEY, help_text="EEI value (selling price) or value at destruction")
    disposition = models.CharField(max_length=10, choices=Disposition.choices, default=Disposition.EXPORT)
    recovered_value = models.DecimalField(
        **MONEY, default=0, help_text="Value of materials recovered in a destruction (1313(x))"
    )
    excepted_goods = models.BooleanField(
        default=False, help_text="Goods excepted from the CA/MX/CL substitution bar (product decision 11)"
    )
    # Direct identification: the import line whose goods these are (set from entry + line numbers).
    direct_entry_number = models.CharField(max_length=11, blank=True)
    direct_line_number = models.PositiveIntegerField(null=True, blank=True)
    direct_line = models.ForeignKey(
        ImportLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_exports"
    )
    quantity_available = models.DecimalField(**QUANTITY, help_text="Quantity not yet claimed")
    documents = models.ManyToManyField(Document, blank=True, related_name="exports")
    source_upload = models.ForeignKey(Upload, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client", "export_date", "export_ref"]
        constraints = [
            models.UniqueConstraint(fields=["client", "export_ref"], name="export_ref_unique_per_client"),
            models.CheckConstraint(
                name="export_quantity_available_within_quantity",
                condition=models.Q(quantity_available__gte=0)
                & models.Q(quantity_available__lte=models.F("quantity")),
            ),
        ]
        indexes = [
            models.Index(fields=["client", "hts", "export_date", "id"]),
            models.Index(fields=["client", "export_date", "id"]),
        ]

    def __str__(self) -> str:
        return self.export_ref

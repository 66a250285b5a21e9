"""Exports and destructions of a client: the proof side of a drawback claim."""

from django.conf import settings
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


class NoticeOfIntent(models.Model):
    """A notice of intent to export, destroy or return (CBP Form 7553) and CBP's answer to it.

    19 CFR 190.35: at least 5 working days before an export; 190.71: at least 7 working days before a
    destruction. CBP answers whether it will examine (2 working days) or witness (4 working days); goods
    that leave without an examination CBP asked for lose their drawback.
    """

    class Action(models.TextChoices):
        EXPORT = "export", "Export"
        DESTROY = "destroy", "Destroy"
        RETURN = "return", "Return to CBP custody"

    class Decision(models.TextChoices):
        PENDING = "", "No answer from CBP"
        WAIVED = "waived", "Examination waived"
        EXAMINE = "examine", "CBP will examine / witness"
        EXAMINED = "examined", "Examined / witnessed"

    class Result(models.TextChoices):
        NONE = "", "-"
        NON_DISCREPANT = "N", "Non-discrepant"
        DISCREPANT = "D", "Discrepant"

    export = models.ForeignKey(Export, on_delete=models.CASCADE, related_name="notices")
    reference = models.CharField(max_length=60, blank=True, help_text="Drawback entry number or 7553 number")
    filed_on = models.DateField(help_text="Date the 7553 reached CBP")
    port = models.CharField(max_length=4, help_text="Port of intended examination or drawback office")
    intended_action = models.CharField(max_length=10, choices=Action.choices, default=Action.EXPORT)
    intended_on = models.DateField(help_text="Intended date of export or destruction")
    location = models.CharField(max_length=200, blank=True, help_text="Where the goods can be examined")
    cbp_decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    decided_on = models.DateField(null=True, blank=True)
    exam_result = models.CharField(max_length=1, choices=Result.choices, blank=True, default="")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices_of_intent"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["export", "filed_on", "id"]
        verbose_name = "notice of intent (CBP 7553)"
        verbose_name_plural = "notices of intent (CBP 7553)"

    def __str__(self) -> str:
        return f"7553 {self.get_intended_action_display()} {self.export} filed {self.filed_on}"

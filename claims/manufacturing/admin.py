"""Admin for manufacturing records: read-only, like the other data loaded from a client's files (they change
only through uploads, whose checks then always hold), scoped to the firm's own clients."""

from django.contrib import admin

from drawback.accounts.admin_access import FirmAdminAccess, ReadOnlyAdmin

from .models import BillOfMaterials, BomItem, LotComponent, ProductionLot, RejectedReturn


class RowsInline(FirmAdminAccess, admin.TabularInline):
    """The rows of a record, shown to the firm's admins with the record, never changed here."""

    read_only = True
    extra = 0
    can_delete = False


class BomItemInline(RowsInline):
    model = BomItem
    client_field = "bom__client"
    fields = ("position", "kind", "part", "hts", "quantity", "uom", "unit_value", "appears_in")


@admin.register(BillOfMaterials)
class BillOfMaterialsAdmin(ReadOnlyAdmin):
    list_display = ("article_part", "client", "article_hts", "article_uom", "ruling", "source_upload")
    list_select_related = ("client", "source_upload")
    search_fields = ("article_part", "article_hts", "ruling", "client__code")
    inlines = [BomItemInline]


class LotComponentInline(RowsInline):
    model = LotComponent
    client_field = "lot__client"
    fields = ("position", "hts", "quantity", "uom", "entry_number", "line_number", "import_line")
    raw_id_fields = ("import_line",)


@admin.register(ProductionLot)
class ProductionLotAdmin(ReadOnlyAdmin):
    list_display = ("lot", "client", "bom", "quantity", "started_on", "finished_on")
    list_select_related = ("client", "bom__client")
    search_fields = ("lot", "bom__article_part", "client__code")
    inlines = [LotComponentInline]


@admin.register(RejectedReturn)
class RejectedReturnAdmin(ReadOnlyAdmin):
    list_display = (
        "return_ref",
        "client",
        "reason",
        "entry_number",
        "line_number",
        "returned_on",
        "export_ref",
    )
    list_filter = ("reason",)
    list_select_related = ("client",)
    search_fields = ("return_ref", "entry_number", "part", "client__code")
    raw_id_fields = ("import_line",)

"""Admin: a read-only view of exports (only uploads and services write them)."""

from django.contrib import admin

from drawback.accounts.admin_access import ReadOnlyAdmin

from .models import Export


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    list_display = ("export_ref", "client", "export_date", "disposition", "destination", "hts", "quantity")
    list_filter = ("disposition",)
    search_fields = ("export_ref", "itn", "bill_of_lading", "client__code")
    list_select_related = ("client",)
    date_hierarchy = "export_date"
    raw_id_fields = ("direct_line", "source_upload")
    show_full_result_count = False

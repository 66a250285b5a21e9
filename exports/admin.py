"""Admin: exports are read-only (only uploads and services write them); notices of intent are kept here."""

from django.contrib import admin

from drawback.accounts.admin_access import FirmAdminAccess, ReadOnlyAdmin

from .models import Export, NoticeOfIntent


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    list_display = ("export_ref", "client", "export_date", "disposition", "destination", "hts", "quantity")
    list_filter = ("disposition",)
    search_fields = ("export_ref", "itn", "bill_of_lading", "client__code")
    list_select_related = ("client",)
    date_hierarchy = "export_date"
    raw_id_fields = ("direct_line", "source_upload")
    show_full_result_count = False


@admin.register(NoticeOfIntent)
class NoticeOfIntentAdmin(FirmAdminAccess, admin.ModelAdmin):
    client_field = "export__client"
    list_display = ("export", "intended_action", "filed_on", "intended_on", "port", "cbp_decision")
    list_filter = ("intended_action", "cbp_decision")
    search_fields = ("export__export_ref", "reference")
    raw_id_fields = ("export", "document", "recorded_by")

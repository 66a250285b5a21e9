"""Admin for firm admins: the Chapter 99 table, filer-code offsets and the HTS tariff to look things up in
(every firm shares them: a platform administrator changes them), and a read-only view of client data (which
only uploads and services write)."""

from django.contrib import admin
from django.db import models

from drawback.accounts.admin_access import FirmAdminAccess, ReadOnlyAdmin

from .models import (
    Chapter99Heading,
    ColumnMapping,
    Document,
    FilerCodeOffset,
    ImportEntry,
    ImportLine,
    LineCh99Duty,
    TariffLine,
    Upload,
    UploadError,
)


@admin.register(Chapter99Heading)
class Chapter99HeadingAdmin(FirmAdminAccess, admin.ModelAdmin):
    """Product decision 8: the table decides which Chapter 99 duties are claimed. Every firm's claims use it,
    so a platform administrator keeps it and firm admins read it."""

    client_field = None
    shared = True
    list_display = ("ch99_from", "ch99_to", "program", "drawback_eligible", "effective_from", "effective_to")
    list_filter = ("drawback_eligible",)
    search_fields = ("ch99_from", "ch99_to", "program", "description", "basis")
    readonly_fields = ("updated_at",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(FilerCodeOffset)
class FilerCodeOffsetAdmin(FirmAdminAccess, admin.ModelAdmin):
    """Product decision 9: filer codes CBP allowed to use a computed check digit +N (shared: every firm's
    entry numbers are checked with it)."""

    client_field = None
    shared = True
    list_display = ("filer_code", "offset", "note")
    search_fields = ("filer_code", "note")


@admin.register(TariffLine)
class TariffLineAdmin(ReadOnlyAdmin):
    """Loaded from the USITC HTS file; here to look up, not to edit."""

    client_field = None
    list_display = ("hts", "description", "general_rate", "uom", "begins_with_other")
    list_filter = ("rate_kind", "begins_with_other")
    search_fields = ("hts", "description")
    show_full_result_count = False


@admin.register(ColumnMapping)
class ColumnMappingAdmin(FirmAdminAccess, admin.ModelAdmin):
    list_display = ("name", "client", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "client__code")
    list_select_related = ("client",)
    readonly_fields = ("created_by", "created_at")


class LineCh99DutyInline(FirmAdminAccess, admin.TabularInline):
    model = LineCh99Duty
    client_field = "line__client"
    read_only = True
    extra = 0


@admin.register(ImportEntry)
class ImportEntryAdmin(ReadOnlyAdmin):
    list_display = ("entry_number", "client", "import_date", "entry_type", "port_code", "liquidation_date")
    list_filter = ("entry_type",)
    search_fields = ("=entry_number", "client__code")
    list_select_related = ("client",)
    date_hierarchy = "import_date"
    show_full_result_count = False


@admin.register(ImportLine)
class ImportLineAdmin(ReadOnlyAdmin):
    list_display = ("entry", "line_number", "client", "import_date", "hts", "duty", "quantity_available")
    list_filter = ("designation_method",)
    search_fields = ("=entry__entry_number", "hts")
    list_select_related = ("entry", "client")
    inlines = [LineCh99DutyInline]
    show_full_result_count = False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "client", "doc_type", "size", "uploaded_by", "uploaded_at")
    list_filter = ("doc_type",)
    search_fields = ("original_name", "sha256", "client__code")
    list_select_related = ("client", "uploaded_by")
    exclude = ("file",)  # downloads go through the scoped document page, never a storage URL


class UploadErrorInline(FirmAdminAccess, admin.TabularInline):
    model = UploadError
    client_field = "upload__client"
    read_only = True
    extra = 0
    max_num = 0
    fields = ("row", "column", "value", "rule", "message")


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "client", "kind", "status", "rows_read", "error_count", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("original_name", "sha256", "client__code")
    list_select_related = ("client",)
    exclude = ("file",)
    inlines = [UploadErrorInline]

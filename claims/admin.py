"""Admin: a read-only view of findings (the assessment writes them; analysts acknowledge on their pages)."""

from django.contrib import admin

from drawback.accounts.admin_access import ReadOnlyAdmin

from .models import Finding


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("rule", "severity", "status", "client", "message", "last_seen_at")
    list_filter = ("severity", "status", "rule")
    search_fields = ("rule", "message", "client__code")
    list_select_related = ("client",)
    raw_id_fields = ("entry", "line", "export", "acknowledged_by")

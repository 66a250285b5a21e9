"""Admin for claims: a window on the data, never a way around the state machine or the ledger.

Status is written only by claims.lifecycle; designations and totals change only through claims.services,
which keep the designation ledger true. So designations, totals and the audit trail are read-only here,
claims cannot be deleted (withdraw them instead), and nothing of a claim can be edited once it has left draft.
"""

from django.contrib import admin

from drawback.accounts.admin_access import FirmAdminAccess, ReadOnlyAdmin

from .models import Claim, ClaimClassTotal, ClaimTransition, Designation, Finding, PreflightRun


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ClassTotalInline(ReadOnlyInline):
    model = ClaimClassTotal
    fields = ("accounting_class", "claim_amount", "calculated_amount")


class DesignationInline(ReadOnlyInline):
    model = Designation
    fields = ("import_line", "export", "method", "quantity", "refund")
    raw_id_fields = ("import_line", "export")


class TransitionInline(ReadOnlyInline):
    model = ClaimTransition
    fields = ("at", "from_status", "to_status", "by", "reason")
    readonly_fields = ("at",)


@admin.register(Claim)
class ClaimAdmin(FirmAdminAccess, admin.ModelAdmin):
    list_display = ("display_number", "client", "provision", "status", "preparer", "filed_on")
    list_filter = ("status", "provision", "drawback_port")
    search_fields = ("number", "client__code", "client__legal_name")
    readonly_fields = ("status", "replaces", "build", "filed_on", "created_at", "updated_at")
    raw_id_fields = ("preparer",)
    inlines = [ClassTotalInline, DesignationInline, TransitionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != Claim.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Designation)
class DesignationAdmin(ReadOnlyAdmin):
    client_field = "claim__client"
    list_display = ("claim", "import_line", "export", "method", "quantity", "refund")
    list_select_related = ("claim", "import_line__entry", "export")
    search_fields = ("claim__number", "export__export_ref", "import_line__entry__entry_number")


@admin.register(ClaimTransition)
class ClaimTransitionAdmin(ReadOnlyAdmin):
    client_field = "claim__client"
    list_display = ("claim", "from_status", "to_status", "by", "at")
    list_filter = ("to_status",)
    search_fields = ("claim__number",)


@admin.register(PreflightRun)
class PreflightRunAdmin(ReadOnlyAdmin):
    client_field = "claim__client"
    list_display = ("claim", "at", "on", "error_count", "warning_count", "by")
    search_fields = ("claim__number",)


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    """Findings are written by the assessment; analysts acknowledge them on their pages."""

    list_display = ("rule", "severity", "status", "client", "message", "last_seen_at")
    list_filter = ("severity", "status", "rule")
    search_fields = ("rule", "message", "client__code")
    list_select_related = ("client",)
    raw_id_fields = ("entry", "line", "export", "acknowledged_by")

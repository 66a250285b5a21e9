from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .admin_access import FirmAdminAccess, sees_every_firm
from .models import Client, Firm, Privilege, User


@admin.register(Firm)
class FirmAdmin(FirmAdminAccess, admin.ModelAdmin):
    list_display = ("name", "filer_code", "export_window")
    client_field = None

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if sees_every_firm(request.user) else qs.filter(pk=request.user.firm_id)

    def has_add_permission(self, request, *args):
        return sees_every_firm(request.user)

    def has_delete_permission(self, request, obj=None):
        return sees_every_firm(request.user)


class PrivilegeInline(FirmAdminAccess, admin.TabularInline):
    """The client's privileges at a glance; their documents and status history are kept on the
    applications and rulings pages (/clients/<code>/privileges/), where each move is recorded."""

    model = Privilege
    extra = 0
    fields = (
        "kind",
        "status",
        "reference",
        "ruling_type",
        "submitted_on",
        "decided_on",
        "granted_on",
        "expires_on",
        "bond_type",
        "surety_code",
        "bond_amount",
        "bond_effective_on",
    )


@admin.register(Client)
class ClientAdmin(FirmAdminAccess, admin.ModelAdmin):
    client_field = "pk"
    list_display = ("code", "legal_name", "importer_number", "firm", "is_active")
    search_fields = ("code", "legal_name", "importer_number")
    inlines = [PrivilegeInline]

    def get_queryset(self, request):
        # Prospects' workspaces are not clients (drawback.prospects), even for a superuser.
        return super().get_queryset(request).filter(is_workspace=False)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "firm", "client", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Role", {"fields": ("role", "firm", "client")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Role", {"fields": ("role", "firm", "client")}))

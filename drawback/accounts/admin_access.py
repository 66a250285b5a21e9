"""Who may use the Django admin, and what they see there.

Firm admins (role firm_admin with is_staff) maintain their firm's settings, clients and reference tables
through the admin; superusers without a firm see everything. Everything client-owned is scoped through
tenancy, like every other page. Django's per-model permissions are not used: the role decides.
"""

from django.contrib import admin

from .models import User
from .tenancy import clients_for, scope


def is_firm_admin(user) -> bool:
    return bool(user.is_active and user.is_staff and (user.is_superuser or user.role == User.Role.FIRM_ADMIN))


def sees_every_firm(user) -> bool:
    return user.is_superuser and not user.firm_id


class FirmAdminAccess:
    """Role-based access for a ModelAdmin or inline. `client_field` is the path from the model to its
    Client ("pk" for Client itself); None for tables every client shares. `read_only` shows rows without
    allowing changes (data that only uploads and services may write, so their rules always hold)."""

    client_field: str | None = "client"
    read_only = False
    # Reference data every firm's claims rest on (the Chapter 99 table, filer-code offsets): firm admins
    # read it, only a platform administrator changes it, so no firm decides for another.
    shared = False

    def has_module_permission(self, request):
        return is_firm_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_firm_admin(request.user)

    def _may_write(self, request) -> bool:
        if self.read_only:
            return False
        return request.user.is_platform_admin if self.shared else is_firm_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_firm_admin(request.user) and self._may_write(request)

    def has_change_permission(self, request, obj=None):
        return is_firm_admin(request.user) and self._may_write(request)

    def has_delete_permission(self, request, obj=None):
        return is_firm_admin(request.user) and self._may_write(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self.client_field is None or sees_every_firm(request.user):
            return qs
        return scope(qs, request.user, self.client_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A firm admin can only point rows at their own firm's clients.
        if db_field.related_model.__name__ == "Client" and not sees_every_firm(request.user):
            kwargs["queryset"] = clients_for(request.user)
        elif db_field.related_model.__name__ == "Firm" and not sees_every_firm(request.user):
            kwargs["queryset"] = db_field.related_model.objects.filter(pk=request.user.firm_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(FirmAdminAccess, admin.ModelAdmin):
    read_only = True

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Client, Firm, Privilege, User


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ("name", "filer_code", "export_window")


class PrivilegeInline(admin.TabularInline):
    model = Privilege
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("code", "legal_name", "importer_number", "firm", "is_active")
    search_fields = ("code", "legal_name", "importer_number")
    inlines = [PrivilegeInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "firm", "client", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Role", {"fields": ("role", "firm", "client")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Role", {"fields": ("role", "firm", "client")}))

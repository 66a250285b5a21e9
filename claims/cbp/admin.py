"""Admin views of what passed between us and CBP, for support staff. Registered from ClaimsConfig.ready."""

from django.contrib import admin

from drawback.accounts.admin_access import FirmAdminAccess, ReadOnlyAdmin

from .models import CbpMessage, CbpRequest, CbpTransmission, Liquidation, Notification, Payment


@admin.register(CbpTransmission)
class CbpTransmissionAdmin(ReadOnlyAdmin):
    client_field = "claim__client"
    list_display = ["claim", "gateway", "action", "status", "reference", "sent_at"]
    list_filter = ["status", "gateway"]
    search_fields = ["claim__number", "reference"]
    readonly_fields = [f.name for f in CbpTransmission._meta.fields]


@admin.register(CbpMessage)
class CbpMessageAdmin(ReadOnlyAdmin):
    client_field = "claim__client"
    list_display = [
        "message_id",
        "claim",
        "kind",
        "cbp_date",
        "received_at",
        "processed_at",
        "attempts",
        "error",
    ]
    list_filter = ["kind", "gateway"]
    search_fields = ["message_id", "claim__number"]
    readonly_fields = [f.name for f in CbpMessage._meta.fields]


@admin.register(CbpRequest)
class CbpRequestAdmin(FirmAdminAccess, admin.ModelAdmin):
    client_field = "claim__client"
    list_display = ["claim", "kind", "reference", "issued_on", "due_on", "assigned_to", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["claim__number", "reference"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    client_field = "claim__client"
    list_display = ["claim", "kind", "paid_on", "total", "reference"]
    list_filter = ["kind"]
    search_fields = ["claim__number", "reference"]


@admin.register(Liquidation)
class LiquidationAdmin(ReadOnlyAdmin):
    client_field = "claim__client"
    list_display = ["claim", "liquidated_on", "deemed", "total", "extended", "suspended"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    client_field = "claim__client"
    list_display = ["claim", "event", "user", "email", "created_at", "sent_at", "read_at"]
    list_filter = ["event"]
    search_fields = ["claim__number", "email", "user__username"]

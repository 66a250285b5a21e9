from django.contrib import admin

from .models import NoticeOfIntent


@admin.register(NoticeOfIntent)
class NoticeOfIntentAdmin(admin.ModelAdmin):
    list_display = ("export", "intended_action", "filed_on", "intended_on", "port", "cbp_decision")
    list_filter = ("intended_action", "cbp_decision")
    search_fields = ("export__export_ref", "reference")
    raw_id_fields = ("export", "document", "recorded_by")

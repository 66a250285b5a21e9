"""The public FAQ is edited in the admin by firm admins: category, order, published, last reviewed, and the
answer in Markdown (shown sanitised, with a preview here)."""

from django.contrib import admin

from drawback.accounts.admin_access import FirmAdminAccess

from .faq import render_markdown
from .models import FaqCategory, FaqEntry


@admin.register(FaqCategory)
class FaqCategoryAdmin(FirmAdminAccess, admin.ModelAdmin):
    client_field = None  # the public site's, no client's
    list_display = ("name", "order")
    list_editable = ("order",)


@admin.register(FaqEntry)
class FaqEntryAdmin(FirmAdminAccess, admin.ModelAdmin):
    client_field = None
    list_display = ("question", "category", "order", "published", "last_reviewed")
    list_editable = ("order", "published")
    list_filter = ("category", "published")
    search_fields = ("question", "answer")
    prepopulated_fields = {"slug": ("question",)}
    readonly_fields = ("preview", "updated_at")
    fields = (
        "category",
        "question",
        "slug",
        "answer",
        "preview",
        "order",
        "published",
        "last_reviewed",
        "updated_at",
    )

    @admin.display(description="As shown on the FAQ page")
    def preview(self, obj):
        return render_markdown(obj.answer) if obj and obj.pk else "Save to see the answer as shown."

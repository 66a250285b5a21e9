"""Firm admins edit the review checklists here; sign-offs and comments are shown, never changed."""

from django.contrib import admin

from .models import Review, ReviewChecklist, ReviewChecklistItem, ReviewComment


class ChecklistItemInline(admin.TabularInline):
    model = ReviewChecklistItem
    extra = 1
    fields = ("position", "text", "guidance", "is_active")


@admin.register(ReviewChecklist)
class ReviewChecklistAdmin(admin.ModelAdmin):
    list_display = ("level", "title", "updated_at")
    inlines = [ChecklistItemInline]


class CommentInline(admin.TabularInline):
    model = ReviewComment
    extra = 0
    can_delete = False
    fields = ("subject", "text", "author", "at")
    readonly_fields = ("at",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("claim", "level", "decision", "reviewer", "at")
    list_filter = ("level", "decision")
    search_fields = ("claim__number", "reviewer__username")
    inlines = [CommentInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

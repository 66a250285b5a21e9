"""Two-level review of claims before filing: checklists, sign-offs and comments on specific lines."""

from django.conf import settings
from django.db import models

from claims.models import Claim, ClaimTransition, Designation
from exports.models import Export
from imports.models import ImportLine


class Level(models.IntegerChoices):
    FIRST = 1, "First review"
    SECOND = 2, "Second review"


class ReviewChecklist(models.Model):
    """The questions a reviewer answers at one level. Firm admins edit them in the admin."""

    level = models.PositiveSmallIntegerField(choices=Level.choices, unique=True)
    title = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["level"]

    def __str__(self) -> str:
        return f"Level {self.level}: {self.title}"


class ReviewChecklistItem(models.Model):
    checklist = models.ForeignKey(ReviewChecklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    guidance = models.TextField(blank=True, help_text="What the reviewer looks at, with citations")
    is_active = models.BooleanField(default=True, help_text="Inactive items are no longer asked")

    class Meta:
        ordering = ["checklist", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Review(models.Model):
    """One sign-off: a reviewer approved a claim at a level, or returned it for correction.

    The checklist is copied into `answers` (item id, text, ticked) so later edits of the checklist do not
    rewrite what the reviewer actually signed.
    """

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        RETURN = "return", "Returned for correction"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="reviews")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    answers = models.JSONField(default=list)
    comment = models.TextField(blank=True, help_text="Overall comment")
    transition = models.OneToOneField(
        ClaimTransition, null=True, blank=True, on_delete=models.PROTECT, related_name="review"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "at", "id"]
        indexes = [models.Index(fields=["claim", "level"])]

    def __str__(self) -> str:
        return f"{self.claim} level {self.level} {self.decision} by {self.reviewer}"


class ReviewComment(models.Model):
    """A reviewer's comment on a designation, an import line or an export of the claim (or the claim)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="review_comments")
    designation = models.ForeignKey(
        Designation, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_comments"
    )
    import_line = models.ForeignKey(
        ImportLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_comments"
    )
    export = models.ForeignKey(
        Export, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_comments"
    )
    # What the comment was about, in words, kept if the designation is later removed from the draft.
    subject = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "at", "id"]

    def __str__(self) -> str:
        return f"{self.subject or self.claim}: {self.text[:60]}"

"""Reviews API: approve or return a claim (firm reviewers), the queues with ages, a claim's sign-offs."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors as claim_selectors
from claims.api import ClaimDetailSerializer, Problem
from claims.lifecycle import TransitionError
from drawback.accounts.tenancy import require_staff

from . import selectors, services
from .models import Level, Review, ReviewChecklistItem, ReviewComment


class LineCommentSerializer(serializers.Serializer):
    text = serializers.CharField()
    designation = serializers.IntegerField(required=False, allow_null=True, default=None)
    import_line = serializers.IntegerField(required=False, allow_null=True, default=None)
    export = serializers.IntegerField(required=False, allow_null=True, default=None)

    def to_comment(self, data: dict) -> services.LineComment:
        return services.LineComment(data["text"], data["designation"], data["import_line"], data["export"])


class ApproveInput(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    ticked = serializers.ListField(child=serializers.IntegerField(), help_text="Checklist item ids ticked")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    line_comments = LineCommentSerializer(many=True, required=False, default=list)


class ReturnInput(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    line_comments = LineCommentSerializer(many=True, required=False, default=list)
    ticked = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReviewComment
        fields = ["designation", "import_line", "export", "subject", "text", "author", "at"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    comments = CommentSerializer(many=True, read_only=True)
    answers = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = Review
        fields = ["id", "level", "decision", "reviewer", "at", "comment", "answers", "comments"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewChecklistItem
        fields = ["id", "position", "text", "guidance"]
        read_only_fields = fields


class QueueItemSerializer(serializers.Serializer):
    claim = serializers.IntegerField(source="claim.pk")
    number = serializers.CharField(source="claim.display_number")
    client = serializers.CharField(source="claim.client.code")
    provision = serializers.CharField(source="claim.provision")
    preparer = serializers.CharField(source="claim.preparer.username")
    entered_at = serializers.DateTimeField()
    age_seconds = serializers.SerializerMethodField()
    total_claimed = serializers.DecimalField(max_digits=16, decimal_places=2)
    can_review = serializers.BooleanField()
    why_not = serializers.CharField()

    def get_age_seconds(self, item) -> int:
        return int(item.age.total_seconds())


DecisionOutput = inline_serializer(
    "ReviewDecision", {"review": ReviewSerializer(), "claim": ClaimDetailSerializer()}
)


def _decision(request: Request, pk: int, review: Review) -> Response:
    claim = claim_selectors.claim_get(user=request.user, pk=pk)
    return Response(
        {
            "review": ReviewSerializer(review).data,
            "claim": ClaimDetailSerializer(claim, context={"request": request}).data,
        },
        status=status.HTTP_201_CREATED,
    )


class ReviewApproveApi(APIView):
    """Approve the claim at its review level: every active checklist item of the level must be ticked."""

    @extend_schema(request=ApproveInput, responses={201: DecisionOutput, 400: Problem})
    def post(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        claim = claim_selectors.claim_get(user=request.user, pk=pk)
        data = ApproveInput(data=request.data)
        data.is_valid(raise_exception=True)
        comments = [LineCommentSerializer().to_comment(c) for c in data.validated_data["line_comments"]]
        try:
            review = services.review_approve(
                claim=claim,
                by=request.user,
                level=data.validated_data["level"],
                ticked=data.validated_data["ticked"],
                comment=data.validated_data["comment"],
                line_comments=comments,
            )
        except (services.ReviewError, TransitionError) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return _decision(request, pk, review)


class ReviewReturnApi(APIView):
    """Return the claim to its preparer with at least one comment, overall or on its lines."""

    @extend_schema(request=ReturnInput, responses={201: DecisionOutput, 400: Problem})
    def post(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        claim = claim_selectors.claim_get(user=request.user, pk=pk)
        data = ReturnInput(data=request.data)
        data.is_valid(raise_exception=True)
        comments = [LineCommentSerializer().to_comment(c) for c in data.validated_data["line_comments"]]
        try:
            review = services.review_return(
                claim=claim,
                by=request.user,
                comment=data.validated_data["comment"],
                line_comments=comments,
                ticked=data.validated_data["ticked"],
            )
        except (services.ReviewError, TransitionError) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return _decision(request, pk, review)


class ClaimReviewsApi(APIView):
    """A claim's reviews with the reviewers' comments: the firm's work (client users get 404)."""

    @extend_schema(responses=ReviewSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        claim = claim_selectors.claim_get(user=request.user, pk=pk)
        return Response(ReviewSerializer(selectors.claim_reviews(claim=claim), many=True).data)


class ReviewQueueApi(APIView):
    """Claims waiting at a review level, oldest first, with their age in seconds (firm staff)."""

    @extend_schema(responses=QueueItemSerializer(many=True))
    def get(self, request: Request, level: int) -> Response:
        require_staff(request.user)
        if level not in Level.values:
            return Response({"detail": "level is 1 or 2"}, status=status.HTTP_404_NOT_FOUND)
        items = selectors.review_queue(user=request.user, level=level)
        return Response(QueueItemSerializer(items, many=True).data)


class ReviewChecklistApi(APIView):
    """The active checklist items of a level (their ids are what /review/approve/ ticks)."""

    @extend_schema(responses=ChecklistItemSerializer(many=True))
    def get(self, request: Request, level: int) -> Response:
        require_staff(request.user)
        if level not in Level.values:
            return Response({"detail": "level is 1 or 2"}, status=status.HTTP_404_NOT_FOUND)
        return Response(ChecklistItemSerializer(services.checklist_items(level), many=True).data)

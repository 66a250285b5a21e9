"""Claims API (/api/v1/claims/...): scoped reads for everyone who may see the client, moves and pre-flight
runs for firm staff only (client users get 404 on every write, like any object they may not change)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drawback.accounts.tenancy import require_staff
from drawback.api import ExpensiveRateThrottle

from . import selectors, services
from .lifecycle import TransitionError, claim_transition
from .models import Claim, ClaimClassTotal, ClaimTransition, Designation, PreflightRun

S = Claim.Status


class ClassTotalSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimClassTotal
        fields = ["accounting_class", "claim_amount", "calculated_amount"]


class ClaimSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)
    preparer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    totals = ClassTotalSerializer(source="class_totals", many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "number",
            "display_number",
            "client",
            "provision",
            "drawback_port",
            "status",
            "status_label",
            "preparer",
            "accelerated_payment",
            "waiver_prior_notice",
            "replaces",
            "filed_on",
            "created_at",
            "totals",
        ]
        read_only_fields = fields


class PreflightIssueSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning", "info"])
    message = serializers.CharField()
    designation_id = serializers.IntegerField(allow_null=True)
    import_line_id = serializers.IntegerField(allow_null=True)
    export_id = serializers.IntegerField(allow_null=True)
    accounting_class = serializers.CharField(allow_blank=True)


class PreflightRunSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    issues = PreflightIssueSerializer(many=True, read_only=True)

    class Meta:
        model = PreflightRun
        fields = ["at", "on", "by", "error_count", "warning_count", "issues"]
        read_only_fields = fields


class ClaimDetailSerializer(ClaimSerializer):
    latest_preflight = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "notes", "latest_preflight", "actions"]
        read_only_fields = fields

    @extend_schema_field(PreflightRunSerializer(allow_null=True))
    def get_latest_preflight(self, claim: Claim) -> dict | None:
        run = selectors.claim_latest_preflight(claim=claim)
        return PreflightRunSerializer(run).data if run else None

    def get_actions(self, claim: Claim) -> list[str]:
        return selectors.claim_actions(claim=claim, user=self.context["request"].user)


class TransitionSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ClaimTransition
        fields = ["from_status", "to_status", "by", "at", "reason"]
        read_only_fields = fields


class DesignationSerializer(serializers.ModelSerializer):
    entry_number = serializers.CharField(source="import_line.entry.entry_number", read_only=True)
    line_number = serializers.IntegerField(source="import_line.line_number", read_only=True)
    export_ref = serializers.CharField(source="export.export_ref", read_only=True)
    amounts = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()), read_only=True
    )
    explanation = serializers.ListField(child=serializers.JSONField(), read_only=True)

    class Meta:
        model = Designation
        fields = [
            "id",
            "import_line",
            "entry_number",
            "line_number",
            "export",
            "export_ref",
            "provision",
            "method",
            "quantity",
            "refund",
            "amounts",
            "entered_value_per_unit",
            "substituted_value_per_unit",
            "explanation",
        ]
        read_only_fields = fields


def _claims(user):
    return selectors.claim_list(user=user).prefetch_related(
        Prefetch("class_totals", queryset=ClaimClassTotal.objects.order_by("accounting_class"))
    )


class ClaimListApi(generics.ListAPIView):
    """Claims of the clients you may see, newest first."""

    serializer_class = ClaimSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("client", str, description="Client code"),
            OpenApiParameter("status", str, enum=S.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        claims = _claims(self.request.user)
        if code := self.request.query_params.get("client"):
            claims = claims.filter(client__code=code)
        if status_ := self.request.query_params.get("status"):
            claims = claims.filter(status=status_)
        return claims


class ClaimDetailApi(generics.RetrieveAPIView):
    serializer_class = ClaimDetailSerializer

    def get_queryset(self):
        return _claims(self.request.user)


class ClaimDesignationsApi(generics.ListAPIView):
    """The claim's designations with their exact per-class amounts and explanations."""

    serializer_class = DesignationSerializer
    queryset = Designation.objects.none()  # the schema generator's placeholder; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Designation.objects.none()
        claim = selectors.claim_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.claim_designations(claim=claim)


class MoveInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=S.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


MoveOutput = inline_serializer(
    "ClaimMoveResult",
    {"claim": ClaimDetailSerializer(), "issues": PreflightIssueSerializer(many=True)},
)
Problem = inline_serializer(
    "ClaimProblem",
    {"detail": serializers.CharField(), "issues": PreflightIssueSerializer(many=True, required=False)},
)
# Moves decided elsewhere: reviews by the review endpoints, filing by the filing service (it transmits).
REVIEW_TARGETS = {S.SECOND_REVIEW, S.READY_TO_FILE, S.RETURNED}


class ClaimTransitionsApi(APIView):
    """GET the claim's status history; POST a move (firm staff)."""

    throttle_classes = [ExpensiveRateThrottle]
    expensive_methods = ("POST",)

    @extend_schema(responses=TransitionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        claim = selectors.claim_get(user=request.user, pk=pk)
        moves = selectors.claim_timeline(claim=claim, for_client=request.user.is_client_user)
        return Response(TransitionSerializer(moves, many=True).data)

    @extend_schema(request=MoveInput, responses={200: MoveOutput, 400: Problem})
    def post(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        claim = selectors.claim_get(user=request.user, pk=pk)
        data = MoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        to, reason = data.validated_data["to"], data.validated_data["reason"]
        issues = []
        try:
            if to == S.VALIDATED:
                result = services.claim_validate(claim=claim, by=request.user)
                issues = [i.as_dict() for i in result.issues]
                if not result.validated:
                    return Response(
                        {"detail": f"pre-flight found {len(result.errors)} error(s)", "issues": issues},
                        status=status.HTTP_400_BAD_REQUEST,
                    )
            elif to == S.FIRST_REVIEW:
                from reviews.services import review_start

                review_start(claim=claim, by=request.user)
            elif to == S.DRAFT:
                services.claim_reopen(claim=claim, by=request.user, reason=reason)
            elif to == S.WITHDRAWN:
                services.claim_withdraw(claim=claim, by=request.user, reason=reason)
            elif to in REVIEW_TARGETS:
                return Response(
                    {"detail": "review decisions are recorded through /review/approve/ and /review/return/"},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            elif to == S.FILED:
                return Response(
                    {"detail": "a claim is filed by transmitting it to CBP, not by setting its status"},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            else:
                claim_transition(claim=claim, to=to, by=request.user, reason=reason)
        except (services.ClaimError, TransitionError) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        claim = selectors.claim_get(user=request.user, pk=pk)
        return Response(
            {"claim": ClaimDetailSerializer(claim, context={"request": request}).data, "issues": issues}
        )


class ClaimPreflightApi(APIView):
    """GET the latest pre-flight run; POST runs pre-flight now without moving the claim (firm staff)."""

    throttle_classes = [ExpensiveRateThrottle]
    expensive_methods = ("POST",)

    @extend_schema(responses={200: PreflightRunSerializer})
    def get(self, request: Request, pk: int) -> Response:
        claim = selectors.claim_get(user=request.user, pk=pk)
        run = selectors.claim_latest_preflight(claim=claim)
        if run is None:
            return Response(
                {"detail": "pre-flight has not run on this claim"}, status=status.HTTP_404_NOT_FOUND
            )
        return Response(PreflightRunSerializer(run).data)

    @extend_schema(request=None, responses={201: PreflightRunSerializer, 400: Problem})
    def post(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        claim = selectors.claim_get(user=request.user, pk=pk)
        try:
            _, run = services.preflight_run(claim=claim, by=request.user)
        except services.ClaimError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PreflightRunSerializer(run).data, status=status.HTTP_201_CREATED)


class ClaimCorrectionApi(APIView):
    """POST creates a correction: a new draft replacing this filed claim (firm staff)."""

    @extend_schema(request=None, responses={201: ClaimDetailSerializer, 400: Problem})
    def post(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        claim = selectors.claim_get(user=request.user, pk=pk)
        try:
            correction = services.claim_correction_create(claim=claim, by=request.user)
        except services.ClaimError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            ClaimDetailSerializer(correction, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

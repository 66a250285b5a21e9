"""Claim building API: start a build, follow it and read its proposal, save it as draft claims (firm staff;
client users get 404), and a client's money at risk (everyone who may see the client).

POST /api/v1/clients/<code>/claim-builds/     start (202); GET lists the client's builds
GET  /api/v1/claim-builds/<id>/                 status, progress and, once done, the proposal's summary
GET  /api/v1/claim-builds/<id>/designations/    the proposal's designations, a page at a time
POST /api/v1/claim-builds/<id>/save/            save the proposal as draft claims on a worker (202 with the
                                                job to poll at /api/v1/jobs/<id>/), or 409 with why
GET  /api/v1/clients/<code>/money-at-risk/      lines passing the 5-year limit within 180 days
"""

from decimal import ROUND_HALF_UP

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.engine.model import Method
from claims.jobs.api import JobSerializer
from claims.models import DRAWBACK_PORTS, Claim, ClaimBuild, ProposedDesignation
from drawback.accounts.tenancy import client_for_code, get_scoped_or_404, require_staff
from drawback.api import ExpensiveRateThrottle

from . import selectors, services
from .money_at_risk import money_at_risk_cached
from .parameters import DISPOSITIONS


class PinSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Import line id")
    export = serializers.IntegerField(help_text="Export id")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, min_value=0, coerce_to_string=True)


class BuildParametersSerializer(serializers.Serializer):
    export_from = serializers.DateField(required=False, allow_null=True)
    export_to = serializers.DateField(required=False, allow_null=True)
    destinations = serializers.ListField(
        child=serializers.CharField(min_length=2, max_length=2),
        required=False,
        help_text="ISO codes; empty: all",
    )
    product = serializers.CharField(required=False, allow_blank=True, max_length=13, help_text="HTS prefix")
    disposition = serializers.ChoiceField(choices=[d for d in DISPOSITIONS], required=False, allow_blank=True)
    filing_date = serializers.DateField(required=False, help_text="Default: today")
    drawback_port = serializers.ChoiceField(
        choices=DRAWBACK_PORTS, required=False, help_text="Default: the firm's"
    )
    method = serializers.ChoiceField(choices=[m.value for m in Method], required=False, default="optimal")
    exclude_lines = serializers.ListField(child=serializers.IntegerField(), required=False)
    exclude_exports = serializers.ListField(child=serializers.IntegerField(), required=False)
    pins = PinSerializer(many=True, required=False)
    accelerated_payment = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Ask for accelerated payment on the claims saved; null or absent: on each claim the "
        "client's approved privilege and bond headroom allow",
    )


class StepSerializer(serializers.Serializer):
    citation = serializers.CharField()
    text = serializers.CharField()


class ClassAmountSerializer(serializers.Serializer):
    claim = serializers.CharField(help_text="Exact decimal")
    calculated = serializers.CharField(help_text="Exact decimal: the maximum without the lesser-of")


class ProposedDesignationSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    entry_number = serializers.CharField()
    line_number = serializers.IntegerField()
    import_date = serializers.DateField()
    hts = serializers.CharField()
    uom = serializers.CharField()
    export_id = serializers.IntegerField()
    export_ref = serializers.CharField()
    export_date = serializers.DateField()
    destination = serializers.CharField()
    disposition = serializers.CharField()
    provision = serializers.CharField()
    method = serializers.CharField()
    quantity = serializers.CharField()
    pinned_quantity = serializers.CharField(allow_null=True)
    refund = serializers.CharField(help_text="Exact, before the claim's rounding")
    amounts = serializers.DictField(child=ClassAmountSerializer(), help_text="By accounting class")
    entered_value_per_unit = serializers.CharField(allow_null=True)
    substituted_value_per_unit = serializers.CharField(allow_null=True)
    explanation = StepSerializer(many=True)


class ProposalTotalSerializer(serializers.Serializer):
    claim = serializers.CharField(help_text="Rounded once, half-up, to cents")
    calculated = serializers.CharField()


class ProvisionSummarySerializer(serializers.Serializer):
    totals = serializers.DictField(child=serializers.CharField())
    refund = serializers.CharField()
    designations = serializers.IntegerField()
    exports = serializers.IntegerField()


class ComparisonSerializer(serializers.Serializer):
    method = serializers.CharField()
    name = serializers.CharField()
    refund = serializers.CharField()
    uplift = serializers.CharField(allow_null=True, help_text="Optimum's refund less this method's")


class ProposalExclusionSerializer(serializers.Serializer):
    subject = serializers.CharField()
    ref = serializers.CharField()
    reason = serializers.CharField()
    citation = serializers.CharField(allow_blank=True)
    quantity = serializers.CharField(allow_null=True)


class ProposalSerializer(serializers.Serializer):
    """The proposal's summary; its designations are read a page at a time from .../designations/."""

    method = serializers.CharField()
    filing_date = serializers.DateField()
    drawback_port = serializers.CharField()
    designations_count = serializers.IntegerField()
    totals = serializers.DictField(child=ProposalTotalSerializer())
    refund = serializers.CharField()
    by_provision = serializers.DictField(child=ProvisionSummarySerializer())
    comparison = ComparisonSerializer(many=True)
    exclusions = ProposalExclusionSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    bound_gap = serializers.FloatField(help_text="Certified distance to the optimum, in dollars")
    groups = serializers.IntegerField()
    inputs = serializers.DictField(child=serializers.IntegerField())
    seconds = serializers.FloatField()


class BuildClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = ["id", "number", "display_number", "provision", "status"]
        read_only_fields = fields


class ClaimBuildSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    parameters = BuildParametersSerializer(read_only=True)
    claims = BuildClaimSerializer(many=True, read_only=True)

    class Meta:
        model = ClaimBuild
        fields = [
            "id",
            "client",
            "requested_by",
            "status",
            "status_label",
            "progress",
            "groups_total",
            "groups_done",
            "message",
            "parameters",
            "created_at",
            "finished_at",
            "claims",
        ]
        read_only_fields = fields


class ClaimBuildDetailSerializer(ClaimBuildSerializer):
    proposal = serializers.SerializerMethodField()

    class Meta(ClaimBuildSerializer.Meta):
        fields = [*ClaimBuildSerializer.Meta.fields, "proposal"]
        read_only_fields = fields

    @extend_schema_field(ProposalSerializer(allow_null=True))
    def get_proposal(self, build: ClaimBuild) -> dict | None:
        # Stored as built (already in this shape); no second pass over a large proposal.
        if build.status in (ClaimBuild.Status.DONE, ClaimBuild.Status.SAVED):
            return build.result
        return None


Problem = inline_serializer("ClaimBuildProblem", {"detail": serializers.CharField()})


class ClaimBuildListApi(APIView):
    """GET the client's builds (newest first, without proposals); POST starts a build (firm staff)."""

    throttle_classes = [ExpensiveRateThrottle]
    expensive_methods = ("POST",)

    @extend_schema(responses=ClaimBuildSerializer(many=True))
    def get(self, request: Request, client_code: str) -> Response:
        require_staff(request.user)
        client = client_for_code(request.user, client_code)
        builds = selectors.build_list(client=client).prefetch_related("claims")[:100]
        return Response(ClaimBuildSerializer(builds, many=True).data)

    @extend_schema(request=BuildParametersSerializer, responses={202: ClaimBuildSerializer, 400: Problem})
    def post(self, request: Request, client_code: str) -> Response:
        require_staff(request.user)
        client = client_for_code(request.user, client_code)
        data = BuildParametersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            build = services.claim_build_start(
                client=client,
                user=request.user,
                parameters=BuildParametersSerializer(data.validated_data).data,
            )
        except services.BuildError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        build.refresh_from_db()
        return Response(ClaimBuildSerializer(build).data, status=status.HTTP_202_ACCEPTED)


class ClaimBuildDetailApi(APIView):
    """A build: its status and progress while it runs, its proposal once done (firm staff)."""

    @extend_schema(responses=ClaimBuildDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        build = get_scoped_or_404(selectors.builds_for(request.user), request.user, pk=pk)
        return Response(ClaimBuildDetailSerializer(build).data)


class ProposalPagination(PageNumberPagination):
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000


class ClaimBuildDesignationsApi(generics.ListAPIView):
    """The proposal's designations in proposal order (export date, export, entry, line), a page at a time,
    each with its exact per-class amounts, EGVU/SVU and explanation (firm staff)."""

    serializer_class = ProposedDesignationSerializer
    pagination_class = ProposalPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProposedDesignation.objects.none()
        require_staff(self.request.user)
        build = get_scoped_or_404(
            selectors.builds_for(self.request.user), self.request.user, pk=self.kwargs["pk"]
        )
        return selectors.proposal_rows(build=build)

    def list(self, request, *args, **kwargs):
        # Rows are stored in the shape the serializer documents: handed out as they are.
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(list(page))


class ClaimBuildSaveApi(APIView):
    """Save the build's proposal as draft claims, on a worker: 202 with the job to follow at
    /api/v1/jobs/<id>/ (its `claims` once done; its `message` says why if it failed, and nothing is saved
    then). 409 when it cannot be saved as it stands: not ready, already saved, or being saved."""

    throttle_classes = [ExpensiveRateThrottle]

    @extend_schema(request=None, responses={202: JobSerializer, 409: Problem})
    def post(self, request: Request, pk: int) -> Response:
        require_staff(request.user)
        build = get_scoped_or_404(selectors.builds_for(request.user), request.user, pk=pk)
        try:
            job = services.claim_build_save_start(build=build, user=request.user)
        except services.BuildError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        job.refresh_from_db()  # without a worker the save has already run
        response = Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api-job-detail", kwargs={"pk": job.pk})
        return response


class LineAtRiskSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    entry_number = serializers.CharField()
    line_number = serializers.IntegerField()
    import_date = serializers.DateField()
    hts = serializers.CharField()
    last_export_day = serializers.DateField()
    last_claim_day = serializers.DateField()
    days_left = serializers.IntegerField()
    bucket = serializers.IntegerField(help_text="30, 90 or 180")
    quantity_available = serializers.DecimalField(max_digits=18, decimal_places=4)
    uom = serializers.CharField()
    refund = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        rounding=ROUND_HALF_UP,
        help_text="If matched to the exports not yet claimed, shown in cents (kept exact underneath)",
    )


class BucketSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    first_day = serializers.IntegerField()
    lines = serializers.IntegerField()
    refund = serializers.DecimalField(max_digits=18, decimal_places=2, rounding=ROUND_HALF_UP)


class MoneyAtRiskSerializer(serializers.Serializer):
    client = serializers.SerializerMethodField(help_text="Client code")
    today = serializers.DateField()
    refund = serializers.DecimalField(max_digits=18, decimal_places=2, rounding=ROUND_HALF_UP)
    buckets = BucketSerializer(many=True)
    lines = LineAtRiskSerializer(many=True)

    def get_client(self, report) -> str:
        return self.context["client"].code


class MoneyAtRiskApi(APIView):
    """Import lines passing their 5-year limit within 30/90/180 days, and what each could still bring."""

    throttle_classes = [ExpensiveRateThrottle]

    @extend_schema(responses=MoneyAtRiskSerializer)
    def get(self, request: Request, client_code: str) -> Response:
        client = client_for_code(request.user, client_code)
        report = money_at_risk_cached(client=client)
        return Response(MoneyAtRiskSerializer(report, context={"client": client}).data)

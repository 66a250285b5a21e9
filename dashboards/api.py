"""API of the client portal (/api/v1/clients/<code>/...): the dashboard's figures, the projection with the
basis of each payment, and the projection snapshots. Read-only, for everyone who may see the client."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import ProjectionSnapshot
from claims.projection import selectors as projections
from claims.projection.method import PAYMENT_KINDS
from drawback.accounts.tenancy import client_for_code

from . import figures

MONEY = {"max_digits": 18, "decimal_places": 2}


class PipelineStageSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class MonthReceivedSerializer(serializers.Serializer):
    month = serializers.DateField()
    accelerated = serializers.DecimalField(**MONEY)
    refunds = serializers.DecimalField(**MONEY)
    bills = serializers.DecimalField(**MONEY)
    net = serializers.DecimalField(**MONEY)


class YearReceivedSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    received = serializers.DecimalField(**MONEY)


class LiquidatedClassSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    claimed = serializers.DecimalField(**MONEY)
    liquidated = serializers.DecimalField(**MONEY)
    difference = serializers.DecimalField(**MONEY)


class DashboardMoneySerializer(serializers.Serializer):
    months = MonthReceivedSerializer(many=True)
    years = YearReceivedSerializer(many=True)
    this_year = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY, help_text="Claimed (or liquidated) and not yet paid")
    outstanding_claims = serializers.IntegerField()
    classes = LiquidatedClassSerializer(
        many=True, help_text="Liquidated claims: claimed and liquidated per class"
    )
    liquidated_claims = serializers.IntegerField()


class ProjectedMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    expected = serializers.DecimalField(**MONEY)
    low = serializers.DecimalField(**MONEY)
    high = serializers.DecimalField(**MONEY)


class ProjectedPaymentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PAYMENT_KINDS)
    label = serializers.CharField()
    claim_id = serializers.IntegerField(allow_null=True)
    claim_number = serializers.CharField()
    on = serializers.DateField(help_text="Expected date")
    earliest = serializers.DateField()
    latest = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, help_text="Negative: a bill")
    low = serializers.DecimalField(**MONEY)
    high = serializers.DecimalField(**MONEY)
    basis = serializers.CharField(help_text="How the date and amount were reached, in words")


class ProjectionSerializer(serializers.Serializer):
    client = serializers.CharField()
    as_of = serializers.DateField()
    months = ProjectedMonthSerializer(many=True)
    later = serializers.DecimalField(**MONEY, help_text="Expected after the last month")
    total = serializers.DecimalField(**MONEY)
    count = serializers.IntegerField(help_text="Projected payments in all")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    items = ProjectedPaymentSerializer(many=True, help_text="This page's payments, earliest first")


class ForecastMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    actual = serializers.DecimalField(**MONEY)
    projected = serializers.DictField(
        child=serializers.DecimalField(**MONEY, allow_null=True),
        help_text="Months ahead -> what was projected for the month (null: no snapshot then)",
    )


class ForecastAccuracySerializer(serializers.Serializer):
    horizon = serializers.IntegerField(help_text="Months ahead")
    months = serializers.IntegerField()
    error = serializers.DecimalField(
        max_digits=10, decimal_places=1, allow_null=True, help_text="Weighted absolute percentage error"
    )


class ForecastRecordSerializer(serializers.Serializer):
    rows = ForecastMonthSerializer(many=True)
    accuracy = ForecastAccuracySerializer(many=True)


class BuildGainSerializer(serializers.Serializer):
    build_id = serializers.IntegerField()
    saved_on = serializers.DateField()
    claims = serializers.SerializerMethodField()
    optimal = serializers.DecimalField(**MONEY)
    fifo = serializers.DecimalField(**MONEY)
    gain = serializers.DecimalField(**MONEY)

    def get_claims(self, build) -> list[str]:
        return [number for _, number in build.claims]


class MaximizationSerializer(serializers.Serializer):
    optimal = serializers.DecimalField(**MONEY)
    fifo = serializers.DecimalField(**MONEY)
    gain = serializers.DecimalField(**MONEY, help_text="What the optimizer gained over first-in first-out")
    builds = BuildGainSerializer(many=True)
    estimate_as_of = serializers.DateField(source="estimate.as_of", allow_null=True, default=None)
    recovered_near_expiry = serializers.DecimalField(
        **MONEY, source="estimate.recovered_near_expiry", allow_null=True, default=None
    )
    money_at_risk = serializers.DecimalField(
        **MONEY, source="estimate.at_risk_refund", allow_null=True, default=None
    )
    unclaimed_refund = serializers.DecimalField(
        **MONEY, source="estimate.unclaimed_refund", allow_null=True, default=None
    )


class OpenCbpRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    reference = serializers.CharField()
    claim = serializers.CharField(source="claim.display_number")
    issued_on = serializers.DateField()
    due_on = serializers.DateField()


class MissingDocumentsSerializer(serializers.Serializer):
    rule = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class ClientNeedsSerializer(serializers.Serializer):
    requests = OpenCbpRequestSerializer(many=True)
    documents = MissingDocumentsSerializer(many=True)
    warnings = serializers.SerializerMethodField()

    def get_warnings(self, needs) -> list[str]:
        return [w.text for w in needs.warnings]


class OtherRefundSerializer(serializers.Serializer):
    label = serializers.CharField()
    received = serializers.DecimalField(**MONEY)
    expected = serializers.DecimalField(**MONEY)


class DashboardSerializer(serializers.Serializer):
    client = serializers.CharField(source="client.code")
    as_of = serializers.DateField(source="today")
    pipeline = PipelineStageSerializer(many=True)
    money = DashboardMoneySerializer()
    next_quarter = serializers.DecimalField(**MONEY, help_text="Projected in the next 3 months")
    projected_total = serializers.DecimalField(**MONEY, help_text="Projected over 18 months")
    projected_months = ProjectedMonthSerializer(many=True, source="projection.months")
    track_record = ForecastRecordSerializer(source="track")
    maximization = MaximizationSerializer()
    needs = ClientNeedsSerializer()
    other_refunds = OtherRefundSerializer(
        many=True,
        help_text="Refunds outside drawback claims: IEEPA duties through CAPE, received and expected",
    )


class DashboardApi(APIView):
    """The client's dashboard figures: claims by stage, money received and to come, liquidated against
    claimed per class, the projection by month, forecast against actual, maximization, and what is needed
    from the client. Review comments, draft builds and acknowledged warnings are not part of it."""

    @extend_schema(responses=DashboardSerializer)
    def get(self, request: Request, client_code: str) -> Response:
        client = client_for_code(request.user, client_code)
        return Response(DashboardSerializer(figures.client_dashboard(client=client)).data)


class ProjectionApi(APIView):
    """Every payment still to come on the client's claims (and exports not yet claimed), with its expected
    date and range, its amount and range, and its basis in words, 200 a page (`?page=`); and
    the totals per month."""

    ITEMS_PER_PAGE = 200

    @extend_schema(
        parameters=[OpenApiParameter("page", int, description="Page of payments, from 1")],
        responses=ProjectionSerializer,
    )
    def get(self, request: Request, client_code: str) -> Response:
        client = client_for_code(request.user, client_code)
        projection = projections.client_current(client=client)
        page = Paginator(projection.items, self.ITEMS_PER_PAGE).get_page(request.query_params.get("page"))
        data = {
            "client": client.code,
            "as_of": projection.today,
            "months": projection.months,
            "later": projection.later,
            "total": projection.total,
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "items": page.object_list,
        }
        return Response(ProjectionSerializer(data).data)


class ProjectionSnapshotSerializer(serializers.ModelSerializer):
    client = serializers.CharField(source="client.code")
    months = ProjectedMonthSerializer(many=True)

    class Meta:
        model = ProjectionSnapshot
        fields = ["id", "client", "taken_on", "expected_total", "method_version", "months"]
        read_only_fields = fields


class ProjectionSnapshotDetailSerializer(ProjectionSnapshotSerializer):
    items = ProjectedPaymentSerializer(many=True)

    class Meta(ProjectionSnapshotSerializer.Meta):
        fields = [*ProjectionSnapshotSerializer.Meta.fields, "items"]
        read_only_fields = fields


class SnapshotListApi(APIView):
    """The projection snapshots kept for the client (one on the first of each month), newest first."""

    @extend_schema(responses=ProjectionSnapshotSerializer(many=True))
    def get(self, request: Request, client_code: str) -> Response:
        client = client_for_code(request.user, client_code)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            projections.snapshot_list(client=client).select_related("client"), request, view=self
        )
        return paginator.get_paginated_response(ProjectionSnapshotSerializer(page, many=True).data)


class SnapshotDetailApi(APIView):
    """One snapshot with every projected payment and its basis as made that day."""

    @extend_schema(responses=ProjectionSnapshotDetailSerializer)
    def get(self, request: Request, client_code: str, pk: int) -> Response:
        client = client_for_code(request.user, client_code)
        snapshot = get_object_or_404(projections.snapshot_list(client=client).select_related("client"), pk=pk)
        return Response(ProjectionSnapshotDetailSerializer(snapshot).data)

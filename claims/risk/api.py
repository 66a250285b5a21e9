"""API for findings: list with filters, acknowledge a warning, the risk summary, queue a re-assessment."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import Finding
from drawback.accounts.tenancy import client_for_code, get_scoped_or_404, require_staff
from drawback.api import ExpensiveRateThrottle

from . import RULE_TITLES, selectors, services


class FindingSerializer(serializers.ModelSerializer):
    client = serializers.CharField(source="client.code")
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", default=None)

    class Meta:
        model = Finding
        fields = [
            "id",
            "client",
            "rule",
            "severity",
            "status",
            "message",
            "basis",
            "amount_at_stake",
            "entry",
            "line",
            "export",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
            "acknowledged_by",
            "acknowledged_at",
            "comment",
        ]


class FindingFilterSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Finding.Severity.choices, required=False, allow_blank=True)
    rule = serializers.ChoiceField(choices=list(RULE_TITLES), required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=[*Finding.Status.values, "all"],
        required=False,
        allow_blank=True,
        help_text="Default: open and acknowledged; `all` for every status",
    )


class FindingAcknowledgeSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


class RiskSeverityTotalsSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)


class RiskRuleRowSerializer(RiskSeverityTotalsSerializer):
    rule = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.CharField()


class RiskOldestOpenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    first_seen_at = serializers.DateTimeField()


class RiskTopLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    entry_number = serializers.CharField()
    line_number = serializers.IntegerField()
    hts = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    findings = serializers.IntegerField()
    rules = serializers.ListField(child=serializers.CharField())


class RiskSummarySerializer(serializers.Serializer):
    client = serializers.CharField()
    by_severity = serializers.DictField(child=RiskSeverityTotalsSerializer())
    by_rule = RiskRuleRowSerializer(many=True)
    money_at_stake = serializers.DecimalField(max_digits=18, decimal_places=2)
    oldest_open = RiskOldestOpenSerializer(allow_null=True)
    top_lines = RiskTopLineSerializer(many=True)
    last_assessed_at = serializers.DateTimeField(allow_null=True)


class AssessQueuedSerializer(serializers.Serializer):
    queued = serializers.BooleanField()
    client = serializers.CharField()


class FindingListApi(APIView):
    """A client's findings, errors first; filters by severity, rule and status."""

    @extend_schema(parameters=[FindingFilterSerializer], responses=FindingSerializer(many=True))
    def get(self, request, code: str):
        client = client_for_code(request.user, code)
        filters = FindingFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data.get("status", "")
        findings = selectors.finding_list(
            client=client,
            severity=filters.validated_data.get("severity", ""),
            rule=filters.validated_data.get("rule", ""),
            status="" if wanted == "all" else wanted,
            active_only=wanted == "",
            hide_acknowledged=request.user.is_client_user,  # the firm's business, not the client's
        ).select_related("client")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(findings, request, view=self)
        return paginator.get_paginated_response(FindingSerializer(page, many=True).data)


class FindingAcknowledgeApi(APIView):
    """Acknowledge an open warning with a comment (firm staff; errors are fixed in the data)."""

    @extend_schema(request=FindingAcknowledgeSerializer, responses=FindingSerializer)
    def post(self, request, pk: int):
        require_staff(request.user)
        finding = get_scoped_or_404(Finding.objects.select_related("client"), request.user, pk=pk)
        data = FindingAcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.finding_acknowledge(
                finding=finding, user=request.user, comment=data.validated_data["comment"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(FindingSerializer(finding).data)


class RiskSummaryApi(APIView):
    """Counts by rule and severity, money at stake, the oldest open finding and the top lines."""

    @extend_schema(responses=RiskSummarySerializer)
    def get(self, request, code: str):
        client = client_for_code(request.user, code)
        summary = selectors.risk_summary(client=client, hide_acknowledged=request.user.is_client_user)
        return Response(RiskSummarySerializer(summary).data)


class AssessApi(APIView):
    """Queue a re-assessment of the client's data (firm staff)."""

    throttle_classes = [ExpensiveRateThrottle]

    @extend_schema(request=None, responses={202: AssessQueuedSerializer})
    def post(self, request, code: str):
        require_staff(request.user)
        client = client_for_code(request.user, code)
        services.assessment_request(client_id=client.pk)
        return Response({"queued": True, "client": client.code}, status=status.HTTP_202_ACCEPTED)

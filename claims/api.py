"""API for findings: list with filters, acknowledge a warning, the risk summary, queue a re-assessment."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from drawback.accounts.tenancy import client_for_code, get_scoped_or_404, require_staff

from . import selectors, services
from .models import Finding
from .risk import RULE_TITLES


class FindingOutputSerializer(serializers.ModelSerializer):
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


class FindingListApi(APIView):
    """GET /api/v1/clients/<code>/findings/?severity=&rule=&status= (status `all` for every status;
    default: open and acknowledged)."""

    class FilterSerializer(serializers.Serializer):
        severity = serializers.ChoiceField(choices=Finding.Severity.choices, required=False, allow_blank=True)
        rule = serializers.ChoiceField(choices=list(RULE_TITLES), required=False, allow_blank=True)
        status = serializers.ChoiceField(
            choices=[*Finding.Status.values, "all"], required=False, allow_blank=True
        )

    def get(self, request, code: str):
        client = client_for_code(request.user, code)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data.get("status", "")
        findings = selectors.finding_list(
            client=client,
            severity=filters.validated_data.get("severity", ""),
            rule=filters.validated_data.get("rule", ""),
            status="" if wanted == "all" else wanted,
            active_only=wanted == "",
        ).select_related("client")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(findings, request, view=self)
        return paginator.get_paginated_response(FindingOutputSerializer(page, many=True).data)


class FindingAcknowledgeApi(APIView):
    """POST /api/v1/findings/<id>/acknowledge/ {"comment": "..."}: firm staff, open warnings only."""

    class InputSerializer(serializers.Serializer):
        comment = serializers.CharField(max_length=2000)

    def post(self, request, pk: int):
        require_staff(request.user)
        finding = get_scoped_or_404(Finding.objects.select_related("client"), request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.finding_acknowledge(
                finding=finding, user=request.user, comment=data.validated_data["comment"]
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(FindingOutputSerializer(finding).data)


class RiskSummaryApi(APIView):
    """GET /api/v1/clients/<code>/risk-summary/"""

    class OutputSerializer(serializers.Serializer):
        class SeverityTotals(serializers.Serializer):
            open = serializers.IntegerField()
            acknowledged = serializers.IntegerField()
            amount = serializers.DecimalField(max_digits=18, decimal_places=2)

        class RuleRow(serializers.Serializer):
            rule = serializers.CharField()
            title = serializers.CharField()
            severity = serializers.CharField()
            open = serializers.IntegerField()
            acknowledged = serializers.IntegerField()
            amount = serializers.DecimalField(max_digits=18, decimal_places=2)

        class OldestOpen(serializers.Serializer):
            id = serializers.IntegerField()
            rule = serializers.CharField()
            severity = serializers.CharField()
            message = serializers.CharField()
            first_seen_at = serializers.DateTimeField()

        class TopLine(serializers.Serializer):
            line_id = serializers.IntegerField()
            entry_number = serializers.CharField()
            line_number = serializers.IntegerField()
            hts = serializers.CharField()
            amount = serializers.DecimalField(max_digits=18, decimal_places=2)
            findings = serializers.IntegerField()
            rules = serializers.ListField(child=serializers.CharField())

        client = serializers.CharField()
        by_severity = serializers.DictField(child=SeverityTotals())
        by_rule = RuleRow(many=True)
        money_at_stake = serializers.DecimalField(max_digits=18, decimal_places=2)
        oldest_open = OldestOpen(allow_null=True)
        top_lines = TopLine(many=True)
        last_assessed_at = serializers.DateTimeField(allow_null=True)

    def get(self, request, code: str):
        client = client_for_code(request.user, code)
        return Response(self.OutputSerializer(selectors.risk_summary(client=client)).data)


class AssessApi(APIView):
    """POST /api/v1/clients/<code>/assess/: queue a re-assessment (firm staff)."""

    def post(self, request, code: str):
        require_staff(request.user)
        client = client_for_code(request.user, code)
        services.assessment_request(client_id=client.pk)
        return Response({"queued": True, "client": client.code}, status=status.HTTP_202_ACCEPTED)

"""API for the claim's life with CBP: the claim's CBP overview (read) and CBP requests (list, respond).

Scoped through drawback.accounts.tenancy like the pages: another client's objects are 404, and client
users read but do not respond.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import Claim
from drawback.accounts.tenancy import get_scoped_or_404, require_staff

from . import selectors, services
from .models import CbpRequest


class TransmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    gateway = serializers.CharField()
    action = serializers.CharField()
    status = serializers.CharField()
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


class ConditionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Severity + condition code as ACE shows it, e.g. F555")
    text = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    message_id = serializers.CharField()
    kind = serializers.CharField()
    cbp_date = serializers.DateField(allow_null=True)
    received_at = serializers.DateTimeField()
    processed_at = serializers.DateTimeField(allow_null=True)
    conditions = ConditionSerializer(many=True)
    error = serializers.CharField()
    note = serializers.CharField()


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    sha256 = serializers.CharField()


class CbpRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    claim = serializers.IntegerField(source="claim_id")
    claim_number = serializers.CharField(source="claim.display_number")
    kind = serializers.CharField()
    reference = serializers.CharField()
    issued_on = serializers.DateField()
    due_on = serializers.DateField()
    overdue = serializers.SerializerMethodField()
    assigned_to = serializers.CharField(source="assigned_to.username", allow_null=True, default=None)
    request_text = serializers.CharField()
    response_text = serializers.CharField()
    responded_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    documents = DocumentRefSerializer(many=True, source="documents.all")

    def get_overdue(self, obj: CbpRequest) -> bool:
        return obj.is_overdue(timezone.localdate())


class PaymentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    paid_on = serializers.DateField()
    amounts = serializers.DictField(child=serializers.CharField(), help_text="Amount per accounting class")
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    reference = serializers.CharField()


class LiquidationSerializer(serializers.Serializer):
    liquidated_on = serializers.DateField(allow_null=True)
    deemed = serializers.BooleanField()
    amounts = serializers.DictField(child=serializers.CharField())
    total = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    extended = serializers.BooleanField()
    extended_on = serializers.DateField(allow_null=True)
    suspended = serializers.BooleanField()
    suspended_on = serializers.DateField(allow_null=True)


class ReconRowSerializer(serializers.Serializer):
    accounting_class = serializers.CharField()
    claimed = serializers.DecimalField(max_digits=16, decimal_places=2)
    accelerated = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    liquidated = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    refunded = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2)
    difference = serializers.DecimalField(max_digits=16, decimal_places=2)
    flags = serializers.ListField(child=serializers.CharField())


class ReconciliationSerializer(serializers.Serializer):
    rows = ReconRowSerializer(many=True)
    total = ReconRowSerializer()
    balance = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text="Liquidated less paid; positive: CBP owes"
    )
    balance_overdue = serializers.BooleanField()
    refund_due_date = serializers.DateField(allow_null=True)


class ClaimCbpSerializer(serializers.Serializer):
    claim = serializers.IntegerField(source="claim.pk")
    number = serializers.CharField(source="claim.display_number")
    status = serializers.CharField(source="claim.status")
    filed_on = serializers.DateField(source="claim.filed_on", allow_null=True)
    deemed_liquidation_date = serializers.DateField(allow_null=True)
    deemed_liquidation_note = serializers.CharField()
    protest_deadline = serializers.DateField(allow_null=True)
    conditions = ConditionSerializer(many=True, help_text="ACE conditions of CBP's latest DX answer")
    transmissions = TransmissionSerializer(many=True)
    messages = MessageSerializer(many=True)
    requests = CbpRequestSerializer(many=True)
    payments = PaymentSerializer(many=True)
    liquidation = LiquidationSerializer(allow_null=True)
    reconciliation = ReconciliationSerializer()


class ClaimCbpApi(APIView):
    @extend_schema(responses=ClaimCbpSerializer, summary="A claim's life with CBP")
    def get(self, request, pk: int):
        claim = get_scoped_or_404(Claim.objects.select_related("client"), request.user, pk=pk)
        return Response(ClaimCbpSerializer(selectors.claim_cbp_overview(claim=claim)).data)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "status", str, enum=["open", "responded"], description="Only requests in this status"
        ),
        OpenApiParameter("overdue", bool, description="Only open requests past their due date"),
    ],
    summary="CBP requests (CF-28, CF-29), overdue first",
)
class CbpRequestListApi(ListAPIView):
    serializer_class = CbpRequestSerializer
    filter_backends: list = []

    def get_queryset(self):
        if self.request.query_params.get("overdue") in ("1", "true", "True"):
            return selectors.overdue_cbp_requests(self.request.user).prefetch_related("documents")
        status_filter = self.request.query_params.get("status")
        if status_filter not in (None, "", "open", "responded"):
            raise ApiValidationError({"status": "open or responded"})
        return selectors.cbp_requests_for(self.request.user, status=status_filter or None).prefetch_related(
            "documents"
        )


class CbpRequestRespondApi(APIView):
    class InputSerializer(serializers.Serializer):
        response_text = serializers.CharField(max_length=20000)

    @extend_schema(
        request=InputSerializer,
        responses=CbpRequestSerializer,
        summary="Record the response to a CBP request",
    )
    def post(self, request, pk: int):
        require_staff(request.user)
        cbp_request = get_scoped_or_404(CbpRequest.objects.all(), request.user, "claim__client", pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            cbp_request = services.cbp_request_respond(
                request=cbp_request, by=request.user, text=data.validated_data["response_text"]
            )
        except ValidationError as exc:
            raise ApiValidationError({"detail": exc.messages}) from exc
        return Response(CbpRequestSerializer(cbp_request).data, status=status.HTTP_200_OK)

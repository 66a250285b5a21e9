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
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import Claim
from drawback.accounts.tenancy import get_scoped_or_404, require_staff

from . import notices, selectors, services
from .models import CbpNotice, CbpRequest


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


class CbpNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    claim = serializers.IntegerField(source="claim_id")
    kind = serializers.ChoiceField(choices=CbpNotice.Kind.choices)
    notice_date = serializers.DateField()
    amounts = serializers.DictField(child=serializers.CharField(), help_text="Amount per accounting class")
    reference = serializers.CharField()
    document = DocumentRefSerializer()
    status = serializers.ChoiceField(choices=CbpNotice.Status.choices)
    entered_by = serializers.CharField(source="entered_by.username")
    entered_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)


class ClaimCbpNoticesApi(APIView):
    """CBP notices received outside the gateway: GET the claim's; POST enters one (firm staff) that waits for
    a second person's confirmation (POST /api/v1/cbp-notices/<id>/confirm/)."""

    parser_classes = [MultiPartParser, FormParser]

    class NoticeInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=CbpNotice.Kind.choices)
        notice_date = serializers.DateField()
        amounts = serializers.JSONField(binary=True, help_text='JSON: {"364": "1234.56", "399": "12.00"}')
        reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
        document = serializers.FileField(help_text="CBP's notice itself (PDF or image)")

    def _claim(self, request, pk: int) -> Claim:
        return get_scoped_or_404(Claim.objects.select_related("client"), request.user, pk=pk)

    @extend_schema(responses=CbpNoticeSerializer(many=True), summary="A claim's CBP notices entered by hand")
    def get(self, request, pk: int):
        claim = self._claim(request, pk)
        return Response(
            CbpNoticeSerializer(selectors.claim_cbp_notices(claim=claim, user=request.user), many=True).data
        )

    @extend_schema(
        request={"multipart/form-data": NoticeInputSerializer},
        responses={201: CbpNoticeSerializer},
        summary="Enter a CBP notice received outside the gateway (applied when a second person confirms)",
    )
    def post(self, request, pk: int):
        require_staff(request.user)
        claim = self._claim(request, pk)
        data = self.NoticeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not isinstance(values["amounts"], dict):
            raise ApiValidationError({"amounts": "a JSON object of accounting class: amount"})
        try:
            notice = notices.cbp_notice_enter(
                claim=claim,
                kind=values["kind"],
                notice_date=values["notice_date"],
                amounts=values["amounts"],
                reference=values["reference"],
                file=values["document"],
                by=request.user,
            )
        except ValidationError as exc:
            raise ApiValidationError({"detail": exc.messages}) from exc
        return Response(CbpNoticeSerializer(notice).data, status=status.HTTP_201_CREATED)


class CbpNoticeConfirmApi(APIView):
    @extend_schema(
        request=None,
        responses=CbpNoticeSerializer,
        summary="Confirm a CBP notice entered by someone else; it is applied to the claim",
    )
    def post(self, request, pk: int):
        require_staff(request.user)
        notice = get_scoped_or_404(CbpNotice.objects.all(), request.user, "claim__client", pk=pk)
        try:
            notice = notices.cbp_notice_confirm(notice=notice, by=request.user)
        except ValidationError as exc:
            raise ApiValidationError({"detail": exc.messages}) from exc
        return Response(CbpNoticeSerializer(notice).data)

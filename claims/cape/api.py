"""API: /api/v1/clients/<code>/cape/entries/ - each entry that paid IEEPA duty, its CAPE state and the path
each dollar takes, read by everyone who may see the client."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drawback.accounts.tenancy import client_for_code

from .state import entry_states

MONEY = {"max_digits": 16, "decimal_places": 2}


class CapeEntrySerializer(serializers.Serializer):
    entry_number = serializers.CharField()
    entry_type = serializers.CharField()
    import_date = serializers.DateField()
    liquidation_status = serializers.CharField(source="facts.state")
    liquidation_date = serializers.DateField(source="facts.liquidation_date", allow_null=True)
    cape_window_closes = serializers.DateField(source="window_closes", allow_null=True)
    cape_eligible = serializers.BooleanField(source="verdict.eligible")
    cape_rule = serializers.CharField(source="verdict.rule", help_text="The Phase 1 rule the entry breaks")
    cape_reason = serializers.CharField(source="verdict.reason")
    status = serializers.CharField(help_text="not_declared, declared, accepted, rejected or refunded")
    declaration = serializers.CharField(source="cape.declaration.file_name", default="")
    cbp_reason = serializers.CharField(source="cape.cbp_reason", default="")
    refund_amount = serializers.DecimalField(**MONEY, source="cape.refund_amount", default=None)
    interest_amount = serializers.DecimalField(**MONEY, source="cape.interest_amount", default=None)
    refunded_on = serializers.DateField(source="cape.refunded_on", default=None)
    path = serializers.CharField(source="decision.path", help_text="cape, drawback, refunded, later or none")
    held_from_drawback = serializers.BooleanField(source="decision.held")
    decision = serializers.CharField(source="decision.reason")
    ieepa_paid = serializers.DecimalField(**MONEY)
    ieepa_to_cape = serializers.DecimalField(**MONEY, source="decision.ieepa_to_cape")
    ieepa_to_drawback = serializers.DecimalField(**MONEY, source="decision.ieepa_to_drawback")
    ieepa_refunded = serializers.DecimalField(**MONEY, source="decision.ieepa_refunded")
    ieepa_not_recovered = serializers.DecimalField(**MONEY, source="decision.ieepa_not_recovered")
    other_duties_to_drawback = serializers.DecimalField(**MONEY, source="decision.other_to_drawback")
    claims = serializers.ListField(child=serializers.CharField(), help_text="Claims designating the entry")


class CapeEntriesApi(APIView):
    @extend_schema(
        responses=CapeEntrySerializer(many=True), summary="IEEPA refund (CAPE) state of each entry"
    )
    def get(self, request: Request, client_code: str) -> Response:
        client = client_for_code(request.user, client_code)
        return Response(CapeEntrySerializer(entry_states(client=client), many=True).data)

"""API for applications and rulings (/api/v1/clients/<code>/privileges/): read by everyone who may see the
client, with their status history, documents and the accelerated payment bond's headroom."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from drawback.accounts.models import Privilege, PrivilegeStatusChange
from drawback.accounts.tenancy import client_for_code
from imports.models import Document

from . import selectors


class ApplicationStatusChangeSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PrivilegeStatusChange
        fields = ["from_status", "to_status", "on", "by", "at", "note"]
        read_only_fields = fields


class ApplicationDocumentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "doc_type", "original_name", "uploaded_at", "download"]
        read_only_fields = fields

    def get_download(self, document: Document) -> str:
        return reverse(
            "api-document-download", kwargs={"client_code": document.client.code, "pk": document.pk}
        )


class BondPositionSerializer(serializers.Serializer):
    bond_type = serializers.CharField(source="privilege.bond_type")
    surety_code = serializers.CharField(source="privilege.surety_code")
    surety_name = serializers.CharField(source="privilege.surety_name")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    used = serializers.DecimalField(max_digits=16, decimal_places=2)
    used_claims = serializers.IntegerField()
    committed = serializers.DecimalField(max_digits=16, decimal_places=2)
    committed_claims = serializers.IntegerField()
    headroom = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class ApplicationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    effective_on = serializers.DateField(source="granted_on", read_only=True)
    in_force_today = serializers.SerializerMethodField()
    history = ApplicationStatusChangeSerializer(source="status_changes", many=True, read_only=True)
    documents = ApplicationDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Privilege
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "reference",
            "ruling_type",
            "submitted_on",
            "decided_on",
            "effective_on",
            "expires_on",
            "in_force_today",
            "bond_type",
            "surety_code",
            "surety_name",
            "bond_number",
            "bond_amount",
            "bond_effective_on",
            "history",
            "documents",
        ]
        read_only_fields = fields

    def get_in_force_today(self, privilege: Privilege) -> bool:
        return privilege.in_force_on(timezone.localdate())


class ApplicationsSerializer(serializers.Serializer):
    client = serializers.CharField()
    privileges = ApplicationSerializer(many=True)
    bond = BondPositionSerializer(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())


class PrivilegeListApi(APIView):
    """The client's applications, privileges and rulings (status, dates, documents, history), the
    accelerated payment bond with its headroom, and the warnings due."""

    @extend_schema(responses=ApplicationsSerializer, operation_id="clients_privileges_list")
    def get(self, request: Request, client_code: str) -> Response:
        client = client_for_code(request.user, client_code)
        today = timezone.localdate()
        data = {
            "client": client.code,
            "privileges": list(selectors.privilege_list(client=client)),
            "bond": selectors.bond_position(client=client, on=today),
            "warnings": [w.text for w in selectors.privilege_warnings(client=client, today=today)],
        }
        return Response(ApplicationsSerializer(data).data)


class PrivilegeDetailApi(APIView):
    @extend_schema(responses=ApplicationSerializer)
    def get(self, request: Request, client_code: str, pk: int) -> Response:
        client = client_for_code(request.user, client_code)
        privilege = get_object_or_404(selectors.privilege_list(client=client), pk=pk)
        return Response(ApplicationSerializer(privilege).data)

"""Uploads API: list and create a client's uploads, read one upload's status and progress, download its
rejected rows. Scoped through drawback.accounts.tenancy: another client's uploads answer 404."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from drawback.accounts.tenancy import can_write, client_for_code, require_staff
from drawback.api import ExpensiveRateThrottle

from .. import selectors, services
from ..models import ColumnMapping, Upload


class UploadOutputSerializer(serializers.ModelSerializer):
    client = serializers.SerializerMethodField()
    mapping = serializers.SerializerMethodField()
    uploaded_by = serializers.SerializerMethodField()
    errors = serializers.IntegerField(source="error_count")
    rows = serializers.IntegerField(source="rows_read")
    rejects_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = [
            "id",
            "url",
            "client",
            "kind",
            "original_name",
            "size",
            "sha256",
            "allow_partial",
            "mapping",
            "status",
            "progress",
            "rows",
            "created",
            "updated",
            "unchanged",
            "errors",
            "message",
            "uploaded_by",
            "created_at",
            "finished_at",
            "rejects_url",
        ]

    def get_client(self, upload: Upload) -> str | None:
        return upload.client.code if upload.client_id else None

    def get_mapping(self, upload: Upload) -> str | None:
        return upload.mapping.name if upload.mapping_id else None

    def get_uploaded_by(self, upload: Upload) -> str | None:
        return upload.uploaded_by.get_username() if upload.uploaded_by_id else None

    def get_url(self, upload: Upload) -> str:
        return reverse("api-upload-detail", args=[upload.pk])

    def get_rejects_url(self, upload: Upload) -> str | None:
        return reverse("api-upload-rejects", args=[upload.pk]) if upload.error_count else None


class UploadErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField()
    rule = serializers.CharField()
    message = serializers.CharField()


class UploadDetailSerializer(UploadOutputSerializer):
    first_errors = serializers.SerializerMethodField()

    class Meta(UploadOutputSerializer.Meta):
        fields = [*UploadOutputSerializer.Meta.fields, "first_errors"]

    @extend_schema_field(UploadErrorSerializer(many=True))
    def get_first_errors(self, upload: Upload) -> list[dict]:
        errors = upload.errors.exclude(rule="rejected_with_line")[:100]
        return UploadErrorSerializer(errors, many=True).data


class UploadCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Upload.Kind.choices, help_text="hts goes to /api/v1/tariff/uploads/"
    )
    file = serializers.FileField()
    allow_partial = serializers.BooleanField(default=False)
    mapping = serializers.CharField(required=False, allow_blank=True, help_text="saved column mapping")

    def validate_kind(self, kind: str) -> str:
        if kind == Upload.Kind.HTS:
            raise serializers.ValidationError(
                "The HTS tariff is shared by all clients: use /api/v1/tariff/uploads/."
            )
        return kind


class TariffUploadCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    allow_partial = serializers.BooleanField(default=False)


def _create(request, *, client, kind, data) -> Response:
    mapping = None
    if data.get("mapping"):
        mapping = ColumnMapping.objects.filter(client=client, kind=kind, name=data["mapping"]).first()
        if mapping is None:
            return Response({"mapping": [f"No {kind} column mapping named {data['mapping']!r}."]}, status=400)
    try:
        upload = services.upload_create(
            client=client,
            kind=kind,
            file=data["file"],
            user=request.user,
            allow_partial=data["allow_partial"],
            mapping=mapping,
        )
    except DjangoValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}
        return Response(errors, status=400)
    upload.refresh_from_db()
    return Response(UploadDetailSerializer(upload).data, status=status.HTTP_201_CREATED)


class ClientUploadListApi(APIView):
    throttle_classes = [ExpensiveRateThrottle]
    expensive_methods = ("POST",)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=UploadOutputSerializer(many=True), summary="A client's uploads, newest first")
    def get(self, request, code):
        client = client_for_code(request.user, code)
        paginator = PageNumberPagination()
        uploads = selectors.upload_list_for(user=request.user, client=client)
        page = paginator.paginate_queryset(uploads, request)
        return paginator.get_paginated_response(UploadOutputSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": UploadCreateSerializer},
        responses={201: UploadDetailSerializer, 400: OpenApiResponse(description="file or field refused")},
        summary="Upload a data file for a client (firm staff); it is processed in the background",
    )
    def post(self, request, code):
        client = client_for_code(request.user, code)
        if not can_write(request.user):
            raise Http404  # client users read their uploads but do not load data files
        serializer = UploadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return _create(request, client=client, kind=data["kind"], data=data)


class TariffUploadListApi(APIView):
    throttle_classes = [ExpensiveRateThrottle]
    expensive_methods = ("POST",)
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=UploadOutputSerializer(many=True), summary="HTS tariff uploads (firm staff)")
    def get(self, request):
        require_staff(request.user)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.upload_list_for(user=request.user, tariff=True), request)
        return paginator.get_paginated_response(UploadOutputSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": TariffUploadCreateSerializer},
        responses={201: UploadDetailSerializer, 400: OpenApiResponse(description="file refused")},
        summary="Upload the USITC HTS schedule, CSV or JSON (platform administrators)",
    )
    def post(self, request):
        require_staff(request.user)
        if not request.user.is_platform_admin:
            raise PermissionDenied(services.TARIFF_IS_SHARED)
        serializer = TariffUploadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _create(request, client=None, kind=Upload.Kind.HTS, data=serializer.validated_data)


class UploadDetailApi(APIView):
    @extend_schema(responses=UploadDetailSerializer, summary="One upload: status, progress and counts")
    def get(self, request, pk):
        upload = selectors.upload_get_for(user=request.user, pk=pk)
        return Response(UploadDetailSerializer(upload).data)


class UploadRejectsApi(APIView):
    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="The rejected rows of an upload with their reasons, as CSV",
    )
    def get(self, request, pk):
        upload = selectors.upload_get_for(user=request.user, pk=pk)
        return rejects_response(upload)


def rejects_response(upload: Upload) -> StreamingHttpResponse:
    response = StreamingHttpResponse(services.upload_rejects_csv(upload=upload), content_type="text/csv")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", upload.original_name.rsplit(".", 1)[0]) or "upload"
    response["Content-Disposition"] = f'attachment; filename="{stem}-rejected-rows.csv"'
    return response


class MappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ColumnMapping
        fields = ["id", "kind", "name", "mapping", "created_at"]
        read_only_fields = ["id", "created_at"]


class ClientMappingListApi(APIView):
    @extend_schema(responses=MappingSerializer(many=True), summary="A client's saved column mappings")
    def get(self, request, code):
        client = client_for_code(request.user, code)
        return Response(MappingSerializer(selectors.mapping_list_for(client=client), many=True).data)

    @extend_schema(
        request=MappingSerializer,
        responses={201: MappingSerializer},
        summary="Save a column mapping {our field: their header} for one kind (firm staff)",
    )
    def post(self, request, code):
        client = client_for_code(request.user, code)
        if not can_write(request.user):
            raise Http404
        serializer = MappingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not isinstance(data["mapping"], dict):
            return Response({"mapping": ["A mapping is an object {field: column header}."]}, status=400)
        try:
            saved = services.column_mapping_save(
                client=client,
                kind=data["kind"],
                name=data["name"],
                mapping=data["mapping"],
                user=request.user,
            )
        except DjangoValidationError as exc:
            return Response(exc.message_dict, status=400)
        return Response(MappingSerializer(saved).data, status=status.HTTP_201_CREATED)

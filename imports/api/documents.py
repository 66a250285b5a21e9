"""Documents API: list and upload (multipart), read and delete, download, attach.

Writes are explicit views calling imports.documents. Client users may upload to their own client and
attach what they uploaded; delete is firm staff's. Anything a user may not touch answers 404.
"""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from drawback.accounts.tenancy import require_staff
from drawback.api import CLIENT_CODE, ClientScopedMixin, KeysetPagination

from .. import documents as services
from .. import selectors
from ..models import Document
from .serializers import DocumentAttachSerializer, DocumentSerializer, DocumentUploadSerializer

DOC_TYPE = OpenApiParameter(
    "type", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=Document.Type.values, description="Document type"
)


def _validation_error(exc: ValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})


class DocumentScopedMixin(ClientScopedMixin):
    def get_document(self) -> Document:
        try:
            return selectors.document_get(client=self.client, pk=self.kwargs["pk"])
        except Document.DoesNotExist as exc:
            raise Http404 from exc


class DocumentListApi(ClientScopedMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(parameters=[CLIENT_CODE, DOC_TYPE], responses=DocumentSerializer(many=True))
    def get(self, request, client_code: str):
        paginator = KeysetPagination()
        qs = selectors.document_list(client=self.client, doc_type=request.query_params.get("type", ""))
        page = paginator.paginate_queryset(qs, request, self)
        return paginator.get_paginated_response(
            DocumentSerializer(page, many=True, context={"request": request}).data
        )

    @extend_schema(
        parameters=[CLIENT_CODE],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={
            201: DocumentSerializer,
            200: OpenApiResponse(DocumentSerializer, description="The same file was already on file"),
        },
    )
    def post(self, request, client_code: str):
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            entries, exports = selectors.document_targets(
                client=self.client, entry_numbers=values["entry_numbers"], export_ids=values["export_ids"]
            )
            document, created = services.document_create(
                client=self.client,
                user=request.user,
                file=values["file"],
                doc_type=values["doc_type"],
                note=values["note"],
                entries=entries,
                exports=exports,
            )
        except ValidationError as exc:
            raise _validation_error(exc) from exc
        return Response(
            DocumentSerializer(document, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DocumentDetailApi(DocumentScopedMixin, APIView):
    @extend_schema(parameters=[CLIENT_CODE], responses=DocumentSerializer)
    def get(self, request, client_code: str, pk: int):
        return Response(DocumentSerializer(self.get_document(), context={"request": request}).data)

    @extend_schema(parameters=[CLIENT_CODE], responses={204: None})
    def delete(self, request, client_code: str, pk: int):
        require_staff(request.user)
        services.document_delete(document=self.get_document(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentDownloadApi(DocumentScopedMixin, APIView):
    @extend_schema(
        parameters=[CLIENT_CODE],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file")
        },
    )
    def get(self, request, client_code: str, pk: int):
        document = self.get_document()
        return FileResponse(
            services.document_open(document=document),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type or "application/octet-stream",
        )


class DocumentAttachApi(DocumentScopedMixin, APIView):
    @extend_schema(parameters=[CLIENT_CODE], request=DocumentAttachSerializer, responses=DocumentSerializer)
    def post(self, request, client_code: str, pk: int):
        document = self.get_document()
        if not services.can_change_document(request.user, document):
            raise Http404
        data = DocumentAttachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            entries, exports = selectors.document_targets(
                client=self.client,
                entry_numbers=data.validated_data["entry_numbers"],
                export_ids=data.validated_data["export_ids"],
            )
            services.document_attach(document=document, user=request.user, entries=entries, exports=exports)
        except ValidationError as exc:
            raise _validation_error(exc) from exc
        document = self.get_document()
        return Response(DocumentSerializer(document, context={"request": request}).data)

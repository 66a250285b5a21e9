"""Read-only API over a client's exports and destructions, with the export list page's filters."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from drawback.api import CLIENT_CODE, ClientScopedMixin, KeysetPagination

from . import selectors
from .filters import ExportFilter
from .models import Export


class ExportSerializer(serializers.ModelSerializer):
    direct_line_id = serializers.PrimaryKeyRelatedField(source="direct_line", read_only=True)
    document_ids = serializers.PrimaryKeyRelatedField(source="documents", many=True, read_only=True)

    class Meta:
        model = Export
        fields = [
            "id",
            "export_ref",
            "itn",
            "shipment_ref",
            "bill_of_lading",
            "export_date",
            "exporter_name",
            "exporter_number",
            "consignee",
            "destination",
            "port_of_export",
            "hts",
            "description",
            "quantity",
            "uom",
            "value",
            "disposition",
            "recovered_value",
            "excepted_goods",
            "direct_entry_number",
            "direct_line_number",
            "direct_line_id",
            "quantity_available",
            "document_ids",
        ]


@extend_schema(parameters=[CLIENT_CODE])
class ExportViewSet(ClientScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A client's exports and destructions."""

    queryset = Export.objects.none()
    serializer_class = ExportSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ExportFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if self.is_schema_request():
            return Export.objects.none()
        return selectors.export_base(client=self.client).prefetch_related("documents")


router = SimpleRouter()
router.register("exports", ExportViewSet, basename="api-export")

"""Read-only API over a client's entries (with their lines) and lines (with the list page's filters)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from drawback.api import CLIENT_CODE, ClientScopedMixin, KeysetPagination

from .. import selectors
from ..filters import ImportEntryFilter, ImportLineFilter, clean_code
from ..models import ImportEntry, ImportLine
from .serializers import ImportEntryDetailSerializer, ImportEntrySerializer, ImportLineSerializer


@extend_schema(parameters=[CLIENT_CODE])
class ImportEntryViewSet(ClientScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A client's import entries; the detail carries every line with its duty, tax and fee classes."""

    queryset = ImportEntry.objects.none()
    lookup_field = "entry_number"
    lookup_value_regex = r"[A-Za-z0-9\-]+"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ImportEntryFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if self.is_schema_request():
            return ImportEntry.objects.none()
        if self.action == "retrieve":
            return selectors.import_entry_base(client=self.client).prefetch_related(
                "lines__ch99_duties", "documents"
            )
        return selectors.import_entry_base(client=self.client)

    def get_object(self):
        self.kwargs["entry_number"] = clean_code(self.kwargs["entry_number"])
        return super().get_object()

    def get_serializer_class(self):
        return ImportEntryDetailSerializer if self.action == "retrieve" else ImportEntrySerializer


@extend_schema(parameters=[CLIENT_CODE])
class ImportLineViewSet(ClientScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A client's import lines: the same search, filters and sorts as the lines page."""

    queryset = ImportLine.objects.none()
    serializer_class = ImportLineSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ImportLineFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if self.is_schema_request():
            return ImportLine.objects.none()
        return selectors.import_line_base(client=self.client)

"""Read-only API over a client's findings (validation and risk results)."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from drawback.api import CLIENT_CODE, ClientScopedMixin, KeysetPagination

from .models import Finding


class FindingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Finding.Status.choices)
    severity = django_filters.ChoiceFilter(choices=Finding.Severity.choices)
    rule = django_filters.CharFilter()

    class Meta:
        model = Finding
        fields: list[str] = []

    def filter_queryset(self, queryset):
        # Newest first, by a unique key so keyset paging can resume after any row.
        return super().filter_queryset(queryset).order_by("-id")


class FindingSerializer(serializers.ModelSerializer):
    entry_number = serializers.CharField(source="entry.entry_number", read_only=True, default=None)
    line_id = serializers.PrimaryKeyRelatedField(source="line", read_only=True)
    export_id = serializers.PrimaryKeyRelatedField(source="export", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule",
            "severity",
            "status",
            "message",
            "entry_number",
            "line_id",
            "export_id",
            "amount_at_stake",
            "first_seen_at",
            "last_seen_at",
            "acknowledged_at",
            "comment",
        ]


@extend_schema(parameters=[CLIENT_CODE])
class FindingViewSet(ClientScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A client's findings: errors block a claim, warnings need an analyst's eye."""

    queryset = Finding.objects.none()
    serializer_class = FindingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FindingFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if self.is_schema_request():
            return Finding.objects.none()
        return Finding.objects.filter(client=self.client).select_related("entry")


router = SimpleRouter()
router.register("findings", FindingViewSet, basename="api-finding")

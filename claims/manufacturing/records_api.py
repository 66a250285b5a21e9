"""Read-only API over a client's manufacturing records, under /api/v1/clients/<client_code>/: bills of
materials (with what the rules designate of each component per article and the relative-value shares),
production lots (with the import lines their components came from) and rejected-merchandise returns.
Tenant-scoped like every per-client endpoint; the same filters as the pages."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from drawback.api import CLIENT_CODE, ClientScopedMixin, KeysetPagination

from . import selectors
from .filters import BomFilter, LotFilter, ReturnFilter
from .models import BillOfMaterials, BomItem, LotComponent, ProductionLot, RejectedReturn


class BomItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = BomItem
        fields = ["position", "kind", "part", "hts", "quantity", "uom", "unit_value", "appears_in"]


class BomSerializer(serializers.ModelSerializer):
    items = BomItemSerializer(many=True, read_only=True)
    source_upload_id = serializers.IntegerField(read_only=True, allow_null=True)
    component_count = serializers.IntegerField(read_only=True)
    waste_count = serializers.IntegerField(read_only=True)
    coproduct_count = serializers.IntegerField(read_only=True)
    lot_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = BillOfMaterials
        fields = [
            "id",
            "article_part",
            "article_hts",
            "article_uom",
            "article_value",
            "description",
            "ruling",
            "source_upload_id",
            "component_count",
            "waste_count",
            "coproduct_count",
            "lot_count",
            "items",
        ]


class ComponentShareSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="item.position")
    hts = serializers.CharField(source="item.hts")
    designated_per_article = serializers.DecimalField(
        source="per_article.designated",
        max_digits=30,
        decimal_places=6,
        coerce_to_string=True,
        help_text="Quantity used (or appearing) per article: what is designated of the import",
    )
    net_of_waste_per_article = serializers.DecimalField(
        source="per_article.quantity",
        max_digits=30,
        decimal_places=6,
        coerce_to_string=True,
        help_text="The designated quantity less what the valuable waste would replace (drawback allowed)",
    )
    basis = serializers.CharField(source="per_article.basis", help_text="CATAIR basis of claim code")
    share = serializers.DecimalField(
        source="per_article.share",
        max_digits=20,
        decimal_places=10,
        help_text="The exported article's relative-value share (1 without co-products)",
    )
    refusal = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_refusal(self, obj) -> str | None:
        return obj.per_article.refusal.text if obj.per_article.refusal else None


class ProductShareSerializer(serializers.Serializer):
    name = serializers.CharField()
    is_article = serializers.BooleanField()
    quantity = serializers.DecimalField(max_digits=30, decimal_places=4)
    unit_value = serializers.DecimalField(max_digits=30, decimal_places=6)
    value = serializers.DecimalField(max_digits=30, decimal_places=6)
    share = serializers.DecimalField(max_digits=20, decimal_places=10)


class AllocationSerializer(serializers.Serializer):
    components = ComponentShareSerializer(many=True)
    products = ProductShareSerializer(many=True, help_text="Empty when the bill has no co-product")


class BomDetailSerializer(BomSerializer):
    allocation = serializers.SerializerMethodField()

    class Meta(BomSerializer.Meta):
        fields = [*BomSerializer.Meta.fields, "allocation"]

    @extend_schema_field(AllocationSerializer)
    def get_allocation(self, obj) -> dict:
        return AllocationSerializer(selectors.bom_allocation(obj)).data


@extend_schema(parameters=[CLIENT_CODE])
class BillOfMaterialsViewSet(ClientScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A client's bills of materials; one bill adds what the rules designate of each component per
    exported article and the relative-value shares at separation."""

    queryset = BillOfMaterials.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = BomFilter
    pagination_class = KeysetPagination

    def get_serializer_class(self):
        return BomDetailSerializer if self.action == "retrieve" else BomSerializer

    def get_queryset(self):
        if self.is_schema_request():
            return BillOfMaterials.objects.none()
        return selectors.bom_base(client=self.client).prefetch_related("items")


class LotComponentSerializer(serializers.ModelSerializer):
    import_line_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = LotComponent
        fields = ["position", "hts", "quantity", "uom", "entry_number", "line_number", "import_line_id"]


class ProductionLotSerializer(serializers.ModelSerializer):
    bom_id = serializers.IntegerField(read_only=True)
    article_part = serializers.CharField(source="bom.article_part", read_only=True)
    source_upload_id = serializers.IntegerField(read_only=True, allow_null=True)
    export_refs = serializers.ListField(child=serializers.CharField(), read_only=True)
    components = LotComponentSerializer(many=True, read_only=True)

    class Meta:
        model = ProductionLot
        fields = [
            "id",
            "lot",
            "bom_id",
            "article_part",
            "quantity",
            "started_on",
            "finished_on",
            "factory",
            "export_refs",
            "source_upload_id",
            "components",
        ]


@extend_schema(parameters=[CLIENT_CODE])
class ProductionLotViewSet(ClientScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A client's production lots with the components used and the import lines they came from."""

    queryset = ProductionLot.objects.none()
    serializer_class = ProductionLotSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LotFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if self.is_schema_request():
            return ProductionLot.objects.none()
        return selectors.lot_base(client=self.client).prefetch_related("components")


class RejectedReturnSerializer(serializers.ModelSerializer):
    provision = serializers.CharField(read_only=True, help_text="CATAIR drawback provision (53-56)")
    import_line_id = serializers.IntegerField(read_only=True, allow_null=True)
    source_upload_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = RejectedReturn
        fields = [
            "id",
            "return_ref",
            "reason",
            "provision",
            "entry_number",
            "line_number",
            "import_line_id",
            "part",
            "quantity",
            "uom",
            "rejected_on",
            "returned_on",
            "proof",
            "unused",
            "export_ref",
            "source_upload_id",
        ]


@extend_schema(parameters=[CLIENT_CODE])
class RejectedReturnViewSet(ClientScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A client's rejected-merchandise returns (19 U.S.C. 1313(c))."""

    queryset = RejectedReturn.objects.none()
    serializer_class = RejectedReturnSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReturnFilter
    pagination_class = KeysetPagination

    def get_queryset(self):
        if self.is_schema_request():
            return RejectedReturn.objects.none()
        return selectors.return_base(client=self.client)


router = SimpleRouter()
router.register("bills-of-materials", BillOfMaterialsViewSet, basename="api-bom")
router.register("production-lots", ProductionLotViewSet, basename="api-production-lot")
router.register("rejected-returns", RejectedReturnViewSet, basename="api-rejected-return")

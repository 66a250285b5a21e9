"""Reads of a client's manufacturing records for the record pages and the API: bills of materials with
their counts, one bill with the shares the rules give each product at separation, production lots with the
import lines their components came from, and rejected returns."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from claims.engine import manufacturing as mfg
from drawback.accounts.models import Client
from exports.models import Export

from . import rules
from .data import boms_of
from .filters import BomFilter, LotFilter, ReturnFilter
from .models import BillOfMaterials, BomItem, LotComponent, ProductionLot, RejectedReturn

ZERO = Decimal(0)


def bom_base(*, client: Client) -> QuerySet[BillOfMaterials]:
    """A client's bills of materials with how many components and lots each has."""
    return (
        BillOfMaterials.objects.filter(client=client)
        .select_related("source_upload")
        .annotate(
            component_count=Count("items", filter=Q(items__kind=BomItem.Kind.COMPONENT), distinct=True),
            waste_count=Count("items", filter=Q(items__kind=BomItem.Kind.WASTE), distinct=True),
            coproduct_count=Count("items", filter=Q(items__kind=BomItem.Kind.COPRODUCT), distinct=True),
            lot_count=Count("lots", distinct=True),
        )
    )


def bom_list(*, client: Client, params: Mapping) -> BomFilter:
    return BomFilter(params, queryset=bom_base(client=client))


def bom_get(*, client: Client, pk: int) -> BillOfMaterials:
    """One bill with its rows. Raises DoesNotExist."""
    return bom_base(client=client).prefetch_related("items").get(pk=pk)


@dataclass(frozen=True)
class ComponentShare:
    """What the rules designate of a component per exported article."""

    item: BomItem
    per_article: rules.PerArticle


@dataclass(frozen=True)
class ProductShare:
    """A product at separation (the article or a co-product) and its share of the value."""

    name: str
    quantity: Decimal
    unit_value: Decimal | None
    value: Decimal | None
    share: Decimal | None
    is_article: bool


@dataclass(frozen=True)
class Allocation:
    components: list[ComponentShare]
    products: list[ProductShare]  # empty when the bill has no co-product (the article takes everything)


def bom_allocation(bom: BillOfMaterials) -> Allocation:
    """Per component, the quantity designated per article and its basis (waste deducted, appearing in), and
    the relative-value shares of the products at separation, as the type choice computes them."""
    rule_bom = boms_of_one(bom)
    items = list(bom.items.all())
    components = [
        ComponentShare(item, rules.per_article(rule_bom, component))
        for item, component in zip(
            [i for i in items if i.kind == BomItem.Kind.COMPONENT], rule_bom.components, strict=True
        )
    ]
    products: list[ProductShare] = []
    if rule_bom.coproducts:
        values = [(bom.article_part, Decimal(1), bom.article_value or ZERO, True)] + [
            (c.name, c.quantity, c.unit_value, False) for c in rule_bom.coproducts
        ]
        for n, (name, quantity, unit_value, is_article) in enumerate(values):
            share = mfg.relative_value_share(
                [mfg.CoProduct(nm, q, v, k == n) for k, (nm, q, v, _) in enumerate(values)]
            ).ratio
            products.append(
                ProductShare(name, quantity, unit_value, quantity * unit_value, share, is_article)
            )
    return Allocation(components, products)


def boms_of_one(bom: BillOfMaterials) -> rules.Bom:
    """The bill as the rules read it (the same reading as the type choice's, claims.manufacturing.data)."""
    return boms_of(bom.client, pk=bom.pk)[bom.article_part]


def lot_base(*, client: Client) -> QuerySet[ProductionLot]:
    return (
        ProductionLot.objects.filter(client=client)
        .select_related("bom", "source_upload")
        .annotate(component_count=Count("components"))
    )


def lot_list(*, client: Client, params: Mapping) -> LotFilter:
    return LotFilter(params, queryset=lot_base(client=client))


def lot_get(*, client: Client, pk: int) -> ProductionLot:
    """One lot with the components used and the import lines they came from. Raises DoesNotExist."""
    return (
        lot_base(client=client)
        .prefetch_related(Prefetch("components", LotComponent.objects.select_related("import_line__entry")))
        .get(pk=pk)
    )


def exports_by_ref(*, client: Client, refs) -> dict[str, Export]:
    """The client's exports with these references (a lot's or a return's), to link to them."""
    return {e.export_ref: e for e in Export.objects.filter(client=client, export_ref__in=set(refs))}


def return_base(*, client: Client) -> QuerySet[RejectedReturn]:
    return RejectedReturn.objects.filter(client=client).select_related("import_line__entry", "source_upload")


def return_list(*, client: Client, params: Mapping) -> ReturnFilter:
    return ReturnFilter(params, queryset=return_base(client=client))


def record_counts(*, client: Client) -> dict[str, int]:
    return {
        "boms": BillOfMaterials.objects.filter(client=client).count(),
        "lots": ProductionLot.objects.filter(client=client).count(),
        "returns": RejectedReturn.objects.filter(client=client).count(),
    }

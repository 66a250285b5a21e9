"""Query-string filters for a client's manufacturing records (bills of materials, production lots, rejected
returns), shared by the pages and the API. Each sort ends in the id so keyset paging can resume after any
row."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from imports.filters import DATE_INPUT, HTS_WIDTH, SortedFilterSet, clean_code, code_prefix_q

from .models import BillOfMaterials, BomItem, LotComponent, ProductionLot, RejectedReturn


def _hts_or_part(text: str, *, part: str, hts: str) -> Q:
    """What was typed as an HTS number (or how one starts) or a part number (or how one starts)."""
    code = clean_code(text)
    q = Q(**{f"{part}__istartswith": text.strip()})
    if code.isdigit():
        q |= code_prefix_q(hts, code, width=HTS_WIDTH, top="9")
    return q


def _article_or_component_hts(queryset, value: str, *, article: str, components):
    """The records whose article HTS (field `article`), or the HTS of one of their `components` (rows tied to
    the record by OuterRef), starts with the code typed."""
    code = clean_code(value)
    if not code:
        return queryset
    component = components.filter(code_prefix_q("hts", code, width=HTS_WIDTH, top="9"))
    return queryset.filter(code_prefix_q(article, code, width=HTS_WIDTH, top="9") | Exists(component))


class BomFilter(SortedFilterSet):
    SORTS = {"part": ("article_part", "id"), "-part": ("-article_part", "-id")}
    DEFAULT_SORT = "part"

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search",
        help_text="Article part or HTS number (or how either starts), or words of the description",
    )
    hts = django_filters.CharFilter(method="filter_hts", label="Article or component HTS starts with")
    upload = django_filters.NumberFilter(field_name="source_upload_id", label="From upload")
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        choices=[("part", "Article part"), ("-part", "Article part, descending")],
        label="Sort",
        empty_label="Article part",
    )

    class Meta:
        model = BillOfMaterials
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            _hts_or_part(value, part="article_part", hts="article_hts")
            | Q(description__icontains=value.strip())
        )

    def filter_hts(self, queryset, name, value):
        return _article_or_component_hts(
            queryset, value, article="article_hts", components=BomItem.objects.filter(bom=OuterRef("pk"))
        )


class LotFilter(SortedFilterSet):
    SORTS = {
        "finished_on": ("finished_on", "id"),
        "-finished_on": ("-finished_on", "-id"),
        "lot": ("lot", "id"),
        "-lot": ("-lot", "-id"),
    }
    DEFAULT_SORT = "finished_on"

    q = django_filters.CharFilter(
        method="filter_q", label="Search", help_text="Lot, article part or article HTS (or how one starts)"
    )
    hts = django_filters.CharFilter(method="filter_hts", label="Article or component HTS starts with")
    finished_from = django_filters.DateFilter(
        field_name="finished_on", lookup_expr="gte", label="Finished from", widget=DATE_INPUT
    )
    finished_to = django_filters.DateFilter(
        field_name="finished_on", lookup_expr="lte", label="Finished to", widget=DATE_INPUT
    )
    bom = django_filters.NumberFilter(field_name="bom_id", label="Bill of materials")
    upload = django_filters.NumberFilter(field_name="source_upload_id", label="From upload")
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        choices=[
            ("finished_on", "Finished, oldest first"),
            ("-finished_on", "Finished, newest first"),
            ("lot", "Lot"),
            ("-lot", "Lot, descending"),
        ],
        label="Sort",
        empty_label="Finished, oldest first",
    )

    class Meta:
        model = ProductionLot
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            Q(lot__istartswith=value.strip())
            | _hts_or_part(value, part="bom__article_part", hts="bom__article_hts")
        )

    def filter_hts(self, queryset, name, value):
        return _article_or_component_hts(
            queryset,
            value,
            article="bom__article_hts",
            components=LotComponent.objects.filter(lot=OuterRef("pk")),
        )


class ReturnFilter(SortedFilterSet):
    SORTS = {
        "returned_on": ("returned_on", "id"),
        "-returned_on": ("-returned_on", "-id"),
        "return_ref": ("return_ref", "id"),
        "-return_ref": ("-return_ref", "-id"),
    }
    DEFAULT_SORT = "returned_on"

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search",
        help_text="Return number, entry number, part or export (or how one starts)",
    )
    reason = django_filters.ChoiceFilter(
        choices=RejectedReturn.Reason.choices, label="Reason", empty_label="Any"
    )
    returned_from = django_filters.DateFilter(
        field_name="returned_on", lookup_expr="gte", label="Returned from", widget=DATE_INPUT
    )
    returned_to = django_filters.DateFilter(
        field_name="returned_on", lookup_expr="lte", label="Returned to", widget=DATE_INPUT
    )
    upload = django_filters.NumberFilter(field_name="source_upload_id", label="From upload")
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        choices=[
            ("returned_on", "Returned, oldest first"),
            ("-returned_on", "Returned, newest first"),
            ("return_ref", "Return number"),
            ("-return_ref", "Return number, descending"),
        ],
        label="Sort",
        empty_label="Returned, oldest first",
    )

    class Meta:
        model = RejectedReturn
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(return_ref__istartswith=text)
            | Q(entry_number__istartswith=clean_code(text))
            | Q(part__istartswith=text)
            | Q(export_ref__istartswith=text)
        )

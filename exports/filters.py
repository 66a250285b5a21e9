"""Query-string filters and sorts for the export list, shared by the page and the API."""

import django_filters
from django.db.models import Q

from imports.filters import DATE_INPUT, HTS_WIDTH, SortedFilterSet, clean_code, code_prefix_q, yes_no_any

from .models import Export

EXPORT_SORTS = {
    "export_date": ("export_date", "id"),
    "-export_date": ("-export_date", "-id"),
    "hts": ("hts", "export_date", "id"),
    "-hts": ("-hts", "-export_date", "-id"),
    "destination": ("destination", "export_date", "id"),
    "-destination": ("-destination", "-export_date", "-id"),
    "value": ("value", "id"),
    "-value": ("-value", "-id"),
    "quantity_available": ("quantity_available", "id"),
    "-quantity_available": ("-quantity_available", "-id"),
}
EXPORT_SORT_CHOICES = [
    ("export_date", "Export date, oldest first"),
    ("-export_date", "Export date, newest first"),
    ("hts", "HTS / Schedule B number"),
    ("-hts", "HTS / Schedule B number, descending"),
    ("destination", "Destination"),
    ("-destination", "Destination, descending"),
    ("value", "Value, lowest first"),
    ("-value", "Value, highest first"),
    ("quantity_available", "Quantity available, lowest first"),
    ("-quantity_available", "Quantity available, highest first"),
]


class ExportFilter(SortedFilterSet):
    SORTS = EXPORT_SORTS
    DEFAULT_SORT = "export_date"

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search",
        help_text="Export reference, ITN or bill of lading (or how it starts), or words of the description",
    )
    hts = django_filters.CharFilter(method="filter_hts", label="HTS / Schedule B starts with")
    exported_from = django_filters.DateFilter(
        field_name="export_date", lookup_expr="gte", label="Exported from", widget=DATE_INPUT
    )
    exported_to = django_filters.DateFilter(
        field_name="export_date", lookup_expr="lte", label="Exported to", widget=DATE_INPUT
    )
    destination = django_filters.CharFilter(method="filter_destination", label="Destination")
    disposition = django_filters.ChoiceFilter(
        choices=Export.Disposition.choices, label="Disposition", empty_label="Any"
    )
    available = django_filters.BooleanFilter(
        method="filter_available", label="Quantity left to claim", widget=yes_no_any()
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        choices=EXPORT_SORT_CHOICES,
        label="Sort",
        empty_label="Export date, oldest first",
    )

    class Meta:
        model = Export
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(export_ref__istartswith=text)
            | Q(itn__istartswith=text)
            | Q(bill_of_lading__istartswith=text)
            | Q(description__icontains=text)
        )

    def filter_hts(self, queryset, name, value):
        code = clean_code(value)
        if not code:
            return queryset
        return queryset.filter(code_prefix_q("hts", code, width=HTS_WIDTH, top="9"))

    def filter_destination(self, queryset, name, value):
        return queryset.filter(destination=value.strip().upper()) if value.strip() else queryset

    def filter_available(self, queryset, name, value):
        return queryset.filter(quantity_available__gt=0) if value else queryset.filter(quantity_available=0)

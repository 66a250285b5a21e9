"""Query-string filters and sorts for the import line list, shared by the page and the API.

Each sort is a full key ending in the id, so keyset paging (drawback.paging) can resume after any row,
and each leading key matches an index on ImportLine or ImportEntry, so a page is one index range scan.
"""

import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from .models import ImportEntry, ImportLine, LineCh99Duty

# Code shapes: HTS numbers are digits; entry numbers are a 3-character filer code, 7 digits and a check digit.
HTS_WIDTH = 10
ENTRY_WIDTH = 11
_DIGITS = re.compile(r"^\d{2,10}$")
_ENTRY_START = re.compile(r"^(?=[A-Z0-9]{0,2}[A-Z])[A-Z0-9]{3}\d{0,8}$")


def code_prefix_q(field: str, prefix: str, *, width: int, top: str) -> Q:
    """`field` starts with `prefix`, as a range the column's btree index can answer under any collation.

    LIKE 'abc%' uses a PostgreSQL btree index only under the C collation; a range does under every one.
    Codes are upper-case letters and digits of at most `width` characters, so every code with the prefix
    lies between the prefix and the prefix padded with the highest character (`top`).
    """
    return Q(**{f"{field}__gte": prefix, f"{field}__lte": prefix.ljust(width, top)})


def clean_code(text: str) -> str:
    """`6109.10.0012`, `B76-0324527-8` -> digits and capitals only."""
    return re.sub(r"[\s.\-]", "", text or "").upper()


def line_search_q(text: str) -> Q:
    """Search by the shape of what was typed: an HTS number or an entry number (or the start of either),
    otherwise words of the description."""
    code = clean_code(text)
    if _DIGITS.match(code):
        # Digits alone may be an HTS number or an entry number of an all-digit filer code.
        return code_prefix_q("hts", code, width=HTS_WIDTH, top="9") | code_prefix_q(
            "entry__entry_number", code, width=ENTRY_WIDTH, top="Z"
        )
    if _ENTRY_START.match(code):
        return code_prefix_q("entry__entry_number", code, width=ENTRY_WIDTH, top="Z")
    return Q(description__icontains=text.strip())


LINE_SORTS = {
    "import_date": ("import_date", "id"),
    "-import_date": ("-import_date", "-id"),
    "entry": ("entry__entry_number", "line_number", "id"),
    "-entry": ("-entry__entry_number", "-line_number", "-id"),
    "hts": ("hts", "import_date", "id"),
    "-hts": ("-hts", "-import_date", "-id"),
    "duty": ("duty", "id"),
    "-duty": ("-duty", "-id"),
}
LINE_SORT_CHOICES = [
    ("import_date", "Import date, oldest first"),
    ("-import_date", "Import date, newest first"),
    ("entry", "Entry number"),
    ("-entry", "Entry number, descending"),
    ("hts", "HTS number"),
    ("-hts", "HTS number, descending"),
    ("duty", "Duty, lowest first"),
    ("-duty", "Duty, highest first"),
]
DEFAULT_LINE_SORT = "import_date"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def yes_no_any() -> forms.Select:
    return forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])


class SortedFilterSet(django_filters.FilterSet):
    """A FilterSet whose `sort` choice always applies one of SORTS (the default when none is given)."""

    SORTS: dict[str, tuple[str, ...]] = {}
    DEFAULT_SORT = ""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or self.DEFAULT_SORT
        return queryset.order_by(*self.SORTS[sort])

    def filter_sort(self, queryset, name, value):
        return queryset  # applied in filter_queryset, with the default


class ImportLineFilter(SortedFilterSet):
    SORTS = LINE_SORTS
    DEFAULT_SORT = DEFAULT_LINE_SORT

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search",
        help_text="Entry number or HTS number (or how either starts), or words of the description",
    )
    hts = django_filters.CharFilter(method="filter_hts", label="HTS starts with")
    imported_from = django_filters.DateFilter(
        field_name="import_date", lookup_expr="gte", label="Imported from", widget=DATE_INPUT
    )
    imported_to = django_filters.DateFilter(
        field_name="import_date", lookup_expr="lte", label="Imported to", widget=DATE_INPUT
    )
    origin = django_filters.CharFilter(method="filter_origin", label="Country of origin")
    method = django_filters.ChoiceFilter(
        method="filter_method",
        label="Designation",
        choices=[*[(m.value, m.label) for m in ImportLine.Method if m.value], ("none", "Not designated")],
        empty_label="Any",
    )
    has_ch99 = django_filters.BooleanFilter(
        method="filter_has_ch99", label="Has Chapter 99 duties", widget=yes_no_any()
    )
    available = django_filters.BooleanFilter(
        method="filter_available", label="Quantity left to designate", widget=yes_no_any()
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort", choices=LINE_SORT_CHOICES, label="Sort", empty_label="Import date, oldest first"
    )

    class Meta:
        model = ImportLine
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(line_search_q(value)) if value.strip() else queryset

    def filter_hts(self, queryset, name, value):
        code = clean_code(value)
        if not code:
            return queryset
        return queryset.filter(code_prefix_q("hts", code, width=HTS_WIDTH, top="9"))

    def filter_origin(self, queryset, name, value):
        return queryset.filter(country_of_origin=value.strip().upper()) if value.strip() else queryset

    def filter_method(self, queryset, name, value):
        return queryset.filter(designation_method="" if value == "none" else value)

    def filter_available(self, queryset, name, value):
        return queryset.filter(quantity_available__gt=0) if value else queryset.filter(quantity_available=0)

    def filter_has_ch99(self, queryset, name, value):
        has = Exists(LineCh99Duty.objects.filter(line=OuterRef("pk")))
        return queryset.filter(has if value else ~has)


ENTRY_SORTS = {
    "import_date": ("import_date", "id"),
    "-import_date": ("-import_date", "-id"),
    "entry": ("entry_number", "id"),
    "-entry": ("-entry_number", "-id"),
}


class ImportEntryFilter(SortedFilterSet):
    SORTS = ENTRY_SORTS
    DEFAULT_SORT = "import_date"

    q = django_filters.CharFilter(method="filter_q", label="Entry number (or how it starts)")
    imported_from = django_filters.DateFilter(
        field_name="import_date", lookup_expr="gte", label="Imported from"
    )
    imported_to = django_filters.DateFilter(field_name="import_date", lookup_expr="lte", label="Imported to")
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort",
        choices=[
            ("import_date", "Import date, oldest first"),
            ("-import_date", "Import date, newest first"),
            ("entry", "Entry number"),
            ("-entry", "Entry number, descending"),
        ],
    )

    class Meta:
        model = ImportEntry
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        code = clean_code(value)
        return (
            queryset.filter(code_prefix_q("entry_number", code, width=ENTRY_WIDTH, top="Z"))
            if code
            else queryset
        )

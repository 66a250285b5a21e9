"""What every per-client page shares: the client resolved through the tenant boundary, and paging."""

from django.db.models import QuerySet
from django.http import HttpRequest

from drawback.paging import InvalidCursor, Page, paginate

PAGE_SIZE = 50


def page_of(request: HttpRequest, queryset: QuerySet, *, size: int = PAGE_SIZE) -> Page:
    """One keyset page; a cursor that does not parse (edited by hand, stale) starts at the first page."""
    try:
        return paginate(queryset, cursor=request.GET.get("cursor"), size=size)
    except InvalidCursor:
        return paginate(queryset, cursor=None, size=size)

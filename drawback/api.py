"""What every per-client API endpoint shares: the client resolved through the tenant boundary (404 when the
user may not see it) and keyset paging (drawback.paging) with a capped count."""

from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.utils.urls import remove_query_param, replace_query_param

from drawback.accounts.models import Client
from drawback.accounts.tenancy import client_for_code
from drawback.paging import COUNT_CAP, InvalidCursor, Page, paginate

CLIENT_CODE = OpenApiParameter(
    "client_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The client's short code"
)


class ClientScopedMixin:
    """For views under /api/v1/clients/<client_code>/: `self.client` is the client, or the request is 404."""

    @cached_property
    def client(self) -> Client:
        return client_for_code(self.request.user, self.kwargs["client_code"])

    def is_schema_request(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


class KeysetPagination(BasePagination):
    """`?cursor=` paging over a queryset sorted by a unique key; `count` is exact for small sets."""

    page_size = 100
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            size = self.page_size
        size = max(1, min(size, self.max_page_size))
        try:
            self.page: Page = paginate(queryset, cursor=request.query_params.get("cursor"), size=size)
        except InvalidCursor as exc:
            raise NotFound("Invalid cursor.") from exc
        self.request = request
        return self.page.items

    def _link(self, cursor: str | None) -> str | None:
        if not cursor:
            return None
        return replace_query_param(self.request.build_absolute_uri(), "cursor", cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.count,
                "count_is_lower_bound": self.page.count_is_lower_bound,
                "count_is_estimate": self.page.count_is_estimate,
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "first": remove_query_param(self.request.build_absolute_uri(), "cursor"),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["count", "count_is_lower_bound", "count_is_estimate", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": f"Rows matching: exact up to {COUNT_CAP:,}, else a bound or an estimate",
                },
                "count_is_lower_bound": {
                    "type": "boolean",
                    "description": f"True when more than {COUNT_CAP:,} rows match (`count` is {COUNT_CAP:,})",
                },
                "count_is_estimate": {
                    "type": "boolean",
                    "description": "True when `count` is the database's estimate for a large set",
                },
                "next": link,
                "previous": link,
                "first": {"type": "string", "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "Opaque position from a `next` or `previous` link",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most {self.max_page_size})",
                "schema": {"type": "integer"},
            },
        ]


class ExpensiveRateThrottle(UserRateThrottle):
    """For endpoints that cost seconds of database or solver time (a build, an assessment, pre-flight, money
    at risk, a file load): at most the `expensive` rate per user (REST_FRAMEWORK DEFAULT_THROTTLE_RATES).
    A view may name the methods that are expensive (`expensive_methods`); its other methods are free."""

    scope = "expensive"

    def allow_request(self, request, view):
        methods = getattr(view, "expensive_methods", None)
        if methods is not None and request.method not in methods:
            return True
        return super().allow_request(request, view)

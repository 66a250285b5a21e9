"""The REST API, version 1, under /api/v1/. Each app brings its own routes; per-client data lives under
clients/<client_code>/ so the client is resolved through the tenant boundary before anything else."""

from django.urls import include, path

from drawback.accounts.api import TokenObtainApi
from drawback.accounts.api import router as clients_router
from exports.api import router as exports_router

per_client = [
    path("", include("imports.api")),  # entries, lines, documents (and uploads)
    path("", include(exports_router.urls)),
]

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("", include(clients_router.urls)),
    path("clients/<slug:client_code>/", include(per_client)),
    path("", include("imports.api_urls")),
    path("", include("claims.api_urls")),
    path("", include("claims.risk.api_urls")),
    path("", include("claims.cbp.api_urls")),
    path("", include("reviews.api_urls")),
    path("", include("claims.privileges.api_urls")),
    path("", include("claims.cape.api_urls")),
    path("", include("dashboards.api_urls")),
]

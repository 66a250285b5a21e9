"""The versioned REST API, /api/v1/. Each app adds its routes here."""

from django.urls import include, path

urlpatterns = [
    path("", include("claims.api_urls")),
    path("", include("reviews.api_urls")),
]

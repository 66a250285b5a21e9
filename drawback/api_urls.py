"""Version 1 of the API, mounted at /api/v1/. Each area adds its own include here."""

from django.urls import include, path

urlpatterns = [
    path("", include("claims.cbp.api_urls")),
    path("", include("claims.api_urls")),
    path("", include("reviews.api_urls")),
]

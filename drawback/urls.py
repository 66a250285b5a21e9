from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    # First: `/` is the public landing page (signed-in users go on to `home`, which stays the name of `/`).
    path("", include("drawback.prospects.urls")),
    path("", include("dashboards.urls")),
    # Per-client pages: each app brings its paths under /clients/<code>/. Every such path must also be listed
    # in tests/web/test_tenancy.py, which fails on any route it does not cover.
    path("clients/<slug:code>/", include("imports.urls")),
    path("clients/<slug:code>/", include("exports.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's settings as a script file: the Content-Security-Policy allows no
    # inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("drawback.api_urls")),
    path("", include("claims.cbp.urls")),
    path("clients/<slug:code>/claims/<int:pk>/", include("claims.filing.urls")),
    path("", include("claims.urls")),
    path("", include("reviews.urls")),
    path("", include("claims.risk.urls")),
    path("", include("imports.upload_urls")),
]

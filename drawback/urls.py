from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
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
    # Password reset by e-mail: Django's own views and tokens, with the project's templates.
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    # Browsers ask for /favicon.ico on pages that do not name their icon (the admin, the API's JSON).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True), name="favicon"),
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
    path("", include("claims.jobs.urls")),
    path("", include("claims.privileges.urls")),
    path("", include("claims.cape.urls")),
    path("", include("dashboards.portal_urls")),
]

"""The client portal's pages beside the dashboard (which is `client_overview`, not namespaced)."""

from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("clients/<slug:code>/projections/", views.client_projections, name="projections"),
    path("clients/<slug:code>/projections/refresh/", views.estimate_refresh, name="estimate-refresh"),
    path("clients/<slug:code>/dashboard.pdf", views.dashboard_pdf, name="pdf"),
    path("clients/<slug:code>/dashboard.xlsx", views.dashboard_xlsx, name="xlsx"),
    path("clients/<slug:code>/contacts/", views.contacts, name="contacts"),
    path("money-at-risk/", views.firm_money_at_risk, name="money-at-risk"),
    path("digest/opt-out/<str:token>/", views.digest_opt_out, name="digest-opt-out"),
]

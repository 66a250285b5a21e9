from django.urls import path

from . import api

urlpatterns = [
    path("clients/<slug:client_code>/dashboard/", api.DashboardApi.as_view(), name="api-dashboard"),
    path("clients/<slug:client_code>/projections/", api.ProjectionApi.as_view(), name="api-projections"),
    path(
        "clients/<slug:client_code>/projection-snapshots/",
        api.SnapshotListApi.as_view(),
        name="api-projection-snapshots",
    ),
    path(
        "clients/<slug:client_code>/projection-snapshots/<int:pk>/",
        api.SnapshotDetailApi.as_view(),
        name="api-projection-snapshot",
    ),
]

from django.urls import path

from . import api

urlpatterns = [
    path("clients/<slug:client_code>/privileges/", api.PrivilegeListApi.as_view(), name="api-privileges"),
    path(
        "clients/<slug:client_code>/privileges/<int:pk>/",
        api.PrivilegeDetailApi.as_view(),
        name="api-privilege-detail",
    ),
]

from django.urls import path

from . import views

app_name = "claims"

urlpatterns = [
    path("clients/<slug:code>/claims/", views.claim_list, name="list"),
    path("clients/<slug:code>/claims/<int:pk>/", views.claim_detail, name="detail"),
    path("clients/<slug:code>/claims/<int:pk>/do/<slug:action>/", views.claim_action, name="action"),
    path(
        "clients/<slug:code>/claims/<int:pk>/designations/<int:designation_pk>/remove/",
        views.designation_remove,
        name="designation-remove",
    ),
]

from django.urls import path

from . import views

app_name = "findings"

urlpatterns = [
    path("clients/<slug:code>/findings/", views.finding_list, name="finding-list"),
    path("clients/<slug:code>/findings/assess/", views.assess_now, name="assess-now"),
    path(
        "clients/<slug:code>/findings/<int:pk>/acknowledge/",
        views.finding_acknowledge,
        name="finding-acknowledge",
    ),
]

"""Pages under /clients/<code>/ for exports."""

from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
]

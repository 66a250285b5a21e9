from django.urls import path

from . import views

app_name = "filing"

# Included under clients/<code>/claims/<pk>/ (drawback/urls.py).
urlpatterns = [
    path("files/", views.claim_files, name="claim_files"),
    path("files/<int:doc_id>/", views.claim_file_download, name="claim_file_download"),
    path("package/", views.claim_package_build_view, name="claim_package_build"),
]

"""Pages under /clients/<code>/ for import data and documents (the upload pages are in upload_urls)."""

from django.urls import path

from .views import documents, entries

app_name = "imports"

urlpatterns = [
    path("lines/", entries.line_list, name="line_list"),
    path("entries/<str:entry_number>/", entries.entry_detail, name="entry_detail"),
    path("documents/", documents.document_list, name="document_list"),
    path("documents/<int:pk>/download/", documents.document_download, name="document_download"),
    path("documents/<int:pk>/attach/", documents.document_attach, name="document_attach"),
    path("documents/<int:pk>/detach/", documents.document_detach, name="document_detach"),
    path("documents/<int:pk>/delete/", documents.document_delete, name="document_delete"),
]

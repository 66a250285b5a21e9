"""The imports API under /api/v1/clients/<client_code>/: entries, lines and documents.

The uploads API (api/uploads.py) adds its paths to `urlpatterns` below.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .documents import DocumentAttachApi, DocumentDetailApi, DocumentDownloadApi, DocumentListApi
from .entries import ImportEntryViewSet, ImportLineViewSet

router = SimpleRouter()
router.register("entries", ImportEntryViewSet, basename="api-entry")
router.register("lines", ImportLineViewSet, basename="api-line")

urlpatterns = [
    *router.urls,
    path("documents/", DocumentListApi.as_view(), name="api-document-list"),
    path("documents/<int:pk>/", DocumentDetailApi.as_view(), name="api-document-detail"),
    path("documents/<int:pk>/download/", DocumentDownloadApi.as_view(), name="api-document-download"),
    path("documents/<int:pk>/attach/", DocumentAttachApi.as_view(), name="api-document-attach"),
]

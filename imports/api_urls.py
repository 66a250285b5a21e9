"""API routes of the imports app, mounted under /api/v1/."""

from django.urls import path

from .api import uploads

urlpatterns = [
    path("clients/<slug:code>/uploads/", uploads.ClientUploadListApi.as_view(), name="api-client-uploads"),
    path("clients/<slug:code>/mappings/", uploads.ClientMappingListApi.as_view(), name="api-client-mappings"),
    path("tariff/uploads/", uploads.TariffUploadListApi.as_view(), name="api-tariff-uploads"),
    path("uploads/<int:pk>/", uploads.UploadDetailApi.as_view(), name="api-upload-detail"),
    path("uploads/<int:pk>/rejects.csv", uploads.UploadRejectsApi.as_view(), name="api-upload-rejects"),
]

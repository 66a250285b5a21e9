"""Upload pages: data files per client, and the shared HTS tariff."""

from django.urls import path

from .views import feeds, uploads

urlpatterns = [
    path("clients/<slug:code>/uploads/", uploads.client_uploads, name="client-uploads"),
    path("clients/<slug:code>/uploads/<int:pk>/", uploads.client_upload_detail, name="client-upload-detail"),
    path(
        "clients/<slug:code>/uploads/<int:pk>/mapping/",
        uploads.client_upload_mapping,
        name="client-upload-mapping",
    ),
    path(
        "clients/<slug:code>/uploads/<int:pk>/rejects.csv",
        uploads.client_upload_rejects,
        name="client-upload-rejects",
    ),
    path("clients/<slug:code>/feeds/new/", feeds.feed_create, name="client-feed-create"),
    path("clients/<slug:code>/feeds/<int:pk>/", feeds.feed_detail, name="client-feed-detail"),
    path("clients/<slug:code>/feeds/<int:pk>/poll/", feeds.feed_poll_now, name="client-feed-poll"),
    path("tariff/uploads/", uploads.tariff_uploads, name="tariff-uploads"),
    path("tariff/uploads/<int:pk>/", uploads.tariff_upload_detail, name="tariff-upload-detail"),
    path("tariff/uploads/<int:pk>/rejects.csv", uploads.tariff_upload_rejects, name="tariff-upload-rejects"),
]

from django.urls import path

from . import views

app_name = "cbp"

urlpatterns = [
    path("claims/<int:pk>/cbp/", views.claim_cbp, name="claim_cbp"),
    path("claims/<int:pk>/file/", views.claim_file, name="claim_file"),
    path("claims/<int:pk>/protests/", views.protest_record, name="protest_record"),
    path("protests/<int:pk>/decision/", views.protest_decision, name="protest_decision"),
    path(
        "protests/<int:pk>/decision/confirm/", views.protest_decision_confirm, name="protest_decision_confirm"
    ),
    path(
        "protests/<int:pk>/decision/discard/", views.protest_decision_discard, name="protest_decision_discard"
    ),
    path(
        "cbp-requests/<int:pk>/documents/<int:doc_id>/",
        views.request_document_download,
        name="request_document_download",
    ),
    path("claims/<int:pk>/cbp/notices/", views.notice_enter, name="notice_enter"),
    path("cbp-notices/<int:pk>/confirm/", views.notice_confirm, name="notice_confirm"),
    path("cbp-notices/<int:pk>/discard/", views.notice_discard, name="notice_discard"),
    path("cbp/poll/", views.poll_now, name="poll"),
    path("cbp-requests/", views.request_list, name="request_list"),
    path("cbp-requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]

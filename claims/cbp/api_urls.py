from django.urls import path

from . import api

urlpatterns = [
    path("claims/<int:pk>/cbp/", api.ClaimCbpApi.as_view(), name="api-claim-cbp"),
    path("claims/<int:pk>/cbp-notices/", api.ClaimCbpNoticesApi.as_view(), name="api-claim-cbp-notices"),
    path("cbp-notices/<int:pk>/confirm/", api.CbpNoticeConfirmApi.as_view(), name="api-cbp-notice-confirm"),
    path("cbp-requests/", api.CbpRequestListApi.as_view(), name="api-cbp-requests"),
    path(
        "cbp-requests/<int:pk>/respond/", api.CbpRequestRespondApi.as_view(), name="api-cbp-request-respond"
    ),
]

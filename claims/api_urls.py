from django.urls import path

from . import api

urlpatterns = [
    path("claims/", api.ClaimListApi.as_view(), name="api-claims"),
    path("claims/<int:pk>/", api.ClaimDetailApi.as_view(), name="api-claim"),
    path("claims/<int:pk>/designations/", api.ClaimDesignationsApi.as_view(), name="api-claim-designations"),
    path("claims/<int:pk>/transitions/", api.ClaimTransitionsApi.as_view(), name="api-claim-transitions"),
    path("claims/<int:pk>/preflight/", api.ClaimPreflightApi.as_view(), name="api-claim-preflight"),
    path("claims/<int:pk>/correction/", api.ClaimCorrectionApi.as_view(), name="api-claim-correction"),
]

from django.urls import include, path

from . import api
from .building import api as building
from .jobs import api as jobs
from .manufacturing import api as manufacturing
from .manufacturing.records_api import router as manufacturing_records

urlpatterns = [
    path("claims/", api.ClaimListApi.as_view(), name="api-claims"),
    path("claims/<int:pk>/", api.ClaimDetailApi.as_view(), name="api-claim"),
    path("claims/<int:pk>/designations/", api.ClaimDesignationsApi.as_view(), name="api-claim-designations"),
    path("claims/<int:pk>/transitions/", api.ClaimTransitionsApi.as_view(), name="api-claim-transitions"),
    path("claims/<int:pk>/preflight/", api.ClaimPreflightApi.as_view(), name="api-claim-preflight"),
    path("claims/<int:pk>/correction/", api.ClaimCorrectionApi.as_view(), name="api-claim-correction"),
    path(
        "clients/<slug:client_code>/claim-builds/",
        building.ClaimBuildListApi.as_view(),
        name="api-claim-build-list",
    ),
    path("claim-builds/<int:pk>/", building.ClaimBuildDetailApi.as_view(), name="api-claim-build-detail"),
    path(
        "claim-builds/<int:pk>/designations/",
        building.ClaimBuildDesignationsApi.as_view(),
        name="api-claim-build-designations",
    ),
    path("claim-builds/<int:pk>/save/", building.ClaimBuildSaveApi.as_view(), name="api-claim-build-save"),
    path("jobs/<int:pk>/", jobs.JobDetailApi.as_view(), name="api-job-detail"),
    path(
        "clients/<slug:client_code>/money-at-risk/",
        building.MoneyAtRiskApi.as_view(),
        name="api-money-at-risk",
    ),
    # The drawback type per export, chosen and saved on a worker (staff).
    path(
        "clients/<slug:client_code>/type-choices/",
        manufacturing.TypeChoiceStartApi.as_view(),
        name="api-type-choice-start",
    ),
    path(
        "clients/<slug:client_code>/type-choices/latest/",
        manufacturing.TypeChoiceLatestApi.as_view(),
        name="api-type-choice-latest",
    ),
    path(
        "type-choices/<int:pk>/save/", manufacturing.TypeChoiceSaveApi.as_view(), name="api-type-choice-save"
    ),
    # A client's manufacturing records (read-only): bills of materials, production lots, rejected returns.
    path("clients/<slug:client_code>/", include(manufacturing_records.urls)),
]

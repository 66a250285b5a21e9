from django.urls import path

from . import api

app_name = "findings-api"

urlpatterns = [
    path("clients/<slug:code>/findings/", api.FindingListApi.as_view(), name="finding-list"),
    path("clients/<slug:code>/risk-summary/", api.RiskSummaryApi.as_view(), name="risk-summary"),
    path("clients/<slug:code>/assess/", api.AssessApi.as_view(), name="assess"),
    path("findings/<int:pk>/acknowledge/", api.FindingAcknowledgeApi.as_view(), name="finding-acknowledge"),
]

from django.urls import path

from . import api

urlpatterns = [
    path("claims/<int:pk>/reviews/", api.ClaimReviewsApi.as_view(), name="api-claim-reviews"),
    path("claims/<int:pk>/review/approve/", api.ReviewApproveApi.as_view(), name="api-review-approve"),
    path("claims/<int:pk>/review/return/", api.ReviewReturnApi.as_view(), name="api-review-return"),
    path("reviews/queue/<int:level>/", api.ReviewQueueApi.as_view(), name="api-review-queue"),
    path("reviews/checklists/<int:level>/", api.ReviewChecklistApi.as_view(), name="api-review-checklist"),
]

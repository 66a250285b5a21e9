from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("reviews/level-<int:level>/", views.review_queue, name="queue"),
    path("clients/<slug:code>/claims/<int:pk>/review/", views.review_form, name="form"),
]

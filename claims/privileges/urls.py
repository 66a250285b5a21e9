from django.urls import path

from . import views

app_name = "privileges"

urlpatterns = [
    path("clients/<slug:code>/privileges/", views.privilege_list, name="list"),
    path("clients/<slug:code>/privileges/new/", views.privilege_new, name="new"),
    path("clients/<slug:code>/privileges/<int:pk>/", views.privilege_detail, name="detail"),
]

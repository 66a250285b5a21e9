from django.urls import path

from . import views

app_name = "cape"

urlpatterns = [
    path("clients/<slug:code>/cape/", views.cape_page, name="page"),
    path("clients/<slug:code>/cape/declarations/", views.declarations_create, name="declarations-create"),
    path(
        "clients/<slug:code>/cape/declarations/<int:pk>/", views.declaration_action, name="declaration-action"
    ),
    path(
        "clients/<slug:code>/cape/declarations/<int:pk>/download/",
        views.declaration_download,
        name="declaration-download",
    ),
    path("clients/<slug:code>/cape/entries/<int:pk>/", views.entry_action, name="entry-action"),
]

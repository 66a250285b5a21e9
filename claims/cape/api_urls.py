from django.urls import path

from . import api

urlpatterns = [
    path("clients/<slug:client_code>/cape/entries/", api.CapeEntriesApi.as_view(), name="api-cape-entries"),
]

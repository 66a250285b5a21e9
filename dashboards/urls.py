"""The firm's home page and a client's overview. Not namespaced: `home` is the log-in redirect target."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("clients/<slug:code>/", views.client_overview, name="client_overview"),
]

from django.apps import AppConfig


class ProspectsConfig(AppConfig):
    name = "drawback.prospects"
    label = "prospects"
    verbose_name = "Prospects, leads and the public FAQ"

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Import entries, tariff and uploads"

    def ready(self) -> None:
        # Register the parsers of the kinds this app owns (see imports.ingest.core.register).
        from .ingest import canonical, es003, fees, hts  # noqa: F401

from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Exports and destructions"

    def ready(self) -> None:
        # Register the AES and exports.csv parsers with the imports app's ingestion registry.
        from . import ingest  # noqa: F401

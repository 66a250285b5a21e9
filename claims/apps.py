from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims, designations and findings"

    def ready(self) -> None:
        from claims.cbp import admin, notifications  # noqa: F401 - admin registers its model views

        notifications.register()  # claim events with CBP are told through claims.lifecycle.EFFECTS

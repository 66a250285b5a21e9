from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "drawback.accounts"
    label = "accounts"
    verbose_name = "Firm, clients and users"

    def ready(self) -> None:
        # Bind @shared_task to the project's Celery app whenever Django starts. It is loaded here, not in
        # drawback/__init__.py, so that the pure helpers in drawback.lib import without Celery or Django.
        from drawback import celery  # noqa: F401

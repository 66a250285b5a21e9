"""System checks of the claims app's settings, run by `manage.py check` and before every command and
server start: a configuration that cannot file claims is found before any file is transmitted."""

from django.conf import settings
from django.core.checks import Error, register


@register("drawback")
def check_catair_password(app_configs, **kwargs) -> list[Error]:
    """The A-record communication password (catair.md 1.2) is mandatory in every claim file: without it,
    a production installation that transmits to CBP (CBP_GATEWAY=files) cannot file. The sandbox gateway
    sends nothing to CBP; the writer still refuses to write a file without the password."""
    from claims.catair.writer import password_problem

    password = getattr(settings, "CATAIR_PASSWORD", "")
    if password:
        problem = password_problem(password)
        return (
            [Error(problem, hint="See CATAIR_PASSWORD in the README.", id="claims.E002")] if problem else []
        )
    if not settings.DEBUG and settings.CBP_GATEWAY != "sandbox":
        return [
            Error(
                password_problem(password),
                hint="Set CATAIR_PASSWORD to the ABI password CBP gave the transmitter (see the README).",
                id="claims.E001",
            )
        ]
    return []

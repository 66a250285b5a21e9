from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims, designations and findings"

    def ready(self) -> None:
        from claims import checks  # noqa: F401 - registers the settings checks

        # Register the parsers of the liquidation report, CBP's CAPE result, bills of materials, production
        # lots and returns with the ingestion registry.
        from claims.cape import ingest as cape_ingest  # noqa: F401
        from claims.cbp import admin, notifications  # noqa: F401 - admin registers its model views

        notifications.register()  # claim events with CBP are told through claims.lifecycle.EFFECTS

        from claims.manufacturing import admin as manufacturing_admin  # noqa: F401 - read-only record views
        from claims.manufacturing import ingest as manufacturing_ingest  # noqa: F401
        from imports.signals import data_loaded

        data_loaded.connect(_reassess_after_load, dispatch_uid="claims-reassess-after-load")
        data_loaded.connect(_recheck_approved_claims, dispatch_uid="claims-recheck-approved-after-load")

        from imports.ingest.pipeline import WRITE_GUARDS

        from .frozen import FrozenDataGuard

        if FrozenDataGuard not in WRITE_GUARDS:
            WRITE_GUARDS.append(FrozenDataGuard)


def _recheck_approved_claims(sender, upload, client_id, **kwargs) -> None:
    """A load changed data under an approved claim: it goes back to review (claims.frozen)."""
    from .frozen import claims_return_changed_for_client

    if client_id:
        claims_return_changed_for_client(client_id=client_id)


def _reassess_after_load(sender, upload, client_id, **kwargs) -> None:
    """New or changed data changes the findings: re-assess the client (every client for a new tariff)."""
    from drawback.accounts.models import Client

    from .risk.services import assessment_request

    client_ids = (
        [client_id] if client_id else list(Client.objects.filter(is_active=True).values_list("pk", flat=True))
    )
    for pk in client_ids:
        assessment_request(client_id=pk)

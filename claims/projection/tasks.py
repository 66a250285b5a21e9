"""Beat tasks of the projection: thin, ids in (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from drawback.accounts.models import Client

from . import services

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 30, "max_retries": 5}


@shared_task(**RETRY)
def projection_snapshots_take() -> int:
    """On the first of each month: keep every client's projection (forecast against actual)."""
    return services.projection_snapshots_take()


@shared_task(**RETRY)
def client_estimates_refresh() -> int:
    """Nightly: the optimizer's figures for each client (exports not yet claimed, money at risk)."""
    return services.client_estimates_refresh()


@shared_task(**RETRY)
def client_estimate_refresh(client_id: int) -> None:
    services.client_estimate_refresh(client=Client.objects.select_related("firm").get(pk=client_id))

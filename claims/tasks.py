from celery import shared_task

from drawback.accounts.models import Client

from .risk import services


@shared_task
def assess_client_task(client_id: int) -> dict:
    """Re-assess one client's data (see services.assess_client); safe to run twice."""
    client = Client.objects.select_related("firm").get(pk=client_id)
    return services.assess_client(client=client).as_dict()

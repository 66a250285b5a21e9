"""Beat task of the client portal: the dashboard digests (settings.CELERY_BEAT_SCHEDULE). Thin."""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import digest


@shared_task(autoretry_for=(OperationalError, InterfaceError, SMTPException), retry_backoff=60, max_retries=5)
def digests_send() -> int:
    """Each contact's digest for the week or month just ended, once (a rerun sends nothing twice)."""
    return digest.digests_send()

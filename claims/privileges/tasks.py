"""Daily check of applications and rulings: thin (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from . import services


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=30, max_retries=5)
def privileges_check_daily() -> dict:
    """Expire what has run out, then warn ahead of expiries and short bonds (each warning told once)."""
    today = timezone.localdate()
    expired = services.privileges_expire(today=today)
    return {"expired": len(expired), "notified": services.privilege_warnings_notify(today=today)}

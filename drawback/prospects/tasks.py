"""Celery tasks of the prospects' path: thin wrappers (ids in) over estimate.py, mails.py, retention.py."""

from celery import shared_task

from . import estimate, mails, retention

# A mail server that does not answer is tried again later; the page that queued the mail has long answered.
MAIL = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task
def estimate_run(estimate_id: int) -> None:
    """Load a prospect's files into their workspace, assess and optimize; progress on the Estimate row."""
    estimate.estimate_run(estimate_id=estimate_id)


@shared_task(**MAIL)
def resume_link_mail(assessment_id: int, base_url: str) -> None:
    mails.resume_link_mail(assessment_id=assessment_id, base_url=base_url)


@shared_task(**MAIL)
def estimate_released_mail(assessment_id: int, base_url: str) -> None:
    mails.estimate_released_mail(assessment_id=assessment_id, base_url=base_url)


@shared_task(**MAIL)
def staff_new_assessment_mail(lead_id: int, base_url: str) -> None:
    mails.staff_new_assessment_mail(lead_id=lead_id, base_url=base_url)


@shared_task(**MAIL)
def invitation_mail(user_id: int, base_url: str, lead_id: int | None = None) -> None:
    mails.invitation_mail(user_id=user_id, base_url=base_url, lead_id=lead_id)


@shared_task
def prospects_retention_purge() -> int:
    """Beat job (daily): delete unconverted prospects' files and workspace data past the retention period."""
    return retention.prospects_retention_purge()

from celery import shared_task

from . import feeds, services


@shared_task
def upload_process(upload_id: int) -> None:
    """Validate and load one upload; progress is written to Upload.progress as rows are read.

    Thin on purpose: the service is safe to run twice (a redelivered message finds the upload no longer
    QUEUED and does nothing).
    """
    services.upload_process(upload_id=upload_id)


@shared_task
def upload_resume_stalled() -> list[int]:
    """Beat job: queue again the uploads whose worker died mid-way."""
    return services.upload_resume_stalled()


@shared_task
def feeds_poll_due() -> list[int]:
    """Beat job (every minute): queue a poll of each data feed whose time has come."""
    due = feeds.feeds_claim_due()
    for feed_id in due:
        feed_poll.delay(feed_id)
    return due


@shared_task
def feed_poll(feed_id: int) -> str:
    """Take in a feed's new files (each through the upload service, like a browser upload)."""
    return feeds.feed_poll(feed_id=feed_id).summary()

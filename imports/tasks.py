from celery import shared_task

from . import services


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

from celery import shared_task


@shared_task
def upload_process(upload_id: int) -> None:
    """Validate and load one upload; progress is written to Upload.progress as rows are read."""
    raise NotImplementedError

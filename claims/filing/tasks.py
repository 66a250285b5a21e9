"""Celery task building a claim's filing package (thin: the work is claims.filing.services)."""

from celery import shared_task

from claims.jobs.services import job_run
from claims.models import Claim
from drawback.accounts.models import User

from .services import FilingError, claim_package_build


def _storage_errors() -> tuple[type[BaseException], ...]:
    """Errors of the document storage worth retrying: the disk, or an S3-compatible store if configured."""
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    except ImportError:  # local-disk installations do not need botocore
        pass
    return tuple(errors)


STORAGE_ERRORS = _storage_errors()


@shared_task(
    autoretry_for=STORAGE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def claim_package_build_task(
    claim_id: int, user_id: int | None = None, job_id: int | None = None
) -> list[int]:
    """Build (or rebuild) the filing package; returns the new document ids.

    Safe to run again: a rebuild replaces the package instead of adding to it. A FilingError (wrong
    status, data that cannot be filed) is not retried: running again would fail the same way; the job
    (when a page asked for the work) records the reason.
    """
    with job_run(job_id) as run:
        claim = Claim.objects.select_related("client__firm", "preparer").get(pk=claim_id)
        user = User.objects.filter(pk=user_id).first() if user_id else None
        try:
            documents = claim_package_build(claim=claim, by=user, progress=run.report)
        except FilingError as exc:
            if job_id is None:
                raise
            run.fail(f"Filing package of claim {claim.display_number} not built: {exc}")
            return []
        run.message = (
            f"Filing package of claim {claim.display_number} built: "
            + ", ".join(doc.original_name for doc in documents)
            + "."
        )
        return [doc.pk for doc in documents]

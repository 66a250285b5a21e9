"""Retention: an unconverted prospect's files and workspace data are deleted PROSPECT_RETENTION_DAYS after
the assessment was last touched. The lead and the answers stay for the staff's follow-up; what goes is
what the prospect uploaded and what was loaded from it (the workspace Client with its uploads, entries,
lines, exports and findings). Run daily by beat; safe to run twice (a purged assessment is skipped)."""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from drawback.accounts.models import Client
from imports.models import Upload

from .models import Assessment, LeadEvent
from .ratelimit import rate_limit_prune

log = logging.getLogger(__name__)


def retention_due(*, now: dt.datetime | None = None):
    """Assessments whose files are due for deletion: not converted, untouched for the retention period."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PROSPECT_RETENTION_DAYS)
    return (
        Assessment.objects.filter(updated_at__lt=cutoff, files_deleted_at__isnull=True)
        .exclude(lead__client__isnull=False)
        .order_by("pk")
    )


def prospects_retention_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files and workspace data of every assessment due. Returns how many were purged."""
    now = now or timezone.now()
    purged = 0
    for assessment_id in list(retention_due(now=now).values_list("pk", flat=True)):
        assessment_purge(assessment_id=assessment_id, now=now)
        purged += 1
    rate_limit_prune(before=now - dt.timedelta(days=1))
    return purged


def assessment_purge(*, assessment_id: int, now: dt.datetime | None = None) -> None:
    """Delete one assessment's files and its workspace (never a converted client's data)."""
    now = now or timezone.now()
    stored_files = []
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment_id)
        if assessment.files_deleted_at or (assessment.lead_id and assessment.lead.client_id):
            return
        for stored in assessment.files.all():
            if stored.file:
                stored_files.append((stored.file.storage, stored.file.name))
        count = assessment.files.count()
        assessment.files.all().delete()
        workspace = Client.objects.filter(pk=assessment.workspace_id, is_workspace=True).first()
        if workspace is not None:
            for upload in Upload.objects.filter(client=workspace).exclude(file=""):
                stored_files.append((upload.file.storage, upload.file.name))
            Assessment.objects.filter(pk=assessment.pk).update(workspace=None)
            workspace.delete()
        # The estimates described the deleted data; their figures go with it.
        assessment.estimates.all().delete()
        Assessment.objects.filter(pk=assessment.pk).update(files_deleted_at=now)
        if assessment.lead_id:
            LeadEvent.objects.create(
                lead_id=assessment.lead_id,
                action=LeadEvent.Action.RETENTION,
                text=f"{count} files and the workspace data deleted after "
                f"{settings.PROSPECT_RETENTION_DAYS} days",
            )
        transaction.on_commit(lambda: _delete_stored(stored_files))


def _delete_stored(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not delete %s", name)

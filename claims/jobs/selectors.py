"""Reads of jobs, through the tenant boundary: a client's jobs for whoever may see the client, a firm-wide
job for the person who asked for it."""

from django.db.models import Q, QuerySet

from drawback.accounts.tenancy import clients_for

from .models import Job


def jobs_visible_to(user) -> QuerySet[Job]:
    if not user.is_authenticated:
        return Job.objects.none()
    jobs = Job.objects.filter(Q(client__in=clients_for(user)) | Q(client=None, requested_by=user))
    if user.is_client_user:  # claim builds and type choices, and so their saves, are the firm's work
        jobs = jobs.exclude(kind__in=(Job.Kind.BUILD_SAVE, Job.Kind.TYPE_CHOICE, Job.Kind.TYPE_SAVE))
    return jobs


def jobs_running(*, user, kind: str, claim=None, client=None, build=None) -> list[Job]:
    """Unfinished jobs of one kind the user may see (of a claim, build or client when given), newest
    first."""
    jobs = jobs_visible_to(user).filter(kind=kind, status__in=(Job.Status.QUEUED, Job.Status.RUNNING))
    if claim is not None:
        jobs = jobs.filter(claim=claim)
    if client is not None:
        jobs = jobs.filter(client=client)
    if build is not None:
        jobs = jobs.filter(build=build)
    if claim is None and client is None and build is None:
        jobs = jobs.filter(requested_by=user)
    return list(jobs.order_by("-created_at", "-id")[:3])


def jobs_untold(*, user, kind: str, claim=None, client=None, build=None) -> list[Job]:
    """Finished jobs the user asked for whose outcome they have not been told yet, oldest first."""
    if not user.is_authenticated:
        return []
    jobs = Job.objects.filter(kind=kind, requested_by=user, told=False).exclude(
        status__in=(Job.Status.QUEUED, Job.Status.RUNNING)
    )
    if claim is not None:
        jobs = jobs.filter(claim=claim)
    if client is not None:
        jobs = jobs.filter(client=client)
    if build is not None:
        jobs = jobs.filter(build=build)
    return list(jobs.order_by("created_at", "id")[:5])

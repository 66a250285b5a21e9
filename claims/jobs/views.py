"""A job's progress as JSON for the progress bar, and the message a page gives once it has asked for one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from .models import Job
from .selectors import jobs_running, jobs_untold, jobs_visible_to


@login_required
def job_status(request, pk: int):
    job = get_object_or_404(jobs_visible_to(request.user), pk=pk)
    return JsonResponse(
        {
            "id": job.pk,
            "kind": job.kind,
            "status": job.status,
            "status_display": job.get_status_display(),
            "progress": job.progress,
            "message": job.message,
        }
    )


def _tell(request, job: Job) -> None:
    (messages.success if job.status == Job.Status.DONE else messages.error)(request, job.message)
    Job.objects.filter(pk=job.pk).update(told=True)


def tell_outcome(request, job: Job, *, waiting: str) -> None:
    """Say what happened to work just asked for: its outcome when it already ran (no broker: tasks run
    before the request returns), else that it waits for or runs on a worker (`waiting`); the page it
    leads to then shows the progress, and the outcome once it ends (`jobs_for_page`)."""
    job.refresh_from_db()
    if job.running:
        messages.info(request, waiting)
    else:
        _tell(request, job)


def jobs_for_page(request, *, kind: str, claim=None, client=None, build=None) -> list[Job]:
    """The jobs a page shows with a progress bar (unfinished ones). Work the user asked for that has ended
    on a worker since is told once, as a message on this page."""
    for job in jobs_untold(user=request.user, kind=kind, claim=claim, client=client, build=build):
        _tell(request, job)
    return jobs_running(user=request.user, kind=kind, claim=claim, client=client, build=build)

"""Writes of jobs: recording the request, and the task's side of it (running, progress, outcome)."""

import contextlib
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from .models import Job


def job_create(*, kind: str, requested_by, client=None, claim=None, build=None) -> Job:
    if claim is not None and client is None:
        client = claim.client
    if build is not None and client is None:
        client = build.client
    return Job.objects.create(kind=kind, requested_by=requested_by, client=client, claim=claim, build=build)


class JobRun:
    """What a task tells its job: progress (0..1), the outcome message, or an expected failure.

    Work that runs inside one long transaction (saving a build: all or nothing) would hide its progress
    until it commits; its progress is written on a database connection of its own, so the page polling the
    job sees it move. (Not on SQLite, the development database without a worker, where a second writer
    would wait for the first.)"""

    def __init__(self, job_id: int | None):
        self.job_id = job_id
        self.message = ""
        self.failure = ""
        self._percent = -1
        self._side = None

    def report(self, fraction: float) -> None:
        if self.job_id is None:
            return
        percent = max(0, min(int(fraction * 100), 99))
        if percent == self._percent:  # at most a hundred writes, whatever the number of steps
            return
        self._percent = percent
        if connection.in_atomic_block and connection.vendor == "postgresql":
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:  # autocommit: seen at once
                cursor.execute(
                    f"UPDATE {Job._meta.db_table} SET progress = %s WHERE id = %s", [percent, self.job_id]
                )
        else:
            Job.objects.filter(pk=self.job_id).update(progress=percent)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def fail(self, message: str) -> None:
        """The work could not be done for a reason the user can act on (told, not retried)."""
        self.failure = message


@contextlib.contextmanager
def job_run(job_id: int | None) -> Iterator[JobRun]:
    """Run a task's work for its job: RUNNING while it works, then DONE with `run.message` or FAILED with
    the reason. Without a job (the beat schedule, the command line) the work runs all the same.

    An unexpected exception marks the job failed and propagates, so the task's retries still apply (a retry
    marks it running again)."""
    run = JobRun(job_id)
    if job_id is None:
        yield run
        return
    Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, progress=0)
    try:
        yield run
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED, progress=100, message=f"Failed: {exc}", finished_at=timezone.now()
        )
        raise
    finally:
        run.close()
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED if run.failure else Job.Status.DONE,
        progress=100,
        message=run.failure or run.message,
        finished_at=timezone.now(),
    )

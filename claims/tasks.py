from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from drawback.accounts.models import Client

from .jobs.services import job_run
from .risk import services


@shared_task
def assess_client_task(client_id: int, job_id: int | None = None) -> dict:
    """Re-assess one client's data (see services.assess_client); safe to run twice."""
    with job_run(job_id) as run:
        client = Client.objects.select_related("firm").get(pk=client_id)
        summary = services.assess_client(client=client, progress=run.report)
        run.message = (
            f"Re-assessed {client.legal_name}: {summary.errors} open error(s), {summary.warnings} open "
            f"warning(s), {summary.info} for information; {summary.created} new, {summary.resolved} resolved."
        )
    return summary.as_dict()


class ClaimBuildTask(Task):
    """A step of a claim build (claims.building.services). Database errors that pass are retried; when a
    step fails for good the build is marked failed, so nobody waits on it."""

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = True
    retry_backoff_max = 60
    max_retries = 5

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from claims.building.services import claim_build_fail

        if kwargs.get("build_id"):
            claim_build_fail(build_id=kwargs["build_id"], message=f"The build failed: {exc}")


@shared_task(base=ClaimBuildTask)
def claim_build_run(*, build_id: int) -> None:
    """Prepare a build; solve it here when small, else hand its product groups to a chord."""
    from claims.building.services import claim_build_run as run

    run(build_id=build_id)


@shared_task(base=ClaimBuildTask)
def claim_build_solve(*, build_id: int, number: int, groups: list) -> list[dict]:
    """One batch of a build's product groups, solved by every method (JSON in, JSON out)."""
    from claims.building.services import claim_build_solve_batch

    return claim_build_solve_batch(build_id=build_id, number=number, groups=groups)


@shared_task(base=ClaimBuildTask)
def claim_build_finish(results: list, *, build_id: int) -> None:
    """The chord's callback: the batches' results assembled into the build's proposal."""
    from claims.building.services import claim_build_finish as finish

    finish(build_id=build_id, results=results)


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
def claim_build_save_task(*, build_id: int, user_id: int, job_id: int | None = None) -> list[int]:
    """Save a build's proposal as draft claims (all or nothing), following its job; the ids of the claims."""
    from claims.building.services import claim_build_save_run

    return claim_build_save_run(build_id=build_id, user_id=user_id, job_id=job_id)


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
def type_choice_task(*, run_id: int, job_id: int | None = None) -> None:
    """Choose the drawback type of each export of a client and store the result, following its job."""
    from claims.manufacturing.services import type_choice_run

    type_choice_run(run_id=run_id, job_id=job_id)


@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5)
def type_choice_save_task(*, run_id: int, user_id: int, job_id: int | None = None) -> list[int]:
    """Save a stored type choice as draft claims (all or nothing), following its job; the claims' ids."""
    from claims.manufacturing.services import type_choice_save_run

    return type_choice_save_run(run_id=run_id, user_id=user_id, job_id=job_id)

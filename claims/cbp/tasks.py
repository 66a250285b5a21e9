"""Celery tasks for the CBP gateway. Thin: ids in, services do the work, so a rerun is harmless.

The beat schedule (settings.CELERY_BEAT_SCHEDULE) runs cbp_poll_open_claims every CBP_POLL_MINUTES.
Tasks are acknowledged late (settings), so one whose worker dies is delivered again; the services are
idempotent, so running it again applies nothing twice.
"""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from claims.jobs.services import job_run

from . import notifications, services
from .gateway import GatewayError

# Worth retrying: the gateway's folder or the database was briefly unavailable.
TRANSIENT = (GatewayError, OperationalError, InterfaceError)
BACKOFF = {"retry_backoff": 5, "retry_backoff_max": 600, "retry_jitter": True, "max_retries": 8}


@shared_task(autoretry_for=TRANSIENT, **BACKOFF)
def cbp_poll_open_claims(firm_id: int | None = None, job_id: int | None = None) -> dict:
    """Poll the gateway for every open claim (of one firm, when asked from a firm's page), store what it
    says, then apply it claim by claim.

    The beat schedule spreads the applying over the workers (a task per claim); a check someone asked for
    from a page (`job_id`) applies the messages itself, so its job ends when CBP's news is on the claims.
    """
    with job_run(job_id) as run:
        result = services.cbp_poll(firm_id=firm_id)
        run.report(0.3)
        pending = services.cbp_pending_claim_ids(firm_id=firm_id)
        applied = 0
        for done, claim_id in enumerate(pending, start=1):
            if job_id is None:
                cbp_claim_messages_process.delay(claim_id)
            else:
                applied += services.cbp_claim_messages_process(claim_id=claim_id)
                run.report(0.3 + 0.6 * done / len(pending))
        deemed = services.claims_deem_liquidated(firm_id=firm_id)
        closed = services.claims_close_final(firm_id=firm_id)
        run.message = services.poll_summary(result, applied=applied, deemed=len(deemed), closed=len(closed))
    return {
        "claims": result.claims,
        "read": result.read,
        "stored": result.stored,
        "claims_with_pending_messages": len(pending),
        "files_rejected": len(result.rejected_sources),
        "deemed_liquidated": len(deemed),
        "closed": len(closed),
    }


@shared_task(autoretry_for=(OperationalError, InterfaceError), **BACKOFF)
def cbp_claim_messages_process(claim_id: int) -> int:
    """Apply one claim's pending CBP messages in order (claims run in parallel, a claim's messages not)."""
    return services.cbp_claim_messages_process(claim_id=claim_id)


@shared_task(autoretry_for=(SMTPException, OSError), **{**BACKOFF, "retry_backoff": 30})
def notifications_send(ids: list[int]) -> int:
    return notifications.notifications_send(ids=ids)

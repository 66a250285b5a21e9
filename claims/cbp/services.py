"""Writes for the claim's life with CBP: filing, storing and applying CBP's messages, answering CBP
requests, deemed liquidation and reconciliation.

Out-of-order messages: within one poll, a claim's messages are applied in CBP's order (the DX acceptance
or rejection first, then by CBP's date). A message that arrives before what it depends on (a payment,
request or liquidation for a claim CBP has not yet accepted) is held: stored, not applied, with the reason
in `error`, and tried again on every poll until the acceptance is in. Status moves only forward: a
payment that arrives after the liquidation is recorded but does not move the claim back.
"""

import dataclasses
import datetime as dt
import hashlib
import logging
import re
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from claims.filing.services import FilingError as PackageError
from claims.filing.services import claim_filing_text, refuse_changed_since_approval
from claims.jobs.models import Job
from claims.jobs.services import job_create
from claims.lifecycle import (
    FILED_STATUSES,
    GUARDS,
    TransitionError,
    can_move,
    claim_transition,
    staff_refusal,
)
from claims.models import Claim, Finding, status_phrase
from drawback.lib import dates, entry_numbers
from drawback.lib.money import ZERO, format_usd
from imports.models import Document

from . import notifications
from .gateway import Gateway, GatewayError, Response, get_gateway
from .models import CbpMessage, CbpRequest, CbpTransmission, Liquidation, Notification, Payment, Protest

log = logging.getLogger(__name__)
S = Claim.Status
Kind = CbpMessage.Kind

# Claims CBP may still say something about: filed and not closed.
OPEN_STATUSES = frozenset(FILED_STATUSES - {S.CLOSED})
# Order of a claim's messages read together: the DX answer before anything that follows from it.
KIND_ORDER = {
    Kind.ACCEPTED: 0,
    Kind.REJECTED: 0,
    Kind.CONDITIONS: 0,
    Kind.EXTENSION: 1,
    Kind.SUSPENSION: 1,
    Kind.CF28: 2,
    Kind.CF29: 2,
    Kind.PAYMENT: 3,
    Kind.LIQUIDATION: 4,
}


class FilingError(Exception):
    """The claim cannot be filed (wrong status) or the gateway refused the transmission."""


class UnknownClaimError(Exception):
    """A CBP message names a claim we do not have."""


class HoldMessage(Exception):
    """The message depends on one not yet applied (e.g. a payment before the acceptance)."""


class MessageNotApplicable(Exception):
    """The message cannot apply to the claim as it stands; recorded on the message, not retried."""


_status_words = status_phrase


# --- filing ---


def claim_file(*, claim: Claim, by, gateway: Gateway | None = None) -> CbpTransmission:
    """File a READY_TO_FILE claim with CBP: build its CATAIR text, transmit it, move it to FILED.

    The transmission row is committed (SENDING) before the gateway is called and marked SENT with the
    move to FILED afterwards, so an interruption leaves a visible trace. Calling again after an
    interruption rebuilds the text and reuses the SENDING row when the text is unchanged; both gateways
    treat the same text sent twice as one transmission. Raises FilingError.
    """
    gateway = gateway or get_gateway()
    try:
        refuse_changed_since_approval(claim)
    except PackageError as exc:
        raise FilingError(str(exc)) from exc
    with transaction.atomic():
        locked = Claim.objects.select_for_update(of=("self",)).select_related("client").get(pk=claim.pk)
        if locked.status != S.READY_TO_FILE:
            raise FilingError(
                f"claim {locked.display_number} is {_status_words(locked.status)}; only a claim ready to "
                "file can be filed"
            )
        # Ask the state machine's guards before anything leaves: a refusal after sending would leave a
        # transmission at CBP for a claim we do not consider filed.
        try:
            for guard in GUARDS:
                guard(locked, S.FILED, by)
        except TransitionError as exc:
            raise FilingError(str(exc)) from exc
        text = claim_filing_text(claim=locked, by=by)
        digest = hashlib.sha256(text.encode()).hexdigest()
        transmission = (
            locked.cbp_transmissions.filter(status=CbpTransmission.Status.SENDING, sha256=digest)
            .order_by("-id")
            .first()
        )
        if transmission is None:
            locked.cbp_transmissions.filter(status=CbpTransmission.Status.SENDING).update(
                status=CbpTransmission.Status.FAILED, error="superseded by a new transmission"
            )
            transmission = CbpTransmission.objects.create(
                claim=locked,
                gateway=gateway.name,
                action="R" if locked.replaces_id else "A",
                catair_text=text,
                sha256=digest,
                sent_by=by,
            )
    try:
        receipt = gateway.transmit(locked, transmission.catair_text)
    except GatewayError as exc:
        CbpTransmission.objects.filter(pk=transmission.pk).update(
            status=CbpTransmission.Status.FAILED, error=str(exc)
        )
        raise FilingError(f"the {gateway.name} gateway could not send the claim: {exc}") from exc
    with transaction.atomic():
        filed_on = timezone.localdate(receipt.sent_at)
        CbpTransmission.objects.filter(pk=transmission.pk).update(
            status=CbpTransmission.Status.SENT, reference=receipt.reference, sent_at=receipt.sent_at
        )
        # filed_on first: the FILED notification states it. Rolled back with the move if that fails.
        Claim.objects.filter(pk=locked.pk).update(filed_on=filed_on)
        locked.filed_on = filed_on
        try:
            claim_transition(
                claim=locked,
                to=S.FILED,
                by=by,
                reason=f"transmitted through {gateway.name}: {receipt.reference}",
            )
        except TransitionError as exc:
            raise FilingError(str(exc)) from exc
    transmission.refresh_from_db()
    claim.status, claim.filed_on = S.FILED, filed_on
    return transmission


# --- storing what CBP sends ---


def cbp_message_store(*, response: Response, gateway_name: str) -> tuple[CbpMessage, bool]:
    """Store a response once under its message id. Returns (message, created). Raises UnknownClaimError."""
    claim = Claim.objects.filter(number=response.claim_number).first()
    if claim is None:
        shown = response.claim_number
        try:
            shown = entry_numbers.normalize(shown)
            shown = f"{shown[:3]}-{shown[3:10]}-{shown[10:]}"
        except entry_numbers.EntryNumberError:
            pass
        raise UnknownClaimError(f"message {response.message_id}: no claim {shown} on file")
    return CbpMessage.objects.get_or_create(
        message_id=response.message_id,
        defaults={
            "claim": claim,
            "gateway": gateway_name,
            "kind": response.kind,
            "cbp_date": response.cbp_date,
            "payload": {**response.payload, "sequence": response.sequence},
        },
    )


@dataclasses.dataclass
class PollResult:
    claims: int = 0
    read: int = 0
    stored: int = 0
    rejected_sources: list[str] = dataclasses.field(default_factory=list)


def _of_firm(claims, firm_id: int | None, field: str = "client__firm_id"):
    return claims if firm_id is None else claims.filter(**{field: firm_id})


def cbp_poll(*, gateway: Gateway | None = None, firm_id: int | None = None) -> PollResult:
    """Ask the gateway about every open claim (of one firm's clients, with `firm_id`) and store what it
    returns (applying is separate).

    Messages from one source (an inbox file) are stored in one transaction; the gateway files the source
    away only after that commits, so a crash in between means the file is read again and its messages,
    already stored, are recognised by their ids.
    """
    gateway = gateway or get_gateway()
    open_claims = _of_firm(Claim.objects.filter(status__in=OPEN_STATUSES), firm_id)
    claims = list(open_claims.select_related("client").order_by("pk"))
    responses = gateway.poll(claims)
    result = PollResult(claims=len(claims), read=len(responses))
    by_source: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        by_source[response.source].append(response)
    for source, items in by_source.items():
        # A file is stored whole or not at all; messages without a file (the sandbox) one by one.
        batches = [items] if source else [[item] for item in items]
        for batch in batches:
            try:
                with transaction.atomic():
                    for response in batch:
                        _, created = cbp_message_store(response=response, gateway_name=gateway.name)
                        result.stored += created
            except UnknownClaimError as exc:
                log.warning("CBP message not stored: %s", exc)
                if source:
                    gateway.reject(source, str(exc))
                    result.rejected_sources.append(source)
                continue
            if source:
                gateway.acknowledge(source)
    return result


def poll_summary(result: PollResult, *, applied: int, deemed: int, closed: int = 0) -> str:
    """What a check with CBP found, in a sentence for the person who asked for it."""
    claims = f"{result.claims} open claim{'s' if result.claims != 1 else ''}"
    if not result.stored and not applied and not deemed and not closed:
        return f"Checked CBP for {claims}: nothing new."
    parts = [f"{result.stored} new message{'s' if result.stored != 1 else ''} from CBP"]
    parts.append(f"{applied} applied to the claims")
    if deemed:
        parts.append(f"{deemed} claim{'s' if deemed != 1 else ''} deemed liquidated")
    if closed:
        parts.append(f"{closed} claim{'s' if closed != 1 else ''} closed (liquidation final)")
    if result.rejected_sources:
        parts.append(f"{len(result.rejected_sources)} response file(s) set aside")
    return f"Checked CBP for {claims}: " + ", ".join(parts) + "."


# --- applying what CBP sends ---


def _message_order(message: CbpMessage):
    return (
        message.cbp_date or dt.date.min,
        KIND_ORDER.get(message.kind, 9),
        message.payload.get("sequence", 0),
        message.received_at,
        message.pk,
    )


def cbp_pending_claim_ids(*, firm_id: int | None = None) -> list[int]:
    pending = CbpMessage.objects.filter(processed_at=None).exclude(claim=None)
    return sorted(
        set(_of_firm(pending, firm_id, "claim__client__firm_id").values_list("claim_id", flat=True))
    )


def cbp_poll_request(*, user) -> tuple[Job | None, int]:
    """Queue a poll of the user's firm's open claims now (a platform administrator's: every firm's),
    recorded as a job, unless one was asked less than CBP_POLL_NOW_SECONDS ago. Returns the job and 0, or
    None and the seconds to wait. The poll reaches CBP's systems and the database for every open claim:
    anyone pressing the button repeatedly must not be able to hammer either, nor make another firm's
    claims be polled."""
    import time

    from django.core.cache import cache

    from .tasks import cbp_poll_open_claims

    firm_id = user.firm_id
    key = f"cbp-poll-now:{firm_id or 'every-firm'}"
    now = time.time()
    if not cache.add(key, now, timeout=settings.CBP_POLL_NOW_SECONDS):
        asked = cache.get(key) or now
        return None, max(1, int(settings.CBP_POLL_NOW_SECONDS - (now - asked)))
    job = job_create(kind=Job.Kind.CBP_CHECK, requested_by=user)
    transaction.on_commit(lambda: cbp_poll_open_claims.delay(firm_id, job.pk))
    return job, 0


def cbp_claim_messages_process(*, claim_id: int) -> int:
    """Apply a claim's pending messages in CBP's order. Returns how many were applied now.

    A message that fails for an unexpected reason keeps its place (it stays pending, with the error and
    one more attempt recorded) and the next ones are still tried; database outages propagate so the task
    is retried.
    """
    applied = 0
    pending = sorted(CbpMessage.objects.filter(claim_id=claim_id, processed_at=None), key=_message_order)
    for message in pending:
        try:
            applied += cbp_response_process(message=message)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            log.exception("CBP message %s could not be applied", message.message_id)
            CbpMessage.objects.filter(pk=message.pk).update(
                attempts=F("attempts") + 1, error=f"failed: {type(exc).__name__}: {exc}"[:2000]
            )
    return applied


def cbp_response_process(*, message: CbpMessage) -> bool:
    """Apply one CBP message to its claim, exactly once. Returns True when applied by this call.

    The effect and processed_at are written in one transaction under a lock on the message: a second call
    (a duplicate delivery, a retried task) finds it processed and does nothing, and a failure part-way
    leaves neither. A held message is left pending with the reason; one that cannot apply is closed with
    the reason. Other errors propagate so the task retries.
    """
    with transaction.atomic():
        locked = CbpMessage.objects.select_for_update().get(pk=message.pk)
        if locked.processed_at is not None:
            return False
        locked.attempts += 1
        try:
            with transaction.atomic():
                note = APPLY[locked.kind](locked)
        except HoldMessage as exc:
            locked.error = f"held: {exc}"
            locked.save(update_fields=["attempts", "error"])
            return False
        except MessageNotApplicable as exc:
            locked.error = f"not applied: {exc}"
            locked.processed_at = timezone.now()
            locked.save(update_fields=["attempts", "error", "processed_at"])
            return False
        locked.error, locked.note = "", note or ""
        locked.processed_at = timezone.now()
        locked.save(update_fields=["attempts", "error", "note", "processed_at"])
    message.processed_at, message.error, message.note = locked.processed_at, locked.error, locked.note
    return True


def _claim_for(message: CbpMessage, *, needs_acceptance: bool = True) -> Claim:
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("client", "preparer")
        .get(pk=message.claim_id)
    )
    if needs_acceptance:
        if claim.status == S.FILED:
            raise HoldMessage("waiting for CBP's acceptance of the claim")
        if claim.status not in FILED_STATUSES:
            raise MessageNotApplicable(f"the claim is {_status_words(claim.status)}")
    return claim


def _move_if_allowed(claim: Claim, to: str, reason: str) -> bool:
    if can_move(claim.status, to):
        claim_transition(claim=claim, to=to, by=None, reason=reason)
        return True
    return False


def _source(message: CbpMessage) -> str:
    """How CBP's word reached us, when not through the gateway (claims.cbp.notices)."""
    if message.gateway != "manual":
        return ""
    payload = message.payload
    return f" (CBP notice entered by {payload.get('entered_by')}, confirmed by {payload.get('confirmed_by')})"


def _conditions_text(message: CbpMessage) -> str:
    return "; ".join(f"{c['code']} {c['text']}".strip() for c in message.conditions)


def _apply_disposition(message: CbpMessage) -> str:
    claim = _claim_for(message, needs_acceptance=False)
    to = S.ACCEPTED if message.kind == Kind.ACCEPTED else S.REJECTED
    if claim.status == S.FILED:
        verb = "accepted" if to == S.ACCEPTED else "rejected"
        reason = f"CBP {verb} the claim"
        if message.conditions:
            reason += f" ({_conditions_text(message)})"
        claim_transition(claim=claim, to=to, by=None, reason=reason)
        return ""
    if claim.status == to or (to == S.ACCEPTED and claim.status in OPEN_STATUSES):
        return f"the claim was already {_status_words(claim.status)}"
    raise MessageNotApplicable(
        f"{message.get_kind_display()} for a claim that is {_status_words(claim.status)}"
    )


def _apply_conditions(message: CbpMessage) -> str:
    _claim_for(message, needs_acceptance=False)
    return ""


def _apply_request(message: CbpMessage) -> str:
    claim = _claim_for(message)
    payload = message.payload
    if not (payload.get("issued_on") or message.cbp_date):
        raise MessageNotApplicable("the notice has no issue date")
    issued_on = dt.date.fromisoformat(payload.get("issued_on") or message.cbp_date.isoformat())
    due_on = (
        dt.date.fromisoformat(payload["due_on"])
        if payload.get("due_on")
        else dates.cbp_request_due_date(message.kind, issued_on)
    )
    request = CbpRequest.objects.create(
        claim=claim,
        message=message,
        kind=message.kind,
        reference=payload.get("reference", "")[:60],
        issued_on=issued_on,
        due_on=due_on,
        assigned_to=claim.preparer,
        request_text=payload.get("text", ""),
    )
    to = S.INFO_REQUESTED if message.kind == Kind.CF28 else S.ACTION_PROPOSED
    reason = f"{request.get_kind_display()} {request.reference}, response due {due_on}".replace("  ", " ")
    if not _move_if_allowed(claim, to, reason):
        notifications.notify(claim=claim, event=message.kind, detail=f"Response due {due_on}.")
    return ""


def _apply_payment(message: CbpMessage) -> str:
    claim = _claim_for(message)
    payload = message.payload
    amounts = {cls: str(Decimal(a)) for cls, a in payload["amounts"].items()}
    payment = Payment.objects.create(
        claim=claim,
        message=message,
        kind=payload["payment_kind"],
        paid_on=dt.date.fromisoformat(payload["paid_on"]),
        amounts=amounts,
        total=sum((Decimal(a) for a in amounts.values()), ZERO),
        reference=payload.get("reference", "")[:60],
    )
    note = ""
    moved = False
    if payment.kind == Payment.Kind.ACCELERATED:
        moved = _move_if_allowed(
            claim,
            S.ACCELERATED_PAID,
            f"accelerated payment of {format_usd(payment.total)} on {payment.paid_on}{_source(message)}",
        )
        if not moved:
            note = f"recorded; the claim stays {_status_words(claim.status)}"
    if not moved:
        accelerated = payment.kind == Payment.Kind.ACCELERATED
        notifications.notify(
            claim=claim,
            event=Notification.Event.ACCELERATED_PAYMENT if accelerated else Notification.Event.PAYMENT,
            detail=f"{payment.get_kind_display()}: {format_usd(payment.total)} on {payment.paid_on}.",
        )
    claim_reconcile(claim=claim)
    return note


def _apply_liquidation(message: CbpMessage) -> str:
    claim = _claim_for(message)
    payload = message.payload
    amounts = {cls: str(Decimal(a)) for cls, a in payload["amounts"].items()}
    liquidated_on = dt.date.fromisoformat(payload["liquidated_on"])
    Liquidation.objects.update_or_create(
        claim=claim,
        defaults={
            "message": message,
            "liquidated_on": liquidated_on,
            "deemed": False,
            "amounts": amounts,
            "total": sum((Decimal(a) for a in amounts.values()), ZERO),
        },
    )
    note = ""
    closed = cbp_requests_close_on_liquidation(claim=claim, liquidated_on=liquidated_on)
    if not _move_if_allowed(
        claim, S.LIQUIDATED, f"CBP liquidated the claim on {liquidated_on}{_source(message)}"
    ):
        note = f"recorded; the claim stays {_status_words(claim.status)}"
        notifications.notify(
            claim=claim, event=Notification.Event.LIQUIDATION, detail=f"Liquidated on {liquidated_on}."
        )
    if closed:
        note = "; ".join(filter(None, [note, f"closed {closed} open CBP request(s) unanswered"]))
    claim_reconcile(claim=claim)
    return note


def cbp_requests_close_on_liquidation(*, claim: Claim, liquidated_on: dt.date) -> int:
    """Close the claim's CF-28/CF-29 requests still open when it liquidates: liquidation decides what a
    CF-29 proposed, and nothing answered afterwards changes it (a protest does). Returns how many."""
    return claim.cbp_requests.filter(status=CbpRequest.Status.OPEN).update(
        status=CbpRequest.Status.CLOSED, closed_on=liquidated_on
    )


def _apply_liquidation_flag(message: CbpMessage) -> str:
    claim = _claim_for(message)
    day = dt.date.fromisoformat(message.payload["date"])
    liquidation, _ = Liquidation.objects.get_or_create(claim=claim)
    if message.kind == Kind.EXTENSION:
        liquidation.extended, liquidation.extended_on = True, day
    else:
        liquidation.suspended, liquidation.suspended_on = True, day
    liquidation.save()
    return ""


APPLY = {
    Kind.ACCEPTED: _apply_disposition,
    Kind.REJECTED: _apply_disposition,
    Kind.CONDITIONS: _apply_conditions,
    Kind.CF28: _apply_request,
    Kind.CF29: _apply_request,
    Kind.PAYMENT: _apply_payment,
    Kind.LIQUIDATION: _apply_liquidation,
    Kind.EXTENSION: _apply_liquidation_flag,
    Kind.SUSPENSION: _apply_liquidation_flag,
}


# --- deemed liquidation ---


def claim_deemed_liquidation_date(*, claim: Claim) -> dt.date | None:
    """One year after the complete claim (filed_on), four if extended, none if suspended or if the
    designated import entries were not liquidated and final (past their protest period) by then."""
    if not claim.filed_on:
        return None
    liquidation = Liquidation.objects.filter(claim=claim).first()
    extended = bool(liquidation and liquidation.extended)
    suspended = bool(liquidation and liquidation.suspended)
    candidate = dates.deemed_liquidation_date(claim.filed_on, extended, suspended)
    if candidate is None:
        return None
    entry_liquidations = list(
        claim.designations.values_list("import_line__entry__liquidation_date", flat=True).distinct()
    )
    imports_final = bool(entry_liquidations) and all(
        day is not None and dates.protest_deadline(day) < candidate for day in entry_liquidations
    )
    return dates.deemed_liquidation_date(claim.filed_on, extended, suspended, imports_final=imports_final)


def claims_deem_liquidated(*, today: dt.date | None = None, firm_id: int | None = None) -> list[Claim]:
    """Move claims CBP has not liquidated by their deemed-liquidation date to DEEMED_LIQUIDATED, at the
    amount claimed (19 U.S.C. 1504(a)(2)(A); 19 CFR 190.81(e)(2)(i))."""
    today = today or timezone.localdate()
    moved = []
    # A claim with CBP messages still to apply waits: one of them may be the liquidation itself.
    pending = CbpMessage.objects.filter(claim=OuterRef("pk"), processed_at=None)
    candidates = (
        _of_firm(Claim.objects.filter(status__in=[S.ACCEPTED, S.ACCELERATED_PAID]), firm_id)
        .exclude(filed_on=None)
        .exclude(Exists(pending))
    )
    for claim in candidates.exclude(liquidation__liquidated_on__isnull=False):
        deemed_on = claim_deemed_liquidation_date(claim=claim)
        if deemed_on is None or deemed_on > today:
            continue
        with transaction.atomic():
            claimed = {t.accounting_class: t.claim_amount for t in claim.class_totals.all()}
            Liquidation.objects.update_or_create(
                claim=claim,
                defaults={
                    "liquidated_on": deemed_on,
                    "deemed": True,
                    "amounts": {cls: str(a) for cls, a in claimed.items()},
                    "total": sum(claimed.values(), ZERO),
                },
            )
            cbp_requests_close_on_liquidation(claim=claim, liquidated_on=deemed_on)
            claim_transition(
                claim=claim,
                to=S.DEEMED_LIQUIDATED,
                by=None,
                reason=f"deemed liquidated on {deemed_on} at the amount claimed (19 U.S.C. 1504(a)(2)(A))",
            )
            claim_reconcile(claim=claim)
        moved.append(claim)
    return moved


def claims_close_final(*, today: dt.date | None = None, firm_id: int | None = None) -> list[Claim]:
    """Close liquidated claims whose liquidation is final: the 180 days to protest have passed with no
    protest (19 U.S.C. 1514(c)(3)). A claim under protest stays open until CBP decides; one whose protest
    CBP allowed stays open for CBP's reliquidation (the 180 days then run from it)."""
    today = today or timezone.localdate()
    pending = CbpMessage.objects.filter(claim=OuterRef("pk"), processed_at=None)
    reliquidation_due = Protest.objects.filter(
        claim=OuterRef("pk"),
        decision=Protest.Decision.ALLOWED,
        confirmed_at__isnull=False,
        decided_on__gt=OuterRef("liquidation__liquidated_on"),
    )
    candidates = (
        _of_firm(Claim.objects.filter(status__in=[S.LIQUIDATED, S.DEEMED_LIQUIDATED]), firm_id)
        .exclude(liquidation__liquidated_on=None)
        .exclude(Exists(pending))
        .exclude(Exists(reliquidation_due))
        .select_related("liquidation")
    )
    closed = []
    for claim in candidates:
        deadline = dates.protest_deadline(claim.liquidation.liquidated_on)
        if deadline >= today:
            continue
        claim_transition(
            claim=claim,
            to=S.CLOSED,
            by=None,
            reason=f"liquidation final: no protest by {deadline} (19 U.S.C. 1514(c)(3))",
        )
        closed.append(claim)
    return closed


# --- reconciliation ---


def claim_reconcile(*, claim: Claim, today: dt.date | None = None):
    """Compare what CBP paid and liquidated with what was claimed and keep one Finding per difference.

    Findings (warnings, rule CBP-RECON-*) are opened for: accelerated payment different from the claim
    in a class; liquidation different from the claim in a class; money still owed either way more than
    90 days after liquidation (19 U.S.C. 1504(a)(3)). A difference that goes away resolves its finding.
    """
    from .selectors import claim_reconciliation

    recon = claim_reconciliation(claim=claim, today=today)
    wanted: dict[str, tuple[str, str, Decimal]] = {}
    for row in recon.rows:
        if row.accelerated is not None and row.accelerated != row.claimed:
            wanted[f"cbp-recon:{claim.pk}:ap:{row.accounting_class}"] = (
                "CBP-RECON-AP",
                f"Claim {claim.display_number} class {row.accounting_class}: accelerated payment "
                f"{format_usd(row.accelerated)} against {format_usd(row.claimed)} claimed.",
                row.accelerated - row.claimed,
            )
        if row.liquidated is not None and row.liquidated != row.claimed:
            wanted[f"cbp-recon:{claim.pk}:liq:{row.accounting_class}"] = (
                "CBP-RECON-LIQ",
                f"Claim {claim.display_number} class {row.accounting_class}: liquidated at "
                f"{format_usd(row.liquidated)} against {format_usd(row.claimed)} claimed"
                + (f"; protest by {recon.protest_deadline}." if recon.protest_deadline else "."),
                row.liquidated - row.claimed,
            )
    if recon.balance_overdue:
        wanted[f"cbp-recon:{claim.pk}:balance"] = (
            "CBP-RECON-BALANCE",
            f"Claim {claim.display_number}: {format_usd(abs(recon.balance))} "
            + ("still owed by CBP" if recon.balance > 0 else "still owed to CBP")
            + f" after the refund due date {recon.refund_due_date}.",
            recon.balance,
        )
    prefix = f"cbp-recon:{claim.pk}:"
    existing = {
        f.fingerprint: f for f in Finding.objects.filter(client=claim.client, fingerprint__startswith=prefix)
    }
    for fingerprint, (rule, text, difference) in wanted.items():
        finding = existing.get(fingerprint)
        if finding is None:
            Finding.objects.create(
                client=claim.client,
                rule=rule,
                severity=Finding.Severity.WARNING,
                message=text,
                amount_at_stake=abs(difference),
                fingerprint=fingerprint,
            )
        elif finding.message != text or finding.status == Finding.Status.RESOLVED:
            finding.message, finding.amount_at_stake = text, abs(difference)
            if finding.status == Finding.Status.RESOLVED:
                finding.status = Finding.Status.OPEN
            finding.save()
    for fingerprint, finding in existing.items():
        if fingerprint not in wanted and finding.status != Finding.Status.RESOLVED:
            finding.status = Finding.Status.RESOLVED
            finding.save(update_fields=["status", "last_seen_at"])
    return recon


# --- CBP requests ---


def cbp_request_respond(*, request: CbpRequest, by, text: str, gateway: Gateway | None = None) -> CbpRequest:
    """Record the answer to a CF-28/CF-29, forward it through the gateway, and return the claim from
    'information requested'/'action proposed' to where it was once no other request is open."""
    if not text.strip():
        raise ValidationError({"response_text": "Write the response to CBP."})
    gateway = gateway or get_gateway()
    with transaction.atomic():
        locked = CbpRequest.objects.select_for_update(of=("self",)).select_related("claim").get(pk=request.pk)
        if locked.status == CbpRequest.Status.CLOSED:
            raise ValidationError(
                f"This request was closed when the claim liquidated on {locked.closed_on:%m/%d/%Y}; "
                "a protest is the way to contest the liquidation."
            )
        if locked.status != CbpRequest.Status.OPEN:
            raise ValidationError("This request was already answered.")
        locked.response_text = text.strip()
        locked.responded_on = timezone.localdate()
        locked.responded_by = by
        locked.status = CbpRequest.Status.RESPONDED
        locked.save()
        claim = Claim.objects.select_for_update().get(pk=locked.claim_id)
        still_open = claim.cbp_requests.filter(status=CbpRequest.Status.OPEN).exists()
        if claim.status in (S.INFO_REQUESTED, S.ACTION_PROPOSED) and not still_open:
            back = (
                S.ACCELERATED_PAID
                if claim.payments.filter(kind=Payment.Kind.ACCELERATED).exists()
                else S.ACCEPTED
            )
            if can_move(claim.status, back):
                claim_transition(claim=claim, to=back, by=by, reason=f"answered {locked.get_kind_display()}")
    try:
        gateway.send_request_response(locked)
    except GatewayError as exc:
        log.warning("response to CBP request %s recorded but not forwarded: %s", locked.pk, exc)
    request.refresh_from_db()
    return request


def cbp_request_assign(*, request: CbpRequest, to, by) -> CbpRequest:
    if to is not None and (to.is_client_user or to.firm_id != request.claim.client.firm_id):
        raise ValidationError({"assigned_to": "Assign the request to an analyst of the firm."})
    CbpRequest.objects.filter(pk=request.pk).update(assigned_to=to)
    request.refresh_from_db()
    return request


def cbp_request_document_attach(*, request: CbpRequest, file: UploadedFile, by, note: str = "") -> Document:
    """Store an uploaded file as a CBP correspondence document of the claim's client and attach it."""
    if file.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": f"The file is larger than {settings.DOCUMENT_MAX_BYTES} bytes."})
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    with transaction.atomic():
        document = Document(
            client=request.claim.client,
            doc_type=Document.Type.CBP_CORRESPONDENCE,
            original_name=file.name[:255],
            content_type=(getattr(file, "content_type", "") or "")[:100],
            size=file.size,
            sha256=digest.hexdigest(),
            note=note[:300] or f"{request.get_kind_display()} {request.reference}".strip()[:300],
            uploaded_by=by,
        )
        document.file.save(file.name, file, save=False)
        document.save()
        request.documents.add(document)
    return document


# --- protests ---

PROTEST_NUMBER = re.compile(r"^\d{12}$")


def _liquidation_of(claim: Claim) -> Liquidation | None:
    return Liquidation.objects.filter(claim=claim).exclude(liquidated_on=None).first()


def protest_file(*, claim: Claim, by, number: str, filed_on: dt.date, grounds: str) -> Protest:
    """Record a protest filed with CBP against the claim's liquidation and put the claim under protest.

    The protest number is CBP's (CBP Form 19): port (4 digits), year (2), serial (6). It must be filed on
    or after the liquidation and within 180 days of it (19 U.S.C. 1514(c)(3)), on a day that has come.
    Raises ValidationError (by field) or TransitionError.
    """
    digits = re.sub(r"[\s-]", "", number or "")
    errors: dict[str, str] = {}
    if not PROTEST_NUMBER.match(digits):
        errors["number"] = "A protest number has 12 digits: port, year and serial (e.g. 2704-26-100123)."
    if not (grounds or "").strip():
        errors["grounds"] = "Say what is protested and why."
    today = timezone.localdate()
    if filed_on is None:
        errors["filed_on"] = "Give the date the protest was filed."
    elif filed_on > today:
        errors["filed_on"] = "A protest is recorded once it has been filed: the date cannot be in the future."
    with transaction.atomic():
        locked = Claim.objects.select_for_update().select_related("client").get(pk=claim.pk)
        if locked.status not in (S.LIQUIDATED, S.DEEMED_LIQUIDATED):
            raise TransitionError(
                f"claim {locked.display_number} is {_status_words(locked.status)}; only a liquidated claim "
                "can be protested"
            )
        liquidation = _liquidation_of(locked)
        if liquidation is None:
            raise TransitionError(f"claim {locked.display_number} has no liquidation date on record")
        deadline = dates.protest_deadline(liquidation.liquidated_on)
        if filed_on and "filed_on" not in errors:
            if filed_on < liquidation.liquidated_on:
                errors["filed_on"] = (
                    f"The claim liquidated on {liquidation.liquidated_on:%m/%d/%Y}: a protest comes after it."
                )
            elif filed_on > deadline:
                errors["filed_on"] = (
                    f"Too late: a protest is due within 180 days of the liquidation, by {deadline:%m/%d/%Y} "
                    "(19 U.S.C. 1514(c)(3))."
                )
        if locked.protests.filter(number=digits).exists():
            errors["number"] = f"Protest {digits[:4]}-{digits[4:6]}-{digits[6:]} is already recorded."
        if errors:
            raise ValidationError(errors)
        protest = Protest.objects.create(
            claim=locked, number=digits, filed_on=filed_on, grounds=grounds.strip(), filed_by=by
        )
        claim_transition(
            claim=locked,
            to=S.PROTEST_FILED,
            by=by,
            reason=f"protest {protest.display_number} filed on {filed_on:%m/%d/%Y}",
        )
    claim.status = locked.status
    return protest


def protest_decide(*, protest: Protest, by, decision: str, decided_on: dt.date, note: str = "") -> Protest:
    """Enter CBP's decision on a protest, as CBP's notice gives it. Like any of CBP's outcomes received
    outside the gateway, it changes nothing yet: it applies when another member of the firm confirms it
    (`protest_decision_confirm`). Raises ValidationError."""
    errors: dict[str, str] = {}
    if decision not in (Protest.Decision.ALLOWED, Protest.Decision.DENIED):
        errors["decision"] = "Choose allowed or denied."
    if decided_on is None:
        errors["decided_on"] = "Give the date of CBP's decision."
    elif decided_on > timezone.localdate():
        errors["decided_on"] = "CBP's decision date cannot be in the future."
    elif decided_on < protest.filed_on:
        errors["decided_on"] = (
            f"The protest was filed on {protest.filed_on:%m/%d/%Y}: the decision comes after."
        )
    with transaction.atomic():
        locked = (
            Protest.objects.select_for_update(of=("self",)).select_related("claim__client").get(pk=protest.pk)
        )
        _refuse_person(locked.claim, by)
        if not locked.pending:
            raise ValidationError(f"CBP's decision on protest {locked.display_number} is already recorded.")
        if locked.awaiting_confirmation:
            raise ValidationError(
                f"CBP's decision on protest {locked.display_number} is already entered and waits for a "
                "colleague's confirmation; discard it first to enter it again."
            )
        if errors:
            raise ValidationError(errors)
        locked.decision, locked.decided_on, locked.decided_by = decision, decided_on, by
        locked.decision_note = (note or "").strip()
        locked.save(update_fields=["decision", "decided_on", "decided_by", "decision_note"])
    protest.refresh_from_db()
    return protest


def _refuse_person(claim: Claim, by) -> None:
    refusal = staff_refusal(claim, by)
    if refusal:
        raise ValidationError(refusal)


def protest_decision_confirm(*, protest: Protest, by) -> Protest:
    """A second member of the firm confirms CBP's decision entered by a colleague, and it is applied on
    CBP's word. Allowed: the claim is reliquidated (back to liquidated; CBP's new liquidation notice
    follows). Denied: the claim is closed; what remains is a civil action in the Court of International
    Trade within 180 days of the denial (28 U.S.C. 2636(a)). Refused to the person who entered it. Raises
    ValidationError or TransitionError."""
    with transaction.atomic():
        locked = (
            Protest.objects.select_for_update(of=("self",)).select_related("claim__client").get(pk=protest.pk)
        )
        _refuse_person(locked.claim, by)
        if not locked.pending:
            raise ValidationError(f"CBP's decision on protest {locked.display_number} is already applied.")
        if not locked.awaiting_confirmation:
            raise ValidationError(f"CBP's decision on protest {locked.display_number} is not entered yet.")
        if locked.decided_by_id == by.pk:
            raise ValidationError(
                "CBP's decision is confirmed by someone other than the person who entered it: ask a "
                "colleague to check it against CBP's notice."
            )
        locked.confirmed_by, locked.confirmed_at = by, timezone.now()
        locked.save(update_fields=["confirmed_by", "confirmed_at"])
        claim = locked.claim
        decided_on, number = locked.decided_on, locked.display_number
        people = f"entered by {locked.decided_by.get_username()}, confirmed by {by.get_username()}"
        if locked.decision == Protest.Decision.ALLOWED:
            reason = f"protest {number} allowed on {decided_on:%m/%d/%Y}: CBP reliquidates ({people})"
            detail = f"Protest {number} allowed on {decided_on:%m/%d/%Y}; CBP reliquidates."
            to = S.LIQUIDATED
        else:
            civil_action_by = dates.civil_action_deadline(decided_on)
            reason = f"protest {number} denied on {decided_on:%m/%d/%Y} ({people})"
            detail = (
                f"Protest {locked.display_number} denied on {decided_on:%m/%d/%Y}; a civil action in the "
                f"Court of International Trade is due by {civil_action_by:%m/%d/%Y} (28 U.S.C. 2636(a))."
            )
            to = S.CLOSED
        # On CBP's word (by=None), as a confirmed CBP notice: no one person moves a claim where only CBP can.
        claim_transition(claim=claim, to=to, by=None, reason=reason)
        notifications.notify(claim=claim, event=Notification.Event.PROTEST_DECIDED, detail=detail)
    protest.refresh_from_db()
    return protest


def protest_decision_discard(*, protest: Protest, by) -> Protest:
    """Set aside CBP's decision entered by mistake, before it is confirmed (anyone of the firm's staff):
    the protest is pending again."""
    _refuse_person(protest.claim, by)
    updated = (
        Protest.objects.filter(pk=protest.pk, confirmed_at=None)
        .exclude(decision="")
        .update(decision="", decided_on=None, decided_by=None, decision_note="")
    )
    if not updated:
        raise ValidationError("Only CBP's decision waiting for confirmation can be discarded.")
    protest.refresh_from_db()
    return protest

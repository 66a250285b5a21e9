"""CBP's word received outside the gateway: entered by one member of the firm, applied when another confirms.

Some of CBP's outcomes reach a firm on paper, by e-mail or on an ACE screen rather than through the gateway:
a notice of liquidation, an accelerated payment, the refund or bill on liquidation. They move a claim to
statuses only CBP's word can set (claims.lifecycle.CBP_TARGETS), and a liquidation starts the 180 days to
protest (19 U.S.C. 1514(c)(3)), so one person's entry changes nothing: it waits, with CBP's date, the
amounts per accounting class and the document itself, until a second member of the firm confirms it. The
confirmation stores it as a CBP message (gateway "manual") and applies it through the same code as the
gateway's messages, so the claim, its payments, liquidation, reconciliation and notifications follow
exactly as they would from CBP's own file.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from claims.lifecycle import staff_refusal
from claims.models import ACCOUNTING_CLASSES, Claim, status_phrase
from drawback.accounts.models import User
from imports.documents import document_create
from imports.models import Document

from .models import CbpMessage, CbpNotice, Payment
from .services import OPEN_STATUSES, cbp_response_process

S = Claim.Status
CENT = Decimal("0.01")
# Statuses in which CBP may still send such a notice: accepted and not closed.
NOTICE_STATUSES = frozenset(OPEN_STATUSES - {S.FILED})


def _refuse_person(claim: Claim, by: User | None) -> None:
    refusal = staff_refusal(claim, by)
    if refusal:
        raise ValidationError(refusal)


def _clean_amounts(amounts: dict) -> dict[str, str]:
    cleaned = {}
    for cls, value in (amounts or {}).items():
        if value in (None, ""):
            continue
        if str(cls) not in ACCOUNTING_CLASSES:
            raise ValidationError({"amounts": f"{cls} is not a drawback accounting class."})
        try:
            amount = Decimal(str(value).replace(",", "").replace("$", "").strip())
        except InvalidOperation:
            raise ValidationError({"amounts": f"class {cls}: {value!r} is not an amount."}) from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
            raise ValidationError({"amounts": f"class {cls}: give dollars and cents, at least 0."})
        cleaned[str(cls)] = str(amount.quantize(CENT))
    if not cleaned:
        raise ValidationError({"amounts": "Give at least one accounting class's amount, as CBP states it."})
    return cleaned


def cbp_notice_enter(
    *,
    claim: Claim,
    kind: str,
    notice_date: dt.date,
    amounts: dict,
    file: UploadedFile,
    by: User,
    reference: str = "",
) -> CbpNotice:
    """Record a CBP notice received outside the gateway, with CBP's document, for a second person to
    confirm. Nothing about the claim changes yet. Raises ValidationError for a claim CBP has not accepted
    or has closed, a date outside the claim's life, amounts that are not cents, or a refused document."""
    _refuse_person(claim, by)
    if kind not in CbpNotice.Kind.values:
        raise ValidationError({"kind": "Choose the kind of CBP notice."})
    if claim.status not in NOTICE_STATUSES:
        raise ValidationError(
            f"claim {claim.display_number} is {status_phrase(claim.status)}: a CBP notice is recorded on a "
            "claim CBP has accepted and not closed"
        )
    if notice_date > timezone.localdate() or (claim.filed_on and notice_date < claim.filed_on):
        raise ValidationError({"notice_date": "CBP's date falls between the filing and today."})
    cleaned = _clean_amounts(amounts)
    with transaction.atomic():
        document, _ = document_create(
            client=claim.client,
            user=by,
            file=file,
            doc_type=Document.Type.CBP_CORRESPONDENCE,
            note=f"{CbpNotice.Kind(kind).label} for claim {claim.display_number}",
        )
        claim.documents.add(document)
        return CbpNotice.objects.create(
            claim=claim,
            kind=kind,
            notice_date=notice_date,
            amounts=cleaned,
            reference=reference.strip()[:60],
            document=document,
            entered_by=by,
        )


def _payload(notice: CbpNotice, by: User) -> tuple[str, dict]:
    """The notice as the gateway's message of the same kind (claims.cbp.services APPLY)."""
    source = {
        "notice": notice.pk,
        "entered_by": notice.entered_by.get_username(),
        "confirmed_by": by.get_username(),
        "reference": notice.reference,
    }
    if notice.kind == CbpNotice.Kind.LIQUIDATION:
        return CbpMessage.Kind.LIQUIDATION, {
            **source,
            "liquidated_on": notice.notice_date.isoformat(),
            "amounts": notice.amounts,
        }
    payment_kind = {
        CbpNotice.Kind.ACCELERATED_PAYMENT: Payment.Kind.ACCELERATED,
        CbpNotice.Kind.LIQUIDATION_REFUND: Payment.Kind.LIQUIDATION_REFUND,
        CbpNotice.Kind.BILL: Payment.Kind.BILL,
    }[notice.kind]
    return CbpMessage.Kind.PAYMENT, {
        **source,
        "payment_kind": payment_kind,
        "paid_on": notice.notice_date.isoformat(),
        "amounts": notice.amounts,
    }


def cbp_notice_confirm(*, notice: CbpNotice, by: User) -> CbpNotice:
    """The second person's confirmation: apply the notice as CBP's message. Refused to the person who
    entered it. Safe to call twice: a confirmed notice is not applied again. Raises ValidationError."""
    with transaction.atomic():
        locked = (
            CbpNotice.objects.select_for_update(of=("self",))
            .select_related("claim__client")
            .get(pk=notice.pk)
        )
        _refuse_person(locked.claim, by)
        if locked.status != CbpNotice.Status.PENDING:
            raise ValidationError(f"This notice is already {locked.get_status_display().lower()}.")
        if locked.entered_by_id == by.pk:
            raise ValidationError(
                "A CBP notice is confirmed by someone other than the person who entered it: ask a colleague "
                "to check it against CBP's document."
            )
        kind, payload = _payload(locked, by)
        message = CbpMessage.objects.create(
            claim=locked.claim,
            gateway="manual",
            message_id=f"manual-notice:{locked.pk}",
            kind=kind,
            cbp_date=locked.notice_date,
            payload=payload,
        )
        cbp_response_process(message=message)
        message.refresh_from_db()
        if message.processed_at is None or message.error:
            # Held or not applicable (e.g. a liquidation for a claim that has none to receive): nothing is
            # kept, the notice stays pending with the reason shown.
            raise ValidationError(f"CBP's notice cannot be applied to this claim now: {message.error}")
        locked.status = CbpNotice.Status.CONFIRMED
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.message = message
        locked.save(update_fields=["status", "decided_by", "decided_at", "message"])
    notice.refresh_from_db()
    return notice


def cbp_notice_discard(*, notice: CbpNotice, by: User) -> CbpNotice:
    """Set aside a pending notice entered by mistake (the person who entered it, or a colleague)."""
    _refuse_person(notice.claim, by)
    updated = CbpNotice.objects.filter(pk=notice.pk, status=CbpNotice.Status.PENDING).update(
        status=CbpNotice.Status.DISCARDED, decided_by=by, decided_at=timezone.now()
    )
    if not updated:
        raise ValidationError("Only a notice waiting for confirmation can be discarded.")
    notice.refresh_from_db()
    return notice

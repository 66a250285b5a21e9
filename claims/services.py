"""Writes for claims: designations on a draft, totals per class, pre-flight validation, corrections and the
preparer's own moves (back to draft, withdraw). Status changes go through claims.lifecycle.claim_transition.

Designations and amounts change only while a claim is a draft. After filing they are frozen; a change is a
correction: a new draft that replaces the filed claim and goes through pre-flight and both reviews again.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from drawback.accounts.models import Client, User
from drawback.lib.money import to_cents
from exports.models import Export
from imports.models import ImportLine

from .cape.guards import held_lines
from .ledger import IN_FORCE_STATUSES, LedgerError, apply_pair_change, hand_over_articles, lock_articles
from .lifecycle import (
    CORRECTABLE_STATUSES,
    FILED_STATUSES,
    RELEASED_STATUSES,
    claim_transition,
    staff_refusal,
)
from .models import Claim, ClaimClassTotal, Designation, PreflightRun, status_phrase
from .preflight import ERROR, WARNING, PreflightIssue, claim_preflight

S = Claim.Status
ZERO = Decimal("0")


class ClaimError(Exception):
    """A claim service refused: the message says why, in the analyst's words."""


class ClaimLocked(ClaimError):
    """The claim is not a draft, so its designations and amounts cannot change."""


def _require_staff(claim: Claim, by: User | None) -> None:
    refusal = staff_refusal(claim, by)
    if refusal:
        raise ClaimError(f"claim {claim.display_number}: {refusal}")


def _lock_draft(claim: Claim) -> Claim:
    # Only the claim's own row: locking the joined client and firm rows too (PostgreSQL's FOR UPDATE locks
    # every joined row) would make every designation anywhere in the firm wait on one firm row. Quantities
    # are guarded by the ledger's conditional UPDATEs, not by this lock.
    locked = Claim.objects.select_for_update(of=("self",)).select_related("client__firm").get(pk=claim.pk)
    if locked.status == S.DRAFT:
        return locked
    if locked.status in FILED_STATUSES:
        raise ClaimLocked(
            f"claim {locked.display_number} has been filed with CBP: its designations and amounts can no "
            "longer change; create a correction instead"
        )
    raise ClaimLocked(
        f"claim {locked.display_number} is {status_phrase(locked.status)}; designations change only on a "
        "draft (move it back to draft first)"
    )


def _clean_amounts(amounts: dict) -> dict[str, dict[str, str]]:
    """{"364": {"claim": Decimal|str, "calculated": ...}} -> the same with exact decimal strings."""
    cleaned = {}
    for cls, pair in (amounts or {}).items():
        try:
            claim, calc = Decimal(str(pair["claim"])), Decimal(str(pair["calculated"]))
        except (KeyError, TypeError, InvalidOperation) as exc:
            raise ClaimError(f"class {cls}: amounts need a claim and a calculated amount") from exc
        if not claim.is_finite() or not calc.is_finite() or claim < 0 or calc < 0:
            raise ClaimError(f"class {cls}: amounts must be positive numbers")
        cleaned[str(cls)] = {"claim": str(claim), "calculated": str(calc)}
    return cleaned


def claim_create(
    *,
    client: Client,
    number: str,
    provision: str,
    preparer: User,
    drawback_port: str = "1001",
    accelerated_payment: bool = False,
    waiver_prior_notice: bool = False,
    notes: str = "",
) -> Claim:
    """A new draft claim of the client, prepared by `preparer` (firm staff)."""
    claim = Claim(
        client=client,
        number=number,
        provision=provision,
        preparer=preparer,
        drawback_port=drawback_port,
        accelerated_payment=accelerated_payment,
        waiver_prior_notice=waiver_prior_notice,
        notes=notes,
    )
    _require_staff(claim, preparer)
    if Claim.objects.filter(number=number, replaces__isnull=True).exists():
        raise ClaimError(f"claim number {claim.display_number} is already used")
    claim.save()
    return claim


@transaction.atomic
def designation_add(
    *,
    claim: Claim,
    import_line: ImportLine,
    export: Export,
    quantity: Decimal,
    method: str,
    amounts: dict,
    by: User,
    refund: Decimal | None = None,
    entered_value_per_unit: Decimal | None = None,
    substituted_value_per_unit: Decimal | None = None,
    explanation: list | None = None,
    recompute: bool = True,
) -> Designation:
    """Designate `quantity` of an import line against an export on a draft claim, holding the quantity.

    Raises ClaimLocked when the claim is not a draft and ClaimError when the quantity is not available, the
    line is held by the other method, or the data belongs to another client. Pass recompute=False when
    adding many designations and call claim_totals_recompute once at the end.
    """
    locked = _lock_draft(claim)
    _require_staff(locked, by)
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise ClaimError("a designation needs a positive quantity")
    if import_line.client_id != locked.client_id or export.client_id != locked.client_id:
        raise ClaimError("a claim designates only its own client's import lines and exports")
    if method not in (ImportLine.Method.DIRECT, ImportLine.Method.SUBSTITUTION):
        raise ClaimError(f"unknown designation method {method!r}")
    if Designation.objects.filter(claim=locked, import_line=import_line, export=export).exists():
        raise ClaimError("this import line is already designated against this export on the claim")
    held = held_lines(locked.client, [import_line.pk])
    if held:
        raise ClaimError(
            f"{held[import_line.pk]}. Release the entry to drawback on the client's CAPE page to designate "
            "it (the decision is recorded)."
        )
    cleaned = _clean_amounts(amounts)
    try:
        apply_pair_change(locked, (import_line.pk, export.pk), method, ZERO, quantity)
    except LedgerError as exc:
        raise ClaimError(str(exc)) from exc
    designation = Designation.objects.create(
        claim=locked,
        import_line=import_line,
        export=export,
        provision=locked.provision,
        method=method,
        quantity=quantity,
        refund=refund if refund is not None else sum((Decimal(p["claim"]) for p in cleaned.values()), ZERO),
        amounts=cleaned,
        entered_value_per_unit=entered_value_per_unit,
        substituted_value_per_unit=substituted_value_per_unit,
        explanation=explanation or [],
    )
    if recompute:
        claim_totals_recompute(claim=locked)
    return designation


@transaction.atomic
def designation_remove(*, designation: Designation, by: User, recompute: bool = True) -> None:
    """Take a designation off a draft claim and give its quantity back."""
    locked = _lock_draft(designation.claim)
    _require_staff(locked, by)
    if designation.export_quantity is not None:
        # Before reading what it holds: another claim's move may be handing the export's articles to it.
        lock_articles([designation.export_id])
    designation = Designation.objects.get(pk=designation.pk)
    pair = (designation.import_line_id, designation.export_id)
    # Manufactured articles other designations of the export rely on stay claimed for them.
    kept = hand_over_articles([designation]).get(pair, ZERO)
    designation.delete()
    try:
        apply_pair_change(
            locked,
            pair,
            designation.method,
            designation.quantity,
            ZERO,
            None if designation.export_quantity is None else designation.export_quantity - kept,
            None if designation.export_quantity is None else ZERO,
        )
    except LedgerError as exc:
        raise ClaimError(str(exc)) from exc
    if recompute:
        claim_totals_recompute(claim=locked)


@transaction.atomic
def claim_totals_recompute(*, claim: Claim) -> dict[str, ClaimClassTotal]:
    """Totals per accounting class from the designations' exact amounts, each class rounded once, half-up,
    to cents (product decision 6; 19 CFR 190.51(a)(2)(vii)). A class that rounds to $0.00 is not kept:
    CBP takes no zero 43/89 records."""
    locked = _lock_draft(claim)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for amounts in locked.designations.values_list("amounts", flat=True):
        for cls, pair in amounts.items():
            sums[cls][0] += Decimal(pair["claim"])
            sums[cls][1] += Decimal(pair["calculated"])
    keep = {cls: (to_cents(c), to_cents(k)) for cls, (c, k) in sums.items() if to_cents(c) > 0}
    locked.class_totals.exclude(accounting_class__in=keep).delete()
    totals = {}
    for cls, (claim_amount, calculated) in sorted(keep.items()):
        totals[cls], _ = ClaimClassTotal.objects.update_or_create(
            claim=locked,
            accounting_class=cls,
            defaults={"claim_amount": claim_amount, "calculated_amount": calculated},
        )
    return totals


def claim_accelerated_payment_set(*, claim: Claim, requested: bool, by: User) -> Claim:
    """Ask, or stop asking, for accelerated payment on a draft claim (19 CFR 190.92).

    Asking needs the client's approved accelerated payment privilege in force today; whether the bond
    still carries the claim is pre-flight's to say (PF-15 warns). Raises ClaimLocked off a draft and
    ClaimError without the privilege."""
    from drawback.accounts.models import Privilege

    with transaction.atomic():
        locked = _lock_draft(claim)
        _require_staff(locked, by)
        if requested and locked.client.privilege(Privilege.Kind.ACCELERATED_PAYMENT) is None:
            raise ClaimError(
                f"{locked.client.legal_name} holds no approved accelerated payment privilege in force today; "
                "record CBP's approval under applications and rulings first"
            )
        Claim.objects.filter(pk=locked.pk).update(accelerated_payment=requested, updated_at=timezone.now())
    claim.accelerated_payment = requested
    return claim


@dataclass
class ValidationResult:
    issues: list[PreflightIssue]
    run: PreflightRun
    validated: bool

    @property
    def errors(self) -> list[PreflightIssue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[PreflightIssue]:
        return [i for i in self.issues if i.severity == WARNING]


def preflight_run(
    *, claim: Claim, by: User, on: dt.date | None = None
) -> tuple[list[PreflightIssue], PreflightRun]:
    """Run the pre-flight check and keep the result on the claim; the status does not change."""
    _require_staff(claim, by)
    day = on or timezone.localdate()
    issues = claim_preflight(claim=claim, on=day)
    run = PreflightRun.objects.create(
        claim=claim,
        by=by,
        on=day,
        issues=[i.as_dict() for i in issues],
        error_count=sum(i.severity == ERROR for i in issues),
        warning_count=sum(i.severity == WARNING for i in issues),
    )
    return issues, run


def claim_validate(*, claim: Claim, by: User) -> ValidationResult:
    """Run pre-flight for a filing today and move DRAFT -> VALIDATED only when no error remains.

    Warnings do not block; they are kept on the run and shown to the reviewers. The move itself checks the
    pre-flight again (claims.lifecycle.guard_preflight), so nothing reaches review around this service.
    """
    claim.refresh_from_db()
    if claim.status != S.DRAFT:
        raise ClaimError(f"claim {claim.display_number} is {status_phrase(claim.status)}, not a draft")
    issues, run = preflight_run(claim=claim, by=by)
    validated = run.error_count == 0
    if validated:
        claim_transition(
            claim=claim, to=S.VALIDATED, by=by, reason=f"pre-flight passed ({run.warning_count} warnings)"
        )
    return ValidationResult(issues=issues, run=run, validated=validated)


def claim_reopen(*, claim: Claim, by: User, reason: str = "") -> None:
    """Back to draft to change it: from validated, returned for correction, or rejected by CBP (which
    holds its quantities again, or fails if they were designated elsewhere meanwhile)."""
    claim_transition(claim=claim, to=S.DRAFT, by=by, reason=reason or "reopened for changes")


def claim_withdraw(*, claim: Claim, by: User, reason: str) -> None:
    """Withdraw a claim that has not been filed; its designated quantities are released."""
    if not reason.strip():
        raise ClaimError("say why the claim is withdrawn")
    claim_transition(claim=claim, to=S.WITHDRAWN, by=by, reason=reason)


@transaction.atomic
def claim_correction_create(*, claim: Claim, by: User) -> Claim:
    """A new draft that replaces a filed claim (CATAIR action R, same claim number), designations copied.

    Allowed once CBP accepted the claim and until it is liquidated, one open correction at a time. The copy
    holds no extra quantity: until CBP accepts the replacement, the claim on file keeps its quantities and
    the correction holds only what it adds (see claims.ledger). The correction goes through pre-flight and
    both reviews like any claim, and is filed as a replacement.
    """
    original = Claim.objects.select_for_update(of=("self",)).select_related("client__firm").get(pk=claim.pk)
    _require_staff(original, by)
    if original.status not in CORRECTABLE_STATUSES:
        raise ClaimError(
            f"claim {original.display_number} is {status_phrase(original.status)}; a correction replaces a "
            "claim CBP has accepted and not yet liquidated"
        )
    open_correction = (
        original.corrections.exclude(status__in=RELEASED_STATUSES | IN_FORCE_STATUSES)
        .values_list("number", flat=True)
        .first()
    )
    if open_correction:
        raise ClaimError(f"claim {original.display_number} already has a correction in progress")
    if original.corrections.filter(status__in=IN_FORCE_STATUSES).exists():
        raise ClaimError(
            f"claim {original.display_number} has been replaced by an accepted correction; correct that one"
        )
    correction = Claim.objects.create(
        client=original.client,
        number=original.number,
        provision=original.provision,
        drawback_port=original.drawback_port,
        preparer=by,
        accelerated_payment=original.accelerated_payment,
        waiver_prior_notice=original.waiver_prior_notice,
        build=original.build,
        replaces=original,
        notes=f"Correction of claim {original.display_number} ({status_phrase(original.status)}).",
    )
    Designation.objects.bulk_create(
        Designation(
            claim=correction,
            import_line_id=d.import_line_id,
            export_id=d.export_id,
            provision=d.provision,
            method=d.method,
            quantity=d.quantity,
            refund=d.refund,
            amounts=d.amounts,
            entered_value_per_unit=d.entered_value_per_unit,
            substituted_value_per_unit=d.substituted_value_per_unit,
            explanation=d.explanation,
            # A manufacturing designation keeps its lot, component and ruling (the CATAIR 50-52 records)
            # and the exported articles it holds, so the pair holds them once, as the ledger counts.
            manufacture=d.manufacture,
            export_quantity=d.export_quantity,
        )
        for d in original.designations.all()
    )
    ClaimClassTotal.objects.bulk_create(
        ClaimClassTotal(
            claim=correction,
            accounting_class=t.accounting_class,
            claim_amount=t.claim_amount,
            calculated_amount=t.calculated_amount,
        )
        for t in original.class_totals.all()
    )
    return correction

"""Writes for applications and rulings: record an application, change its details, move its status (each
move kept with its day, who and why), attach the documents that prove it, expire what has run out, warn
ahead of an expiry or a short bond, and decide which new claims ask for accelerated payment."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from claims.models import Claim
from drawback.accounts.models import Client, Privilege, PrivilegeStatusChange, User
from drawback.lib.money import ZERO, format_usd
from imports.documents import document_create
from imports.models import Document

from .selectors import bond_position, privilege_warnings

Status = Privilege.Status
# Fields an analyst edits on the privilege's page (the status moves through privilege_status_change).
EDITABLE = (
    "reference",
    "ruling_type",
    "submitted_on",
    "decided_on",
    "granted_on",
    "expires_on",
    "bond_type",
    "surety_code",
    "surety_name",
    "bond_number",
    "bond_amount",
    "bond_effective_on",
    "notes",
)


class PrivilegeError(ValidationError):
    """A change the privilege's rules refuse; the message says why."""


def _require_staff(client: Client, by: User | None) -> None:
    if by is None or not by.is_authenticated or by.is_client_user:
        raise PermissionError("only the firm's staff record applications and rulings")
    if by.firm_id != client.firm_id and not (by.is_superuser and not by.firm_id):
        raise PermissionError("only staff of the client's firm record its applications and rulings")


@transaction.atomic
def privilege_create(
    *,
    client: Client,
    by: User,
    kind: str,
    status: str = Status.DRAFTING,
    on: dt.date | None = None,
    note: str = "",
    **fields,
) -> Privilege:
    """Record an application (or a privilege CBP already granted) with the first line of its history.

    Raises PrivilegeError when the details do not hold together (Privilege.clean)."""
    _require_staff(client, by)
    privilege = Privilege(
        client=client, kind=kind, status=status, **{k: fields[k] for k in fields if k in EDITABLE}
    )
    try:
        privilege.full_clean()
    except ValidationError as exc:
        raise PrivilegeError(exc.message_dict) from exc
    privilege.save()
    PrivilegeStatusChange.objects.create(
        privilege=privilege,
        from_status="",
        to_status=status,
        on=on or _status_day(privilege, status) or timezone.localdate(),
        by=by,
        note=note or "recorded",
    )
    return privilege


def _words(status: str) -> str:
    return Status(status).label.lower().replace("cbp", "CBP")


def _status_day(privilege: Privilege, status: str) -> dt.date | None:
    return {
        Status.SUBMITTED: privilege.submitted_on,
        Status.APPROVED: privilege.decided_on or privilege.granted_on,
        Status.DENIED: privilege.decided_on,
    }.get(status)


@transaction.atomic
def privilege_update(*, privilege: Privilege, by: User, **fields) -> Privilege:
    """Change the details of an application or privilege (not its status). Raises PrivilegeError."""
    locked = Privilege.objects.select_for_update().select_related("client").get(pk=privilege.pk)
    _require_staff(locked.client, by)
    for name, value in fields.items():
        if name not in EDITABLE:
            raise PrivilegeError({name: "This field cannot be changed here."})
        setattr(locked, name, value)
    try:
        locked.full_clean()
    except ValidationError as exc:
        raise PrivilegeError(exc.message_dict) from exc
    locked.save()
    return locked


@transaction.atomic
def privilege_status_change(
    *,
    privilege: Privilege,
    to: str,
    by: User | None,
    on: dt.date,
    note: str = "",
    granted_on: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> Privilege:
    """Move the application to `to` on day `on`, as Privilege.MOVES allows, and keep the move.

    Submitting records the submission day; approving and denying the day of CBP's decision, and approving
    needs the day the privilege takes effect (`granted_on`, default `on`). Withdrawing or expiring an
    approved privilege ends it on `on` at the latest: the days it was in force stay covered. `by` None is
    the daily check expiring what has run out. Raises PrivilegeError."""
    locked = Privilege.objects.select_for_update().select_related("client").get(pk=privilege.pk)
    if by is not None or to != Status.EXPIRED:
        _require_staff(locked.client, by)
    if to not in Privilege.MOVES.get(locked.status, ()):
        allowed = ", ".join(_words(s) for s in Privilege.MOVES.get(locked.status, ())) or "none"
        raise PrivilegeError(
            f"An application {_words(locked.status)} cannot become {_words(to)} (possible: {allowed})."
        )
    was_approved = locked.is_approved
    if to == Status.SUBMITTED:
        locked.submitted_on = locked.submitted_on or on
    if to in (Status.APPROVED, Status.DENIED):
        locked.decided_on = on
    if to == Status.APPROVED:
        locked.granted_on = granted_on or locked.granted_on or on
        if expires_on:
            locked.expires_on = expires_on
    if to in (Status.WITHDRAWN, Status.EXPIRED) and was_approved:
        locked.expires_on = min(locked.expires_on, on) if locked.expires_on else on
    from_status, locked.status = locked.status, to
    try:
        locked.full_clean()
    except ValidationError as exc:
        raise PrivilegeError(exc.message_dict) from exc
    locked.save()
    PrivilegeStatusChange.objects.create(
        privilege=locked, from_status=from_status, to_status=to, on=on, by=by, note=note
    )
    privilege.refresh_from_db()
    return locked


def privilege_document_attach(
    *,
    privilege: Privilege,
    by: User,
    file: UploadedFile,
    doc_type: str = Document.Type.CBP_CORRESPONDENCE,
    note: str = "",
) -> Document:
    """Store a document of the privilege's client (the application, CBP's letter, the ruling, the bond)
    and attach it. The same file uploaded again is stored once. Raises ValidationError for a bad file."""
    _require_staff(privilege.client, by)
    document, _ = document_create(
        client=privilege.client,
        user=by,
        file=file,
        doc_type=doc_type,
        note=note or f"{privilege.get_kind_display()} {privilege.reference}".strip(),
    )
    privilege.documents.add(document)
    return document


def privileges_expire(*, today: dt.date) -> list[Privilege]:
    """Mark approved privileges whose last day has passed as expired (the daily check). Safe to repeat."""
    expired = []
    for privilege in Privilege.objects.filter(status=Status.APPROVED, expires_on__lt=today).order_by("pk"):
        expired.append(
            privilege_status_change(
                privilege=privilege,
                to=Status.EXPIRED,
                by=None,
                on=privilege.expires_on,
                note=f"expired after {privilege.expires_on}",
            )
        )
    return expired


def privilege_warnings_notify(*, today: dt.date) -> int:
    """Tell the firm's staff, the client's users and its contacts about each warning due (expiry within the
    lead time, bond headroom short), once per warning: a rerun tells nobody twice. Returns rows created."""
    from claims.cbp.notifications import contact_emails, notify_client
    from claims.models import Notification

    created = 0
    for client in (
        Client.objects.filter(is_active=True, is_workspace=False).select_related("firm").order_by("pk")
    ):
        warnings = privilege_warnings(client=client, today=today)
        if not warnings:
            continue
        users = list(
            User.objects.filter(is_active=True)
            .filter(firm=client.firm, role__in=(User.Role.ANALYST, User.Role.FIRM_ADMIN))
            .order_by("pk")
        ) + list(User.objects.filter(is_active=True, client=client).order_by("pk"))
        for warning in warnings:
            event = (
                Notification.Event.PRIVILEGE_EXPIRY
                if warning.kind == "expiry"
                else Notification.Event.BOND_HEADROOM
            )
            created += len(
                notify_client(
                    client=client,
                    event=event,
                    text=warning.text,
                    subject=f"Drawback: {Notification.Event(event).label.lower()} for {client.legal_name}",
                    key=warning.key,
                    users=users,
                    emails=contact_emails(client),
                )
            )
    return created


# --- accelerated payment on new claims -------------------------------------------------------------------


@dataclass(frozen=True)
class AcceleratedChoice:
    claim: Claim
    requested: bool
    reason: str  # why not, when not requested


def claims_accelerated_payment_apply(
    *, claims: list[Claim], requested: bool | None, on: dt.date
) -> list[AcceleratedChoice]:
    """Decide which of a build's new draft claims ask for accelerated payment (19 CFR 190.92).

    `requested` False: none. True or None (not said: the default): each claim whose client holds an approved
    accelerated payment privilege in force on the filing date `on` and whose bond can still carry it, the
    claims taken in turn, each using the headroom it takes. The analyst can change it on each draft."""
    if not claims:
        return []
    choices = []
    client = claims[0].client
    bond = bond_position(client=client, on=on, exclude_claim=None) if requested is not False else None
    # The new claims are drafts asking for nothing yet, so the position does not count them.
    room = bond.headroom if bond is not None else None
    for claim in claims:
        total = sum((t.claim_amount for t in claim.class_totals.all()), ZERO)
        if requested is False:
            choices.append(AcceleratedChoice(claim, False, "not requested"))
            continue
        if bond is None:
            choices.append(
                AcceleratedChoice(claim, False, f"no approved accelerated payment privilege in force on {on}")
            )
            continue
        if room is not None and total > room:
            choices.append(
                AcceleratedChoice(
                    claim,
                    False,
                    f"the bond's headroom ({format_usd(room)}) does not cover "
                    f"the {format_usd(total)} claimed",
                )
            )
            continue
        if room is not None and bond.continuous:
            room -= total
        choices.append(AcceleratedChoice(claim, True, ""))
    yes = [c.claim.pk for c in choices if c.requested]
    if yes:
        Claim.objects.filter(pk__in=yes, status=Claim.Status.DRAFT).update(
            accelerated_payment=True, updated_at=timezone.now()
        )
        for c in choices:
            if c.requested:
                c.claim.accelerated_payment = True
    return choices


def accelerated_payment_note(choices: list[AcceleratedChoice]) -> str:
    """One sentence for the build's message: which claims ask for accelerated payment, and why not."""
    if not choices:
        return ""
    asked = [c.claim.display_number for c in choices if c.requested]
    refused = [c for c in choices if not c.requested and c.reason != "not requested"]
    parts = []
    if asked:
        parts.append(f"Accelerated payment requested on {', '.join(asked)}.")
    for c in refused:
        parts.append(f"No accelerated payment on {c.claim.display_number}: {c.reason}.")
    return " ".join(parts)


def bond_room_for(*, claim: Claim) -> tuple[Decimal | None, bool]:
    """(headroom left for this claim, whether the bond carries it): for the claim page."""
    total = sum((t.claim_amount for t in claim.class_totals.all()), ZERO)
    bond = bond_position(client=claim.client, exclude_claim=claim)
    if bond is None:
        return None, False
    return bond.headroom, bond.carries(total)

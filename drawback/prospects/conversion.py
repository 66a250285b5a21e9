"""Conversion: one action turns a qualified assessment into a client, with everything the prospect gave.

- The Client: the prospect's workspace itself becomes the client (its numbers, name and address set from the
  conversion form), so the data loaded for the estimate (entries, lines, exports, uploads, findings) is the
  client's at once, moved without a copy; with no workspace a new Client is made.
- Privileges and rulings the prospect stated they hold or applied for: `privilege_from_statement`, the one
  place that maps a statement to an application with its status (approved, or submitted to CBP).
- Contacts: client users with no password, each e-mailed an invitation to set one (invitations.py).
- Uploaded files: filed as the client's documents (the document service checks and stores them).
- The lead: converted, linked to the client, with an audit trail entry.

A lead is converted once: the first statement claims it with a conditional UPDATE, which a second
conversion (at the same moment, on another connection) finds already done and so refuses. Everything else
happens in the same transaction, so a refusal half-way (a contact's e-mail already in use, a code taken)
leaves nothing behind.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.privileges.services import PrivilegeError, privilege_create
from drawback.accounts.models import Client, Privilege, User
from imports.documents import document_create
from imports.models import Document

from .models import Assessment, AssessmentFile, Lead, LeadEvent

CONVERTIBLE = (Lead.Status.QUALIFIED, Lead.Status.PROPOSAL_SENT)
DOCUMENT_TYPES = {
    AssessmentFile.Kind.ACE_REPORT: Document.Type.OTHER,
    AssessmentFile.Kind.EXPORT_DATA: Document.Type.OTHER,
    AssessmentFile.Kind.ENTRY_SUMMARY: Document.Type.ENTRY_SUMMARY,
    AssessmentFile.Kind.INVOICE: Document.Type.COMMERCIAL_INVOICE,
    AssessmentFile.Kind.EXPORT_PROOF: Document.Type.BILL_OF_LADING,
    AssessmentFile.Kind.BILL_OF_MATERIALS: Document.Type.BILL_OF_MATERIALS,
    AssessmentFile.Kind.OTHER: Document.Type.OTHER,
}


class ConversionError(Exception):
    """The lead cannot be converted; the message says why, in the analyst's words."""


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def privilege_from_statement(*, client: Client, stated: dict, stated_on: dt.date, by: User) -> Privilege:
    """Record a privilege or ruling the prospect stated (one row of the assessment's privileges step) as an
    application of the client, through the applications service with its first line of history. The only
    place this mapping lives:

    - one CBP granted them: approved, in force from the day stated (to its expiry, if any);
    - one they applied for and CBP has not decided: submitted to CBP on the day stated, to be moved on
      (under review, approved, denied) when CBP's letter comes.

    Either way it is noted as stated by the prospect, not yet checked against CBP's letter. Raises
    PrivilegeError when the details do not hold together."""
    applied = stated.get("status") == "applied"
    when = f"Stated by the prospect in their assessment of {stated_on:%Y-%m-%d}"
    if applied:
        status, note = Privilege.Status.SUBMITTED, f"{when}; record CBP's decision when its letter comes."
    else:
        status, note = Privilege.Status.APPROVED, f"{when}; check it against CBP's approval letter."
    return privilege_create(
        client=client,
        by=by,
        kind=stated["kind"],
        status=status,
        note=note,
        reference=stated.get("reference", ""),
        ruling_type=stated.get("ruling_type", ""),
        submitted_on=_date(stated.get("applied_on")),
        granted_on=None if applied else _date(stated.get("granted_on")),
        expires_on=None if applied else _date(stated.get("expires_on")),
        bond_type=stated.get("bond_type", ""),
        surety_code=stated.get("surety_code", ""),
        bond_effective_on=_date(stated.get("bond_effective_on")),
        notes=note,
    )


def _names(full: str) -> tuple[str, str]:
    first, _, last = full.strip().partition(" ")
    return first[:150], last[:150]


def lead_convert(
    *,
    lead: Lead,
    by: User,
    code: str,
    legal_name: str,
    importer_number: str,
    exporter_number: str = "",
    address: str = "",
    base_url: str,
) -> Client:
    """Convert the lead (see the module's docstring). Returns the client. Raises ConversionError, and then
    nothing is stored. Not safe to repeat, by design: a second call is refused."""
    from .tasks import invitation_mail

    if not by.is_authenticated or by.is_client_user or by.firm_id != lead.firm_id:
        raise ConversionError("Only the firm's staff convert its leads.")
    created_files: list = []
    try:
        with transaction.atomic():
            claimed = Lead.objects.filter(
                pk=lead.pk, client__isnull=True, converted_at__isnull=True, status__in=CONVERTIBLE
            ).update(converted_at=timezone.now(), converted_by=by)
            if not claimed:
                current = Lead.objects.get(pk=lead.pk)
                if current.client_id or current.converted_at:
                    raise ConversionError("This lead has been converted already.")
                raise ConversionError("Mark the lead qualified (or proposal sent) before converting it.")
            assessment = Assessment.objects.select_for_update().filter(lead_id=lead.pk).first()
            if assessment is None or not assessment.is_submitted:
                raise ConversionError("Only a lead with a submitted assessment can be converted.")
            client = _client(assessment, code, legal_name, importer_number, exporter_number, address)
            stated_on = timezone.localtime(assessment.submitted_at).date()
            privileges = [
                _privilege(client, row, stated_on, by) for row in assessment.answers.get("privileges", [])
            ]
            users = _users(client, assessment.answers.get("contacts", []))
            documents = _documents(client, assessment, by, created_files)
            Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CONVERTED, client=client)
            LeadEvent.objects.create(
                lead_id=lead.pk,
                actor=by,
                action=LeadEvent.Action.CONVERTED,
                text=f"Client {client.code}: {len(users)} users invited, {len(documents)} documents, "
                f"{len(privileges)} privileges, {client.import_lines.count()} import lines, "
                f"{client.exports.count()} exports",
            )
            for user in users:
                transaction.on_commit(lambda pk=user.pk: invitation_mail.delay(pk, base_url, lead.pk))
            transaction.on_commit(lambda: _drop_prospect_copies(assessment.pk))
    except IntegrityError as exc:
        _delete_files(created_files)
        raise ConversionError(f"The client could not be created: {exc}") from exc
    except Exception:
        _delete_files(created_files)
        raise
    lead.refresh_from_db()
    return client


def _privilege(client: Client, stated: dict, stated_on: dt.date, by: User) -> Privilege:
    try:
        return privilege_from_statement(client=client, stated=stated, stated_on=stated_on, by=by)
    except PrivilegeError as exc:
        kind = Privilege.Kind(stated["kind"]).label
        raise ConversionError(
            f"{kind}: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        ) from exc


def _clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ConversionError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc


def _client(assessment, code, legal_name, importer_number, exporter_number, address) -> Client:
    if Client.objects.filter(code=code).exists():
        raise ConversionError(f"Another client has the code {code!r}.")
    workspace = assessment.workspace
    if workspace is not None and workspace.is_workspace:
        client = Client.objects.select_for_update().get(pk=workspace.pk)
    else:
        client = Client(firm_id=assessment.firm_id)
    client.code, client.legal_name, client.address = code, legal_name, address
    client.importer_number, client.exporter_number = importer_number, exporter_number
    client.contact_emails = "\n".join(c["email"] for c in assessment.answers.get("contacts", []))
    client.is_workspace, client.is_active = False, True
    _clean(client)  # normalises the numbers as every client's are
    client.save()
    return client


def _users(client: Client, contacts: list[dict]) -> list[User]:
    users = []
    for contact in contacts:
        email = contact["email"].strip().lower()
        if (
            User.objects.filter(username__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise ConversionError(f"A user with the e-mail {email} exists already; change the contact first.")
        first, last = _names(contact["name"])
        user = User(
            username=email,
            email=email,
            first_name=first,
            last_name=last,
            role=User.Role.CLIENT_USER,
            client=client,
            firm=None,
        )
        user.set_unusable_password()  # they choose one through the invitation
        user.save()
        users.append(user)
    return users


def _documents(client: Client, assessment: Assessment, by: User, created_files: list) -> list:
    documents = []
    for stored in assessment.files.all():
        if not stored.file:
            continue
        with stored.file.open("rb") as handle:
            document, created = document_create(
                client=client,
                user=by,
                file=File(handle, name=stored.original_name),
                doc_type=DOCUMENT_TYPES[stored.kind],
                note=f"From the prospect's assessment: {stored.get_kind_display()}"[:300],
            )
        if created:
            created_files.append(document.file)
        AssessmentFile.objects.filter(pk=stored.pk).update(document=document)
        documents.append(document)
    return documents


def _delete_files(files: list) -> None:
    for file in files:
        file.delete(save=False)


def _drop_prospect_copies(assessment_id: int) -> None:
    """The files are the client's documents now; the assessment keeps their names and links."""
    for stored in AssessmentFile.objects.filter(assessment_id=assessment_id).exclude(file=""):
        stored.file.delete(save=False)
        AssessmentFile.objects.filter(pk=stored.pk).update(file="")

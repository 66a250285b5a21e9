"""CAPE actions: write the declaration files, record their submission, discard one not submitted, let an
analyst release a waiting entry to drawback (recorded), declare a rejected entry again."""

import csv
import datetime as dt
import io
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from drawback.accounts.models import Client, User
from drawback.lib.spreadsheet import csv_row
from imports.models import ImportEntry

from .models import CapeDeclaration, CapeEntry
from .state import entry_states

# CBP's Phase 1 limit: at most 9,999 entry numbers in one declaration file; more go in further files.
MAX_ENTRIES = 9_999
HEADER = "Entry Number"
S = CapeEntry.Status


class CapeError(Exception):
    pass


def _require_staff(client: Client, user: User | None) -> None:
    if user is None or not user.is_authenticated or not user.is_active or user.is_client_user:
        raise CapeError("only the firm's staff act on CAPE declarations")
    if user.firm_id != client.firm_id and not (user.is_superuser and not user.firm_id):
        raise CapeError("only staff of the firm preparing this client's claims act on its CAPE declarations")


def split(numbers: list[str], size: int | None = None) -> list[list[str]]:
    """Entry numbers in files of at most `size` (CBP's limit by default), in order."""
    size = size or MAX_ENTRIES
    return [numbers[i : i + size] for i in range(0, len(numbers), size)]


def declaration_csv(numbers: Iterable[str]) -> str:
    """CBP's template: one column headed "Entry Number", an 11-character entry number a row, no dashes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row([HEADER]))
    for number in numbers:
        writer.writerow(csv_row([number]))
    return out.getvalue()


@transaction.atomic
def declarations_create(*, client: Client, user: User, on: dt.date | None = None) -> list[CapeDeclaration]:
    """Declaration files for every entry of the client CAPE should take and that is not declared yet.

    Each entry goes on one file and is then "declared" on it; nothing to declare raises CapeError."""
    _require_staff(client, user)
    Client.objects.select_for_update().filter(pk=client.pk).first()
    numbers = [s.entry_number for s in entry_states(client=client, on=on) if s.declarable]
    if not numbers:
        raise CapeError("no entry is waiting to be declared to CAPE")
    last = CapeDeclaration.objects.filter(client=client).aggregate(n=Max("number"))["n"] or 0
    ids = dict(
        ImportEntry.objects.filter(client=client, entry_number__in=numbers).values_list("entry_number", "pk")
    )
    made = []
    for offset, chunk in enumerate(split(numbers), start=1):
        number = last + offset
        declaration = CapeDeclaration.objects.create(
            client=client,
            number=number,
            file_name=f"CAPE-{client.code}-{number:03d}.csv",
            content=declaration_csv(chunk),
            entry_count=len(chunk),
            created_by=user,
        )
        entry_ids = [ids[n] for n in chunk]
        for start in range(0, len(entry_ids), 900):
            part = entry_ids[start : start + 900]
            known = set(CapeEntry.objects.filter(entry_id__in=part).values_list("entry_id", flat=True))
            CapeEntry.objects.filter(entry_id__in=known).update(
                status=S.DECLARED, declaration=declaration, cbp_reason="", updated_at=timezone.now()
            )
            CapeEntry.objects.bulk_create(
                CapeEntry(client=client, entry_id=pk, status=S.DECLARED, declaration=declaration)
                for pk in part
                if pk not in known
            )
        made.append(declaration)
    return made


def declaration_submitted(
    *, declaration: CapeDeclaration, user: User, on: dt.date | None = None, ace_reference: str = ""
) -> CapeDeclaration:
    """Record that the file was uploaded in the ACE portal (the day, and the declaration ID ACE gave)."""
    _require_staff(declaration.client, user)
    if declaration.submitted:
        raise CapeError(f"{declaration.file_name} was recorded as submitted on {declaration.submitted_on}")
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise CapeError("the submission day cannot be in the future")
    declaration.submitted_on, declaration.submitted_by = day, user
    declaration.ace_reference = ace_reference.strip()[:60]
    declaration.save(update_fields=["submitted_on", "submitted_by", "ace_reference"])
    return declaration


@transaction.atomic
def declaration_discard(*, declaration: CapeDeclaration, user: User) -> None:
    """Drop a file never submitted: its entries are "not declared" again."""
    _require_staff(declaration.client, user)
    if declaration.submitted:
        raise CapeError(f"{declaration.file_name} was submitted to CBP; it cannot be discarded")
    CapeEntry.objects.filter(declaration=declaration, status=S.DECLARED).update(
        status=S.NOT_DECLARED, declaration=None
    )
    declaration.delete()


def entry_release(*, entry: ImportEntry, user: User, reason: str) -> CapeEntry:
    """An analyst's decision that drawback may use an entry still waiting for CAPE, recorded with why.

    Designating it associates it with a drawback claim, so CAPE will reject it: its IEEPA duties then go
    to drawback where the Chapter 99 table allows."""
    _require_staff(entry.client, user)
    if not reason.strip():
        raise CapeError("say why drawback may use this entry before CAPE has accepted it")
    row, _ = CapeEntry.objects.get_or_create(entry=entry, defaults={"client": entry.client})
    if row.status in (S.ACCEPTED, S.REFUNDED):
        raise CapeError(
            f"entry {entry.display_number} is {row.get_status_display().lower()}: nothing to release"
        )
    row.released_by, row.released_at, row.release_reason = user, timezone.now(), reason.strip()[:1000]
    row.save(update_fields=["released_by", "released_at", "release_reason", "updated_at"])
    return row


def entry_declare_again(*, entry: ImportEntry, user: User) -> CapeEntry:
    """A rejected entry whose cause is fixed goes on the next declaration."""
    _require_staff(entry.client, user)
    row = CapeEntry.objects.filter(entry=entry).first()
    if row is None or row.status != S.REJECTED:
        raise CapeError(f"entry {entry.display_number} was not rejected by CAPE")
    row.status, row.declaration = S.NOT_DECLARED, None
    row.save(update_fields=["status", "declaration", "updated_at"])
    return row

"""Reads for imports: entries, lines, documents, uploads and column mappings of a client, and per-client
figures.

Every function takes a client (already resolved through drawback.accounts.tenancy), a user, or a queryset
of clients the user may see, so nothing here can reach past the tenant boundary.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from drawback.accounts.models import Client, User
from drawback.accounts.tenancy import clients_for
from drawback.lib.chapter99 import Ch99Decision, Chapter99Table, Heading
from drawback.lib.dates import ExportWindow, import_dates_with_last_export_day_between
from exports.models import Export

from .filters import ImportLineFilter, clean_code
from .models import (
    Chapter99Heading,
    ColumnMapping,
    DataFeed,
    Document,
    ImportEntry,
    ImportLine,
    LineCh99Duty,
    Upload,
    documents_of_type,
)

EXPIRY_WARNING_DAYS = 90


def import_line_base(*, client: Client) -> QuerySet[ImportLine]:
    """A client's lines with what a list row shows, without N+1 queries."""
    return (
        ImportLine.objects.filter(client=client)
        .select_related("entry")
        .prefetch_related(Prefetch("ch99_duties", queryset=LineCh99Duty.objects.order_by("ordinal")))
    )


def import_line_list(*, client: Client, params: Mapping) -> ImportLineFilter:
    """The filter set over a client's lines for these query parameters; `.qs` is filtered and sorted."""
    return ImportLineFilter(params, queryset=import_line_base(client=client))


def import_line_get(*, client: Client, pk: int) -> ImportLine:
    return import_line_base(client=client).get(pk=pk)


def import_entry_base(*, client: Client) -> QuerySet[ImportEntry]:
    """A client's entries with their number of lines, counted per row shown (a subquery, not a GROUP BY
    over all the client's lines before the page is cut)."""
    lines = (
        ImportLine.objects.filter(entry=OuterRef("pk"))
        .order_by()
        .values("entry")
        .annotate(n=Count("*"))
        .values("n")
    )
    return ImportEntry.objects.filter(client=client).annotate(line_count=Coalesce(Subquery(lines), 0))


def import_entry_detail(*, client: Client, entry_number: str) -> ImportEntry:
    """An entry with its lines (each with its Chapter 99 rows) and documents. Raises DoesNotExist."""
    lines = ImportLine.objects.order_by("line_number").prefetch_related(
        Prefetch("ch99_duties", queryset=LineCh99Duty.objects.order_by("ordinal"))
    )
    return (
        ImportEntry.objects.filter(client=client)
        .prefetch_related(Prefetch("lines", queryset=lines), "documents")
        .get(entry_number=entry_number)
    )


def chapter99_decisions(*, entry: ImportEntry) -> dict[int, Ch99Decision]:
    """{LineCh99Duty id: eligibility decision} for an entry's Chapter 99 rows, by its entry date
    (product decision 8), reading the Chapter 99 table once."""
    table = Chapter99Table(
        Heading(
            program=h.program,
            ch99_from=h.ch99_from,
            ch99_to=h.ch99_to,
            effective_from=h.effective_from,
            effective_to=h.effective_to,
            drawback_eligible=h.drawback_eligible,
            basis=h.basis,
        )
        for h in Chapter99Heading.objects.all()
    )
    day = entry.entry_date or entry.import_date
    return {
        row.pk: table.decide(row.number, day) for line in entry.lines.all() for row in line.ch99_duties.all()
    }


def document_list(*, client: Client, doc_type: str = "") -> QuerySet[Document]:
    qs = Document.objects.filter(client=client).select_related("uploaded_by")
    qs = qs.prefetch_related("import_entries", "exports", "proofs")
    if doc_type:
        qs = qs.filter(pk__in=Document.objects.filter(documents_of_type([doc_type])).values("pk"))
    return qs.order_by("-uploaded_at", "-id")


def document_get(*, client: Client, pk: int) -> Document:
    return (
        Document.objects.filter(client=client)
        .prefetch_related("import_entries", "exports", "proofs")
        .get(pk=pk)
    )


def upload_recent(*, client: Client, limit: int = 5) -> list[Upload]:
    return list(Upload.objects.filter(client=client).order_by("-created_at", "-id")[:limit])


# Per-client figures for the firm's client list: one grouped query each, whatever the number of clients.
# They take client ids, not a client queryset: with literal ids PostgreSQL knows from its statistics how many
# rows each client has and plans a hash aggregate instead of sorting every line on disk.


def _grouped(qs: QuerySet) -> dict[int, int]:
    return {row["client_id"]: row["n"] for row in qs.values("client_id").annotate(n=Count("*")).order_by()}


def line_counts_by_client(*, client_ids: list[int]) -> dict[int, int]:
    return _grouped(ImportLine.objects.filter(client_id__in=client_ids))


def entry_counts_by_client(*, client_ids: list[int]) -> dict[int, int]:
    return _grouped(ImportEntry.objects.filter(client_id__in=client_ids))


def document_counts_by_client(*, client_ids: list[int]) -> dict[int, int]:
    return _grouped(Document.objects.filter(client_id__in=client_ids))


def expiring_import_dates(
    *, today: dt.date, window: ExportWindow, days: int = EXPIRY_WARNING_DAYS
) -> tuple[dt.date, dt.date]:
    """The import dates whose last export day is within `days` days (for a link to the filtered list)."""
    return import_dates_with_last_export_day_between(today, today + dt.timedelta(days=days), window)


def expiring_line_counts_by_client(
    *, client_ids: list[int], today: dt.date, window: ExportWindow, days: int = EXPIRY_WARNING_DAYS
) -> dict[int, int]:
    """Lines with quantity still undesignated whose last export day (1313(j), product decision 1) falls
    within the next `days` days: what an analyst must claim soon or lose."""
    first, last = expiring_import_dates(today=today, window=window, days=days)
    return _grouped(
        ImportLine.objects.filter(
            client_id__in=client_ids, import_date__gte=first, import_date__lte=last, quantity_available__gt=0
        )
    )


def last_upload_by_client(*, client_ids: list[int]) -> dict[int, Upload]:
    latest = Upload.objects.filter(client=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1]
    clients = Client.objects.filter(pk__in=client_ids)
    ids = dict(clients.annotate(last_upload_id=Subquery(latest)).values_list("pk", "last_upload_id"))
    uploads = Upload.objects.in_bulk([pk for pk in ids.values() if pk])
    return {client_id: uploads[pk] for client_id, pk in ids.items() if pk}


def document_targets(
    *,
    client: Client,
    entry_numbers: Iterable[str] = (),
    export_refs: Iterable[str] = (),
    export_ids: Iterable[int] = (),
) -> tuple[list[ImportEntry], list[Export]]:
    """The client's entries and exports named by a user, looked up inside the client only (so another
    client's numbers are simply "not found"). Raises ValidationError naming the ones not found."""
    numbers = {clean_code(n) for n in entry_numbers if n and n.strip()}
    refs = {r.strip() for r in export_refs if r and r.strip()}
    ids = {int(i) for i in export_ids}
    entries = list(ImportEntry.objects.filter(client=client, entry_number__in=numbers))
    exports = list(Export.objects.filter(client=client, export_ref__in=refs)) if refs else []
    exports += list(Export.objects.filter(client=client, pk__in=ids)) if ids else []
    missing = [f"entry {n}" for n in sorted(numbers - {e.entry_number for e in entries})]
    missing += [f"export {r}" for r in sorted(refs - {x.export_ref for x in exports})]
    missing += [f"export id {i}" for i in sorted(ids - {x.pk for x in exports})]
    if missing:
        raise ValidationError(f"Not found for this client: {', '.join(missing)}.")
    return entries, exports


@dataclass(frozen=True)
class EntryTotals:
    entered_value: Decimal
    duty: Decimal
    mpf: Decimal
    hmf: Decimal
    other_taxes: Decimal
    ch99: Decimal


def import_entry_totals(*, entry: ImportEntry) -> EntryTotals:
    """Sums over an entry's (prefetched) lines, per class, exact (no rounding)."""
    lines = list(entry.lines.all())
    return EntryTotals(
        entered_value=sum((line.entered_value for line in lines), Decimal(0)),
        duty=sum((line.duty for line in lines), Decimal(0)),
        mpf=sum((line.mpf for line in lines), Decimal(0)),
        hmf=sum((line.hmf for line in lines), Decimal(0)),
        other_taxes=sum((line.other_taxes for line in lines), Decimal(0)),
        ch99=sum((row.amount for line in lines for row in line.ch99_duties.all()), Decimal(0)),
    )


def upload_list_for(*, user: User, client: Client | None = None, tariff: bool = False) -> QuerySet[Upload]:
    """Uploads the user may see: their clients' uploads; the HTS tariff uploads of their own firm, for firm
    staff only. `client` narrows to one client, `tariff` to the tariff uploads."""
    qs = Upload.objects.select_related("client", "uploaded_by", "mapping", "feed").order_by(
        "-created_at", "-pk"
    )
    if not user.is_authenticated:
        return qs.none()
    visible = Q(client__in=clients_for(user))
    if user.is_firm_staff:
        # The tariff rows are shared by every firm, but an upload (the file, who loaded it, its rejected
        # rows) is the uploading firm's. Loads from the command line have no uploader: every firm's.
        shared = Q(client__isnull=True)
        if user.firm_id:
            # A platform administrator's loads (and the command line's) are every firm's; loads made by a
            # firm's staff before only platform administrators could load the tariff stay that firm's.
            shared &= (
                Q(uploaded_by__firm_id=user.firm_id)
                | Q(uploaded_by__isnull=True)
                | Q(uploaded_by__firm__isnull=True)
            )
        visible |= shared
    qs = qs.filter(visible)
    if client is not None:
        qs = qs.filter(client=client)
    if tariff:
        qs = qs.filter(client__isnull=True, kind=Upload.Kind.HTS)
    return qs


def upload_get_for(*, user: User, pk: int, client: Client | None = None, tariff: bool = False) -> Upload:
    """One upload the user may see, else 404 (never 403: other clients' uploads do not exist for them)."""
    upload = upload_list_for(user=user, client=client, tariff=tariff).filter(pk=pk).first()
    if upload is None:
        raise Http404
    return upload


def feed_list_for(*, client: Client) -> list[DataFeed]:
    """A client's data feeds, each with its last few files (`recent`)."""
    feeds = list(DataFeed.objects.filter(client=client).select_related("analyst").order_by("name"))
    for feed in feeds:
        feed.recent = list(feed.files.select_related("upload", "document")[:5])
    return feeds


def mapping_list_for(*, client: Client, kind: str | None = None) -> QuerySet[ColumnMapping]:
    qs = ColumnMapping.objects.filter(client=client).order_by("kind", "name")
    return qs.filter(kind=kind) if kind else qs

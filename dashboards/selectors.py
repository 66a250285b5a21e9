"""Read-only figures over the other apps: the data health of each client a user may see."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from claims.selectors import finding_counts_by_client
from drawback.accounts.models import Client
from drawback.lib.dates import ExportWindow
from exports.selectors import export_counts_by_client
from imports import selectors as imports
from imports.models import Upload


@dataclass(frozen=True)
class ClientHealth:
    client: Client
    entries: int
    lines: int
    exports: int
    documents: int
    open_errors: int
    open_warnings: int
    expiring_lines: int
    expiring_from: dt.date  # import dates of the expiring lines, for a link to the filtered list
    expiring_to: dt.date
    last_upload: Upload | None


def client_health_list(*, clients: QuerySet[Client], today: dt.date) -> list[ClientHealth]:
    """One row per client, from a fixed number of grouped queries (not a query per client)."""
    rows = list(clients.select_related("firm"))
    if not rows:
        return []
    ids = [c.pk for c in rows]
    entries = imports.entry_counts_by_client(client_ids=ids)
    lines = imports.line_counts_by_client(client_ids=ids)
    exports = export_counts_by_client(client_ids=ids)
    documents = imports.document_counts_by_client(client_ids=ids)
    findings = finding_counts_by_client(clients=Client.objects.filter(pk__in=ids))
    uploads = imports.last_upload_by_client(client_ids=ids)
    # The export window is a firm setting (product decision 1); clients of one firm share it.
    expiring: dict[int, int] = {}
    ranges: dict[str, tuple[dt.date, dt.date]] = {}
    for window in {ExportWindow(c.firm.export_window) for c in rows}:
        ranges[window] = imports.expiring_import_dates(today=today, window=window)
        of_window = [c.pk for c in rows if c.firm.export_window == window.value]
        expiring.update(
            imports.expiring_line_counts_by_client(client_ids=of_window, today=today, window=window)
        )
    result = []
    for c in rows:
        first, last = ranges[ExportWindow(c.firm.export_window)]
        result.append(
            ClientHealth(
                client=c,
                entries=entries.get(c.pk, 0),
                lines=lines.get(c.pk, 0),
                exports=exports.get(c.pk, 0),
                documents=documents.get(c.pk, 0),
                open_errors=findings.get(c.pk, {}).get("error", 0),
                open_warnings=findings.get(c.pk, {}).get("warning", 0),
                expiring_lines=expiring.get(c.pk, 0),
                expiring_from=first,
                expiring_to=last,
                last_upload=uploads.get(c.pk),
            )
        )
    return result

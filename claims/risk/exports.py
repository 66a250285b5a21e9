"""Rules on exports: duplicates, direct identification, substitution candidates, USMCA/Chile, documents."""

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q

from drawback.accounts.models import Client
from drawback.lib import entry_numbers
from drawback.lib.dates import export_in_window, last_export_day
from drawback.lib.hts import dotted
from exports.models import Export
from imports.models import Document, ImportLine

from .base import FindingDraft, RiskContext, Severity, chunks, line_label, qty, usd

SHARED_IDENTIFIER = "R-EXPORT-SHARED-ID"
REPEATED = "R-EXPORT-REPEATED"
DIRECT_LINE = "R-EXPORT-DI-LINE"
NO_PRIOR_IMPORT = "R-EXPORT-NO-PRIOR-IMPORT"
USMCA_CHILE = "R-EXPORT-USMCA-CHILE"
EXPORT_DOCUMENTS = "R-EXPORT-DOCS"

IDENTIFIER_COLUMNS = ("export_ref", "itn", "shipment_ref", "bill_of_lading")
EXPORT_PROOF = (Document.Type.BILL_OF_LADING, Document.Type.AES_CONFIRMATION)
DESTRUCTION_PROOF = (Document.Type.DESTRUCTION_CERTIFICATE,)
USMCA = {"CA": "Canada", "MX": "Mexico"}
CHILE = {"CL": "Chile"}


def shared_identifier(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """An ITN, shipment reference or bill of lading that appears on more than one export record.

    The same exported goods may support one claim only (19 U.S.C. 1313(v)). The earliest record of each
    identifier is taken as the original; each later one is reported: an error when it also repeats the
    HTS and quantity (the same goods twice), a warning otherwise (one B/L or ITN can cover several
    commodity lines, which an analyst should confirm).
    """
    table = connection.ops.quote_name(Export._meta.db_table)
    union = " UNION ALL ".join(
        f"SELECT UPPER(TRIM({col})) AS ident, id FROM {table} WHERE client_id = %s AND TRIM({col}) <> ''"
        for col in (connection.ops.quote_name(c) for c in IDENTIFIER_COLUMNS)
    )
    sql = (
        f"WITH ids AS ({union}) SELECT DISTINCT ident, id FROM ids WHERE ident IN "
        "(SELECT ident FROM ids GROUP BY ident HAVING COUNT(DISTINCT id) > 1) ORDER BY ident, id"
    )
    groups: dict[str, list[int]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [client.pk] * len(IDENTIFIER_COLUMNS))
        for ident, export_id in cursor.fetchall():
            groups[ident].append(export_id)
    if not groups:
        return
    ids = {i for members in groups.values() for i in members}
    details = {}
    for batch in chunks(ids):
        for row in Export.objects.filter(id__in=batch).values_list(
            "id", "export_ref", "export_date", "hts", "quantity"
        ):
            details[row[0]] = row
    clashes: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for ident, members in groups.items():
        ordered = sorted(members, key=lambda i: (details[i][2], i))
        first = ordered[0]
        for other in ordered[1:]:
            clashes[other].append((ident, first))
    for export_id, pairs in sorted(clashes.items()):
        _, ref, _, hts, quantity = details[export_id]
        same_goods = any(details[first][3] == hts and details[first][4] == quantity for _, first in pairs)
        shared = "; ".join(f"{ident} with export {details[first][1]}" for ident, first in pairs)
        yield FindingDraft(
            rule=SHARED_IDENTIFIER,
            severity=Severity.ERROR if same_goods else Severity.WARNING,
            subject=f"export:{ref}",
            message=(
                f"Export {ref} shares {shared}"
                + (
                    ", with the same HTS and quantity: the same goods are recorded twice. "
                    if same_goods
                    else ". Confirm these are different goods of one shipment. "
                )
                + "Exported goods may support one claim only (19 U.S.C. 1313(v))."
            ),
            basis=("same goods " if same_goods else "")
            + ",".join(sorted(f"{i}>{details[f][1]}" for i, f in pairs)),
            export_id=export_id,
        )


def repeated_export(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Two export records with the same date, HTS, quantity and value: likely one export loaded twice."""
    exports = Export.objects.filter(client=client)
    groups = list(
        exports.values("export_date", "hts", "quantity", "value")
        .annotate(n=Count("id"), first=Min("id"))
        .filter(n__gt=1)
        .order_by()
    )
    for batch in chunks(groups, 100):
        match = Q()
        for g in batch:
            match |= Q(export_date=g["export_date"], hts=g["hts"], quantity=g["quantity"], value=g["value"])
        firsts = {(g["export_date"], g["hts"], g["quantity"], g["value"]): g["first"] for g in batch}
        first_refs = dict(Export.objects.filter(id__in=firsts.values()).values_list("id", "export_ref"))
        rows = exports.filter(match).values_list(
            "id", "export_ref", "export_date", "hts", "quantity", "value"
        )
        for export_id, ref, date, hts, quantity, value in rows.order_by("id"):
            first = firsts[(date, hts, quantity, value)]
            if export_id == first:
                continue
            yield FindingDraft(
                rule=REPEATED,
                severity=Severity.WARNING,
                subject=f"export:{ref}",
                message=(
                    f"Export {ref} has the same date ({date.isoformat()}), HTS {dotted(hts)}, quantity "
                    f"{qty(quantity)} and value {usd(value)} as export {first_refs[first]}: if it is the "
                    "same shipment loaded twice, remove one (19 U.S.C. 1313(v))."
                ),
                basis=f"same as {first_refs[first]}",
                export_id=export_id,
            )


def direct_identification_line(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """A direct-identification export must name an existing line of the same goods, within its window.

    1313(j)(1): the exported goods are the imported goods of that line, so the line must exist, share the
    8-digit classification and the unit (19 CFR 190.51(a)(2)(xi)), and the export must fall on or after
    the import date and before the close of its 5-year period (product decision 1).
    """
    exports = list(
        Export.objects.filter(client=client)
        .filter(~Q(direct_entry_number="") | Q(direct_line__isnull=False))
        .values_list(
            "id",
            "export_ref",
            "export_date",
            "hts",
            "uom",
            "direct_entry_number",
            "direct_line_number",
            "direct_line_id",
        )
    )
    if not exports:
        return
    linked_ids = [row[7] for row in exports if row[7] is not None]
    lines_by_id = {}
    for batch in chunks(linked_ids):
        for row in ImportLine.objects.filter(client=client, id__in=batch).values_list(
            "id", "entry__entry_number", "line_number", "hts", "uom", "import_date"
        ):
            lines_by_id[row[0]] = row
    wanted = set()
    for row in exports:
        if row[7] is None and row[5]:
            try:
                wanted.add(entry_numbers.normalize(row[5]))
            except entry_numbers.EntryNumberError:
                wanted.add(row[5])
    lines_by_key = {}
    for batch in chunks(wanted):
        for row in ImportLine.objects.filter(client=client, entry__entry_number__in=batch).values_list(
            "id", "entry__entry_number", "line_number", "hts", "uom", "import_date"
        ):
            lines_by_key[(row[1], row[2])] = row
    for export_id, ref, export_date, hts, uom, entry_text, line_number, line_id in exports:
        if line_id is not None:
            line = lines_by_id.get(line_id)
        else:
            try:
                key = entry_numbers.normalize(entry_text)
            except entry_numbers.EntryNumberError:
                key = entry_text
            line = lines_by_key.get((key, line_number))
        problems = []
        if line is None:
            named = f"line {line_number} of entry {entry_text}" if entry_text else "its import line"
            problems.append(("missing", f"names {named}, which is not among the client's import lines"))
        else:
            _, number, l_number, l_hts, l_uom, imported = line
            if l_hts[:8] != hts[:8]:
                problems.append(
                    ("hts", f"is classified {dotted(hts)} but its line is {dotted(l_hts)} (8 digits differ)")
                )
            if l_uom.upper() != uom.upper():
                problems.append(("uom", f"is in {uom} but its line is in {l_uom}"))
            if export_date < imported:
                problems.append(("before", f"is dated before its import ({imported.isoformat()})"))
            elif not export_in_window(imported, export_date, ctx.window):
                problems.append(
                    (
                        "late",
                        f"is after the last export day {last_export_day(imported, ctx.window).isoformat()} "
                        f"of its import ({imported.isoformat()})",
                    )
                )
        if not problems:
            continue
        where = f" ({line_label(line[1], line[2])})" if line else ""
        yield FindingDraft(
            rule=DIRECT_LINE,
            severity=Severity.ERROR,
            subject=f"export:{ref}",
            message=(
                f"Direct-identification export {ref}{where} "
                + "; ".join(text for _, text in problems)
                + ". Under 19 U.S.C. 1313(j)(1) the exported goods must be the goods of that line, "
                "exported within 5 years of import."
            ),
            basis=",".join(code for code, _ in problems),
            export_id=export_id,
            line_id=line[0] if line else None,
        )


def no_prior_import(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Substitution exports that no import line can support.

    The candidates are import lines of the same substitution group with the same unit (19 CFR
    190.51(a)(2)(xi)): the same 8-digit subheading, or the same 10-digit number when the 8-digit
    description begins with "Other" (19 U.S.C. 1313(j)(5)); none when both begin with "Other". A candidate
    must be dated on or before the export (19 CFR 190.51(e)(1)(iii); product decision 12) and the export
    must fall within its 5-year period (1313(j)(2)). Lines designated by direct identification are not
    candidates (19 CFR 190.51(a)(3)). No import of the group at all is a warning (the imports may not be
    loaded yet); imports that are all later, or all too old, make the export unusable: an error.
    """
    tariff = ctx.tariff

    def other8(hts: str) -> bool:
        row = tariff.get(hts[:8])
        return bool(row and row.begins_with_other)

    def other10(hts: str) -> bool:
        row = tariff.get(hts)
        return bool(row and row.begins_with_other)

    # Sorted distinct import dates per (classification, unit); one pass over the lines, grouped in SQL.
    by_hts10: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    dates = (
        ImportLine.objects.filter(client=client)
        .exclude(designation_method=ImportLine.Method.DIRECT)
        .values_list("hts", "uom", "import_date")
        .distinct()
        .order_by()
        .iterator(chunk_size=10000)
    )
    for hts, uom, imported in dates:
        by_hts10[(hts, uom.upper())].add(imported)
    groups: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for (hts, uom), days in by_hts10.items():
        key = (hts, uom) if other8(hts) else (hts[:8], uom)
        groups[key].extend(days)
    candidates = {key: sorted(set(days)) for key, days in groups.items()}
    del by_hts10, groups

    exports = (
        Export.objects.filter(
            client=client,
            direct_entry_number="",
            direct_line__isnull=True,
            quantity_available__gt=0,
            hts__regex=r"^[0-9]{10}$",
        )
        .values_list("id", "export_ref", "export_date", "hts", "uom")
        .iterator(chunk_size=5000)
    )
    for export_id, ref, export_date, hts, uom in exports:
        by_ten = other8(hts)
        if by_ten and other10(hts):
            severity, basis = Severity.ERROR, "other/other"
            text = (
                f"both {dotted(hts[:8])} and {dotted(hts)} begin with 'Other', so no substitution is "
                "possible (19 U.S.C. 1313(j)(5)(B)); only direct identification (j)(1) can claim it"
            )
        else:
            key = (hts, uom.upper()) if by_ten else (hts[:8], uom.upper())
            group = f"{'10-digit ' + dotted(hts) if by_ten else '8-digit ' + dotted(hts[:8])}, unit {uom}"
            days = candidates.get(key, [])
            earlier = bisect_right(days, export_date)
            if not days:
                severity, basis = Severity.WARNING, "none"
                text = f"no import line of its substitution group ({group}) is in the data"
            elif earlier == 0:
                severity, basis = Severity.ERROR, "later"
                text = (
                    f"it is dated before every import of its substitution group ({group}; earliest "
                    f"{days[0].isoformat()}); a substitution export may not precede the designated import "
                    "(19 CFR 190.51(e)(1)(iii))"
                )
            elif not export_in_window(days[earlier - 1], export_date, ctx.window):
                severity, basis = Severity.ERROR, "expired"
                text = (
                    f"every earlier import of its substitution group ({group}; latest "
                    f"{days[earlier - 1].isoformat()}) is more than 5 years before it (19 U.S.C. 1313(j)(2))"
                )
            else:
                continue
        yield FindingDraft(
            rule=NO_PRIOR_IMPORT,
            severity=severity,
            subject=f"export:{ref}",
            message=f"Export {ref} ({export_date.isoformat()}) cannot be claimed by substitution: {text}.",
            basis=basis,
            export_id=export_id,
        )


def usmca_chile(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Substitution exports to Canada, Mexico or Chile not marked as excepted goods.

    19 U.S.C. 1313(j)(4) and product decision 11: such an export is not an exportation for (j)(2)
    substitution unless the goods are listed in 19 U.S.C. 4534(a)(1)-(8) (USMCA) or section 203(a)(1)-(5)
    of the US-Chile FTA Implementation Act; direct identification (j)(1) stays possible. Manufacturing
    claims on goods to Canada or Mexico are limited to the lesser of the US duty and the duty paid there
    (1313(n)(2); 19 CFR 182.44).
    """
    rows = (
        Export.objects.filter(
            client=client,
            disposition=Export.Disposition.EXPORT,
            destination__in=[*USMCA, *CHILE],
            excepted_goods=False,
            direct_entry_number="",
            direct_line__isnull=True,
            quantity_available__gt=0,
        )
        .values_list("id", "export_ref", "destination")
        .iterator(chunk_size=5000)
    )
    for export_id, ref, destination in rows:
        if destination in USMCA:
            country = USMCA[destination]
            message = (
                f"Export {ref} to {country}: not an exportation for (j)(2) substitution (19 U.S.C. "
                "1313(j)(4)(A); 19 CFR 182.42(c)) unless the goods are listed in 19 U.S.C. 4534(a)(1)-(8): "
                "mark it as excepted goods to claim under provision 77. Direct identification (j)(1) remains "
                "possible. Manufacturing claims are limited to the lesser of the US duty and the duty paid "
                f"in {country} (19 U.S.C. 1313(n)(2); 19 CFR 182.44)."
            )
        else:
            message = (
                f"Export {ref} to Chile: not an exportation for (j)(2) substitution "
                "(19 U.S.C. 1313(j)(4)(B)) unless the goods are listed in section 203(a)(1)-(5) of the "
                "US-Chile FTA Implementation Act: mark it as excepted goods if they are. Direct "
                "identification (j)(1) remains possible."
            )
        yield FindingDraft(
            rule=USMCA_CHILE,
            severity=Severity.WARNING,
            subject=f"export:{ref}",
            message=message,
            basis=destination,
            export_id=export_id,
        )


def export_documents(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Exports with quantity left but no proof on file: a bill of lading or AES confirmation for an export,
    a certificate of destruction for a destruction (19 CFR 190.72; 190.71)."""
    through = Export.documents.through

    def proof(kinds) -> Exists:
        return Exists(
            through.objects.filter(
                Q(document__doc_type__in=kinds) | Q(document__proofs__doc_type__in=kinds),
                export_id=OuterRef("pk"),
            )
        )

    missing = (
        Export.objects.filter(client=client, quantity_available__gt=0)
        .filter(
            (Q(disposition=Export.Disposition.EXPORT) & ~proof(EXPORT_PROOF))
            | (Q(disposition=Export.Disposition.DESTROY) & ~proof(DESTRUCTION_PROOF))
        )
        .values_list("id", "export_ref", "disposition")
        .iterator(chunk_size=5000)
    )
    for export_id, ref, disposition in missing:
        if disposition == Export.Disposition.DESTROY:
            text = (
                f"Destruction {ref} has no certificate of destruction on file; the claim needs evidence of "
                "destruction under CBP supervision (19 CFR 190.71)."
            )
        else:
            text = (
                f"Export {ref} has no bill of lading or AES/EEI confirmation on file; the claim needs proof "
                "of exportation (19 CFR 190.72; 190.51(a)(2)(xvi))."
            )
        yield FindingDraft(
            rule=EXPORT_DOCUMENTS,
            severity=Severity.WARNING,
            subject=f"export:{ref}",
            message=text,
            basis=disposition,
            export_id=export_id,
        )

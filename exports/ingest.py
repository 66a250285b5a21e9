"""Export files: AES/EEI listings (formats.md (b)) and the canonical exports.csv (data-contract.md).

Natural key: (client, export_ref). Re-loading updates in place: `created`, `updated`, `unchanged` count
exports. An export already partly claimed keeps its claimed part (quantity - quantity_available); a new
quantity below it is an error for that row.

AES/EEI listings differ between filing programs, so the documented headers below are the common ones and a
client's own layout is loaded through a saved column mapping. The unique export identifier (19 CFR
190.51(a)(2)(xi)) is the ITN, else the shipment reference number, else the bill of lading or air waybill
number. A shipment with several commodity lines repeats its ITN; when the file has a commodity line
number the identifier becomes `ITN-<line>` (the ITN itself is kept in `itn`), otherwise a repeated ITN is
an error. Destructions are loaded from exports.csv (`disposition` = destroy).
"""

import re

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from imports.ingest import base
from imports.ingest.base import Field
from imports.ingest.core import Counts, LoadContext, Parser, register
from imports.ingest.lines import (
    POST_LOAD_HOOKS,
    _bulk_session,
    _insert_defaults,
    refresh_statistics,
    write_method,
)
from imports.ingest.reader import Table
from imports.ingest.spool import Spool
from imports.models import FilerCodeOffset, ImportLine

from .models import Export

TYPES = {
    "itn": "text",
    "shipment_ref": "text",
    "bill_of_lading": "text",
    "export_date": "date",
    "exporter_name": "text",
    "exporter_number": "text",
    "consignee": "text",
    "destination": "text",
    "port_of_export": "text",
    "hts": "text",
    "description": "text",
    "quantity": "numeric",
    "uom": "text",
    "value": "numeric",
    "disposition": "text",
    "recovered_value": "numeric",
    "excepted_goods": "bool",
    "direct_entry_number": "text",
    "direct_line_number": "int",
}
_ITN = re.compile(r"^X\d{14}$")

AES_FIELDS = (
    Field("itn", ("ITN", "Internal Transaction Number", "AES ITN")),
    Field("shipment_ref", ("Shipment Reference Number", "Shipment Reference", "SRN")),
    Field("bill_of_lading", ("Bill of Lading Number", "Bill of Lading", "B/L Number", "Air Waybill Number")),
    Field("line_number", ("Commodity Line Number", "EEI Line Number", "Line Number")),
    Field("export_date", ("Date of Export", "Export Date"), True),
    Field("exporter_number", ("USPPI EIN", "USPPI ID", "Exporter EIN")),
    Field("exporter_name", ("USPPI Name", "Exporter Name")),
    Field("consignee", ("Ultimate Consignee Name", "Ultimate Consignee")),
    Field("destination", ("Country of Ultimate Destination", "Destination Country"), True),
    Field("port_of_export", ("Port of Export", "Port of Export Code")),
    Field("hts", ("Schedule B/HTS Number", "Schedule B Number", "Commodity Classification"), True),
    Field("description", ("Commodity Description",)),
    Field("quantity", ("Quantity 1", "Primary Quantity"), True),
    Field("uom", ("Unit of Measure 1", "Primary Unit of Measure"), True),
    Field("value", ("Value of Goods (USD)", "Value (USD)", "Export Value"), True),
)

EXPORTS_FIELDS = (
    Field("export_ref", ("export_ref",), True),
    Field("export_date", ("export_date",), True),
    Field("hts", ("hts",), True),
    Field("quantity", ("quantity",), True),
    Field("uom", ("uom",), True),
    Field("value", ("value",), True),
    Field("destination", ("destination",), True),
    Field("disposition", ("disposition",)),
    Field("recovered_value", ("recovered_value",)),
    Field("entry_number", ("entry_number",)),
    Field("line_number", ("line_number",)),
    Field("excepted_goods", ("excepted_goods",)),
)


def claimed_quantities(client) -> dict[str, object]:
    rows = Export.objects.filter(client=client, quantity_available__lt=F("quantity")).values_list(
        "export_ref", "quantity", "quantity_available"
    )
    return {ref: q - a for ref, q, a in rows}


class _ExportParser(Parser):
    counted = "exports"

    def field_keys(self, ctx: LoadContext) -> list[str]:
        raise NotImplementedError

    def read_row(self, ctx: LoadContext, row_no: int, cells: list[str]) -> tuple[dict, list]:
        raise NotImplementedError

    def prepare(self, ctx: LoadContext) -> None:
        self.date = base.DateReader(self.date_formats)

    def party_check(self, ctx: LoadContext) -> base.PartyCheck | None:
        """The exporter number check of a file that carries one (see AesParser)."""
        return None

    def validate(self, ctx: LoadContext, table: Table) -> Spool:
        self.prepare(ctx)
        party = self.party_check(ctx)
        keys = [k for k in TYPES if k in self.field_keys(ctx)]
        spool = Spool([("export_ref", "text")] + [(k, TYPES[k]) for k in keys])
        claimed = claimed_quantities(ctx.client)
        seen: dict[str, int] = {}
        width = len(ctx.columns.headers)
        for n, (row_no, cells) in enumerate(table.rows()):
            if n % 2000 == 0:
                ctx.report(table.fraction)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if not any(c.strip() for c in cells):
                continue
            ctx.rows += 1
            values, errors = self.read_row(ctx, row_no, cells)
            if party is not None:
                party.see(row_no, values.get("exporter_number"))
            ref = values.get("export_ref")
            if ref:
                ref_key = self.ref_key
                if ref in seen:
                    errors.append(
                        ctx.error(
                            row_no,
                            ref_key,
                            ctx.columns.get(cells, ref_key),
                            "duplicate_export",
                            f"export {ref} already appears at row {seen[ref]}; export identifiers are unique",
                        )
                    )
                else:
                    seen[ref] = row_no
                held = claimed.get(ref)
                if held is not None and values.get("quantity") is not None and values["quantity"] < held:
                    errors.append(
                        ctx.error(
                            row_no,
                            "quantity",
                            ctx.columns.get(cells, "quantity"),
                            "below_claimed",
                            f"{held} of this export is already on claims; the quantity cannot fall below it",
                        )
                    )
            if errors:
                ctx.reject(row_no, cells, errors)
                continue
            spool.add((ref, *(values.get(k) for k in keys)))
        refusal = party.refusal(ctx) if party is not None else None
        if refusal is not None:
            ctx.refuse(refusal)
        return spool

    def write(self, ctx: LoadContext, staged: Spool) -> Counts:
        if write_method() == "copy":
            counts = _copy_write(ctx.client.pk, ctx.upload_id, staged)
        else:
            counts = _orm_write(ctx.client, ctx.upload_id, staged)
        link_direct_exports(client_id=ctx.client.pk)
        return counts

    def before_write(self, ctx: LoadContext, staged: Spool) -> None:
        refresh_statistics(["exports_export"], rows=staged.count)

    def discard(self, staged: Spool) -> None:
        staged.close()


class AesParser(_ExportParser):
    kind = "aes"
    label = "AES/EEI export listing"
    fields = AES_FIELDS
    required_any = (("itn", "shipment_ref", "bill_of_lading"),)
    date_formats = ("us", "iso")
    ref_key = "itn"

    def party_check(self, ctx: LoadContext) -> base.PartyCheck | None:
        """The USPPI must be the client: the claimant's own exports. Exports of another exporter who waived
        its right to drawback to the claimant (19 CFR 190.82) come in through exports.csv, which names no
        exporter. AES gives the USPPI's EIN without CBP's suffix, so the EIN alone is compared."""
        client = ctx.client
        own = client.exporter_number or client.importer_number
        if not ctx.columns.has("exporter_number") or not own:
            return None
        return base.PartyCheck(
            client=client, key="exporter_number", what="exporter (USPPI) number", own=own, ein_only=True
        )

    def field_keys(self, ctx):
        keys = {"export_date", "destination", "hts", "quantity", "uom", "value", "disposition"}
        keys |= {k for k in ("itn", "shipment_ref", "bill_of_lading") if ctx.columns.has(k)}
        keys |= {
            k
            for k in ("exporter_number", "exporter_name", "consignee", "port_of_export")
            if ctx.columns.has(k)
        }
        keys |= {"description"} if ctx.columns.has("description") else set()
        return keys

    def read_row(self, ctx, row_no, cells):
        errors: list = []
        cols = ctx.columns
        read = lambda key, reader: ctx.read(row_no, cells, key, reader, errors)  # noqa: E731
        values: dict[str, object] = {"disposition": Export.Disposition.EXPORT}
        itn = read("itn", lambda v: v.strip().upper())
        if itn and not _ITN.match(itn):
            errors.append(
                ctx.error(
                    row_no, "itn", cols.get(cells, "itn"), "itn_format", "an ITN is X followed by 14 digits"
                )
            )
        values["itn"] = itn or ""
        values["shipment_ref"] = read(
            "shipment_ref", lambda v: base.text(v, max_length=60, what="shipment reference")
        )
        values["bill_of_lading"] = read(
            "bill_of_lading", lambda v: base.text(v, max_length=60, what="bill of lading")
        )
        line = cols.get(cells, "line_number").strip()
        if itn:
            ref = itn
            if line:
                number = read(
                    "line_number", lambda v: base.positive_int(v, what="commodity line number", maximum=9999)
                )
                ref = f"{itn}-{number}" if number else None
        else:
            ref = values["shipment_ref"] or values["bill_of_lading"]
            if not ref and not errors:
                key = next(k for k in ("itn", "shipment_ref", "bill_of_lading") if cols.has(k))
                errors.append(
                    ctx.error(
                        row_no,
                        key,
                        "",
                        "export_ref_required",
                        "an export needs an ITN, a shipment reference number or a bill of lading number",
                    )
                )
        values["export_ref"] = ref
        values["export_date"] = read(
            "export_date", lambda v: self.date(v, required=True, what="date of export")
        )
        values["exporter_number"] = read(
            "exporter_number", lambda v: base.importer_number(v, what="USPPI EIN")
        )
        values["exporter_name"] = read(
            "exporter_name", lambda v: base.text(v, max_length=200, what="USPPI name")
        )
        values["consignee"] = read("consignee", lambda v: base.text(v, max_length=200, what="consignee"))
        values["destination"] = read(
            "destination", lambda v: base.country(v, required=True, what="destination")
        )
        values["port_of_export"] = read(
            "port_of_export", lambda v: base.digits_code(v, length=4, what="port of export")
        )
        values["hts"] = read("hts", lambda v: base.hts10(v, what="Schedule B/HTS number"))
        values["description"] = read(
            "description", lambda v: base.text(v, max_length=500, what="description")
        )
        values["quantity"] = read("quantity", base.quantity)
        values["uom"] = read("uom", base.uom)
        values["value"] = read("value", lambda v: base.money(v, what="value"))
        return values, errors


class ExportsCsvParser(_ExportParser):
    kind = "exports"
    label = "canonical exports.csv"
    fields = EXPORTS_FIELDS
    strict_utf8 = True
    date_formats = ("iso",)
    ref_key = "export_ref"

    def prepare(self, ctx):
        super().prepare(ctx)
        offsets = dict(FilerCodeOffset.objects.values_list("filer_code", "offset"))
        self.entry_number = base.EntryNumberReader(offsets)

    def field_keys(self, ctx):
        keys = {"export_date", "hts", "quantity", "uom", "value", "destination", "disposition"}
        if ctx.columns.has("recovered_value"):
            keys.add("recovered_value")
        if ctx.columns.has("excepted_goods"):
            keys.add("excepted_goods")
        if ctx.columns.has("entry_number") or ctx.columns.has("line_number"):
            keys |= {"direct_entry_number", "direct_line_number"}
        return keys

    def read_row(self, ctx, row_no, cells):
        errors: list = []
        cols = ctx.columns
        read = lambda key, reader: ctx.read(row_no, cells, key, reader, errors)  # noqa: E731
        values: dict[str, object] = {}
        values["export_ref"] = read(
            "export_ref", lambda v: base.text(v, max_length=60, required=True, what="export_ref")
        )
        values["export_date"] = read("export_date", lambda v: self.date(v, required=True, what="export_date"))
        values["hts"] = read("hts", lambda v: base.hts10(v, what="hts"))
        values["quantity"] = read("quantity", lambda v: base.quantity(v, plain=True))
        values["uom"] = read("uom", base.uom)
        values["value"] = read("value", lambda v: base.money(v, what="value", plain=True))
        disposition = cols.get(cells, "disposition").strip().lower() or "export"
        if disposition not in Export.Disposition.values:
            errors.append(
                ctx.error(
                    row_no,
                    "disposition",
                    cols.get(cells, "disposition"),
                    "disposition",
                    "disposition is export or destroy",
                )
            )
        values["disposition"] = disposition
        destination = read("destination", lambda v: base.country(v, what="destination"))
        if disposition == "export" and destination == "":
            errors.append(
                ctx.error(row_no, "destination", "", "required", "destination is required for an export")
            )
        if disposition == "destroy" and destination:
            errors.append(
                ctx.error(
                    row_no,
                    "destination",
                    cols.get(cells, "destination"),
                    "destination_on_destruction",
                    "a destruction has no destination; leave it empty",
                )
            )
        values["destination"] = destination
        recovered = read(
            "recovered_value", lambda v: base.money(v, required=False, what="recovered_value", plain=True)
        )
        if recovered and disposition == "export":
            errors.append(
                ctx.error(
                    row_no,
                    "recovered_value",
                    cols.get(cells, "recovered_value"),
                    "recovered_value_on_export",
                    "recovered_value applies to a destruction only",
                )
            )
        values["recovered_value"] = recovered or 0
        values["excepted_goods"] = read("excepted_goods", lambda v: base.boolean(v, what="excepted_goods"))
        entry_text, line_text = cols.get(cells, "entry_number"), cols.get(cells, "line_number")
        values["direct_entry_number"], values["direct_line_number"] = "", None
        if entry_text.strip() or line_text.strip():
            if not (entry_text.strip() and line_text.strip()):
                key = "line_number" if entry_text.strip() else "entry_number"
                errors.append(
                    ctx.error(
                        row_no,
                        key,
                        "",
                        "direct_pair",
                        "entry_number and line_number go together (they name one import line)",
                    )
                )
            else:
                values["direct_entry_number"] = read("entry_number", self.entry_number) or ""
                values["direct_line_number"] = read(
                    "line_number", lambda v: base.positive_int(v, what="line_number", maximum=99999)
                )
        return values, errors


def _copy_write(client_id: int, upload_id: int | None, spool: Spool) -> Counts:
    fields = spool.names[1:]
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7512, client_id])
        _bulk_session(cur)
        cur.execute("DROP TABLE IF EXISTS ingest_export")
        cur.execute(f"CREATE TEMP TABLE ingest_export ({spool.sql_columns()}) ON COMMIT DROP")
        spool.copy_into(cur, "ingest_export")
        cur.execute("ANALYZE ingest_export")
        sets = ", ".join(f"{f} = s.{f}" for f in fields)
        old = ", ".join(f"x.{f}" for f in fields)
        new = ", ".join(f"s.{f}" for f in fields)
        cur.execute(
            f"""UPDATE exports_export x SET {sets},
                    quantity_available = s.quantity - (x.quantity - x.quantity_available),
                    source_upload_id = %s, updated_at = now()
                FROM ingest_export s
                WHERE x.client_id = %s AND x.export_ref = s.export_ref
                  AND ROW({old}) IS DISTINCT FROM ROW({new})""",
            [upload_id, client_id],
        )
        updated = cur.rowcount
        defaults = _insert_defaults(
            Export, {"client_id", "export_ref", "quantity_available", "source_upload_id", *fields}
        )
        columns = ["client_id", "export_ref", *fields, "quantity_available", "source_upload_id", *defaults]
        values = ["%s", "s.export_ref", *(f"s.{f}" for f in fields), "s.quantity", "%s"]
        values += ["%s"] * len(defaults)
        cur.execute(
            f"""INSERT INTO exports_export ({", ".join(columns)}, created_at, updated_at)
                SELECT {", ".join(values)}, now(), now() FROM ingest_export s
                ON CONFLICT (client_id, export_ref) DO NOTHING""",
            [client_id, upload_id, *defaults.values()],
        )
        created = cur.rowcount
    return Counts(created, updated, spool.count - created - updated)


def _orm_write(client, upload_id: int | None, spool: Spool) -> Counts:
    fields = spool.names[1:]
    counts = Counts()
    now = timezone.now()
    for chunk in spool.chunks(1000):
        existing = {
            x.export_ref: x
            for x in Export.objects.filter(client=client, export_ref__in=[r[0] for r in chunk])
        }
        new, changed = [], []
        for ref, *values in chunk:
            data = dict(zip(fields, values, strict=True))
            export = existing.get(ref)
            if export is None:
                new.append(
                    Export(
                        client=client,
                        export_ref=ref,
                        quantity_available=data["quantity"],
                        source_upload_id=upload_id,
                        **data,
                    )
                )
            elif any(getattr(export, f) != v for f, v in data.items()):
                claimed = export.quantity - export.quantity_available
                for f, v in data.items():
                    setattr(export, f, v)
                export.quantity_available = export.quantity - claimed
                export.source_upload_id = upload_id
                export.updated_at = now
                changed.append(export)
            else:
                counts.unchanged += 1
        Export.objects.bulk_create(new)
        Export.objects.bulk_update(changed, [*fields, "quantity_available", "source_upload", "updated_at"])
        counts.created += len(new)
        counts.updated += len(changed)
    return counts


def link_direct_exports(*, client_id: int) -> None:
    """Point exports that name an import line (direct identification) at that line once it is loaded."""
    stale = Export.objects.filter(client_id=client_id, direct_line__isnull=False).exclude(
        direct_line__entry__entry_number=F("direct_entry_number"),
        direct_line__line_number=F("direct_line_number"),
    )
    stale.update(direct_line=None)
    pending = list(
        Export.objects.filter(client_id=client_id, direct_line__isnull=True, direct_line_number__isnull=False)
        .exclude(direct_entry_number="")
        .only("pk", "direct_entry_number", "direct_line_number")
    )
    for start in range(0, len(pending), 1000):
        chunk = pending[start : start + 1000]
        wanted = Q()
        for x in chunk:
            wanted |= Q(entry__entry_number=x.direct_entry_number, line_number=x.direct_line_number)
        lines = {
            (e, n): pk
            for pk, e, n in ImportLine.objects.filter(Q(client_id=client_id) & wanted).values_list(
                "pk", "entry__entry_number", "line_number"
            )
        }
        linked = []
        for x in chunk:
            line_id = lines.get((x.direct_entry_number, x.direct_line_number))
            if line_id:
                x.direct_line_id = line_id
                linked.append(x)
        Export.objects.bulk_update(linked, ["direct_line"])


register(AesParser())
register(ExportsCsvParser())
POST_LOAD_HOOKS.append(link_direct_exports)

"""Loaders of the manufacturer's files (docs/reference/manufacturing-data.md): bills of materials, production
lots, rejected-merchandise returns. They go through the same pipeline as every other file
(imports.ingest.pipeline): every row read and checked first, nothing stored when any row fails (unless the
load allows partial loading), then one transaction.

A bill of materials or a lot spans several rows (one per component): its rows are one record, rejected
together; the other rows of a record with a bad row are listed as rejected with it, not counted as problems
of their own. Re-loading a file changes only what differs (`created`, `updated`, `unchanged` count
articles, lots and returns); a record's rows in a file replace its rows as stored.
"""

from collections import defaultdict
from decimal import Decimal

from imports.ingest import base
from imports.ingest.base import CellError, Field, RowError
from imports.ingest.core import Counts, LoadContext, Parser, register
from imports.ingest.reader import Table
from imports.models import FilerCodeOffset, ImportLine

from .models import BillOfMaterials, BomItem, LotComponent, ProductionLot, RejectedReturn

BOM_FIELDS = (
    Field("article_part", ("article_part",), True),
    Field("article_hts", ("article_hts",), True),
    Field("article_uom", ("article_uom",), True),
    Field("ruling", ("ruling",), True),
    Field("item_type", ("item_type",), True),
    Field("quantity_per_unit", ("quantity_per_unit",), True),
    Field("uom", ("uom",), True),
    Field("hts", ("hts",)),
    Field("part", ("part",)),
    Field("unit_value", ("unit_value",)),
    Field("appears_in", ("appears_in",)),
    Field("article_value", ("article_value",)),
    Field("description", ("description",)),
)

PRODUCTION_FIELDS = (
    Field("lot", ("lot",), True),
    Field("article_part", ("article_part",), True),
    Field("lot_quantity", ("lot_quantity",), True),
    Field("started_on", ("started_on",), True),
    Field("finished_on", ("finished_on",), True),
    Field("factory", ("factory",)),
    Field("export_refs", ("export_refs",)),
    Field("component_hts", ("component_hts",)),
    Field("component_quantity", ("component_quantity",)),
    Field("component_uom", ("component_uom",)),
    Field("entry_number", ("entry_number",)),
    Field("line_number", ("line_number",)),
)

RETURNS_FIELDS = (
    Field("return_ref", ("return_ref",), True),
    Field("reason", ("reason",), True),
    Field("entry_number", ("entry_number",), True),
    Field("line_number", ("line_number",), True),
    Field("quantity", ("quantity",), True),
    Field("uom", ("uom",), True),
    Field("rejected_on", ("rejected_on",), True),
    Field("returned_on", ("returned_on",), True),
    Field("proof", ("proof",), True),
    Field("part", ("part",)),
    Field("unused", ("unused",)),
    Field("export_ref", ("export_ref",)),
)


def _positive_value(value: str, what: str) -> Decimal | None:
    amount = base.money(value, required=False, what=what, places=6, plain=True)
    return amount


class _RecordParser(Parser):
    """Rows grouped into records by a key; a record is stored whole or not at all."""

    strict_utf8 = True
    record_key = ""
    record_word = ""

    def read_row(self, ctx: LoadContext, row_no: int, cells: list[str], errors: list) -> dict:
        raise NotImplementedError

    def check_record(self, ctx: LoadContext, key: str, rows: list[tuple[int, list[str], dict]]) -> list:
        """Errors of a record as a whole (each a RowError); rows alone were fine."""
        return []

    def prepare(self, ctx: LoadContext) -> None:
        offsets = dict(FilerCodeOffset.objects.values_list("filer_code", "offset"))
        self.entry_number = base.EntryNumberReader(offsets)
        self.date = base.DateReader(("iso",))

    def validate(self, ctx: LoadContext, table: Table) -> dict:
        self.prepare(ctx)
        self._lines = {}
        width = len(ctx.columns.headers)
        records: dict[str, list[tuple[int, list[str], dict]]] = defaultdict(list)
        failed: dict[str, list[RowError]] = defaultdict(list)
        for n, (row_no, cells) in enumerate(table.rows()):
            if n % 2000 == 0:
                ctx.report(table.fraction)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if not any(c.strip() for c in cells):
                continue
            ctx.rows += 1
            errors: list[RowError] = []
            values = self.read_row(ctx, row_no, cells, errors)
            key = values.get(self.record_key) or f"row {row_no}"
            records[key].append((row_no, cells, values))
            if errors:
                failed[key].extend(errors)
        staged = {}
        for key, rows in records.items():
            errors = failed.get(key) or self.check_record(ctx, key, rows)
            if errors:
                bad_rows = {e.row for e in errors}
                for row_no, cells, _ in rows:
                    mine = [e for e in errors if e.row == row_no]
                    if not mine and row_no not in bad_rows:
                        mine = [
                            ctx.error(
                                row_no,
                                self.record_key,
                                str(key),
                                f"rejected_with_{self.record_word}",
                                f"rejected with the other rows of {self.record_word} {key}",
                                counted=False,
                            )
                        ]
                    ctx.reject(row_no, cells, mine)
                continue
            staged[key] = rows
        # Everything the write needs travels with the staged records (the parser object is shared).
        return {"records": staged, "lines": self._lines, "boms": getattr(self, "boms", {})}

    def inconsistent(self, ctx, rows, keys) -> list[RowError]:
        """Record-level fields must be the same on every row of the record."""
        out = []
        first_row, first_cells, first = rows[0]
        for row_no, cells, values in rows[1:]:
            for key in keys:
                if values.get(key) != first.get(key):
                    out.append(
                        ctx.error(
                            row_no,
                            key,
                            ctx.columns.get(cells, key),
                            f"{self.record_word}_inconsistent",
                            f"differs from row {first_row} of the same {self.record_word} "
                            f"({ctx.columns.get(first_cells, key)!r}); every row of a {self.record_word} "
                            "repeats its values",
                        )
                    )
        return out

    def lines_of(self, ctx, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], ImportLine]:
        if not wanted:
            return {}
        entries = {e for e, _ in wanted}
        found = ImportLine.objects.filter(client=ctx.client, entry__entry_number__in=entries).select_related(
            "entry"
        )
        return {
            (x.entry.entry_number, x.line_number): x
            for x in found
            if (x.entry.entry_number, x.line_number) in wanted
        }


class BomParser(_RecordParser):
    kind = "bom"
    label = "bill of materials"
    fields = BOM_FIELDS
    counted = "articles"
    record_key = "article_part"
    record_word = "article"
    ARTICLE = ("article_hts", "article_uom", "ruling", "article_value", "description")

    def read_row(self, ctx, row_no, cells, errors):
        read = lambda key, reader: ctx.read(row_no, cells, key, reader, errors)  # noqa: E731
        v: dict = {}
        v["article_part"] = read(
            "article_part", lambda x: base.text(x, max_length=60, required=True, what="article_part")
        )
        v["article_hts"] = read("article_hts", lambda x: base.hts10(x, what="article_hts"))
        v["article_uom"] = read("article_uom", base.uom)
        v["ruling"] = read("ruling", lambda x: base.text(x, max_length=60, required=True, what="ruling"))
        v["article_value"] = read("article_value", lambda x: _positive_value(x, "article_value"))
        v["description"] = read("description", lambda x: base.text(x, max_length=200, what="description"))
        item_type = ctx.columns.get(cells, "item_type").strip().lower()
        if item_type not in BomItem.Kind.values:
            errors.append(
                ctx.error(
                    row_no,
                    "item_type",
                    ctx.columns.get(cells, "item_type"),
                    "item_type",
                    "item_type is component, waste or coproduct",
                )
            )
        v["kind"] = item_type
        v["quantity"] = read(
            "quantity_per_unit", lambda x: base.quantity(x, what="quantity_per_unit", plain=True)
        )
        v["uom"] = read("uom", base.uom)
        v["part"] = read("part", lambda x: base.text(x, max_length=60, what="part")) or ""
        v["unit_value"] = read("unit_value", lambda x: _positive_value(x, "unit_value"))
        v["appears_in"] = bool(read("appears_in", lambda x: base.boolean(x, what="appears_in")))
        hts_text = ctx.columns.get(cells, "hts")
        v["hts"] = ""
        if hts_text.strip():
            v["hts"] = read("hts", lambda x: base.hts10(x, what="hts")) or ""
        elif item_type in (BomItem.Kind.COMPONENT, BomItem.Kind.WASTE):
            what = (
                "the component's HTS"
                if item_type == BomItem.Kind.COMPONENT
                else ("the HTS of the component the waste comes from")
            )
            errors.append(ctx.error(row_no, "hts", "", "required", f"hts is required: {what}"))
        if item_type in (BomItem.Kind.WASTE, BomItem.Kind.COPRODUCT) and v["unit_value"] is None:
            if not any(e.column == ctx.columns.header("unit_value") for e in errors):
                errors.append(
                    ctx.error(
                        row_no,
                        "unit_value",
                        "",
                        "required",
                        f"unit_value (market value per unit) is required for {item_type} "
                        "(19 CFR 190.23(a)(2), 190.2 relative value)",
                    )
                )
        if v["appears_in"] and item_type != BomItem.Kind.COMPONENT:
            errors.append(
                ctx.error(
                    row_no,
                    "appears_in",
                    ctx.columns.get(cells, "appears_in"),
                    "appears_in_component_only",
                    "appears_in applies to a component",
                )
            )
        return v

    def check_record(self, ctx, key, rows):
        errors = self.inconsistent(ctx, rows, self.ARTICLE)
        if errors:
            return errors
        first_row, _, first = rows[0]
        components = [v for _, _, v in rows if v["kind"] == BomItem.Kind.COMPONENT]
        if not components:
            return [
                ctx.error(
                    first_row,
                    "item_type",
                    "",
                    "no_component",
                    f"article {key} has no component row; a bill of materials names the merchandise used "
                    "(19 U.S.C. 1313(b)(3))",
                )
            ]
        seen: dict[tuple, int] = {}
        component_hts = {v["hts"][:8] for v in components}
        for row_no, cells, v in rows:
            ident = (v["kind"], v["hts"], v["part"])
            if ident in seen:
                errors.append(
                    ctx.error(
                        row_no,
                        "hts",
                        ctx.columns.get(cells, "hts"),
                        "duplicate_item",
                        f"the same {v['kind']} already appears at row {seen[ident]} of this article",
                    )
                )
            seen.setdefault(ident, row_no)
            if v["kind"] == BomItem.Kind.WASTE and v["hts"][:8] not in component_hts:
                errors.append(
                    ctx.error(
                        row_no,
                        "hts",
                        ctx.columns.get(cells, "hts"),
                        "waste_without_component",
                        "waste is listed against the HTS of the component it comes from; no component of "
                        "this article has that 8-digit HTS",
                    )
                )
            if v["kind"] == BomItem.Kind.COPRODUCT and first["article_value"] is None:
                errors.append(
                    ctx.error(
                        row_no,
                        "article_value",
                        "",
                        "required",
                        "article_value is required when the article has co-products: relative value shares "
                        "the merchandise by value at separation (19 U.S.C. 1313(a); 19 CFR 190.2)",
                    )
                )
        return errors

    def write(self, ctx, staged) -> Counts:
        counts = Counts()
        existing = {
            b.article_part: b
            for b in BillOfMaterials.objects.filter(client=ctx.client).prefetch_related("items")
        }
        for part, rows in staged["records"].items():
            first = rows[0][2]
            article = {k: first[k] for k in self.ARTICLE}
            article["description"] = article["description"] or ""
            items = [
                (v["kind"], v["part"], v["hts"], v["quantity"], v["uom"], v["unit_value"], v["appears_in"])
                for _, _, v in rows
            ]
            bom = existing.get(part)
            if bom is not None:
                stored = [
                    (i.kind, i.part, i.hts, i.quantity, i.uom, i.unit_value, i.appears_in)
                    for i in bom.items.all()
                ]
                same_article = all(getattr(bom, k) == v for k, v in article.items())
                if same_article and stored == items:
                    counts.unchanged += 1
                    continue
                for k, v in article.items():
                    setattr(bom, k, v)
                bom.source_upload_id = ctx.upload_id
                bom.save()
                bom.items.all().delete()
                counts.updated += 1
            else:
                bom = BillOfMaterials.objects.create(
                    client=ctx.client, article_part=part, source_upload_id=ctx.upload_id, **article
                )
                counts.created += 1
            BomItem.objects.bulk_create(
                BomItem(
                    bom=bom,
                    position=n,
                    kind=k,
                    part=p,
                    hts=h,
                    quantity=q,
                    uom=u,
                    unit_value=val,
                    appears_in=a,
                )
                for n, (k, p, h, q, u, val, a) in enumerate(items, start=1)
            )
        return counts


def _refs(text: str) -> list[str]:
    refs = [r.strip() for r in text.split(";") if r.strip()]
    for ref in refs:
        if len(ref) > 60:
            raise CellError("too_long", "an export reference is longer than 60 characters")
    if len(set(refs)) != len(refs):
        raise CellError("duplicate_export", "an export is listed twice")
    return sorted(refs)


class ProductionParser(_RecordParser):
    kind = "production"
    label = "production lots"
    fields = PRODUCTION_FIELDS
    counted = "lots"
    record_key = "lot"
    record_word = "lot"
    LOT = ("article_part", "lot_quantity", "started_on", "finished_on", "factory", "export_refs")

    def prepare(self, ctx):
        super().prepare(ctx)
        self.boms = {
            b.article_part: b
            for b in BillOfMaterials.objects.filter(client=ctx.client).prefetch_related("items")
        }

    def read_row(self, ctx, row_no, cells, errors):
        read = lambda key, reader: ctx.read(row_no, cells, key, reader, errors)  # noqa: E731
        v: dict = {}
        v["lot"] = read("lot", lambda x: base.text(x, max_length=60, required=True, what="lot"))
        v["article_part"] = read(
            "article_part", lambda x: base.text(x, max_length=60, required=True, what="article_part")
        )
        if v["article_part"] and v["article_part"] not in self.boms:
            errors.append(
                ctx.error(
                    row_no,
                    "article_part",
                    v["article_part"],
                    "unknown_article",
                    f"no bill of materials for article {v['article_part']}; load the bill of materials first",
                )
            )
        v["lot_quantity"] = read("lot_quantity", lambda x: base.quantity(x, what="lot_quantity", plain=True))
        v["started_on"] = read("started_on", lambda x: self.date(x, required=True, what="started_on"))
        v["finished_on"] = read("finished_on", lambda x: self.date(x, required=True, what="finished_on"))
        if v["started_on"] and v["finished_on"] and v["finished_on"] < v["started_on"]:
            errors.append(
                ctx.error(
                    row_no,
                    "finished_on",
                    ctx.columns.get(cells, "finished_on"),
                    "finished_before_started",
                    "a lot cannot finish before it started",
                )
            )
        v["factory"] = read("factory", lambda x: base.text(x, max_length=60, what="factory")) or ""
        v["export_refs"] = read("export_refs", _refs) or []
        hts_text = ctx.columns.get(cells, "component_hts")
        v["component"] = None
        if hts_text.strip():
            hts = read("component_hts", lambda x: base.hts10(x, what="component_hts"))
            qty = read(
                "component_quantity", lambda x: base.quantity(x, what="component_quantity", plain=True)
            )
            uom = read("component_uom", base.uom)
            entry_text, line_text = (
                ctx.columns.get(cells, "entry_number"),
                ctx.columns.get(cells, "line_number"),
            )
            entry = line = None
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
                    entry = read("entry_number", self.entry_number)
                    line = read(
                        "line_number", lambda x: base.positive_int(x, what="line_number", maximum=99999)
                    )
            bom = self.boms.get(v["article_part"])
            if hts and bom is not None:
                mine = [
                    i for i in bom.items.all() if i.kind == BomItem.Kind.COMPONENT and i.hts[:8] == hts[:8]
                ]
                if not mine:
                    errors.append(
                        ctx.error(
                            row_no,
                            "component_hts",
                            hts_text,
                            "not_in_bom",
                            f"no component of article {bom.article_part}'s bill of materials has the 8-digit "
                            f"HTS {hts[:8]}",
                        )
                    )
                elif uom and all(i.uom != uom for i in mine):
                    errors.append(
                        ctx.error(
                            row_no,
                            "component_uom",
                            ctx.columns.get(cells, "component_uom"),
                            "uom_mismatch",
                            f"the bill of materials gives this component in {mine[0].uom}",
                        )
                    )
            v["component"] = (hts, qty, uom, entry, line)
        else:
            for key in ("component_quantity", "component_uom", "entry_number", "line_number"):
                if ctx.columns.get(cells, key).strip():
                    errors.append(
                        ctx.error(
                            row_no,
                            "component_hts",
                            "",
                            "required",
                            f"{key} is given without component_hts",
                        )
                    )
                    break
        return v

    def check_record(self, ctx, key, rows):
        errors = self.inconsistent(ctx, rows, self.LOT)
        if errors:
            return errors
        wanted = {(c[3], c[4]) for _, _, v in rows if (c := v["component"]) and c[3]}
        found = self.lines_of(ctx, wanted)
        self._lines.update(found)
        for row_no, cells, v in rows:
            c = v["component"]
            if not c or not c[3]:
                continue
            line = found.get((c[3], c[4]))
            if line is None:
                errors.append(
                    ctx.error(
                        row_no,
                        "entry_number",
                        ctx.columns.get(cells, "entry_number"),
                        "unknown_import_line",
                        f"line {c[4]} of entry {c[3]} is not among the client's import lines",
                    )
                )
            elif line.hts[:8] != c[0][:8]:
                errors.append(
                    ctx.error(
                        row_no,
                        "component_hts",
                        ctx.columns.get(cells, "component_hts"),
                        "hts_differs_from_line",
                        f"the import line is classified {line.hts}, not under {c[0][:8]}",
                    )
                )
            elif line.import_date > v["finished_on"]:
                errors.append(
                    ctx.error(
                        row_no,
                        "entry_number",
                        ctx.columns.get(cells, "entry_number"),
                        "used_before_import",
                        f"the import line was imported {line.import_date}, after the lot finished "
                        f"{v['finished_on']}; merchandise cannot be used before it is imported",
                    )
                )
        return errors

    def write(self, ctx, staged) -> Counts:
        counts = Counts()
        existing = {
            x.lot: x for x in ProductionLot.objects.filter(client=ctx.client).prefetch_related("components")
        }
        lines, boms = staged["lines"], staged["boms"]
        for lot_key, rows in staged["records"].items():
            first = rows[0][2]
            fields = {
                "bom": boms[first["article_part"]],
                "quantity": first["lot_quantity"],
                "started_on": first["started_on"],
                "finished_on": first["finished_on"],
                "factory": first["factory"],
                "export_refs": first["export_refs"],
            }
            comps = [v["component"] for _, _, v in rows if v["component"]]
            wanted = [(h, q, u, e or "", n) for h, q, u, e, n in comps]
            lot = existing.get(lot_key)
            if lot is not None:
                stored = [
                    (c.hts, c.quantity, c.uom, c.entry_number, c.line_number) for c in lot.components.all()
                ]
                if stored == wanted and all(getattr(lot, k) == v for k, v in fields.items()):
                    counts.unchanged += 1
                    continue
                for k, v in fields.items():
                    setattr(lot, k, v)
                lot.source_upload_id = ctx.upload_id
                lot.save()
                lot.components.all().delete()
                counts.updated += 1
            else:
                lot = ProductionLot.objects.create(
                    client=ctx.client, lot=lot_key, source_upload_id=ctx.upload_id, **fields
                )
                counts.created += 1
            LotComponent.objects.bulk_create(
                LotComponent(
                    lot=lot,
                    position=n,
                    hts=h,
                    quantity=q,
                    uom=u,
                    entry_number=e,
                    line_number=ln,
                    import_line=lines.get((e, ln)) if e else None,
                )
                for n, (h, q, u, e, ln) in enumerate(wanted, start=1)
            )
        return counts


class ReturnsParser(_RecordParser):
    kind = "returns"
    label = "rejected-merchandise returns"
    fields = RETURNS_FIELDS
    counted = "returns"
    record_key = "return_ref"
    record_word = "return"
    FIELDS = (
        "reason",
        "entry_number",
        "line_number",
        "quantity",
        "uom",
        "rejected_on",
        "returned_on",
        "proof",
        "part",
        "unused",
        "export_ref",
    )

    def read_row(self, ctx, row_no, cells, errors):
        read = lambda key, reader: ctx.read(row_no, cells, key, reader, errors)  # noqa: E731
        v: dict = {}
        v["return_ref"] = read(
            "return_ref", lambda x: base.text(x, max_length=60, required=True, what="return_ref")
        )
        reason = ctx.columns.get(cells, "reason").strip().lower()
        if reason not in RejectedReturn.Reason.values:
            errors.append(
                ctx.error(
                    row_no,
                    "reason",
                    ctx.columns.get(cells, "reason"),
                    "reason",
                    "reason is nonconforming, no_consent, defective or retail (19 U.S.C. 1313(c)(1)(C))",
                )
            )
        v["reason"] = reason
        v["entry_number"] = read("entry_number", self.entry_number)
        v["line_number"] = read(
            "line_number", lambda x: base.positive_int(x, what="line_number", maximum=99999)
        )
        v["quantity"] = read("quantity", lambda x: base.quantity(x, plain=True))
        v["uom"] = read("uom", base.uom)
        v["rejected_on"] = read("rejected_on", lambda x: self.date(x, required=True, what="rejected_on"))
        v["returned_on"] = read("returned_on", lambda x: self.date(x, required=True, what="returned_on"))
        v["proof"] = read("proof", lambda x: base.text(x, max_length=200, required=True, what="proof"))
        v["part"] = read("part", lambda x: base.text(x, max_length=60, what="part")) or ""
        v["unused"] = bool(read("unused", lambda x: base.boolean(x, what="unused")))
        v["export_ref"] = read("export_ref", lambda x: base.text(x, max_length=60, what="export_ref")) or ""
        if reason == RejectedReturn.Reason.RETAIL and not v["part"]:
            errors.append(
                ctx.error(
                    row_no,
                    "part",
                    "",
                    "required",
                    "a retail return needs its product identifier (part or SKU): 1313(c)(2) designation "
                    "matches it",
                )
            )
        return v

    def check_record(self, ctx, key, rows):
        if len(rows) > 1:
            row_no, cells, _ = rows[1]
            return [
                ctx.error(
                    row_no,
                    "return_ref",
                    key,
                    "duplicate_return",
                    f"return {key} already appears at row {rows[0][0]}; return references are unique",
                )
            ]
        row_no, cells, v = rows[0]
        found = self.lines_of(ctx, {(v["entry_number"], v["line_number"])})
        line = found.get((v["entry_number"], v["line_number"]))
        if line is None:
            return [
                ctx.error(
                    row_no,
                    "entry_number",
                    ctx.columns.get(cells, "entry_number"),
                    "unknown_import_line",
                    f"line {v['line_number']} of entry {v['entry_number']} is not among the client's import "
                    "lines; load the import first",
                )
            ]
        errors = []
        if line.uom != v["uom"]:
            errors.append(
                ctx.error(row_no, "uom", v["uom"], "uom_mismatch", f"the import line is in {line.uom}")
            )
        elif v["quantity"] > line.quantity:
            errors.append(
                ctx.error(
                    row_no,
                    "quantity",
                    ctx.columns.get(cells, "quantity"),
                    "exceeds_line",
                    f"more than the import line's {line.quantity} {line.uom}",
                )
            )
        if v["returned_on"] < line.import_date:
            errors.append(
                ctx.error(
                    row_no,
                    "returned_on",
                    ctx.columns.get(cells, "returned_on"),
                    "returned_before_import",
                    f"the goods were imported {line.import_date}; they cannot come back before that",
                )
            )
        self._lines[(v["entry_number"], v["line_number"])] = line
        return errors

    def write(self, ctx, staged) -> Counts:
        counts = Counts()
        existing = {x.return_ref: x for x in RejectedReturn.objects.filter(client=ctx.client)}
        lines = staged["lines"]
        for ref, rows in staged["records"].items():
            v = rows[0][2]
            fields = {k: v[k] for k in self.FIELDS}
            fields["import_line"] = lines[(v["entry_number"], v["line_number"])]
            old = existing.get(ref)
            if old is None:
                RejectedReturn.objects.create(
                    client=ctx.client, return_ref=ref, source_upload_id=ctx.upload_id, **fields
                )
                counts.created += 1
            elif all(getattr(old, k) == val for k, val in fields.items()):
                counts.unchanged += 1
            else:
                for k, val in fields.items():
                    setattr(old, k, val)
                old.source_upload_id = ctx.upload_id
                old.save()
                counts.updated += 1
        return counts


register(BomParser())
register(ProductionParser())
register(ReturnsParser())

"""The canonical imports.csv of docs/reference/data-contract.md: one row per entry-summary line.

General rules of the contract: UTF-8 (a byte-order mark tolerated), comma separated, a header row, columns
in any order, names matched without case, unknown columns ignored, blank lines skipped, dates YYYY-MM-DD,
amounts plain decimals in US dollars, HTS with or without dots.

Optional columns that are absent leave stored values alone; present but blank, they clear them (`mpf` and
`hmf` blank mean zero). The line's Chapter 99 duties get ordinals 1, 2, ... in the order listed, ahead of
the Chapter 1-97 number as in ES-003.

Beyond the contract, an optional `part` column (or `part_number`, `sku`, `style`, `product_code`) gives
the line's product identifier (docs/reference/manufacturing-data.md); `designate` ignores it, as any
unknown column.
"""

from ..models import FilerCodeOffset
from . import base
from .base import PART_HEADERS, CellError, Field
from .core import Counts, LoadContext, Parser, register
from .lines import IMPORT_TABLES, ImportStage, designated_quantities, refresh_statistics, write_import_stage
from .reader import Table

FIELDS = (
    Field("entry_number", ("entry_number",), True),
    Field("line_number", ("line_number",), True),
    Field("import_date", ("import_date",), True),
    Field("hts", ("hts",), True),
    Field("quantity", ("quantity",), True),
    Field("uom", ("uom",), True),
    Field("entered_value", ("entered_value",), True),
    Field("duty", ("duty",), True),
    Field("ch99", ("ch99",)),
    Field("mpf", ("mpf",)),
    Field("hmf", ("hmf",)),
    Field("country_of_origin", ("country_of_origin",)),
    Field("description", ("description",)),
    # Not in the contract (designate ignores it): the product identifier of CBP 7501 box 28 or the invoice.
    Field("part", PART_HEADERS),
)


def parse_ch99(text: str) -> list[tuple[int, str, object]]:
    """`9903.88.03=2500.00;9903.01.24=300.00` -> [(1, '9903.88.03', 2500.00), (2, ...)]."""
    out = []
    seen = set()
    for ordinal, item in enumerate((p.strip() for p in text.split(";") if p.strip()), start=1):
        number_text, sep, amount_text = item.partition("=")
        if not sep:
            raise CellError("ch99_format", f"{item!r} is not number=amount (e.g. 9903.88.03=2500.00)")
        number = base.ch99_number(number_text.strip())
        if number in seen:
            raise CellError("duplicate_ch99", f"Chapter 99 number {number} is listed twice")
        seen.add(number)
        out.append((ordinal, number, base.money(amount_text, what=f"amount of {number}", plain=True)))
    return out


class ImportsCsvParser(Parser):
    kind = "imports"
    label = "canonical imports.csv"
    fields = FIELDS
    strict_utf8 = True
    counted = "lines"

    def validate(self, ctx: LoadContext, table: Table) -> ImportStage:
        cols = ctx.columns
        ix = cols.index
        optional = [k for k in ("description", "part", "country_of_origin", "mpf", "hmf") if cols.has(k)]
        stage = ImportStage(
            ["import_date"], ["import_date", "hts", *optional, "quantity", "uom", "entered_value", "duty"]
        )
        offsets = dict(FilerCodeOffset.objects.values_list("filer_code", "offset"))
        entry_number = base.EntryNumberReader(offsets)
        date = base.DateReader(("iso",))
        designated = designated_quantities(ctx.client)
        entries: dict[str, tuple[object, int]] = {}
        seen: dict[tuple[str, int], int] = {}
        readers = {
            "line_number": lambda v: base.positive_int(v, what="line_number", maximum=99999),
            "import_date": lambda v: date(v, required=True, what="import_date"),
            "hts": lambda v: base.hts10(v, what="hts"),
            "quantity": lambda v: base.quantity(v, plain=True),
            "uom": base.uom,
            "entered_value": lambda v: base.money(v, what="entered_value", plain=True),
            "duty": lambda v: base.money(v, what="duty", plain=True),
            "ch99": parse_ch99,
            "mpf": lambda v: base.money(v, required=False, what="mpf", places=6, plain=True) or 0,
            "hmf": lambda v: base.money(v, required=False, what="hmf", places=6, plain=True) or 0,
            "country_of_origin": lambda v: base.country(v, what="country_of_origin"),
            "description": lambda v: base.text(v, max_length=500, what="description"),
            "part": base.part,
        }
        width = len(cols.headers)
        for n, (row_no, cells) in enumerate(table.rows()):
            if n % 2000 == 0:
                ctx.report(table.fraction)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if not any(c.strip() for c in cells):
                continue
            ctx.rows += 1
            errors = []
            values: dict[str, object] = {}
            try:
                values["entry_number"] = entry_number(cells[ix["entry_number"]])
            except CellError as exc:
                errors.append(
                    ctx.error(row_no, "entry_number", cells[ix["entry_number"]], exc.rule, exc.message)
                )
            for key, reader in readers.items():
                if key not in ix:
                    continue
                value = cells[ix[key]]
                try:
                    values[key] = reader(value)
                except CellError as exc:
                    errors.append(ctx.error(row_no, key, value, exc.rule, exc.message))
            number, line_number = values.get("entry_number"), values.get("line_number")
            if number and line_number:
                key = (number, line_number)
                if key in seen:
                    errors.append(
                        ctx.error(
                            row_no,
                            "line_number",
                            cells[ix["line_number"]],
                            "duplicate_line",
                            f"line {line_number} of entry {number} already appears at row {seen[key]}",
                        )
                    )
                else:
                    seen[key] = row_no
                held = designated.get(key)
                if held is not None and "quantity" in values and values["quantity"] < held:
                    errors.append(
                        ctx.error(
                            row_no,
                            "quantity",
                            cells[ix["quantity"]],
                            "below_designated",
                            f"{held} of this line is already designated on claims; "
                            "the quantity cannot fall below it",
                        )
                    )
            if number and values.get("import_date"):
                first = entries.setdefault(number, (values["import_date"], row_no))
                if first[0] != values["import_date"]:
                    errors.append(
                        ctx.error(
                            row_no,
                            "import_date",
                            cells[ix["import_date"]],
                            "entry_inconsistent",
                            f"differs from row {first[1]} of the same entry ({first[0].isoformat()}); "
                            "every line of an entry has the entry's import date",
                        )
                    )
            if errors:
                ctx.reject(row_no, cells, errors)
                continue
            stage.set_entry(number, (values["import_date"],))
            stage.add_line(
                number,
                line_number,
                tuple(values.get(f, "") for f in stage.line_fields),
                values.get("ch99", []),
            )
        return stage

    def write(self, ctx: LoadContext, staged: ImportStage) -> Counts:
        return write_import_stage(client=ctx.client, upload_id=ctx.upload_id, stage=staged)

    def before_write(self, ctx: LoadContext, staged: ImportStage) -> None:
        refresh_statistics(IMPORT_TABLES, rows=staged.lines.count)

    def discard(self, staged: ImportStage) -> None:
        staged.close()


register(ImportsCsvParser())

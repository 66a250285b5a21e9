"""ACE ES-003 "Entry Summary Line Tariff Detail" report, CSV or XLSX (formats.md (a); chapter99.md 1-3).

One entry-summary line is several rows, one per tariff ordinal: Chapter 99 rows first ($0 value, their own
additional duty), then the Chapter 1-97 row with the value, the ordinary duty and the quantity. Rows are
grouped by (Entry Summary Number, Entry Summary Line Number) and ordered by Tariff Ordinal Number; the
Chapter 99 rows become LineCh99Duty rows with their 9903.NN.NN number and ordinal, kept in the ES-003
order because a drawback claim must repeat it (CSMS 45963175).

Decisions where the sources leave room:
- Date of importation: the "Import Date" column (CBP Form 7501 block 11) when the file has it and the
  cell is filled, else the Entry Date. formats.md marks the right ACE field as uncertain; the entry date is
  on or after arrival, so files of goods entered long after arrival (warehouse, FTZ) should carry the
  Import Date. The load reports how many entries fell back to the Entry Date.
- A line must have exactly one row outside Chapter 99, with a quantity greater than zero: a line without
  a quantity cannot be designated. Chapter 98 rows are not split out (a Chapter 98 + Chapter 1-97 pair on
  one line is rejected as two commodity rows).
- Reconciliation Indicator: blank, N, No, 0 or false is "not flagged"; any other value (Y or an ACE issue
  code) is "flagged".
- ACE reports are sorted by entry and line. A file whose rows of one line are scattered is sorted on disk
  first (a second pass), so the grouping never needs the whole file in memory.
"""

import json
import sqlite3
import tempfile
from collections import defaultdict

from ..models import FilerCodeOffset
from . import base
from .base import CellError, Field, RowError
from .core import Counts, LoadContext, Parser, register
from .lines import ImportStage, designated_quantities, write_import_stage
from .reader import Table, open_table

FIELDS = (
    Field("entry_number", ("Entry Summary Number", "Entry Number"), True),
    Field("line_number", ("Entry Summary Line Number", "Line Number"), True),
    Field("entry_type", ("Entry Type Code", "Entry Type")),
    Field("importer_number", ("Importer Number", "Importer of Record Number")),
    Field("importer_name", ("Importer Name",)),
    Field("port_code", ("Port of Entry Code", "Port Code")),
    Field("entry_date", ("Entry Date",)),
    Field("import_date", ("Import Date",)),
    Field("entry_summary_date", ("Entry Summary Date",)),
    Field("country_of_origin", ("Country of Origin Code",)),
    Field("country_of_export", ("Country of Export Code",)),
    Field("manufacturer_id", ("Manufacturer ID",)),
    Field("spi", ("Line SPI Code",)),
    Field("reconciliation", ("Reconciliation Indicator",)),
    Field("ordinal", ("Tariff Ordinal Number",)),
    Field("hts", ("HTS Number - Full", "HTS Number"), True),
    Field("value", ("Line Tariff Goods Value Amount", "Line Goods Value Amount"), True),
    Field("duty", ("Line Tariff Duty Amount",), True),
    Field("quantity", ("Line Tariff Quantity (1)", "Line Tariff Quantity"), True),
    Field("uom", ("Line Tariff UOM (1) Code", "Line Tariff UOM Code"), True),
    Field("liquidation_date", ("Liquidation Date",)),
    Field("liquidation_status", ("Liquidation Status",)),
)
ENTRY_KEYS = (
    "entry_type",
    "port_code",
    "importer_number",
    "importer_name",
    "entry_date",
    "import_date",
    "entry_summary_date",
    "liquidation_date",
    "liquidation_status",
    "reconciliation",
)
LINE_OPTIONAL = ("country_of_origin", "country_of_export", "manufacturer_id", "spi")
_NOT_FLAGGED = {"", "n", "no", "0", "false", "f"}


class _Unsorted(Exception):
    pass


class _Entry:
    __slots__ = ("number", "raw", "first_row", "errors", "values", "fell_back")

    def __init__(self, number, raw, first_row, errors, values, fell_back):
        self.number = number
        self.raw = raw
        self.first_row = first_row
        self.errors = errors
        self.values = values
        self.fell_back = fell_back


class Es003Parser(Parser):
    kind = "es003"
    label = "ACE ES-003 entry summary line tariff report"
    fields = FIELDS
    required_any = (("entry_date", "import_date"),)
    counted = "lines"

    def validate(self, ctx: LoadContext, table: Table) -> ImportStage:
        run = _Run(ctx)
        try:
            run.read(table.rows(), table)
        except _Unsorted:
            run.stage.close()
            ctx.errors.clear()
            ctx.rows = 0
            run = _Run(ctx)
            with open_table(table.path, table.name) as again:
                run.read(_sorted_rows(again, ctx), None)
        fell_back = sum(1 for e in run.entries.values() if e.fell_back and e.values is not None)
        if fell_back:
            ctx.notes.append(
                f"Date of importation taken from the Entry Date for {fell_back} entries "
                "(no Import Date in the file)."
            )
        return run.stage

    def write(self, ctx: LoadContext, staged: ImportStage) -> Counts:
        return write_import_stage(client=ctx.client, upload_id=ctx.upload_id, stage=staged)

    def discard(self, staged: ImportStage) -> None:
        staged.close()


class _Run:
    """One pass over the rows of a file."""

    def __init__(self, ctx: LoadContext):
        self.ctx = ctx
        cols = ctx.columns
        self.cols = cols
        self.ix = cols.index
        self.width = len(cols.headers)
        self.entry_keys = [k for k in ENTRY_KEYS if cols.has(k)]
        self.entry_ix = [self.ix[k] for k in self.entry_keys]
        self.line_optional = [k for k in LINE_OPTIONAL if cols.has(k)]
        entry_fields = [k for k in self.entry_keys if k != "import_date"] + ["import_date"]
        self.stage = ImportStage(
            entry_fields,
            ["import_date", "hts", *self.line_optional, "quantity", "uom", "entered_value", "duty"],
        )
        self.entry_fields = self.stage.entry_fields
        self.line_fields = self.stage.line_fields
        offsets = dict(FilerCodeOffset.objects.values_list("filer_code", "offset"))
        self.entry_number = base.EntryNumberReader(offsets)
        self.date = base.DateReader(("us", "iso"))
        self.designated = designated_quantities(ctx.client)
        self.entries: dict[str, _Entry] = {}
        self.seen_lines: dict[tuple[str, int], int] = {}

    def read(self, rows, table: Table | None) -> None:
        ie, il = self.ix["entry_number"], self.ix["line_number"]
        closed: set[int] = set()
        key = None
        group: list[tuple[int, list[str]]] = []
        ctx = self.ctx
        width = self.width
        for n, (row_no, cells) in enumerate(rows):
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if not any(cells):
                continue
            if not any(c.strip() for c in cells):
                continue
            ctx.rows += 1
            this = (cells[ie].strip(), cells[il].strip())
            if this != key:
                if group:
                    self.group(group)
                    closed.add(hash(key))
                if hash(this) in closed:
                    raise _Unsorted
                key = this
                group = []
            group.append((row_no, cells))
            if table is not None and n % 2000 == 0:
                ctx.report(table.fraction)
        if group:
            self.group(group)

    # --- one entry -----------------------------------------------------------------------------------

    def entry(self, row_no: int, cells: list[str]) -> _Entry:
        ctx, ix = self.ctx, self.ix
        errors: list[RowError] = []
        raw = tuple(cells[i] for i in self.entry_ix)
        number_text = cells[ix["entry_number"]]
        try:
            number = self.entry_number(number_text)
        except CellError as exc:
            number = None
            errors.append(ctx.error(row_no, "entry_number", number_text, exc.rule, exc.message))
        values: dict[str, object] = {}
        readers = {
            "entry_type": lambda v: base.digits_code(v, length=2, what="entry type"),
            "port_code": lambda v: base.digits_code(v, length=4, what="port code"),
            "importer_number": base.importer_number,
            "importer_name": lambda v: base.text(v, max_length=200, what="importer name"),
            "entry_date": lambda v: self.date(v, what="entry date"),
            "import_date": lambda v: self.date(v, what="import date"),
            "entry_summary_date": lambda v: self.date(v, what="entry summary date"),
            "liquidation_date": lambda v: self.date(v, what="liquidation date"),
            "liquidation_status": lambda v: base.text(v, max_length=40, what="liquidation status"),
            "reconciliation": lambda v: v.strip().lower() not in _NOT_FLAGGED,
        }
        for key in self.entry_keys:
            value = cells[ix[key]]
            try:
                values[key] = readers[key](value)
            except CellError as exc:
                errors.append(ctx.error(row_no, key, value, exc.rule, exc.message))
                values[key] = None
        fell_back = False
        if not values.get("import_date"):
            fell_back = True
            values["import_date"] = values.get("entry_date")
            if values["import_date"] is None and not errors:
                key = "entry_date" if self.cols.has("entry_date") else "import_date"
                errors.append(
                    ctx.error(
                        row_no,
                        key,
                        "",
                        "required",
                        "the date of importation (Import Date or Entry Date) is required",
                    )
                )
        entry_values = None if errors else tuple(values[f] for f in self.entry_fields)
        return _Entry(number, raw, row_no, errors, entry_values, fell_back)

    # --- one line -------------------------------------------------------------------------------------

    def group(self, rows: list[tuple[int, list[str]]]) -> None:
        ctx, ix = self.ctx, self.ix
        first_no, first = rows[0]
        entry_text = first[ix["entry_number"]].strip()
        entry = self.entries.get(entry_text)
        problems: dict[int, list[RowError]] = defaultdict(list)
        if entry is None:
            entry = self.entry(first_no, first)
            self.entries[entry_text] = entry
            if entry.errors:
                problems[first_no].extend(entry.errors)
        for row_no, cells in rows:
            raw = tuple(cells[i] for i in self.entry_ix)
            if raw != entry.raw:
                at = next(i for i, (a, b) in enumerate(zip(raw, entry.raw, strict=True)) if a != b)
                key = self.entry_keys[at]
                problems[row_no].append(
                    ctx.error(
                        row_no,
                        key,
                        raw[at],
                        "entry_inconsistent",
                        f"differs from row {entry.first_row} of the same entry ({entry.raw[at]!r}); "
                        "entry-level columns must be the same on every row of an entry",
                    )
                )
        line_text = first[ix["line_number"]]
        try:
            line_number = base.positive_int(line_text, what="line number", maximum=99999)
        except CellError as exc:
            line_number = None
            problems[first_no].append(ctx.error(first_no, "line_number", line_text, exc.rule, exc.message))

        ch99: list[tuple[int, int, str, object]] = []
        commodity: list[tuple[int, list[str]]] = []
        has_ordinal = "ordinal" in ix
        ordinals: dict[int, int] = {}
        for position, (row_no, cells) in enumerate(rows, start=1):
            ordinal = position
            if has_ordinal and cells[ix["ordinal"]].strip():
                try:
                    ordinal = base.positive_int(cells[ix["ordinal"]], what="tariff ordinal", maximum=999)
                except CellError as exc:
                    problems[row_no].append(
                        ctx.error(row_no, "ordinal", cells[ix["ordinal"]], exc.rule, exc.message)
                    )
                if ordinal in ordinals:
                    problems[row_no].append(
                        ctx.error(
                            row_no,
                            "ordinal",
                            cells[ix["ordinal"]],
                            "duplicate_ordinal",
                            f"tariff ordinal {ordinal} is also at row {ordinals[ordinal]} of this line",
                        )
                    )
                ordinals.setdefault(ordinal, row_no)
            hts_text = cells[ix["hts"]]
            if hts_text.strip().startswith("99"):
                try:
                    number = base.ch99_number(hts_text)
                except CellError as exc:
                    problems[row_no].append(ctx.error(row_no, "hts", hts_text, exc.rule, exc.message))
                    continue
                duty_text = cells[ix["duty"]]
                try:
                    amount = base.money(duty_text, what="Chapter 99 duty")
                except CellError as exc:
                    problems[row_no].append(ctx.error(row_no, "duty", duty_text, exc.rule, exc.message))
                    continue
                ch99.append((ordinal, row_no, number, amount))
            else:
                commodity.append((row_no, cells))

        line: dict[str, object] = {}
        if len(commodity) != 1:
            if not commodity:
                message = "the line has no Chapter 1-97 row (only Chapter 99 rows)"
                rule = "no_commodity_row"
            else:
                rows_at = ", ".join(str(r) for r, _ in commodity)
                message = (
                    f"the line has {len(commodity)} rows outside Chapter 99 (rows {rows_at}); expected one"
                )
                rule = "several_commodity_rows"
            problems[first_no].append(ctx.error(first_no, "hts", first[ix["hts"]], rule, message))
        else:
            row_no, cells = commodity[0]
            readers = (
                ("hts", "hts", base.hts10),
                ("entered_value", "value", lambda v: base.money(v, what="goods value")),
                ("duty", "duty", lambda v: base.money(v, what="duty")),
                ("quantity", "quantity", base.quantity),
                ("uom", "uom", base.uom),
                (
                    "country_of_origin",
                    "country_of_origin",
                    lambda v: base.country(v, what="country of origin"),
                ),
                (
                    "country_of_export",
                    "country_of_export",
                    lambda v: base.country(v, what="country of export"),
                ),
                (
                    "manufacturer_id",
                    "manufacturer_id",
                    lambda v: base.text(v, max_length=20, what="manufacturer ID"),
                ),
                ("spi", "spi", lambda v: base.text(v, max_length=4, what="SPI code")),
            )
            for field, key, reader in readers:
                if key not in ix:
                    continue
                value = cells[ix[key]]
                try:
                    line[field] = reader(value)
                except CellError as exc:
                    problems[row_no].append(ctx.error(row_no, key, value, exc.rule, exc.message))
        seen_numbers: dict[str, int] = {}
        for _, row_no, number, _ in ch99:
            if number in seen_numbers:
                problems[row_no].append(
                    ctx.error(
                        row_no,
                        "hts",
                        number,
                        "duplicate_ch99",
                        f"Chapter 99 number {number} is also at row {seen_numbers[number]} of this line",
                    )
                )
            seen_numbers.setdefault(number, row_no)
        if entry.number and line_number:
            key = (entry.number, line_number)
            if key in self.seen_lines:
                problems[first_no].append(
                    ctx.error(
                        first_no,
                        "line_number",
                        line_text,
                        "duplicate_line",
                        f"line {line_number} of entry {entry.number} is also at row {self.seen_lines[key]}",
                    )
                )
            else:
                self.seen_lines[key] = first_no
            designated = self.designated.get(key)
            if designated is not None and "quantity" in line and line["quantity"] < designated:
                row_no, cells = commodity[0]
                problems[row_no].append(
                    ctx.error(
                        row_no,
                        "quantity",
                        cells[ix["quantity"]],
                        "below_designated",
                        f"{designated} of this line is already designated on claims; "
                        "the quantity cannot fall below it",
                    )
                )

        if problems or entry.errors:
            self._reject(rows, problems, entry, line_number)
            return
        line["import_date"] = entry.values[self.entry_fields.index("import_date")]
        ch99.sort()
        self.stage.set_entry(entry.number, entry.values)
        self.stage.add_line(
            entry.number,
            line_number,
            tuple(line.get(f, "") for f in self.line_fields),
            [(ordinal, number, amount) for ordinal, _, number, amount in ch99],
        )

    def _reject(self, rows, problems, entry: _Entry, line_number) -> None:
        ctx = self.ctx
        if problems:
            where = min(problems)
            reason = (
                f"rejected with line {line_number or '?'} of entry {entry.number or '?'}: see row {where}"
            )
        else:
            reason = f"rejected with entry {entry.number or '?'}: see row {entry.first_row}"
        for row_no, cells in rows:
            own = problems.get(row_no) or [
                RowError(
                    row=row_no, column="", value="", rule="rejected_with_line", message=reason, counted=False
                )
            ]
            ctx.reject(row_no, cells, own)


def _sorted_rows(table: Table, ctx: LoadContext):
    """The rows of a file whose lines are scattered, sorted by entry and line number on disk (SQLite)."""
    ie, il = ctx.columns.index["entry_number"], ctx.columns.index["line_number"]
    with tempfile.NamedTemporaryFile(suffix=".sqlite3") as handle:
        db = sqlite3.connect(handle.name)
        try:
            db.execute("CREATE TABLE r (entry TEXT, line TEXT, n INTEGER, cells TEXT)")

            def feed():
                for i, (row_no, cells) in enumerate(table.rows()):
                    if i % 2000 == 0:
                        ctx.report(table.fraction)
                    entry = cells[ie].strip() if ie < len(cells) else ""
                    line = cells[il].strip() if il < len(cells) else ""
                    yield entry, line, row_no, json.dumps(cells)

            db.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", feed())
            for _, _, row_no, cells in db.execute("SELECT * FROM r ORDER BY entry, line, n"):
                yield row_no, json.loads(cells)
        finally:
            db.close()


register(Es003Parser())

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

import functools
import json
import operator
import sqlite3
import tempfile

from ..models import FilerCodeOffset
from . import base
from .base import CellError, Field, RowError
from .core import Counts, LoadContext, Parser, register
from .lines import IMPORT_TABLES, ImportStage, designated_quantities, refresh_statistics, write_import_stage
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
    # Not in the ACE portal's report; brokers' exports of it often add the line's merchandise description.
    Field("description", ("Merchandise Description", "Line Description", "Description")),
    # Nor is the product identifier: brokers' and invoice exports add it (7501 box 28 part/style numbers).
    Field("part", ("Part Number", *base.PART_HEADERS)),
    Field("value", ("Line Tariff Goods Value Amount", "Line Goods Value Amount"), True),
    Field("duty", ("Line Tariff Duty Amount",), True),
    Field("quantity", ("Line Tariff Quantity (1)", "Line Tariff Quantity"), True),
    Field("uom", ("Line Tariff UOM (1) Code", "Line Tariff UOM Code"), True),
    Field("liquidation_date", ("Liquidation Date",)),
    Field("liquidation_status", ("Liquidation Status",)),
)
# The columns of the report in the order ACE exports them (the layout of the shared sample): the demo data and
# the benchmark write their files this way.
REPORT_COLUMNS = [
    "Entry Summary Number",
    "Entry Type Code",
    "Entry Summary Line Number",
    "Importer Number",
    "Importer Name",
    "Port of Entry Code",
    "Entry Date",
    "Entry Summary Date",
    "Country of Origin Code",
    "Country of Export Code",
    "Manufacturer ID",
    "Line SPI Code",
    "Reconciliation Indicator",
    "Tariff Ordinal Number",
    "HTS Number - Full",
    "Line Tariff Goods Value Amount",
    "Line Tariff Duty Amount",
    "Line Tariff Quantity (1)",
    "Line Tariff UOM (1) Code",
    "Liquidation Date",
    "Liquidation Status",
]
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
LINE_OPTIONAL = ("description", "part", "country_of_origin", "country_of_export", "manufacturer_id", "spi")
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
            ctx.clear_errors()
            ctx.rows = 0
            run = _Run(ctx)
            with open_table(table.path, table.name) as again:
                run.read(_sorted_rows(again, ctx), None)
        refusal = run.party.refusal(ctx) if run.party is not None else None
        if refusal is not None:
            ctx.refuse(refusal)
        fell_back = sum(1 for e in run.entries.values() if e.fell_back and e.values is not None)
        if fell_back:
            ctx.notes.append(
                f"Date of importation taken from the Entry Date for {fell_back} entries "
                "(no Import Date in the file)."
            )
        return run.stage

    def write(self, ctx: LoadContext, staged: ImportStage) -> Counts:
        return write_import_stage(client=ctx.client, upload_id=ctx.upload_id, stage=staged)

    def before_write(self, ctx: LoadContext, staged: ImportStage) -> None:
        refresh_statistics(IMPORT_TABLES, rows=staged.lines.count)

    def discard(self, staged: ImportStage) -> None:
        staged.close()


def _reader(function, **kwargs):
    return functools.partial(function, **kwargs)


# Line cells read from the Chapter 1-97 row, in the order of ImportStage.line_fields after import_date.
LINE_READERS = (
    ("hts", "hts", base.hts10),
    ("description", "description", _reader(base.text, max_length=500, what="description")),
    ("part", "part", base.part),
    ("country_of_origin", "country_of_origin", _reader(base.country, what="country of origin")),
    ("country_of_export", "country_of_export", _reader(base.country, what="country of export")),
    ("manufacturer_id", "manufacturer_id", _reader(base.text, max_length=20, what="manufacturer ID")),
    ("spi", "spi", _reader(base.text, max_length=4, what="SPI code")),
    ("quantity", "quantity", base.quantity),
    ("uom", "uom", base.uom),
    ("entered_value", "value", _reader(base.money, what="goods value")),
    ("duty", "duty", _reader(base.money, what="duty")),
)
_ch99_duty = _reader(base.money, what="Chapter 99 duty")


def _getter(indexes: list[int]):
    """A function returning the cells at `indexes` as a tuple (operator.itemgetter, also for 0 or 1)."""
    if not indexes:
        return lambda cells: ()
    if len(indexes) == 1:
        only = indexes[0]
        return lambda cells: (cells[only],)
    return operator.itemgetter(*indexes)


class _Run:
    """One pass over the rows of a file. Written for speed: a million rows pass through `group`."""

    def __init__(self, ctx: LoadContext):
        self.ctx = ctx
        cols = ctx.columns
        self.cols = cols
        ix = cols.index
        self.ix = ix
        self.width = len(cols.headers)
        self.i_entry, self.i_line, self.i_hts, self.i_duty = (
            ix["entry_number"],
            ix["line_number"],
            ix["hts"],
            ix["duty"],
        )
        self.i_ordinal = ix.get("ordinal")
        self.entry_keys = [k for k in ENTRY_KEYS if cols.has(k)]
        self.entry_raw = _getter([ix[k] for k in self.entry_keys])
        optional = [k for k in LINE_OPTIONAL if cols.has(k)]
        entry_fields = [k for k in self.entry_keys if k != "import_date"] + ["import_date"]
        self.stage = ImportStage(
            entry_fields, ["import_date", "hts", *optional, "quantity", "uom", "entered_value", "duty"]
        )
        self.entry_fields = self.stage.entry_fields
        self.import_date_at = self.entry_fields.index("import_date")
        self.quantity_at = self.stage.line_fields.index("quantity")
        self.line_readers = [(key, ix[key], read) for field, key, read in LINE_READERS if key in ix]
        assert [f for f, k, _ in LINE_READERS if k in ix] == self.stage.line_fields[1:]
        offsets = dict(FilerCodeOffset.objects.values_list("filer_code", "offset"))
        self.entry_number = base.EntryNumberReader(offsets)
        self.date = base.DateReader(("us", "iso"))
        self.entry_readers = {
            "entry_type": _reader(base.digits_code, length=2, what="entry type"),
            "port_code": _reader(base.digits_code, length=4, what="port code"),
            "importer_number": base.importer_number,
            "importer_name": _reader(base.text, max_length=200, what="importer name"),
            "entry_date": _reader(self.date, what="entry date"),
            "import_date": _reader(self.date, what="import date"),
            "entry_summary_date": _reader(self.date, what="entry summary date"),
            "liquidation_date": _reader(self.date, what="liquidation date"),
            "liquidation_status": _reader(base.text, max_length=40, what="liquidation status"),
            "reconciliation": lambda v: v.strip().lower() not in _NOT_FLAGGED,
        }
        self.designated = designated_quantities(ctx.client)
        # The importer of record must be the client: a report of another importer is refused whole.
        self.party = (
            base.PartyCheck(
                client=ctx.client,
                key="importer_number",
                what="importer number",
                own=ctx.client.importer_number,
            )
            if cols.has("importer_number")
            else None
        )
        self.entries: dict[str, _Entry] = {}
        self.seen_lines: dict[tuple[str, int], int] = {}

    def read(self, rows, table: Table | None) -> None:
        ie, il = self.i_entry, self.i_line
        closed: set[int] = set()
        key = None
        group: list[tuple[int, list[str]]] = []
        ctx = self.ctx
        width = self.width
        for row_no, cells in rows:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            entry, line = cells[ie].strip(), cells[il].strip()
            if not entry and not line and not "".join(cells).strip():
                continue  # blank line
            ctx.rows += 1
            this = (entry, line)
            if this != key:
                if group:
                    self.group(group)
                    closed.add(hash(key))
                if hash(this) in closed:
                    raise _Unsorted
                key = this
                group = []
            group.append((row_no, cells))
            if table is not None and not ctx.rows % 4096:
                ctx.report(table.fraction)
        if group:
            self.group(group)

    # --- one entry -----------------------------------------------------------------------------------

    def entry(self, row_no: int, cells: list[str]) -> _Entry:
        ctx, ix = self.ctx, self.ix
        errors: list[RowError] = []
        number_text = cells[self.i_entry]
        try:
            number = self.entry_number(number_text)
        except CellError as exc:
            number = None
            errors.append(ctx.error(row_no, "entry_number", number_text, exc.rule, exc.message))
        values: dict[str, object] = {}
        for key in self.entry_keys:
            value = cells[ix[key]]
            try:
                values[key] = self.entry_readers[key](value)
            except CellError as exc:
                errors.append(ctx.error(row_no, key, value, exc.rule, exc.message))
                values[key] = None
        if self.party is not None:
            self.party.see(row_no, values.get("importer_number"))
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
        return _Entry(number, self.entry_raw(cells), row_no, errors, entry_values, fell_back)

    # --- one line -------------------------------------------------------------------------------------

    def group(self, rows: list[tuple[int, list[str]]]) -> None:
        ctx = self.ctx
        first_no, first = rows[0]
        entry_text = first[self.i_entry].strip()
        entry = self.entries.get(entry_text)
        problems: dict[int, list[RowError]] | None = None
        if entry is None:
            entry = self.entry(first_no, first)
            self.entries[entry_text] = entry
            if entry.errors:
                problems = {first_no: list(entry.errors)}
        raw_of, eraw = self.entry_raw, entry.raw
        for row_no, cells in rows:
            if raw_of(cells) != eraw:
                problems = _add(problems, row_no, self._inconsistent(row_no, cells, entry))
        line_text = first[self.i_line]
        try:
            line_number = base.positive_int(line_text, what="line number", maximum=99999)
        except CellError as exc:
            line_number = None
            problems = _add(
                problems, first_no, ctx.error(first_no, "line_number", line_text, exc.rule, exc.message)
            )

        ch99: list[tuple[int, int, str, object]] = []
        commodity: list[tuple[int, list[str]]] = []
        i_ordinal, i_hts = self.i_ordinal, self.i_hts
        ordinals: dict[int, int] | None = None
        position = 0
        for row_no, cells in rows:
            position += 1
            ordinal = position
            if i_ordinal is not None and cells[i_ordinal]:
                text = cells[i_ordinal]
                try:
                    ordinal = base.positive_int(text, what="tariff ordinal", maximum=999)
                except CellError as exc:
                    problems = _add(
                        problems, row_no, ctx.error(row_no, "ordinal", text, exc.rule, exc.message)
                    )
                if ordinals is None:
                    ordinals = {}
                if ordinal in ordinals:
                    problems = _add(
                        problems,
                        row_no,
                        ctx.error(
                            row_no,
                            "ordinal",
                            text,
                            "duplicate_ordinal",
                            f"tariff ordinal {ordinal} is also at row {ordinals[ordinal]} of this line",
                        ),
                    )
                ordinals.setdefault(ordinal, row_no)
            hts_text = cells[i_hts]
            if hts_text.lstrip().startswith("99"):
                try:
                    number = base.ch99_number(hts_text)
                    amount = _ch99_duty(cells[self.i_duty])
                except CellError as exc:
                    key = "hts" if exc.rule == "ch99_format" else "duty"
                    value = hts_text if key == "hts" else cells[self.i_duty]
                    problems = _add(problems, row_no, ctx.error(row_no, key, value, exc.rule, exc.message))
                    continue
                ch99.append((ordinal, row_no, number, amount))
            else:
                commodity.append((row_no, cells))

        values: list[object] = [None]
        if len(commodity) == 1:
            row_no, cells = commodity[0]
            for key, i, read in self.line_readers:
                try:
                    values.append(read(cells[i]))
                except CellError as exc:
                    problems = _add(problems, row_no, ctx.error(row_no, key, cells[i], exc.rule, exc.message))
        elif not commodity:
            problems = _add(
                problems,
                first_no,
                ctx.error(
                    first_no,
                    "hts",
                    first[i_hts],
                    "no_commodity_row",
                    "the line has no Chapter 1-97 row (only Chapter 99 rows)",
                ),
            )
        else:
            rows_at = ", ".join(str(r) for r, _ in commodity)
            problems = _add(
                problems,
                first_no,
                ctx.error(
                    first_no,
                    "hts",
                    first[i_hts],
                    "several_commodity_rows",
                    f"the line has {len(commodity)} rows outside Chapter 99 (rows {rows_at}); expected one",
                ),
            )
        if len(ch99) > 1:
            problems = self._duplicate_ch99(problems, ch99)
        if entry.number and line_number:
            key = (entry.number, line_number)
            if key in self.seen_lines:
                problems = _add(
                    problems,
                    first_no,
                    ctx.error(
                        first_no,
                        "line_number",
                        line_text,
                        "duplicate_line",
                        f"line {line_number} of entry {entry.number} is also at row {self.seen_lines[key]}",
                    ),
                )
            else:
                self.seen_lines[key] = first_no
            designated = self.designated.get(key)
            if designated is not None and problems is None and values[self.quantity_at] < designated:
                row_no, cells = commodity[0]
                problems = _add(
                    problems,
                    row_no,
                    ctx.error(
                        row_no,
                        "quantity",
                        cells[self.ix["quantity"]],
                        "below_designated",
                        f"{designated} of this line is already designated on claims; "
                        "the quantity cannot fall below it",
                    ),
                )

        if problems or entry.errors:
            self._reject(rows, problems or {}, entry, line_number)
            return
        values[0] = entry.values[self.import_date_at]
        if len(ch99) > 1:
            ch99.sort()
        self.stage.set_entry(entry.number, entry.values)
        self.stage.add_line(
            entry.number,
            line_number,
            values,
            [(ordinal, number, amount) for ordinal, _, number, amount in ch99],
        )

    def _inconsistent(self, row_no: int, cells: list[str], entry: _Entry) -> RowError:
        raw = self.entry_raw(cells)
        at = next(i for i, (a, b) in enumerate(zip(raw, entry.raw, strict=True)) if a != b)
        return self.ctx.error(
            row_no,
            self.entry_keys[at],
            raw[at],
            "entry_inconsistent",
            f"differs from row {entry.first_row} of the same entry ({entry.raw[at]!r}); "
            "entry-level columns must be the same on every row of an entry",
        )

    def _duplicate_ch99(self, problems, ch99):
        seen: dict[str, int] = {}
        for _, row_no, number, _ in ch99:
            if number in seen:
                problems = _add(
                    problems,
                    row_no,
                    self.ctx.error(
                        row_no,
                        "hts",
                        number,
                        "duplicate_ch99",
                        f"Chapter 99 number {number} is also at row {seen[number]} of this line",
                    ),
                )
            seen.setdefault(number, row_no)
        return problems

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


def _add(problems, row_no: int, error: RowError) -> dict[int, list[RowError]]:
    if problems is None:
        problems = {}
    problems.setdefault(row_no, []).append(error)
    return problems


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

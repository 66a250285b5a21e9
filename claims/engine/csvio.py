"""Readers and writer for the canonical files of data-contract.md (a fixed contract).

Every file: UTF-8 (a byte-order mark is tolerated), comma separated, a header row, columns in any order and
matched case-insensitively, unknown columns ignored, blank lines skipped. Every problem found is reported with
the file, the row (the line number in the file, the header being row 1), the column and the rule broken;
readers collect all problems rather than stopping at the first.
"""

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from drawback.lib import entry_numbers
from drawback.lib.chapter99 import Chapter99Table, Heading
from drawback.lib.countries import is_country
from drawback.lib.hts import dotted
from drawback.lib.spreadsheet import starts_like_formula

from .model import ZERO, Ch99Duty, Designation, Disposition, Export, ImportLine, LineKey, bulk
from .tariff import TariffIndex, TariffRow

CHAPTER99_CSV = Path(__file__).resolve().parents[2] / "imports" / "data" / "chapter99.csv"

IMPORT_REQUIRED = (
    "entry_number",
    "line_number",
    "import_date",
    "hts",
    "quantity",
    "uom",
    "entered_value",
    "duty",
)
IMPORT_OPTIONAL = ("ch99", "mpf", "hmf", "country_of_origin", "description")
EXPORT_REQUIRED = ("export_ref", "export_date", "hts", "quantity", "uom", "value", "destination")
EXPORT_OPTIONAL = ("disposition", "recovered_value", "entry_number", "line_number", "excepted_goods")
TARIFF_REQUIRED = ("hts number", "description", "general rate of duty")
TARIFF_OPTIONAL = ("indent", "unit of quantity")
DESIGNATION_COLUMNS = ("entry_number", "line_number", "export_ref", "provision", "quantity", "refund")


@dataclass(frozen=True)
class InputError:
    file: str
    row: int
    column: str
    rule: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{self.file}, {where}, column '{self.column}': {self.rule}"


class _Rows:
    """Header-mapped rows of one CSV file, with the problems found while reading it."""

    def __init__(self, name: str, source, required: Sequence[str], optional: Sequence[str]):
        self.name = name
        self.errors: list[InputError] = []
        self.columns: dict[str, int] = {}
        self._rows: list[tuple[int, list[str]]] = []
        text = self._text(source)
        if text is None:
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        header: list[str] | None = None
        try:
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header = cells
                    continue
                self._rows.append((reader.line_num, cells))
        except csv.Error as exc:
            self.errors.append(InputError(name, reader.line_num, "-", f"not a readable CSV row: {exc}"))
            return
        if header is None:
            self.errors.append(InputError(name, 1, "-", "the file has no header row"))
            return
        for pos, raw in enumerate(header):
            key = raw.strip().lower()
            if key in self.columns and key in (*required, *optional):
                self.errors.append(InputError(name, 1, raw.strip(), "column given twice"))
            self.columns.setdefault(key, pos)
        for col in required:
            if col not in self.columns:
                self.errors.append(InputError(name, 1, col, "required column is missing"))

    def _text(self, source) -> str | None:
        try:
            if isinstance(source, str | os.PathLike):
                data = Path(source).read_bytes()
            elif isinstance(source, bytes):
                data = source
            else:
                data = source.read()
                if isinstance(data, str):
                    return data.removeprefix("\ufeff")
            return data.decode("utf-8-sig")
        except FileNotFoundError:
            self.errors.append(InputError(self.name, 0, "-", "file not found"))
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.errors.append(InputError(self.name, line, "-", "not UTF-8 text"))
        except OSError as exc:
            self.errors.append(InputError(self.name, 0, "-", f"cannot read the file: {exc.strerror}"))
        return None

    @property
    def usable(self) -> bool:
        return not any(e.row <= 1 for e in self.errors)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        keys = list(self.columns)
        width = len(keys)
        # Usually every header cell is a distinct column in order: a row is then the header zipped with its
        # cells (extra cells ignored), built in C rather than cell by cell.
        in_order = list(self.columns.values()) == list(range(width))
        for line, cells in self._rows:
            if in_order and len(cells) >= width:
                yield line, dict(zip(keys, map(str.strip, cells), strict=False))
                continue
            yield (
                line,
                {key: (cells[pos].strip() if pos < len(cells) else "") for key, pos in self.columns.items()},
            )


_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}


def _parse_date(value: str) -> tuple[dt.date | None, str | None]:
    if not _ISO_DATE.match(value):
        return None, f"must be a date YYYY-MM-DD (got {value!r})"
    try:
        return dt.date.fromisoformat(value), None
    except ValueError:
        return None, f"not a calendar date (got {value!r})"


def _parse_hts10(value: str) -> tuple[str | None, str | None]:
    digits = re.sub(r"[.\s]", "", value)
    if not digits.isdigit() or len(digits) != 10:
        return None, f"must be a 10-digit HTS number, dots optional (got {value!r})"
    return digits, None


def _parse_entry_number(value: str) -> tuple[str | None, str | None]:
    try:
        return str(entry_numbers.parse(value)), None
    except entry_numbers.EntryNumberError as exc:
        return None, f"{exc}"


class _RowCheck:
    """Parses the cells of one row, recording each problem. `memo`, shared by the rows of a file, keeps the
    outcome of each distinct date, HTS number and entry number text: a large file repeats them (an entry has
    several lines, a day many entries), and checking each once reads it several times faster."""

    def __init__(
        self, name: str, line: int, row: dict[str, str], errors: list[InputError], memo: dict | None = None
    ):
        self.name, self.line, self.row, self.errors = name, line, row, errors
        self.memo = {} if memo is None else memo
        self.ok = True

    def _parsed(self, parse, column: str, value: str):
        outcome = self.memo.get((parse, value))
        if outcome is None:
            outcome = self.memo[(parse, value)] = parse(value)
        result, rule = outcome
        if rule is not None:
            self.fail(column, rule)
        return result

    def fail(self, column: str, rule: str) -> None:
        self.errors.append(InputError(self.name, self.line, column, rule))
        self.ok = False

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.row.get(column, "")
        if required and value == "":
            self.fail(column, "a value is required")
        return value

    def decimal(self, column: str, *, required: bool = True, positive: bool = False) -> Decimal | None:
        value = self.row.get(column, "")
        if value == "":
            if required:
                self.fail(column, "a value is required")
            return None if required else ZERO
        if not _DECIMAL.match(value):
            self.fail(
                column, f"must be a decimal number without currency signs or separators (got {value!r})"
            )
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.fail(column, f"must be a decimal number (got {value!r})")
            return None
        if positive and number <= 0:
            self.fail(column, f"must be greater than 0 (got {value})")
            return None
        if number < 0:
            self.fail(column, f"must not be negative (got {value})")
            return None
        return number

    def date(self, column: str) -> dt.date | None:
        value = self.text(column)
        if value == "":
            return None
        return self._parsed(_parse_date, column, value)

    def hts10(self, column: str) -> str | None:
        value = self.text(column)
        if value == "":
            return None
        return self._parsed(_parse_hts10, column, value)

    def entry_number(self, column: str, *, required: bool = True) -> str | None:
        value = self.text(column, required=required)
        if value == "":
            return None
        return self._parsed(_parse_entry_number, column, value)

    def line_number(self, column: str, *, required: bool = True) -> int | None:
        value = self.text(column, required=required)
        if value == "":
            return None
        if not value.isdigit() or int(value) < 1:
            self.fail(column, f"must be a whole number of at least 1 (got {value!r})")
            return None
        return int(value)

    def country(self, column: str, *, required: bool) -> str:
        value = self.text(column, required=required)
        if value and not (_COUNTRY.match(value) and is_country(value)):
            self.fail(column, f"must be a two-letter ISO 3166 country code (got {value!r})")
        return value.upper()


def _ch99(check: _RowCheck, column: str) -> tuple[Ch99Duty, ...]:
    value = check.row.get(column, "")
    if value == "":
        return ()
    out: list[Ch99Duty] = []
    seen: set[str] = set()
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        number, sep, amount = part.partition("=")
        digits = re.sub(r"[.\s]", "", number)
        if not sep or not digits.isdigit() or len(digits) not in (8, 10) or not digits.startswith("99"):
            check.fail(
                column,
                f"each entry must be a Chapter 99 number=amount, e.g. 9903.88.03=2500.00 (got {part!r})",
            )
            continue
        amount = amount.strip()
        if not _DECIMAL.match(amount) or Decimal(amount) < 0:
            check.fail(
                column, f"amount of {number.strip()} must be a decimal number of at least 0 (got {amount!r})"
            )
            continue
        code = dotted(digits[:8])
        if code in seen:
            check.fail(column, f"{code} is given twice")
            continue
        seen.add(code)
        out.append(Ch99Duty(code, Decimal(amount)))
    return tuple(out)


@dataclass
class ImportsRead:
    lines: list[ImportLine]
    rows: dict[LineKey, int]  # row of each line in the file
    errors: list[InputError]


def read_imports(source, *, name: str = "imports.csv") -> ImportsRead:
    with bulk():
        return _read_imports(source, name)


def _read_imports(source, name: str) -> ImportsRead:
    table = _Rows(name, source, IMPORT_REQUIRED, IMPORT_OPTIONAL)
    lines: list[ImportLine] = []
    rows: dict[LineKey, int] = {}
    errors = table.errors
    if not table.usable:
        return ImportsRead(lines, rows, errors)
    if not errors:
        read = _imports_by_column(table, name)
        if read is not None:
            return read
    memo: dict = {}
    for line_no, row in table:
        c = _RowCheck(name, line_no, row, errors, memo)
        entry = c.entry_number("entry_number")
        number = c.line_number("line_number")
        import_date = c.date("import_date")
        hts = c.hts10("hts")
        quantity = c.decimal("quantity", positive=True)
        uom = c.text("uom")
        value = c.decimal("entered_value")
        duty = c.decimal("duty")
        ch99 = _ch99(c, "ch99")
        mpf = c.decimal("mpf", required=False)
        hmf = c.decimal("hmf", required=False)
        country = c.country("country_of_origin", required=False)
        if entry and number:
            key = LineKey(entry, number)
            if key in rows:
                c.fail("line_number", f"{key} is given twice (first at row {rows[key]})")
            else:
                rows[key] = line_no
        if not c.ok:
            continue
        lines.append(
            ImportLine(
                entry_number=entry,
                line_number=number,
                import_date=import_date,
                hts=hts,
                quantity=quantity,
                uom=uom.upper(),
                entered_value=value,
                duty=duty,
                ch99=ch99,
                mpf=mpf or ZERO,
                hmf=hmf or ZERO,
                country_of_origin=country,
                description=row.get("description", ""),
                entry_text=row["entry_number"],
            )
        )
    return ImportsRead(lines, rows, errors)


class _Invalid(Exception):
    """A cell breaks a rule: the file is read again row by row, which says which and where."""


def _column(table: _Rows, key: str, parse=None, *, required: bool = True) -> list:
    """A column's cells, parsed once per distinct text by `parse` (a (value, rule) function); _Invalid at the
    first problem."""
    pos = table.columns.get(key)
    if pos is None:
        if required:
            raise _Invalid(key)
        return [""] * len(table._rows)
    cells = [(c[pos].strip() if pos < len(c) else "") for _, c in table._rows]
    if parse is None:
        if required and "" in cells:
            raise _Invalid(key)
        return cells
    memo: dict = {}
    out = []
    for cell in cells:
        outcome = memo.get(cell)
        if outcome is None:
            if cell == "":
                outcome = (None, "required") if required else (None, None)
            else:
                outcome = parse(cell)
            memo[cell] = outcome
        if outcome[1] is not None:
            raise _Invalid(key)
        out.append(outcome[0])
    return out


def _amounts(table: _Rows, key: str, *, required: bool = True, positive: bool = False) -> list[Decimal]:
    """A column of amounts as `_RowCheck.decimal` reads them (a blank optional amount is zero)."""
    pos = table.columns.get(key)
    if pos is None:
        if required:
            raise _Invalid(key)
        return [ZERO] * len(table._rows)
    out = []
    match = _DECIMAL.match
    for _, cells in table._rows:
        cell = cells[pos].strip() if pos < len(cells) else ""
        if cell == "":
            if required:
                raise _Invalid(key)
            out.append(ZERO)
            continue
        if not match(cell):
            raise _Invalid(key)
        number = Decimal(cell)
        if number < 0 or (positive and number <= 0):
            raise _Invalid(key)
        out.append(number)
    return out


def _parse_line_number(value: str) -> tuple[int | None, str | None]:
    if not value.isdigit() or int(value) < 1:
        return None, "not a line number"
    return int(value), None


def _parse_country(value: str) -> tuple[str | None, str | None]:
    if not (_COUNTRY.match(value) and is_country(value)):
        return None, "not a country"
    return value.upper(), None


def _imports_by_column(table: _Rows, name: str) -> ImportsRead | None:
    """The lines of a file in which every cell is right, read column by column (each distinct entry number,
    date and classification checked once): the same lines as row by row, several times faster on a large
    file. None at the first problem: the row-by-row reading then reports every problem with its row."""
    try:
        entries = _column(table, "entry_number", _parse_entry_number)
        numbers = _column(table, "line_number", _parse_line_number)
        days = _column(table, "import_date", _parse_date)
        hts = _column(table, "hts", _parse_hts10)
        quantities = _amounts(table, "quantity", positive=True)
        uoms = _column(table, "uom")
        values = _amounts(table, "entered_value")
        duties = _amounts(table, "duty")
        mpfs = _amounts(table, "mpf", required=False)
        hmfs = _amounts(table, "hmf", required=False)
        countries = _column(table, "country_of_origin", _parse_country, required=False)
        ch99_cells = _column(table, "ch99", required=False)
        descriptions = _column(table, "description", required=False)
        shown = _column(table, "entry_number")
    except _Invalid:
        return None
    rows: dict[LineKey, int] = {}
    lines: list[ImportLine] = []
    for k, (line_no, _) in enumerate(table._rows):
        key = LineKey(entries[k], numbers[k])
        if key in rows:
            return None
        rows[key] = line_no
        ch99: tuple[Ch99Duty, ...] = ()
        if ch99_cells[k]:
            check = _RowCheck(name, line_no, {"ch99": ch99_cells[k]}, [])
            ch99 = _ch99(check, "ch99")
            if not check.ok:
                return None
        lines.append(
            ImportLine(
                entry_number=entries[k],
                line_number=numbers[k],
                import_date=days[k],
                hts=hts[k],
                quantity=quantities[k],
                uom=uoms[k].upper(),
                entered_value=values[k],
                duty=duties[k],
                ch99=ch99,
                mpf=mpfs[k] or ZERO,  # as row by row: a zero written "0.00" is kept as plain 0
                hmf=hmfs[k] or ZERO,
                country_of_origin=countries[k] or "",
                description=descriptions[k],
                entry_text=shown[k],
            )
        )
    return ImportsRead(lines, rows, [])


@dataclass
class ExportsRead:
    exports: list[Export]
    rows: dict[str, int]
    errors: list[InputError]


def read_exports(source, *, lines: Iterable[LineKey] = (), name: str = "exports.csv") -> ExportsRead:
    with bulk():
        return _read_exports(source, lines, name)


def _read_exports(source, lines: Iterable[LineKey], name: str) -> ExportsRead:
    known = set(lines)
    table = _Rows(name, source, EXPORT_REQUIRED, EXPORT_OPTIONAL)
    exports: list[Export] = []
    rows: dict[str, int] = {}
    errors = table.errors
    if not table.usable:
        return ExportsRead(exports, rows, errors)
    memo: dict = {}
    for line_no, row in table:
        c = _RowCheck(name, line_no, row, errors, memo)
        ref = c.text("export_ref")
        if ref and starts_like_formula(ref):
            # designations.csv repeats export_ref as given (a fixed contract, data-contract.md): an identifier
            # that a spreadsheet would run as a formula is refused here instead of being altered there.
            c.fail("export_ref", f"{ref!r} starts like a spreadsheet formula; an export identifier cannot")
            ref = ""
        if ref:
            if ref in rows:
                c.fail("export_ref", f"{ref!r} is given twice (first at row {rows[ref]}); it must be unique")
            else:
                rows[ref] = line_no
        export_date = c.date("export_date")
        hts = c.hts10("hts")
        quantity = c.decimal("quantity", positive=True)
        uom = c.text("uom")
        value = c.decimal("value")
        raw_disp = row.get("disposition", "").lower()
        disposition = Disposition.EXPORT
        if raw_disp in ("", "export"):
            pass
        elif raw_disp == "destroy":
            disposition = Disposition.DESTROY
        else:
            c.fail("disposition", f"must be 'export' or 'destroy' (got {row.get('disposition')!r})")
        destination = c.country("destination", required=disposition == Disposition.EXPORT)
        recovered = c.decimal("recovered_value", required=False) or ZERO
        if recovered > 0 and disposition != Disposition.DESTROY:
            c.fail("recovered_value", "recovered value applies only to a destruction (disposition 'destroy')")
        entry = c.entry_number("entry_number", required=False)
        number = c.line_number("line_number", required=False)
        direct = None
        if bool(row.get("entry_number")) != bool(row.get("line_number")):
            missing = "line_number" if row.get("entry_number") else "entry_number"
            c.fail(missing, "entry_number and line_number go together: give both or neither")
        elif entry and number:
            direct = LineKey(entry, number)
            if direct not in known:
                c.fail("entry_number", f"{direct} is not a line of the imports file")
        excepted_raw = row.get("excepted_goods", "").lower()
        if excepted_raw not in _TRUE | _FALSE:
            c.fail("excepted_goods", f"must be true or false (got {row.get('excepted_goods')!r})")
        if not c.ok:
            continue
        exports.append(
            Export(
                ref=ref,
                export_date=export_date,
                hts=hts,
                quantity=quantity,
                uom=uom.upper(),
                value=value,
                destination=destination,
                disposition=disposition,
                recovered_value=recovered,
                direct_line=direct,
                excepted_goods=excepted_raw in _TRUE,
            )
        )
    return ExportsRead(exports, rows, errors)


@dataclass
class TariffRead:
    tariff: TariffIndex
    errors: list[InputError]


def read_tariff(source, *, name: str = "hts.csv") -> TariffRead:
    table = _Rows(name, source, TARIFF_REQUIRED, TARIFF_OPTIONAL)
    rows: list[TariffRow] = []
    if table.usable:
        for _, row in table:
            digits = re.sub(r"[.\s]", "", row.get("hts number", ""))
            # Heading and indent-only rows have no number; anything that is not a number is not a tariff row.
            if not digits.isdigit():
                continue
            indent = row.get("indent", "")
            rows.append(
                TariffRow(
                    hts=digits,
                    description=row.get("description", ""),
                    general_rate=row.get("general rate of duty", ""),
                    unit=row.get("unit of quantity", ""),
                    indent=int(indent) if indent.isdigit() else 0,
                )
            )
    return TariffRead(TariffIndex(rows), table.errors)


def tariff_coverage(imports: ImportsRead, tariff: TariffIndex, *, imports_name: str = "imports.csv"):
    """data-contract.md: the tariff must hold the 8-digit row of each classification used by a line."""
    errors = []
    for line in imports.lines:
        if not tariff.has_subheading(line.hts):
            errors.append(
                InputError(
                    imports_name,
                    imports.rows[line.key],
                    "hts",
                    f"the tariff file has no 8-digit row {dotted(line.hts[:8])} for this classification",
                )
            )
    return errors


def load_chapter99(path: Path = CHAPTER99_CSV) -> Chapter99Table:
    """The Chapter 99 table from the seed CSV the database is loaded from (imports/data/chapter99.csv)."""
    headings = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            headings.append(
                Heading(
                    program=row["program"].strip(),
                    ch99_from=row["ch99_from"].strip(),
                    ch99_to=row["ch99_to"].strip(),
                    effective_from=_iso(row["effective_from"]),
                    effective_to=_iso(row["effective_to"]),
                    drawback_eligible=row["drawback_eligible"].strip().lower(),
                    basis=row["basis"].strip(),
                )
            )
    return Chapter99Table(headings)


def _iso(text: str) -> dt.date | None:
    text = (text or "").strip()
    return dt.date.fromisoformat(text) if text else None


def designation_rows(
    designations: Iterable[Designation], lines: Iterable[ImportLine], *, format_refund, format_quantity
) -> list[list[str]]:
    """Rows of designations.csv, sorted by export_ref, then entry_number, then line_number."""
    shown = {line.key: line.shown_entry for line in lines}
    rows = []
    for d in designations:
        if d.quantity <= 0:
            continue
        rows.append(
            (
                d.export_ref,
                shown.get(d.line, d.line.entry_number),
                d.line.line_number,
                d.provision.value,
                format_quantity(d.quantity),
                format_refund(d.refund),
                d.line.entry_number,
            )
        )
    # The same entry number sorts the same however it is written (with or without dashes): d.line holds
    # the normalised number, the row shows it as the file did.
    rows.sort(key=lambda r: (r[0], r[6], r[2]))
    return [
        [entry, str(line), ref, provision, qty, refund]
        for ref, entry, line, provision, qty, refund, _ in rows
    ]


def write_csv_atomic(path: str | os.PathLike, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write to a temporary file beside the target, then rename: readers never see half a file."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def format_quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def parse_iso_date(text: str) -> dt.date:
    if not _ISO_DATE.match(text or ""):
        raise ValueError(text)
    return dt.date.fromisoformat(text)

"""Reading CSV, XLSX and JSON files row by row as text, with bounded memory and a progress fraction.

- CSV is streamed through the csv module; UTF-8 with or without a byte-order mark (the data contract).
  A file that is not UTF-8 in its first 64 KB is read as Windows-1252, which is what Excel's plain "CSV"
  save produces; the canonical files must be UTF-8.
- XLSX is read with openpyxl in read-only mode (rows streamed from the sheet XML, never the whole
  workbook in memory). Cells become text: a number becomes its shortest decimal text (`46269.49`), never
  a float in our code; a whole number stored as a float loses its `.0`; a date cell becomes YYYY-MM-DD.
- JSON (the USITC HTS JSON download) is a list of objects; each key is a column.

Everything a file can make us hold is bounded (`Limits`, from the UPLOAD_* settings): rows read (blank rows
count: a file of ten million empty rows is refused, not read to its end), characters in one cell, and for
XLSX the uncompressed size of the workbook and of its shared strings, checked in the zip directory before
openpyxl opens anything, so a small file that expands to gigabytes is refused in milliseconds.
"""

import codecs
import csv
import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .base import FromNumber

MB = 1024 * 1024
# A workbook part this much larger than its compressed size is a zip bomb, not a spreadsheet: sheet XML
# compresses about tenfold. Small parts are exempt (a tiny repetitive part proves nothing).
XLSX_MAX_RATIO = 100
XLSX_RATIO_EXEMPT_BYTES = 10 * MB
# openpyxl holds every shared string in memory (the sheet itself is streamed).
XLSX_MAX_SHARED_STRINGS_BYTES = 256 * MB
# The JSON reader holds the whole document: only the HTS tariff comes as JSON (about 30 MB in full).
JSON_MAX_BYTES = 128 * MB


class FileFormatError(ValueError):
    """The file cannot be read at all (not a spreadsheet, not text, broken JSON), or goes past a limit."""


@dataclass(frozen=True)
class Limits:
    """What one file may make us hold. Defaults are the settings' defaults (README: UPLOAD_*)."""

    max_rows: int = 2_000_000
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_xlsx_bytes: int = 2048 * MB  # uncompressed, all parts of the workbook together

    @classmethod
    def from_settings(cls) -> "Limits":
        from django.conf import settings

        return cls(
            max_rows=settings.UPLOAD_MAX_ROWS,
            max_cell_chars=settings.UPLOAD_MAX_CELL_CHARS,
            max_xlsx_bytes=settings.UPLOAD_XLSX_MAX_MB * MB,
        )

    def too_many_rows(self) -> FileFormatError:
        return FileFormatError(
            f"the file has more than {self.max_rows:,} rows (blank rows included); split it into smaller "
            "files"
        )

    def cell_too_long(self, row: int, column: int, length: int) -> FileFormatError:
        return FileFormatError(
            f"row {row} column {column} holds {length:,} characters; a cell may hold at most "
            f"{self.max_cell_chars:,}"
        )


class _CountingReader(io.RawIOBase):
    """Counts the bytes the text layer pulls from the file, so progress can be reported by position."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return FromNumber(value)
    if isinstance(value, float):
        # repr gives the shortest text that reads back as the same float: 46269.49, not 46269.4899999...
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]
        return FromNumber(text)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class Table:
    """A header row and the data rows after it. Row numbers count the header as row 1."""

    kind = "csv"

    def __init__(self, path: Path, name: str):
        self.path = Path(path)
        self.name = name
        self.size = max(os.path.getsize(self.path), 1)
        self.headers: list[str] = []

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        raise NotImplementedError

    @property
    def fraction(self) -> float:
        return 0.0

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CsvTable(Table):
    def __init__(self, path: Path, name: str, *, strict_utf8: bool = False, limits: Limits | None = None):
        super().__init__(path, name)
        self.limits = limits or Limits()
        with open(self.path, "rb") as probe:
            head = probe.read(65536)
        if b"\x00" in head:
            raise FileFormatError("the file is not text (it holds NUL bytes); upload CSV, XLSX or JSON")
        encoding = "utf-8-sig"
        try:
            # The 64 KB cut may fall inside a multi-byte character: only a complete file must end cleanly.
            codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) < 65536)
        except UnicodeDecodeError:
            if strict_utf8:
                raise FileFormatError("the file is not UTF-8 text; save it as CSV UTF-8") from None
            encoding = "cp1252"
        self.encoding = encoding
        self._raw = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        self._counter = _CountingReader(self._raw)
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._counter, 1 << 20), encoding=encoding, newline=""
        )
        self._reader = csv.reader(self._text)
        # The csv module's own bound on one field (process-wide; every reader here uses the same limit).
        csv.field_size_limit(self.limits.max_cell_chars)
        try:
            self.headers = [h.replace("\ufeff", "").strip() for h in next(self._reader)]
        except StopIteration:
            self.headers = []
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileFormatError(f"the header row cannot be read: {self._csv_error(exc)}") from None

    def _csv_error(self, exc: Exception) -> str:
        if "field larger than field limit" in str(exc):
            return f"a cell holds more than {self.limits.max_cell_chars:,} characters"
        return str(exc)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 1
        last = self.limits.max_rows + 1
        try:
            for row in self._reader:
                number += 1
                if number > last:
                    raise self.limits.too_many_rows()
                yield number, row
        except UnicodeDecodeError:
            raise FileFormatError(
                f"row {number + 1} is not {self.encoding} text; save the file as CSV UTF-8"
            ) from None
        except csv.Error as exc:
            raise FileFormatError(f"row {number + 1} cannot be read as CSV: {self._csv_error(exc)}") from None

    @property
    def fraction(self) -> float:
        return min(self._counter.count / self.size, 1.0)

    def close(self) -> None:
        self._text.close()
        self._raw.close()


def _check_workbook_size(path: Path, limits: Limits) -> None:
    """Refuse a workbook whose parts would expand past the limits, from the zip directory alone (zipfile
    never returns more than a part's declared size, so the directory bounds what openpyxl can read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(f"the workbook cannot be opened: {exc}") from None
    total = sum(part.file_size for part in parts)
    if total > limits.max_xlsx_bytes:
        raise FileFormatError(
            f"the workbook expands to {total / MB:,.0f} MB; at most {limits.max_xlsx_bytes / MB:,.0f} MB "
            "is read: split it, or save it as CSV"
        )
    for part in parts:
        if part.filename.endswith("sharedStrings.xml") and part.file_size > XLSX_MAX_SHARED_STRINGS_BYTES:
            raise FileFormatError(
                f"the workbook's text cells expand to {part.file_size / MB:,.0f} MB; at most "
                f"{XLSX_MAX_SHARED_STRINGS_BYTES / MB:,.0f} MB is read: save it as CSV"
            )
        if part.file_size > XLSX_RATIO_EXEMPT_BYTES and part.file_size > XLSX_MAX_RATIO * max(
            part.compress_size, 1
        ):
            raise FileFormatError(
                f"the workbook part {part.filename} expands {part.file_size // max(part.compress_size, 1):,} "
                "times its compressed size; this is not an ordinary spreadsheet and is not read"
            )


class XlsxTable(Table):
    kind = "xlsx"

    def __init__(self, path: Path, name: str, *, limits: Limits | None = None):
        super().__init__(path, name)
        self.limits = limits or Limits()
        _check_workbook_size(self.path, self.limits)
        import openpyxl

        try:
            self._book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a damaged file
            raise FileFormatError(f"the workbook cannot be opened: {exc}") from None
        self._sheet = self._book.worksheets[0]
        self._total = self._sheet.max_row or 0
        self._done = 0
        self._iter = self._sheet.iter_rows(values_only=True)
        try:
            first = next(self._iter)
            self.headers = self._cells(1, first)
            self.headers = [h.replace("\ufeff", "").strip() for h in self.headers]
        except StopIteration:
            self.headers = []
        while self.headers and self.headers[-1] == "":
            self.headers.pop()

    def _cells(self, number: int, values) -> list[str]:
        cells = [_cell_text(v) for v in values]
        longest = max(map(len, cells), default=0)
        if longest > self.limits.max_cell_chars:
            column = next(i for i, c in enumerate(cells, start=1) if len(c) == longest)
            raise self.limits.cell_too_long(number, column, longest)
        return cells

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 1
        last = self.limits.max_rows + 1
        for values in self._iter:
            number += 1
            if number > last:
                raise self.limits.too_many_rows()
            self._done = number
            yield number, self._cells(number, values)

    @property
    def fraction(self) -> float:
        return min(self._done / self._total, 1.0) if self._total else 0.0

    def close(self) -> None:
        self._book.close()


class JsonTable(Table):
    """The USITC JSON download: a list of objects. Item N is reported as row N + 1, as in the CSV."""

    kind = "json"

    def __init__(self, path: Path, name: str, *, limits: Limits | None = None):
        super().__init__(path, name)
        self.limits = limits or Limits()
        if self.size > JSON_MAX_BYTES:
            raise FileFormatError(
                f"a JSON file is read whole, so at most {JSON_MAX_BYTES // MB} MB: upload the tariff as CSV"
            )
        try:
            with open(self.path, encoding="utf-8-sig") as handle:
                data = json.load(handle)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileFormatError(f"the JSON cannot be read: {exc}") from None
        if isinstance(data, dict):  # some exports wrap the list: {"results": [...]}
            data = next((v for v in data.values() if isinstance(v, list)), [])
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise FileFormatError("the JSON must be a list of objects")
        if len(data) > self.limits.max_rows:
            raise self.limits.too_many_rows()
        headers: list[str] = []
        for item in data[:50]:
            for key in item:
                if key not in headers:
                    headers.append(key)
        self.headers = headers
        self._data = data
        self._done = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        limit = self.limits.max_cell_chars
        for i, item in enumerate(self._data):
            self._done = i + 1
            cells = [_json_text(item.get(h)) for h in self.headers]
            for column, cell in enumerate(cells, start=1):
                if len(cell) > limit:
                    raise self.limits.cell_too_long(i + 2, column, len(cell))
            yield i + 2, cells

    @property
    def fraction(self) -> float:
        return self._done / len(self._data) if self._data else 0.0


def _json_text(value) -> str:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return _cell_text(value)


def open_table(path: Path, name: str, *, strict_utf8: bool = False, limits: Limits | None = None) -> Table:
    """Open a data file by its content (and name): XLSX by its zip signature, JSON by its opening
    bracket, CSV otherwise. `limits` defaults to the settings' (Limits.from_settings)."""
    limits = limits or Limits.from_settings()
    with open(path, "rb") as probe:
        head = probe.read(512)
    if head.startswith(b"PK\x03\x04"):
        return XlsxTable(path, name, limits=limits)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileFormatError("old Excel .xls workbooks are not read; save the sheet as .xlsx or CSV")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.lower().endswith(".json") or stripped[:1] in (b"[", b"{"):
        return JsonTable(path, name, limits=limits)
    return CsvTable(path, name, strict_utf8=strict_utf8, limits=limits)


def read_headers(path: Path, name: str) -> list[str]:
    with open_table(path, name) as table:
        return list(table.headers)

"""Reading CSV, XLSX and JSON files row by row as text, with bounded memory and a progress fraction.

- CSV is streamed through the csv module; UTF-8 with or without a byte-order mark (the data contract).
  A file that is not UTF-8 in its first 64 KB is read as Windows-1252, which is what Excel's plain "CSV"
  save produces; the canonical files must be UTF-8.
- XLSX is read with openpyxl in read-only mode (rows streamed from the sheet XML, never the whole
  workbook in memory). Cells become text: a number becomes its shortest decimal text (`46269.49`), never
  a float in our code; a whole number stored as a float loses its `.0`; a date cell becomes YYYY-MM-DD.
- JSON (the USITC HTS JSON download) is a list of objects; each key is a column.
"""

import codecs
import csv
import datetime as dt
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .base import FromNumber


class FileFormatError(ValueError):
    """The file cannot be read at all (not a spreadsheet, not text, broken JSON)."""


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
    def __init__(self, path: Path, name: str, *, strict_utf8: bool = False):
        super().__init__(path, name)
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
        try:
            self.headers = [h.replace("\ufeff", "").strip() for h in next(self._reader)]
        except StopIteration:
            self.headers = []
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileFormatError(f"the header row cannot be read: {exc}") from None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for row in self._reader:
                number += 1
                yield number, row
        except UnicodeDecodeError:
            raise FileFormatError(
                f"row {number + 1} is not {self.encoding} text; save the file as CSV UTF-8"
            ) from None
        except csv.Error as exc:
            raise FileFormatError(f"row {number + 1} cannot be read as CSV: {exc}") from None

    @property
    def fraction(self) -> float:
        return min(self._counter.count / self.size, 1.0)

    def close(self) -> None:
        self._text.close()
        self._raw.close()


class XlsxTable(Table):
    kind = "xlsx"

    def __init__(self, path: Path, name: str):
        super().__init__(path, name)
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
            self.headers = [_cell_text(v).replace("\ufeff", "").strip() for v in first]
        except StopIteration:
            self.headers = []
        while self.headers and self.headers[-1] == "":
            self.headers.pop()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 1
        for values in self._iter:
            number += 1
            self._done = number
            yield number, [_cell_text(v) for v in values]

    @property
    def fraction(self) -> float:
        return min(self._done / self._total, 1.0) if self._total else 0.0

    def close(self) -> None:
        self._book.close()


class JsonTable(Table):
    """The USITC JSON download: a list of objects. Item N is reported as row N + 1, as in the CSV."""

    kind = "json"

    def __init__(self, path: Path, name: str):
        super().__init__(path, name)
        try:
            with open(self.path, encoding="utf-8-sig") as handle:
                data = json.load(handle)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileFormatError(f"the JSON cannot be read: {exc}") from None
        if isinstance(data, dict):  # some exports wrap the list: {"results": [...]}
            data = next((v for v in data.values() if isinstance(v, list)), [])
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise FileFormatError("the JSON must be a list of objects")
        headers: list[str] = []
        for item in data[:50]:
            for key in item:
                if key not in headers:
                    headers.append(key)
        self.headers = headers
        self._data = data
        self._done = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        for i, item in enumerate(self._data):
            self._done = i + 1
            yield i + 2, [_json_text(item.get(h)) for h in self.headers]

    @property
    def fraction(self) -> float:
        return self._done / len(self._data) if self._data else 0.0


def _json_text(value) -> str:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return _cell_text(value)


def open_table(path: Path, name: str, *, strict_utf8: bool = False) -> Table:
    """Open a data file by its content (and name): XLSX by its zip signature, JSON by its opening
    bracket, CSV otherwise."""
    with open(path, "rb") as probe:
        head = probe.read(512)
    if head.startswith(b"PK\x03\x04"):
        return XlsxTable(path, name)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileFormatError("old Excel .xls workbooks are not read; save the sheet as .xlsx or CSV")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if name.lower().endswith(".json") or stripped[:1] in (b"[", b"{"):
        return JsonTable(path, name)
    return CsvTable(path, name, strict_utf8=strict_utf8)


def read_headers(path: Path, name: str) -> list[str]:
    with open_table(path, name) as table:
        return list(table.headers)

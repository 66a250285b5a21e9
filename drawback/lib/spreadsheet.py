"""Text we write into CSV files and workbooks never becomes a formula (OWASP "CSV injection").

A spreadsheet program treats a cell starting with `=`, `+`, `-` or `@` as a formula, and a tab or carriage
return before them as nothing; text from uploaded files (an AES commodity description
`=HYPERLINK(...)`, a header) would run as a formula when the analyst opens our download. Every CSV and
XLSX writer of the project passes its cells through here (tests/lib/test_spreadsheet_writers.py finds them
all and checks each):

- CSV: such a cell gets a leading apostrophe, OWASP's rule, which spreadsheet programs show as text.
- XLSX: such a cell is stored as a string cell with Excel's "quote prefix" style, the same apostrophe as
  Excel itself keeps it: shown as typed, never calculated, and still text when edited. Characters XML
  cannot carry (control characters) are dropped rather than failing the whole workbook.

A plain number (`-12.50`) is left alone: it cannot be a formula, and an apostrophe would turn an amount into
text.
"""

import re
from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
# The control characters XML 1.0 forbids (openpyxl refuses them).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def starts_like_formula(text: str) -> bool:
    """True when a spreadsheet program could read this text as a formula."""
    return text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text)


def csv_cell(value):
    """One cell for csv.writer: text that could be a formula gets a leading apostrophe."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


def xlsx_append(ws, values: Iterable) -> None:
    """Append a row to an openpyxl worksheet with every text cell kept as text (see the module)."""
    cleaned = [_NOT_IN_XML.sub("", v) if isinstance(v, str) else v for v in values]
    ws.append(cleaned)
    for column, value in enumerate(cleaned, start=1):
        if isinstance(value, str) and starts_like_formula(value):
            cell = ws.cell(row=ws.max_row, column=column)
            cell.data_type = "s"  # openpyxl took a leading "=" for a formula
            cell.quotePrefix = True

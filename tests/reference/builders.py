"""Small helpers to write contract CSVs from dicts, for hand-built reference and differential cases."""

from __future__ import annotations

import csv
import datetime as dt
import io

from tests.reference.contract import Instance, entry_check_digit
from tests.reference.generate import TARIFF_COLUMNS

IMPORT_COLUMNS = [
    "entry_number",
    "line_number",
    "import_date",
    "hts",
    "quantity",
    "uom",
    "entered_value",
    "duty",
    "ch99",
    "mpf",
    "hmf",
]
EXPORT_COLUMNS = [
    "export_ref",
    "export_date",
    "hts",
    "quantity",
    "uom",
    "value",
    "destination",
    "disposition",
    "recovered_value",
    "entry_number",
    "line_number",
    "excepted_goods",
]

# A tariff extract in the USITC layout covering every hand-built case.
TARIFF = [
    ("6109.10.00", "Of cotton", "16.5%", ""),
    ("6109.10.00.04", "Men's or boys': T-shirts, all white", "", "doz. kg"),
    ("6109.10.00.12", "Men's or boys': Other T-shirts", "", "doz. kg"),
    ("7102.39.00", "Other", "Free", ""),
    ("7102.39.00.10", "Weighing not over 0.5 carat each", "", "carat"),
    ("7102.39.00.50", "Weighing over 0.5 carat each", "", "carat"),
    ("3926.90.99", "Other", "5.3%", ""),
    ("3926.90.99.90", "Other", "", "kg"),
    ("1701.99.50", "Other sugar, refined", "1.4¢/kg", ""),
    ("1701.99.50.25", "In packages", "", "kg"),
    ("7318.15.20", "Bolts and bolts and their nuts or washers", "2¢/kg + 5%", ""),
    ("7318.15.20.95", "Other", "", "kg"),
    ("7208.51.00", "Of a thickness exceeding 10 mm", "Free", ""),
    ("7208.51.00.30", "Of a thickness exceeding 10 mm but not exceeding 50 mm", "", "kg"),
    ("3923.90.00", "Other", "3%", ""),
    ("3923.90.00.80", "Other", "", "kg"),
]


def entry(filer: str, sequence: str) -> str:
    return f"{filer}-{sequence}-{entry_check_digit(filer, sequence)}"


E1 = entry("B76", "0324527")  # B76-0324527-8, CBP's own example
E2 = entry("EJ8", "1000001")


def csv_text(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n", restval="", extrasaction="raise")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def tariff_text(rows=TARIFF) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, TARIFF_COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\n", restval="")
    writer.writeheader()
    for hts, description, rate, unit in rows:
        indent = "1" if len(hts.replace(".", "")) == 8 else "2"
        writer.writerow(
            {
                "HTS Number": hts,
                "Indent": indent,
                "Description": description,
                "Unit of Quantity": unit,
                "General Rate of Duty": rate,
            }
        )
    return out.getvalue()


def imp(**fields) -> dict:
    row = {"entry_number": E1, "line_number": "1", "uom": "NO", "duty": "0", "entered_value": "1000"}
    row.update({k: str(v) for k, v in fields.items()})
    return row


def exp(ref: str, **fields) -> dict:
    row = {"export_ref": ref, "destination": "JP", "uom": "NO"}
    row.update({k: str(v) for k, v in fields.items()})
    return row


def texts(imports: list[dict], exports: list[dict], tariff=TARIFF) -> tuple[str, str, str]:
    return csv_text(IMPORT_COLUMNS, imports), csv_text(EXPORT_COLUMNS, exports), tariff_text(tariff)


def instance(imports: list[dict], exports: list[dict], filing: str, tariff=TARIFF) -> Instance:
    i, e, t = texts(imports, exports, tariff)
    return Instance(i, e, t, dt.date.fromisoformat(filing))

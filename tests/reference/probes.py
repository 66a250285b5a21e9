"""Minimal instances, one per reading of contract.py, with the reference's total worked out by hand.

Each probe isolates one point where two careful readers of the documents could differ. test_reference.py
checks the reference against the hand figure; test_differential.py runs the product on the same files.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.reference.builders import E1, E2, TARIFF, exp, imp

TARIFF_PROBES = TARIFF + [
    ("4202.92.31", "Other", "20%", ""),
    ("4202.92.31.20", "", "", "No."),
    ("9506.99.60", "Other", "4%", ""),
    ("6110.11.00", "Of wool", "16% + 68.4¢/kg", ""),
    ("6110.11.00.10", "Sweaters for men", "", "doz. kg"),
    (
        "8473.30.11",
        "Printed circuit assemblies",
        "The rate applicable to the article of which it is a part",
        "",
    ),
    ("8473.30.11.80", "Other", "", "No."),
    ("8516.60.40", "Cooking stoves, ranges and ovens", "2.7%", ""),
    ("8516.60.40.60", "Ovens", "", "No."),
]
T_SHIRT = "6109100004"
DI = {"entry_number": E1, "line_number": 1}


@dataclass(frozen=True)
class Probe:
    id: str
    reading: str
    imports: list
    exports: list
    filing: str
    expected: str  # the reference's claim total, by hand
    note: str = ""


def _line(**fields):
    base = dict(
        hts=T_SHIRT, import_date="2024-01-10", quantity=10, uom="DOZ", entered_value="1000", duty="165.00"
    )
    base.update(fields)
    return imp(**base)


def _export(ref="X", **fields):
    base = dict(export_date="2024-03-01", hts=T_SHIRT, quantity=10, uom="DOZ", value="1000")
    base.update(fields)
    return exp(ref, **base)


PROBES = [
    Probe(
        "export-on-filing-date",
        "R3",
        [_line()],
        [_export(export_date="2025-02-01", **DI)],
        "2025-02-01",
        "0.00",
        "export dated the filing date; 163.35 if 'before the claim is filed' includes the same day",
    ),
    Probe(
        "export-on-anniversary-and-filing-date",
        "R1/R3",
        [_line(import_date="2021-03-15")],
        [_export(export_date="2026-03-15", **DI)],
        "2026-03-15",
        "0.00",
        "export and claim both on the fifth anniversary",
    ),
    Probe(
        "di-before-import", "R4", [_line()], [_export(export_date="2024-01-09", **DI)], "2024-09-01", "0.00"
    ),
    Probe("sub-same-day", "R4", [_line()], [_export(export_date="2024-01-10")], "2024-09-01", "163.35"),
    Probe(
        "other-with-empty-10-digit-description",
        "R5",
        [_line(hts="4202923120", uom="NO", duty="200.00")],
        [_export(hts="4202923120", uom="NO")],
        "2024-09-01",
        "198.00",
        "8-digit 'Other', the 10-digit row's description is empty",
    ),
    Probe(
        "other-without-10-digit-row",
        "R5",
        [_line(hts="9506996080", uom="NO", duty="40.00")],
        [_export(hts="9506996080", uom="NO")],
        "2024-09-01",
        "0.00",
        "8-digit 'Other' and no 10-digit row in the tariff file",
    ),
    Probe(
        "di-other-hts",
        "R6",
        [_line()],
        [_export(hts="8516604060", **DI)],
        "2024-09-01",
        "163.35",
        "direct identification reported under another number",
    ),
    Probe("di-other-unit", "R7", [_line()], [_export(uom="KG", **DI)], "2024-09-01", "0.00"),
    Probe("di-to-canada", "R8", [_line()], [_export(destination="CA", **DI)], "2024-09-01", "163.35"),
    Probe(
        "sub-destruction-no-destination",
        "R8",
        [_line()],
        [_export(destination="", disposition="destroy")],
        "2024-09-01",
        "163.35",
    ),
    Probe(
        "sub-excepted-upper-case",
        "R8",
        [_line()],
        [_export(destination="MX", excepted_goods="TRUE")],
        "2024-09-01",
        "163.35",
    ),
    Probe(
        "lesser-of-all-classes",
        "R9",
        [_line(quantity=100, mpf="3.46", hmf="1.25", ch99="9903.88.03=250.00")],
        [_export(quantity=100, value="500.00")],
        "2024-09-01",
        "207.76",
        "factor 0.5 on duty 165 + 301 duty 250 (205.43), MPF 3.46 (1.71) and HMF 1.25 (0.62)",
    ),
    Probe(
        "compound-rate-per-other-unit",
        "R10",
        [_line(hts="6110110010", quantity=100, entered_value="10000", duty="1800.00")],
        [_export(hts="6110110010", quantity=100, value="5000")],
        "2024-09-01",
        "891.00",
        "16% + 68.4¢/kg on a DOZ line: unknown structure, all ad valorem x 0.5",
    ),
    Probe(
        "text-rate",
        "R10",
        [_line(hts="8473301180", uom="NO", quantity=100, entered_value="10000", duty="500.00")],
        [_export(hts="8473301180", uom="NO", quantity=100, value="5000")],
        "2024-09-01",
        "247.50",
    ),
    Probe(
        "specific-rate-duty-off-the-rate",
        "R10",
        [_line(hts="1701995025", uom="KG", quantity=10000, entered_value="9000", duty="200.00")],
        [_export(hts="1701995025", uom="KG", quantity=4000, value="400")],
        "2024-09-01",
        "79.20",
        "1.4¢/kg but 200.00 paid: all specific, not reduced",
    ),
    Probe(
        "compound-duty-off-the-rate",
        "R10",
        [_line(hts="7318152095", uom="KG", quantity=1000, entered_value="5000", duty="300.00")],
        [_export(hts="7318152095", uom="KG", quantity=400, value="1200")],
        "2024-09-01",
        "74.45",
        "2¢/kg + 5% but 300.00 paid: specific 20.00, ad valorem the other 280.00 (x 0.4 x 0.6)",
    ),
    Probe(
        "di-destruction-value-differs",
        "R11",
        [_line(quantity=1000, entered_value="20000", duty="2000.00", mpf="69.28")],
        [
            _export(
                quantity=1000,
                value="10000",
                destination="",
                disposition="destroy",
                recovered_value="2000",
                **DI,
            )
        ],
        "2024-09-01",
        "1843.73",
        "recovered 2.00/unit off the entered 20.00/unit: 0.9 on duty (1782.00) and MPF (61.73)",
    ),
    Probe(
        "sub-destruction-above-import-value",
        "R11",
        [_line(quantity=1000, entered_value="20000", duty="2000.00")],
        [_export(quantity=100, value="3000", destination="", disposition="destroy", recovered_value="300")],
        "2024-09-01",
        "168.30",
        "min(20, 30) - 3 = 17 of 20: 0.85; 198.00 if only the destroyed side is reduced",
    ),
    Probe(
        "ch99-yes-outside-its-dates",
        "R12",
        [_line(import_date="2024-06-03", duty="0", ch99="9903.01.25=1000.00")],
        [_export(export_date="2024-08-01", **DI)],
        "2024-09-01",
        "990.00",
        "reciprocal heading (from 2025-04-05) on a 2024 import: the table says yes, the date only warns",
    ),
    Probe(
        "ch99-unknown-partial-none",
        "R12",
        [
            _line(
                import_date="2026-08-03", duty="0", ch99="9903.05.01=100.00;9903.74.01=100.00;99039998=100.00"
            )
        ],
        [_export(export_date="2026-08-10", **DI)],
        "2026-09-01",
        "0.00",
    ),
    Probe(
        "ch99-rounded-with-the-duty",
        "R13",
        [_line(quantity=1, duty="1.005", ch99="9903.88.03=1.005")],
        [_export(quantity=1, **DI)],
        "2024-09-01",
        "1.99",
        "0.99495 + 0.99495 = 1.9899 rounded once in class 364; 1.98 if each Chapter 99 number is a class",
    ),
    Probe(
        "rounding-can-beat-the-exact-optimum",
        "R14",
        [
            _line(quantity=1, entered_value="100", duty="1.002", mpf="0.005"),
            _line(entry_number=E2, quantity=1, entered_value="100", duty="1.006"),
        ],
        [_export(quantity=1, value="100")],
        "2024-09-01",
        "0.99",
        "exact optimum 0.99693 files 0.99; the other line (0.99594) would file 1.00",
    ),
    Probe(
        "nothing-eligible",
        "-",
        [_line()],
        [_export(export_date="2023-01-01")],
        "2024-09-01",
        "0.00",
        "no row at all: header only and a zero total",
    ),
]

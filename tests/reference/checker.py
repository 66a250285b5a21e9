"""Checks a designations.csv (and the command's last printed line) against the three inputs.

Every check is a rule of data-contract.md or of the readings in `contract.py`. The result is a list of
violations, each with the row it concerns and a sentence a reviewer can act on; an empty list means the
designation is valid. Optimality is not checked here (see `contract.Instance.optimum`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from tests.reference.contract import (
    CLASSES,
    Instance,
    PairRefund,
    cents_text,
    claim_total_cents,
    normalize_entry,
)

COLUMNS = ["entry_number", "line_number", "export_ref", "provision", "quantity", "refund"]
_QUANTITY = re.compile(r"^\d+(\.\d+)?$")
_REFUND = re.compile(r"^\d+\.\d{2,6}$")
TOLERANCE = Fraction(1, 10**6)


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    row: int | None = None

    def __str__(self) -> str:
        return f"[{self.rule}]" + (f" row {self.row}" if self.row is not None else "") + f": {self.message}"


@dataclass
class CheckResult:
    violations: list[Violation] = field(default_factory=list)
    quantities: dict = field(default_factory=dict)  # (line key, export ref) -> Fraction
    class_sums: dict = field(default_factory=dict)
    expected_cents: int | None = None
    reported_cents: int | None = None
    reported_rows: int | None = None

    @property
    def exact_total(self) -> Fraction:
        return sum(self.class_sums.values(), Fraction(0))

    def add(self, rule: str, message: str, row: int | None = None) -> None:
        self.violations.append(Violation(rule, message, row))


def last_json_line(stdout: str) -> dict | None:
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        value = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def check(
    instance: Instance, designations: str, stdout: str | None = None, *, entry_order: str = "normalized"
) -> CheckResult:
    """`entry_order`: "normalized" sorts entry numbers without dashes (the same number sorts the same
    however it is written); "as_written" sorts the text in the file (disagreement D4)."""
    result = CheckResult()
    text = designations[1:] if designations.startswith("\ufeff") else designations
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    if not rows:
        result.add("columns", "designations.csv is empty (no header row)")
        return result
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    if header != COLUMNS:
        if sorted(header) == sorted(COLUMNS):
            result.add("columns", f"columns {header} are not in the documented order {COLUMNS}")
        else:
            result.add("columns", f"columns {header} differ from {COLUMNS}")
            return result
    index = {name: header.index(name) for name in COLUMNS}

    parsed = []  # (row, key, provision, qty, sort key)
    for row_no, raw in rows[1:]:
        cells = {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}
        if len(raw) != len(header):
            result.add("columns", f"{len(raw)} cells for {len(header)} columns", row_no)
        entry = normalize_entry(cells["entry_number"])
        if not re.fullmatch(r"\d+", cells["line_number"]):
            result.add("line_number", f"line_number {cells['line_number']!r} is not an integer", row_no)
            continue
        line_key = (entry, int(cells["line_number"]))
        ref = cells["export_ref"]
        if line_key not in instance.line_by_key:
            result.add(
                "pair", f"import line {cells['entry_number']} / {line_key[1]} is not in imports.csv", row_no
            )
            continue
        if ref not in instance.export_by_ref:
            result.add("pair", f"export {ref!r} is not in exports.csv", row_no)
            continue
        assessment = instance.assessments.get((line_key, ref))
        if assessment is None:
            result.add(
                "pair",
                f"{ref} names line {instance.export_by_ref[ref].di_key} for direct identification, "
                f"not {line_key}",
                row_no,
            )
            continue
        if not isinstance(assessment, PairRefund):
            result.add("eligibility", f"{line_key} against {ref} is not eligible: {assessment}", row_no)
            continue
        if cells["provision"] != assessment.provision:
            result.add(
                "provision",
                f"provision {cells['provision']!r}, expected {assessment.provision} "
                f"({'direct identification' if assessment.provision == '58' else 'substitution'})",
                row_no,
            )
        if not _QUANTITY.match(cells["quantity"]):
            result.add("quantity", f"quantity {cells['quantity']!r} is not a plain decimal number", row_no)
            continue
        qty = Fraction(Decimal(cells["quantity"]))
        if qty <= 0:
            result.add("quantity", "quantity must be greater than 0", row_no)
            continue
        if not _REFUND.match(cells["refund"]):
            result.add("refund", f"refund {cells['refund']!r} must have 2 to 6 decimals", row_no)
        else:
            refund = Fraction(Decimal(cells["refund"]))
            exact = qty * assessment.per_unit
            if abs(refund - exact) > TOLERANCE:
                result.add(
                    "refund",
                    f"refund {cells['refund']}, but {cells['quantity']} x the exact per-unit refund "
                    f"= {float(exact):.8f}",
                    row_no,
                )
        key = (line_key, ref)
        if key in result.quantities:
            result.add("duplicate", f"pair {line_key} / {ref} appears on more than one row", row_no)
            result.quantities[key] += qty
        else:
            result.quantities[key] = qty
        entry_sort = line_key[0] if entry_order == "normalized" else cells["entry_number"]
        parsed.append((row_no, key, assessment.provision, qty, (ref, entry_sort, line_key[1])))

    sort_keys = [p[4] for p in parsed]
    for a, b, p in zip(sort_keys, sort_keys[1:], parsed[1:], strict=False):
        if b < a:
            result.add("sorting", "rows are not sorted by export_ref, entry_number, line_number", p[0])
            break

    per_line: dict = {}
    methods: dict = {}
    per_export: dict = {}
    for _row, (line_key, ref), provision, qty, _ in parsed:
        per_line[line_key] = per_line.get(line_key, Fraction(0)) + qty
        methods.setdefault(line_key, set()).add(provision)
        per_export[ref] = per_export.get(ref, Fraction(0)) + qty
    for line_key, total in per_line.items():
        line = instance.line_by_key[line_key]
        if total > line.quantity:
            result.add(
                "line quantity", f"{total} designated from line {line_key}, which holds {line.quantity}"
            )
        if len(methods[line_key]) > 1:
            result.add("one method", f"line {line_key} is used by direct identification and by substitution")
    for ref, total in per_export.items():
        export = instance.export_by_ref[ref]
        if total > export.quantity:
            result.add(
                "export quantity", f"{total} designated against {ref}, which exported {export.quantity}"
            )

    result.class_sums = (
        instance.class_sums(result.quantities) if result.quantities else dict.fromkeys(CLASSES, 0)
    )
    result.expected_cents = claim_total_cents({c: Fraction(v) for c, v in result.class_sums.items()})

    if stdout is not None:
        summary = last_json_line(stdout)
        if summary is None:
            result.add("summary", "the last printed line is not a JSON object")
            return result
        for name in ("rows", "refund", "seconds"):
            if name not in summary:
                result.add("summary", f"the JSON summary has no {name!r}")
        if "rows" in summary:
            result.reported_rows = summary["rows"]
            if summary["rows"] != len(rows) - 1:
                result.add("summary", f"rows = {summary['rows']!r}, the file holds {len(rows) - 1} rows")
        if "refund" in summary:
            reported = summary["refund"]
            if not isinstance(reported, str) or not re.fullmatch(r"\d+\.\d{2}", reported):
                result.add("summary", f"refund {reported!r} is not a string with two decimals")
            else:
                result.reported_cents = int(Decimal(reported) * 100)
                if result.reported_cents != result.expected_cents:
                    result.add(
                        "summary",
                        f"refund {reported}, but the classes rounded half-up and added give "
                        f"{cents_text(result.expected_cents)}",
                    )
        if "seconds" in summary and not isinstance(summary["seconds"], int | float):
            result.add("summary", f"seconds {summary['seconds']!r} is not a number")
    return result

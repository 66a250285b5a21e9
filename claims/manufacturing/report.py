"""The type choice as analysts read it: one row per export (its type, refund, explanation and the alternative
it beat) and one row per designation. Shared by `designate_types` and the client's type choice page."""

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

from claims.engine.optimizer import format_amount
from drawback.lib.money import to_cents
from drawback.lib.spreadsheet import csv_row

from .types import BASIS_LABELS, KIND_LABELS, QUANTUM, TypeDesignation, TypeResult

DESIGNATION_COLUMNS = (
    "export_ref",
    "type",
    "provision",
    "entry_number",
    "line_number",
    "component_hts",
    "lot",
    "basis",
    "quantity",
    "allowable_quantity",
    "refund",
)
CHOICE_COLUMNS = (
    "export_ref",
    "type",
    "refund",
    "alternative",
    "claim_with_alternative",
    "choice_earns",
    "alternative_basis",
    "explanation",
)


def _entry(number: str) -> str:
    return f"{number[:3]}-{number[3:10]}-{number[10:]}" if len(number) == 11 else number


def designation_rows(designations: Sequence[TypeDesignation]) -> list[dict]:
    return [
        {
            "export_ref": x.export_ref,
            "type": x.kind.value,
            "provision": x.provision,
            "entry_number": _entry(x.line.entry_number),
            "line_number": x.line.line_number,
            "component_hts": x.component,
            "lot": x.lot,
            "basis": x.basis,
            "quantity": f"{x.quantity.normalize():f}",
            # As filed in the 42-record: cut to four decimals (claims.catair.writer).
            "allowable_quantity": ""
            if x.allowable is None
            else f"{x.allowable.quantize(QUANTUM, rounding=ROUND_FLOOR).normalize():f}",
            "refund": format_amount(x.refund),
        }
        for x in designations
    ]


def choice_rows(result: TypeResult) -> list[dict]:
    rows = []
    for c in result.choices:
        earns = None
        if c.alternative_total is not None:
            earns = to_cents(result.exact) - to_cents(c.alternative_total)
        if c.chosen is None:
            why = (
                "; ".join(f"{KIND_LABELS[k]}: {v}" for k, v in c.refused.items()) or "no type earns a refund"
            )
        else:
            why = "; ".join(step.text for step in c.steps)
            others = [f"{KIND_LABELS[k]} not allowed: {v}" for k, v in c.refused.items()]
            why = "; ".join([why, *others]) if others else why
        rows.append(
            {
                "export_ref": c.export_ref,
                "type": c.chosen.value if c.chosen else "",
                "type_label": c.label,
                "refund": to_cents(c.refund),
                "alternative": c.alternative.value if c.alternative else "",
                "alternative_label": c.alternative_label,
                "claim_with_alternative": to_cents(c.alternative_total)
                if c.alternative_total is not None
                else "",
                "choice_earns": earns if earns is not None else "",
                "alternative_basis": c.alternative_basis.value if c.alternative_basis else "",
                "alternative_basis_label": BASIS_LABELS[c.alternative_basis] if c.alternative_basis else "",
                "explanation": why,
                "steps": c.steps,
                "refused": [(KIND_LABELS[k], v) for k, v in c.refused.items()],
            }
        )
    return rows


def claim_rows(result: TypeResult) -> list[dict]:
    """One row per claim (provision; a retail-return claim designating other imports, pos 77 `Y`, apart):
    each class rounded once, half-up, to cents."""
    return [
        {"provision": p, "classes": classes, "total": sum(classes.values(), Decimal(0))}
        for p, classes in result.rounded.items()
    ]


def write_csv(writer, columns, rows) -> None:
    writer.writerow(columns)
    for row in rows:
        writer.writerow(csv_row(str(row[c]) for c in columns))


def summary(result: TypeResult, filing_date: dt.date) -> dict:
    return {
        "rows": len(result.designations),
        "exports": len(result.choices),
        "refund": f"{result.refund:.2f}",
        "filing_date": filing_date.isoformat(),
        "seconds": round(result.seconds, 3),
    }

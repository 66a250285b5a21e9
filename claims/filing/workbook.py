"""The claim workbook (openpyxl): Summary, Designations, Exports and Explanations sheets.

Amounts are written as Decimal, which openpyxl stores as numbers with up to 16 significant digits, so a
cents amount or a six-decimal exact amount reaches Excel unchanged (no float arithmetic on the way). Every
row goes through drawback.lib.spreadsheet.xlsx_append: descriptions and references come from uploaded
files, and none of them may become a formula.
"""

import datetime as dt
import io
import json
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from claims.catair import FilingPlan
from claims.catair.provisions import provision_text
from claims.models import ACCOUNTING_CLASSES, Claim
from drawback.lib.entry_numbers import display
from drawback.lib.spreadsheet import xlsx_append

MONEY_FORMAT = "#,##0.00"
EXACT_FORMAT = "#,##0.000000"
QUANTITY_FORMAT = "#,##0.0000"
DATE_FORMAT = "mm/dd/yyyy"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")


def explanation_text(step, *, with_rule: bool = True) -> str:
    """One explanation step as text: the engine stores strings or dicts (step, rule, text, ...)."""
    if isinstance(step, str):
        return step
    if isinstance(step, dict):
        text = step.get("text") or step.get("detail") or step.get("message") or ""
        rule = step.get("rule") or step.get("citation") or ""
        rest = {
            k: v
            for k, v in step.items()
            if k not in {"step", "text", "detail", "message", "rule", "citation"}
        }
        parts = [
            text,
            f"({rule})" if rule and with_rule else "",
            json.dumps(rest, default=str) if rest else "",
        ]
        return " ".join(p for p in parts if p)
    return json.dumps(step, default=str)


def _header_row(ws, titles: list[str]) -> None:
    xlsx_append(ws, titles)
    for cell in ws[ws.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    ws.freeze_panes = f"A{ws.max_row + 1}"  # a coordinate, not ws.cell(): that would create a row


def _formats(ws, first_row: int, formats: dict[int, str]) -> None:
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            fmt = formats.get(cell.column)
            if fmt and cell.value is not None:
                cell.number_format = fmt


def _widths(ws, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def _summary(wb: Workbook, claim: Claim, plan: FilingPlan, transmission_date: dt.date) -> None:
    ws = wb.active
    ws.title = "Summary"
    header = plan.claim_file.header
    rows = [
        ("Drawback claim", display(header.claim_number)),
        ("Provision", provision_text(claim.provision)),
        ("Drawback port", claim.drawback_port),
        ("Claimant", claim.client.legal_name),
        ("Claimant ID", claim.client.importer_number),
        ("Filer", f"{claim.client.firm.name} ({claim.client.firm.filer_code})"),
        ("Accelerated payment", "Requested" if header.accelerated_payment else "Not requested"),
        ("Waiver of prior notice", "Claimed" if header.waiver_prior_notice else "Not claimed"),
        ("Status", claim.get_status_display()),
        ("Transmission date", transmission_date),
    ]
    for label, value in rows:
        xlsx_append(ws, [label, value])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    ws.cell(row=len(rows), column=2).number_format = DATE_FORMAT
    xlsx_append(ws, [])
    _header_row(
        ws, ["Accounting class", "Description", "Claimed (filed)", "Calculated (maximum)", "Shortfall"]
    )
    first = ws.max_row + 1
    recorded = {t.accounting_class: t for t in claim.class_totals.all()}
    for cls, amount in plan.claim_file.class_totals.items():
        calculated = recorded[cls].calculated_amount if cls in recorded else None
        xlsx_append(
            ws,
            [
                cls,
                ACCOUNTING_CLASSES.get(cls, "User fee"),
                amount,
                calculated,
                plan.claim_file.shortfalls.get(cls),
            ],
        )
    xlsx_append(ws, ["Total", "", plan.claim_file.grand_total])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    ws.cell(row=ws.max_row, column=3).font = Font(bold=True)
    _formats(ws, first, {3: MONEY_FORMAT, 4: MONEY_FORMAT, 5: MONEY_FORMAT})
    ws.freeze_panes = None
    _widths(ws, {1: 24, 2: 48, 3: 18, 4: 20, 5: 12})


def _designations(wb: Workbook, claim: Claim, plan: FilingPlan) -> None:
    ws = wb.create_sheet("Designations")
    classes = sorted({cls for _, _, rows in plan.imports for d in rows for cls in (d.amounts or {})})
    titles = [
        "ITIN",
        "Import entry",
        "Line",
        "Import date",
        "HTS",
        "Description",
        "Export / destruction",
        "Export date",
        "Method",
        "Quantity",
        "UOM",
        "Entered value / unit",
        "Substituted value / unit",
    ]
    for cls in classes:
        titles += [f"{cls} claim (exact)", f"{cls} calculated (exact)"]
    titles += ["Refund (exact)", "Explanation"]
    _header_row(ws, titles)
    for item, line, rows in plan.imports:
        for d in rows:
            values = [
                item.itin,
                display(line.entry.entry_number),
                line.line_number,
                line.entry.import_date,
                line.hts,
                line.description,
                d.export.export_ref,
                d.export.export_date,
                d.get_method_display(),
                d.quantity,
                line.uom,
                d.entered_value_per_unit,
                d.substituted_value_per_unit,
            ]
            for cls in classes:
                amounts = (d.amounts or {}).get(cls, {})
                for kind in ("claim", "calculated"):
                    value = amounts.get(kind)
                    values.append(Decimal(str(value)) if value not in (None, "") else None)
            values += [d.refund, "\n".join(explanation_text(s) for s in d.explanation or [])]
            xlsx_append(ws, values)
    formats = {4: DATE_FORMAT, 8: DATE_FORMAT, 10: QUANTITY_FORMAT, 12: EXACT_FORMAT, 13: EXACT_FORMAT}
    for i in range(len(classes) * 2 + 1):
        formats[14 + i] = EXACT_FORMAT
    _formats(ws, 2, formats)
    _widths(ws, {1: 7, 2: 16, 3: 6, 4: 11, 5: 12, 6: 36, 7: 20, 8: 11, 9: 14, len(titles): 60})


def _exports(wb: Workbook, plan: FilingPlan) -> None:
    ws = wb.create_sheet("Exports")
    _header_row(
        ws,
        [
            "Date",
            "Action",
            "Unique identifier",
            "HTS / Schedule B",
            "Description",
            "Quantity claimed",
            "UOM",
            "Destination",
            "Exporter / destroyer",
            "Export value",
            "ITINs",
        ],
    )
    for item, export, _ in plan.exports:
        xlsx_append(
            ws,
            [
                export.export_date,
                "Destroyed" if item.indicator == "D" else "Exported",
                export.export_ref,
                item.hts,
                export.description,
                item.quantity,
                item.uom,
                export.destination,
                export.exporter_name,
                export.value,
                ", ".join(f"{i:05d}" for i in item.itins),
            ],
        )
    _formats(ws, 2, {1: DATE_FORMAT, 6: QUANTITY_FORMAT, 10: MONEY_FORMAT})
    _widths(ws, {1: 11, 2: 11, 3: 22, 4: 14, 5: 36, 6: 14, 9: 30, 11: 16})


def _explanations(wb: Workbook, plan: FilingPlan) -> None:
    ws = wb.create_sheet("Explanations")
    _header_row(ws, ["ITIN", "Import entry", "Line", "Export / destruction", "Step", "Rule", "Explanation"])
    for item, line, rows in plan.imports:
        for d in rows:
            for number, step in enumerate(d.explanation or [], start=1):
                rule = ""
                if isinstance(step, dict):
                    number = step.get("step", number)
                    rule = step.get("rule") or step.get("citation") or ""
                xlsx_append(
                    ws,
                    [
                        item.itin,
                        display(line.entry.entry_number),
                        line.line_number,
                        d.export.export_ref,
                        number,
                        rule,
                        explanation_text(step, with_rule=False),
                    ],
                )
    _widths(ws, {1: 7, 2: 16, 3: 6, 4: 22, 5: 6, 6: 24, 7: 90})


def render_claim_workbook(*, claim: Claim, plan: FilingPlan, transmission_date: dt.date) -> bytes:
    wb = Workbook()
    _summary(wb, claim, plan, transmission_date)
    _designations(wb, claim, plan)
    _exports(wb, plan)
    _explanations(wb, plan)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

"""The client's dashboard as a PDF (WeasyPrint, with the same SVG charts and their tables) and its figures
as an Excel workbook (openpyxl). Both read a figures.Dashboard; nothing here queries on its own but the
templates' privilege documents, which the dashboard prefetched."""

import io
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from drawback.lib.spreadsheet import xlsx_append

from .figures import Dashboard

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")


def file_name(board: Dashboard, extension: str) -> str:
    return f"dashboard-{board.client.code}-{board.today:%Y-%m-%d}.{extension}"


def dashboard_html(board: Dashboard) -> str:
    return render_to_string(
        "dashboards/dashboard_pdf.html",
        {
            "board": board,
            "client": board.client,
            "items": board.projection.items[:40],
            "more": max(0, len(board.projection.items) - 40),
            "paper": getattr(settings, "CLAIM_SUMMARY_PAPER", "Letter"),
        },
    )


def dashboard_pdf(board: Dashboard) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only PDF rendering needs.
    from weasyprint import HTML

    return HTML(string=dashboard_html(board), base_url=str(settings.BASE_DIR)).write_pdf()


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list]):
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    ws.freeze_panes = "A2"
    for row in rows:
        # Text someone typed (a reference, a basis) must never run as a formula in a spreadsheet.
        xlsx_append(ws, row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY_FORMAT
            elif hasattr(cell.value, "isoformat"):
                cell.number_format = DATE_FORMAT
    for column in ws.columns:
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 80)
    return ws


def dashboard_xlsx(board: Dashboard) -> bytes:
    """Sheets: Pipeline, Money by month, Received per year, Classes, Projection (with the basis of each
    payment), Forecast vs actual, Accuracy, Maximization, Applications and rulings, Other refunds (IEEPA
    duties through CAPE)."""
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(
        wb,
        "Pipeline",
        ["Stage", "Claims", "Claimed"],
        [[s.label, s.count, s.amount] for s in board.pipeline],
    )
    _sheet(
        wb,
        "Money by month",
        ["Month", "Received", "Projected", "Range low", "Range high"],
        [[r["month"], r["received"], r["projected"], r["low"], r["high"]] for r in board.money_rows],
    )
    _sheet(
        wb,
        "Received per year",
        ["Year", "Received"],
        [[y.year, y.received] for y in board.money.years]
        + [["Claimed, not yet paid", board.money.outstanding]],
    )
    _sheet(
        wb,
        "Classes",
        ["Accounting class", "Name", "Claimed", "Liquidated", "Difference"],
        [[c.code, c.name, c.claimed, c.liquidated, c.difference] for c in board.money.classes],
    )
    _sheet(
        wb,
        "Projection",
        ["Expected", "Earliest", "Latest", "Claim", "Payment", "Amount", "Low", "High", "Basis"],
        [
            [i.on, i.earliest, i.latest, i.claim_number, i.label, i.amount, i.low, i.high, i.basis]
            for i in board.projection.items
        ],
    )
    horizons = [a.horizon for a in board.track.accuracy]
    _sheet(
        wb,
        "Forecast vs actual",
        ["Month", "Received", *(f"Projected {h} month(s) ahead" for h in horizons)],
        [[r.month, r.actual, *(r.projected[h] for h in horizons)] for r in board.track.rows],
    )
    _sheet(
        wb,
        "Accuracy",
        ["Months ahead", "Months compared", "Weighted absolute percentage error (%)"],
        [[a.horizon, a.months, a.error] for a in board.track.accuracy],
    )
    m = board.maximization
    _sheet(
        wb,
        "Maximization",
        ["Saved", "Claims", "Optimal", "First-in first-out", "Gain"],
        [[b.saved_on, ", ".join(n for _, n in b.claims), b.optimal, b.fifo, b.gain] for b in m.builds]
        + [["Total", "", m.optimal, m.fifo, m.gain]]
        + (
            [
                ["Claimed on lines near their 5-year limit", "", m.estimate.recovered_near_expiry, "", ""],
                ["Money at risk (180 days)", "", m.estimate.at_risk_refund, "", ""],
                ["Exports not yet claimed", "", m.estimate.unclaimed_refund, "", ""],
            ]
            if m.estimate and not m.estimate.error
            else []
        ),
    )
    _sheet(
        wb,
        "Applications and rulings",
        ["Privilege or ruling", "Reference", "Status", "Submitted", "Decided", "Effective", "Expires"],
        [
            [
                p.get_kind_display(),
                p.reference,
                p.get_status_display(),
                p.submitted_on,
                p.decided_on,
                p.granted_on,
                p.expires_on,
            ]
            for p in board.privileges
        ],
    )
    _sheet(
        wb,
        "Other refunds",
        ["Refund", "Received", "Expected"],
        [[r.label, r.received, r.expected] for r in board.other_refunds],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

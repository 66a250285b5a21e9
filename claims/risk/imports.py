"""Rules on import entries and lines: entry numbers, the 5-year limit, Chapter 99 duties, documents."""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce

from drawback.accounts.models import Client
from drawback.lib import entry_numbers
from drawback.lib.dates import add_years, last_claim_day, last_export_day
from drawback.lib.money import DRAWBACK_RATE, to_cents
from imports.models import Document, ImportEntry, ImportLine, LineCh99Duty

from .base import (
    AMOUNT_FIELDS,
    BATCH,
    FindingDraft,
    RiskContext,
    Severity,
    line_label,
    line_subject,
    qty,
    usd,
    with_amount_fields,
)

CHECK_DIGIT = "R-CHECK-DIGIT"
FIVE_YEAR = "R-FIVE-YEAR"
CH99_EXCLUDED = "R-CH99-EXCLUDED"
ENTRY_DOCUMENTS = "R-ENTRY-DOCS"

ENTRY_PROOF = (Document.Type.ENTRY_SUMMARY, Document.Type.COMMERCIAL_INVOICE)


def entry_check_digit(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Entry numbers whose check digit fails CATAIR Appendix B (App. E), allowing approved filer offsets.

    Product decision 9: a mismatch is an error unless the filer code has an approved +N offset.
    """
    bad: list[tuple[int, str, str, str]] = []
    entries = ImportEntry.objects.filter(client=client).values_list("id", "entry_number")
    for entry_id, number in entries.iterator(chunk_size=5000):
        try:
            cleaned = entry_numbers.normalize(number)
        except entry_numbers.EntryNumberError:
            bad.append(
                (
                    entry_id,
                    number,
                    "shape",
                    f"Entry number {number!r} is not a 3-character filer code, 7 digits and a check digit "
                    "(CATAIR Appendix B).",
                )
            )
            continue
        filer, sequence, check = cleaned[:3], cleaned[3:10], int(cleaned[10])
        offset = ctx.filer_offsets.get(filer, 0)
        expected = entry_numbers.check_digit(filer, sequence, offset)
        if check != expected:
            offset_note = f" with the filer's approved +{offset} offset" if offset else ""
            bad.append(
                (
                    entry_id,
                    number,
                    f"expected {expected}",
                    f"Entry {entry_numbers.display(cleaned)}: check digit is {check}, the algorithm gives "
                    f"{expected}{offset_note} (CATAIR Appendix B / App. E). No claim can designate this "
                    "entry until the number is corrected or the filer code's CBP-approved offset is "
                    "recorded (product decision 9; pre-flight rule PF-05).",
                )
            )
    amounts = ctx.amounts.for_entries(entry_id for entry_id, *_ in bad)
    for entry_id, number, basis, message in bad:
        yield FindingDraft(
            rule=CHECK_DIGIT,
            severity=Severity.ERROR,
            subject=f"entry:{number}",
            message=message,
            basis=basis,
            amount=amounts.get(entry_id),
            entry_id=entry_id,
        )


def five_year_limit(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Lines with quantity left whose 5-year period has closed or closes within the warning period.

    19 U.S.C. 1313(j): export before the close of the 5-year period beginning on the import date (the
    firm's export window setting, product decision 1); 1313(r)(1): claim no later than the fifth
    anniversary (product decision 2). Past the claim deadline the remaining refund is lost (error);
    within the warning period it needs exports and a claim soon (warning).
    """
    horizon = ctx.today + dt.timedelta(days=ctx.expiry_warning_days)
    # Every line whose last export day falls before the horizon was imported on or before this date
    # (two days of slack for 29 February); the exact test is made per line below.
    cutoff = add_years(horizon, -5) + dt.timedelta(days=2)
    lines = (
        with_amount_fields(
            ImportLine.objects.filter(client=client, import_date__lte=cutoff, quantity_available__gt=0)
        )
        .values_list("entry__entry_number", "line_number", "import_date", *AMOUNT_FIELDS)
        .iterator(chunk_size=5000)
    )
    # The amounts come from the rows being read, a batch at a time: no second read of the lines.
    pending: list[tuple] = []
    for row in lines:
        if last_export_day(row[2], ctx.window) < horizon:
            pending.append(row)
        if len(pending) == BATCH:
            yield from _five_year_drafts(pending, ctx)
            pending = []
    yield from _five_year_drafts(pending, ctx)


def _five_year_drafts(rows: list[tuple], ctx: RiskContext) -> Iterator[FindingDraft]:
    if not rows:
        return
    amounts = ctx.amounts.add_rows([row[3:] for row in rows])
    for number, line_number, imported, line_id, entry_id, _qty, available, *_ in rows:
        last_export = last_export_day(imported, ctx.window)
        last_claim = last_claim_day(imported)
        amount = amounts[line_id]
        where = f"{line_label(number, line_number)} (imported {imported.isoformat()})"
        if ctx.today > last_claim:
            severity, basis = Severity.ERROR, "past"
            message = (
                f"{where}: the 5-year period closed; the last day to export was {last_export.isoformat()} "
                f"and to claim {last_claim.isoformat()} (19 U.S.C. 1313(j), (r)(1)). {qty(available)} units "
                f"were never designated and can no longer be claimed: {usd(amount)} lost."
            )
        elif ctx.today > last_export:
            severity, basis = Severity.WARNING, "claim only"
            message = (
                f"{where}: the export window closed on {last_export.isoformat()}; a claim using exports "
                f"made before then must be filed by {last_claim.isoformat()} (19 U.S.C. 1313(r)(1)). "
                f"Refund at stake {usd(amount)}."
            )
        else:
            days = (last_export - ctx.today).days
            severity, basis = Severity.WARNING, "closing"
            message = (
                f"{where}: {days} days left; the last day to export is {last_export.isoformat()} and to "
                f"claim {last_claim.isoformat()} (19 U.S.C. 1313(j), (r)(1)). {qty(available)} units "
                f"undesignated; refund at stake {usd(amount)}."
            )
        yield FindingDraft(
            rule=FIVE_YEAR,
            severity=severity,
            subject=line_subject(number, line_number),
            message=message,
            basis=basis,
            amount=amount,
            entry_id=entry_id,
            line_id=line_id,
        )


def chapter99_excluded(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Chapter 99 duties the table does not let us draw back, with the refund they leave out.

    chapter99.md section 3 and product decision 8: `no` headings are excluded (information: the law
    settles it); `unknown` headings, partial openings and numbers in no heading are excluded until a firm
    admin decides (warning); an entry date outside the heading's dates keeps the answer but warns.
    Rows with $0 (exemption and exclusion headings) leave nothing out and are not reported.
    """
    rows = (
        LineCh99Duty.objects.filter(line__client=client, line__quantity_available__gt=0)
        .exclude(amount=0)
        .annotate(ch99_date=Coalesce(F("line__entry__entry_date"), F("line__import_date")))
        .values_list(
            "line_id",
            "line__entry_id",
            "line__entry__entry_number",
            "line__line_number",
            "number",
            "amount",
            "ch99_date",
            "line__quantity",
            "line__quantity_available",
        )
        .iterator(chunk_size=5000)
    )
    for line_id, entry_id, number, line_number, ch99, amount, entry_date, quantity, available in rows:
        decision = ctx.chapter99.decide(ch99, entry_date)
        if decision.eligible and not decision.warning:
            continue
        heading = decision.heading
        where = line_label(number, line_number)
        if decision.eligible:
            severity, lost = Severity.WARNING, None
            basis = f"dates {heading.ch99_from}"
            message = (
                f"{where}: {ch99} duty {usd(amount)} is claimed as {heading.program}, but the "
                f"{decision.warning} (chapter99.md section 3 step 4): confirm the line before filing."
            )
        else:
            lost = to_cents(DRAWBACK_RATE * amount * available / quantity) if quantity else None
            if heading is None:
                severity, basis = Severity.WARNING, "no heading"
            elif heading.drawback_eligible.strip().lower() == "no" and not heading.is_partial:
                # Settled by the table; but a date outside the heading's dates may mean a misreported number.
                severity = Severity.WARNING if decision.warning else Severity.INFO
                basis = f"no {heading.ch99_from}"
            else:
                kind = "partial" if heading.is_partial else "unknown"
                severity, basis = Severity.WARNING, f"{kind} {heading.ch99_from}"
            dates = f"; also, the {decision.warning}" if decision.warning else ""
            message = (
                f"{where}: {ch99} duty {usd(amount)} left out of the refund: {decision.reason}{dates}. "
                f"Refund not claimed on the {qty(available)} units left: {usd(lost)} (product decision 8)."
            )
            if decision.warning:
                basis += " +dates"
        yield FindingDraft(
            rule=CH99_EXCLUDED,
            severity=severity,
            subject=f"{line_subject(number, line_number)}:{ch99}",
            message=message,
            basis=basis,
            amount=lost,
            entry_id=entry_id,
            line_id=line_id,
        )


def entry_documents(client: Client, ctx: RiskContext) -> Iterator[FindingDraft]:
    """Entries with a line still claimable but no entry summary (7501) or commercial invoice on file.

    19 CFR 190.51(a)(2)(xvi) and (e)(1)(i): the claim is complete, and its filing date set, only when the
    supporting documents are uploaded.
    """
    # A line can still be claimed while the fifth anniversary of its import date is today or later.
    oldest_claimable = add_years(ctx.today, -5)
    through = ImportEntry.documents.through
    has_proof = through.objects.filter(
        Q(document__doc_type__in=ENTRY_PROOF) | Q(document__proofs__doc_type__in=ENTRY_PROOF),
        importentry_id=OuterRef("pk"),
    )
    claimable = ImportLine.objects.filter(
        entry_id=OuterRef("pk"), quantity_available__gt=0, import_date__gte=oldest_claimable
    )
    missing = list(
        ImportEntry.objects.filter(client=client)
        .filter(Exists(claimable))
        .exclude(Exists(has_proof))
        .values_list("id", "entry_number")
    )
    amounts = ctx.amounts.for_entries(entry_id for entry_id, _ in missing)
    for entry_id, number in missing:
        amount = amounts.get(entry_id, Decimal("0"))
        yield FindingDraft(
            rule=ENTRY_DOCUMENTS,
            severity=Severity.WARNING,
            subject=f"entry:{number}",
            message=(
                f"Entry {entry_numbers.display(number)} has no entry summary (CBP 7501) or commercial "
                "invoice on file: a claim designating it is complete only once its supporting documents "
                f"are uploaded (19 CFR 190.51(a)(2)(xvi), (e)(1)(i)). Refund at stake {usd(amount)}."
            ),
            basis="missing",
            amount=amount,
            entry_id=entry_id,
        )

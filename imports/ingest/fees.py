"""Entry-level fees (MPF, HMF) for entries whose line report does not carry them (formats.md (a): MPF and
HMF are not in the ES-003 line report).

Layout (CSV or XLSX, header row; the first name of each column is the documented one):

| column | meaning |
|---|---|
| Entry Summary Number | the entry, already loaded for the client |
| Entry Summary Line Number | blank on the entry's fee row; a line number on a line's exemption row |
| MPF Amount | entry row: merchandise processing fee paid on the entry (required) |
| HMF Amount | entry row: harbor maintenance fee paid (blank = none) |
| MPF Exempt | line row: Y when the line is exempt from MPF (e.g. under a trade agreement), N otherwise |

The entry's MPF is apportioned to its lines by 19 CFR 190.51(b)(2): each line's share of the entry value
subject to MPF, to four decimals, lines exempt from MPF left out of the denominator (drawback.lib.mpf).

HMF (decision, the regulation gives no formula for it): HMF is charged ad valorem on the value of the
cargo (19 CFR 24.24), so it is apportioned by each line's share of the entry's whole value, with the same
four-decimal ratios as MPF so both fees follow one method. No line is exempt from HMF here.

Whenever a later load changes an entry's lines, the stored entry fees are apportioned again.
"""

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from drawback.lib.mpf import apportion_mpf

from ..models import FilerCodeOffset, ImportEntry, ImportLine
from . import base
from .base import CellError, Field
from .core import Counts, LoadContext, Parser, register
from .reader import Table

FIELDS = (
    Field("entry_number", ("Entry Summary Number", "Entry Number"), True),
    Field("line_number", ("Entry Summary Line Number", "Line Number")),
    Field("mpf", ("MPF Amount", "Merchandise Processing Fee"), True),
    Field("hmf", ("HMF Amount", "Harbor Maintenance Fee")),
    Field("mpf_exempt", ("MPF Exempt",)),
)


class _FeeStage:
    def __init__(self):
        self.entry_fees: dict[int, tuple[Decimal, Decimal]] = {}  # entry id -> (mpf, hmf)
        self.exempt: dict[int, dict[int, bool]] = defaultdict(dict)  # entry id -> line id -> exempt


class FeesParser(Parser):
    kind = "fees"
    label = "entry-level fee file (MPF/HMF)"
    fields = FIELDS
    counted = "entries"

    def validate(self, ctx: LoadContext, table: Table) -> _FeeStage:
        cols = ctx.columns
        ix = cols.index
        offsets = dict(FilerCodeOffset.objects.values_list("filer_code", "offset"))
        entry_number = base.EntryNumberReader(offsets)
        rows = []
        numbers = set()
        width = len(cols.headers)
        # First pass: cell rules. Entry and line ids are looked up afterwards in one query each.
        for n, (row_no, cells) in enumerate(table.rows()):
            if n % 2000 == 0:
                ctx.report(table.fraction)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if not any(c.strip() for c in cells):
                continue
            ctx.rows += 1
            errors = []
            values: dict[str, object] = {}
            text = cells[ix["entry_number"]]
            try:
                values["entry_number"] = entry_number(text)
                numbers.add(values["entry_number"])
            except CellError as exc:
                errors.append(ctx.error(row_no, "entry_number", text, exc.rule, exc.message))
            line_text = cols.get(cells, "line_number")
            mpf_text, hmf_text = cols.get(cells, "mpf"), cols.get(cells, "hmf")
            exempt_text = cols.get(cells, "mpf_exempt")
            try:
                if line_text.strip():
                    values["line_number"] = _read(
                        "line_number",
                        line_text,
                        lambda v: base.positive_int(v, what="line number", maximum=99999),
                    )
                    for key, text in (("mpf", mpf_text), ("hmf", hmf_text)):
                        if text.strip():
                            raise _KeyedError(
                                key,
                                text,
                                "line_fee_not_supported",
                                "give the fee on the entry row (no line number); it is apportioned to lines",
                            )
                    if not exempt_text.strip():
                        raise _KeyedError(
                            "mpf_exempt",
                            exempt_text,
                            "required",
                            "MPF Exempt (Y or N) is required on a line row",
                        )
                    values["exempt"] = _read(
                        "mpf_exempt", exempt_text, lambda v: base.boolean(v, what="MPF Exempt")
                    )
                else:
                    values["mpf"] = _read("mpf", mpf_text, lambda v: base.money(v, what="MPF"))
                    hmf = _read("hmf", hmf_text, lambda v: base.money(v, required=False, what="HMF"))
                    values["hmf"] = hmf if hmf is not None else Decimal("0.00")
                    if exempt_text.strip():
                        raise _KeyedError(
                            "mpf_exempt",
                            exempt_text,
                            "exempt_on_entry_row",
                            "MPF Exempt belongs on a line row (with a line number)",
                        )
            except _KeyedError as exc:
                errors.append(ctx.error(row_no, exc.key, exc.value, exc.rule, exc.message))
            rows.append((row_no, cells, values, errors))

        entries = dict(
            ImportEntry.objects.filter(client=ctx.client, entry_number__in=numbers).values_list(
                "entry_number", "pk"
            )
        )
        lines = {
            (e, n): pk
            for e, n, pk in ImportLine.objects.filter(entry_id__in=entries.values()).values_list(
                "entry__entry_number", "line_number", "pk"
            )
        }
        stage = _FeeStage()
        seen: dict[tuple, int] = {}
        for row_no, cells, values, errors in rows:
            number = values.get("entry_number")
            line_number = values.get("line_number")
            if number and number not in entries:
                errors.append(
                    ctx.error(
                        row_no,
                        "entry_number",
                        cells[ix["entry_number"]],
                        "unknown_entry",
                        f"entry {number} is not loaded for this client; load its entry summary lines first",
                    )
                )
            elif number and line_number and (number, line_number) not in lines:
                errors.append(
                    ctx.error(
                        row_no,
                        "line_number",
                        cols.get(cells, "line_number"),
                        "unknown_line",
                        f"entry {number} has no line {line_number}",
                    )
                )
            key = (number, line_number)
            if number and not errors:
                if key in seen:
                    what = f"line {line_number} of entry {number}" if line_number else f"entry {number}"
                    errors.append(
                        ctx.error(
                            row_no,
                            "line_number" if line_number else "entry_number",
                            cols.get(cells, "line_number" if line_number else "entry_number"),
                            "duplicate_row",
                            f"{what} already appears at row {seen[key]}",
                        )
                    )
                seen.setdefault(key, row_no)
            if errors:
                ctx.reject(row_no, cells, errors)
                continue
            entry_id = entries[number]
            if line_number:
                stage.exempt[entry_id][lines[(number, line_number)]] = values["exempt"]
            else:
                stage.entry_fees[entry_id] = (values["mpf"], values["hmf"])
        return stage

    def write(self, ctx: LoadContext, staged: _FeeStage) -> Counts:
        entry_ids = set(staged.entry_fees) | set(staged.exempt)
        changed: set[int] = set()
        now = timezone.now()
        entries = list(ImportEntry.objects.filter(pk__in=entry_ids))
        to_update = []
        for entry in entries:
            if entry.pk in staged.entry_fees:
                mpf, hmf = staged.entry_fees[entry.pk]
                if entry.mpf != mpf or entry.hmf != hmf:
                    entry.mpf, entry.hmf, entry.updated_at = mpf, hmf, now
                    to_update.append(entry)
                    changed.add(entry.pk)
        ImportEntry.objects.bulk_update(to_update, ["mpf", "hmf", "updated_at"], batch_size=1000)
        flagged = []
        wanted = {line_id: flag for flags in staged.exempt.values() for line_id, flag in flags.items()}
        for line in ImportLine.objects.filter(pk__in=wanted).only("pk", "entry_id", "mpf_exempt"):
            if line.mpf_exempt != wanted[line.pk]:
                line.mpf_exempt, line.updated_at = wanted[line.pk], now
                flagged.append(line)
                changed.add(line.entry_id)
        ImportLine.objects.bulk_update(flagged, ["mpf_exempt", "updated_at"], batch_size=1000)
        changed |= reapportion(entry_ids=entry_ids)
        return Counts(created=0, updated=len(changed), unchanged=len(entry_ids) - len(changed))


class _KeyedError(CellError):
    """A cell error that knows which of our fields it belongs to."""

    def __init__(self, key: str, value: str, rule: str, message: str):
        super().__init__(rule, message)
        self.key = key
        self.value = value


def _read(key: str, text: str, reader):
    try:
        return reader(text)
    except CellError as exc:
        raise _KeyedError(key, text, exc.rule, exc.message) from None


def reapportion(*, entry_ids) -> set[int]:
    """Apportion each entry's stored MPF and HMF to its lines again. Returns the entries whose lines
    changed. Entries without stored fees are left alone."""
    changed: set[int] = set()
    entry_ids = list(entry_ids)
    now = timezone.now()
    for start in range(0, len(entry_ids), 500):
        chunk = entry_ids[start : start + 500]
        fees = {
            pk: (mpf, hmf)
            for pk, mpf, hmf in ImportEntry.objects.filter(pk__in=chunk)
            .exclude(mpf__isnull=True, hmf__isnull=True)
            .values_list("pk", "mpf", "hmf")
        }
        by_entry: dict[int, list[ImportLine]] = defaultdict(list)
        for line in ImportLine.objects.filter(entry_id__in=fees).only(
            "pk", "entry_id", "entered_value", "mpf_exempt", "mpf", "hmf"
        ):
            by_entry[line.entry_id].append(line)
        updates = []
        for entry_id, lines in by_entry.items():
            mpf, hmf = fees[entry_id]
            mpf_share = (
                apportion_mpf(mpf, [(x.pk, x.entered_value, x.mpf_exempt) for x in lines])
                if mpf is not None
                else {}
            )
            hmf_share = (
                apportion_mpf(hmf, [(x.pk, x.entered_value, False) for x in lines]) if hmf is not None else {}
            )
            for line in lines:
                new_mpf = mpf_share[line.pk].amount if mpf is not None else line.mpf
                new_hmf = hmf_share[line.pk].amount if hmf is not None else line.hmf
                if line.mpf != new_mpf or line.hmf != new_hmf:
                    line.mpf, line.hmf, line.updated_at = new_mpf, new_hmf, now
                    updates.append(line)
                    changed.add(entry_id)
        ImportLine.objects.bulk_update(updates, ["mpf", "hmf", "updated_at"], batch_size=1000)
    return changed


register(FeesParser())

"""Two files about entries CBP sends back, loaded through the upload machinery like every other file
(validated row by row, nothing stored when a row is wrong unless partial loading is allowed, the same file
again changes nothing):

- kind `liq_report`, an ACE liquidation report: each entry's liquidation status and date, a reliquidation
  (and whether it removed the IEEPA duties), its protest status, AD/CVD and whether a surety paid the IEEPA
  duties. ES-003 gives only the liquidation date and status.

  | Entry Number* | Liquidation Status* | Liquidation Date | Reliquidation Date | IEEPA Removed |
  | Protest Status | AD/CVD | Surety Paid IEEPA |

- kind `cape`, CBP's CAPE result: per entry, accepted, rejected (with CBP's reason) or refunded (with the
  amount, the interest and the day).

  | Entry Number* | Status* | Reason | Refund Amount | Interest Amount | Date | Declaration ID |

A reliquidation that removed the IEEPA duties, or a refund, changes what drawback may count on the entry;
claims that counted those duties are flagged by the next assessment (rule CAPE-IEEPA-REFUNDED), which
every load starts, and by pre-flight.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from imports.ingest import base
from imports.ingest.base import CellError, Field
from imports.ingest.core import Counts, LoadContext, Parser, register
from imports.ingest.reader import Table
from imports.models import FilerCodeOffset, ImportEntry

from .models import CapeEntry

S = CapeEntry.Status
ACCEPTED_WORDS = ("accepted", "accept", "validated", "passed", "success", "successful")
REJECTED_WORDS = ("rejected", "reject", "failed", "error", "invalid")
REFUNDED_WORDS = ("refunded", "refund issued", "refund paid", "paid")
# A later answer of CBP never goes back to an earlier one (a refund is not undone by an old acceptance).
RANK = {S.NOT_DECLARED: 0, S.DECLARED: 1, S.REJECTED: 2, S.ACCEPTED: 2, S.REFUNDED: 3}
PROTEST_WORDS = {"": "", "none": "", "open": "open", "suspended": "suspended", "closed": "closed"}


@dataclass
class _Stage:
    rows: dict[int, dict] = field(default_factory=dict)  # entry id -> values


class _EntryRowsParser(Parser):
    """One row per entry, the entry already loaded for the client."""

    counted = "entries"

    def read(self, ctx: LoadContext, cells: list[str], row_no: int) -> tuple[dict, list]:
        raise NotImplementedError

    def validate(self, ctx: LoadContext, table: Table) -> _Stage:
        cols = ctx.columns
        self.date = base.DateReader(("us", "iso"))
        entry_number = base.EntryNumberReader(
            dict(FilerCodeOffset.objects.values_list("filer_code", "offset"))
        )
        width = len(cols.headers)
        rows = []
        numbers = set()
        for n, (row_no, cells) in enumerate(table.rows()):
            if n % 2000 == 0:
                ctx.report(table.fraction)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if not any(c.strip() for c in cells):
                continue
            ctx.rows += 1
            errors = []
            text = cols.get(cells, "entry_number")
            number = None
            try:
                number = entry_number(text)
                numbers.add(number)
            except CellError as exc:
                errors.append(ctx.error(row_no, "entry_number", text, exc.rule, exc.message))
            values, more = self.read(ctx, cells, row_no)
            rows.append((row_no, cells, number, values, errors + more))
        entries = {}
        found = list(numbers)
        for start in range(0, len(found), 900):
            entries.update(
                ImportEntry.objects.filter(
                    client=ctx.client, entry_number__in=found[start : start + 900]
                ).values_list("entry_number", "pk")
            )
        stage = _Stage()
        seen: dict[str, int] = {}
        for row_no, cells, number, values, errors in rows:
            text = cols.get(cells, "entry_number")
            if number and number not in entries:
                errors.append(
                    ctx.error(
                        row_no,
                        "entry_number",
                        text,
                        "unknown_entry",
                        f"entry {number} is not loaded for this client; load its entry summary lines first",
                    )
                )
            elif number and number in seen:
                errors.append(
                    ctx.error(
                        row_no,
                        "entry_number",
                        text,
                        "duplicate_row",
                        f"entry {number} already appears at row {seen[number]}",
                    )
                )
            if number:
                seen.setdefault(number, row_no)
            if errors:
                ctx.reject(row_no, cells, errors)
                continue
            stage.rows[entries[number]] = values
        return stage


class LiquidationReportParser(_EntryRowsParser):
    kind = "liq_report"
    label = "liquidation report"
    fields = (
        Field("entry_number", ("Entry Number", "Entry Summary Number"), True),
        Field("liquidation_status", ("Liquidation Status",), True),
        Field("liquidation_date", ("Liquidation Date",)),
        Field("reliquidation_date", ("Reliquidation Date",)),
        Field("ieepa_removed", ("IEEPA Removed", "IEEPA Duties Removed")),
        Field("protest_status", ("Protest Status",)),
        Field("adcvd", ("AD/CVD", "ADCVD", "AD/CVD Indicator")),
        Field("surety_paid", ("Surety Paid IEEPA", "Surety Paid")),
    )

    def read(self, ctx, cells, row_no):
        errors: list = []
        flag = lambda what: lambda v: base.boolean(v, what=what) if v.strip() else False  # noqa: E731
        values = {
            "liquidation_status": ctx.read(
                row_no,
                cells,
                "liquidation_status",
                lambda v: base.text(v, max_length=40, required=True, what="liquidation status"),
                errors,
            ),
            "liquidation_date": ctx.read(
                row_no,
                cells,
                "liquidation_date",
                lambda v: self.date(v, what="liquidation date"),
                errors,
            ),
            "reliquidated_on": ctx.read(
                row_no,
                cells,
                "reliquidation_date",
                lambda v: self.date(v, what="reliquidation date"),
                errors,
            ),
            "ieepa_removed": ctx.read(row_no, cells, "ieepa_removed", flag("IEEPA Removed"), errors),
            "protest_status": ctx.read(row_no, cells, "protest_status", _protest, errors),
            "adcvd": ctx.read(row_no, cells, "adcvd", flag("AD/CVD"), errors),
            "surety_paid": ctx.read(row_no, cells, "surety_paid", flag("Surety Paid IEEPA"), errors),
        }
        if values["ieepa_removed"] and not values["reliquidated_on"]:
            errors.append(
                ctx.error(
                    row_no,
                    "reliquidation_date",
                    ctx.columns.get(cells, "reliquidation_date"),
                    "required",
                    "give the reliquidation date of an entry reliquidated without its IEEPA duties",
                )
            )
        return values, errors

    def write(self, ctx: LoadContext, staged: _Stage) -> Counts:
        counts = Counts()
        now = timezone.now()
        ids = list(staged.rows)
        entries = _in_bulk(ImportEntry, ids)
        rows = {r.entry_id: r for r in _in_chunks(CapeEntry.objects, "entry_id", ids)}
        entry_updates, cape_new, cape_updates = [], [], []
        keys = ("reliquidated_on", "ieepa_removed", "protest_status", "adcvd", "surety_paid")
        for entry_id, v in staged.rows.items():
            entry = entries[entry_id]
            changed = False
            if (entry.liquidation_status, entry.liquidation_date) != (
                v["liquidation_status"],
                v["liquidation_date"],
            ):
                entry.liquidation_status, entry.liquidation_date = (
                    v["liquidation_status"],
                    v["liquidation_date"],
                )
                entry.updated_at = now
                entry_updates.append(entry)
                changed = True
            cape = {k: v[k] for k in keys}
            row = rows.get(entry_id)
            if row is None and any(cape.values()):
                cape_new.append(CapeEntry(client=ctx.client, entry=entry, **cape))
                changed = True
            elif row is not None and any(getattr(row, k) != val for k, val in cape.items()):
                for k, val in cape.items():
                    setattr(row, k, val)
                row.updated_at = now
                cape_updates.append(row)
                changed = True
            if changed:
                counts.updated += 1
            else:
                counts.unchanged += 1
        _update_grouped(ImportEntry, entry_updates, ["liquidation_status", "liquidation_date", "updated_at"])
        CapeEntry.objects.bulk_create(cape_new, batch_size=1000)
        _update_grouped(CapeEntry, cape_updates, [*keys, "updated_at"])
        return counts


def _protest(value: str) -> str:
    word = " ".join(value.strip().lower().split())
    if word not in PROTEST_WORDS:
        raise CellError("protest_status", "protest status must be open, suspended, closed or blank")
    return PROTEST_WORDS[word]


def _status(value: str) -> str:
    word = " ".join(value.strip().lower().split())
    if not word:
        raise CellError("required", "status is required (accepted, rejected or refunded)")
    for words, status in (
        (REFUNDED_WORDS, S.REFUNDED),
        (REJECTED_WORDS, S.REJECTED),
        (ACCEPTED_WORDS, S.ACCEPTED),
    ):
        if word in words:
            return status
    raise CellError("unknown_status", f"status {value.strip()!r} is not accepted, rejected or refunded")


class CapeResultParser(_EntryRowsParser):
    kind = "cape"
    label = "CAPE result"
    fields = (
        Field("entry_number", ("Entry Number", "Entry Summary Number"), True),
        Field("status", ("Status", "Entry Status", "Validation Status", "Result"), True),
        Field("reason", ("Reason", "Rejection Reason", "Error Message", "Error Description")),
        Field("refund", ("Refund Amount", "IEEPA Refund Amount")),
        Field("interest", ("Interest Amount", "Interest")),
        Field("day", ("Date", "Status Date", "Refund Date")),
        Field("declaration", ("Declaration ID", "CAPE Declaration ID", "Declaration Number")),
    )

    def read(self, ctx, cells, row_no):
        errors: list = []
        values = {
            "status": ctx.read(row_no, cells, "status", _status, errors),
            "reason": ctx.read(
                row_no, cells, "reason", lambda v: base.text(v, max_length=2000, what="reason"), errors
            ),
            "refund": ctx.read(
                row_no,
                cells,
                "refund",
                lambda v: base.money(v, required=False, what="refund amount"),
                errors,
            ),
            "interest": ctx.read(
                row_no,
                cells,
                "interest",
                lambda v: base.money(v, required=False, what="interest amount"),
                errors,
            ),
            "day": ctx.read(row_no, cells, "day", lambda v: self.date(v, what="date"), errors),
            "declaration": ctx.columns.get(cells, "declaration").strip()[:60],
        }
        status = values["status"]
        if status == S.REJECTED and not values["reason"]:
            errors.append(ctx.error(row_no, "reason", "", "required", "a rejected entry needs CBP's reason"))
        if status == S.REFUNDED:
            if values["refund"] is None:
                errors.append(
                    ctx.error(row_no, "refund", "", "required", "a refunded entry needs its refund amount")
                )
            if values["day"] is None:
                errors.append(
                    ctx.error(row_no, "day", "", "required", "a refunded entry needs the refund date")
                )
        return values, errors

    def write(self, ctx: LoadContext, staged: _Stage) -> Counts:
        counts = Counts()
        today = timezone.localdate()
        now = timezone.now()
        ids = list(staged.rows)
        entries = _in_bulk(ImportEntry, ids)
        rows = {r.entry_id: r for r in _in_chunks(CapeEntry.objects, "entry_id", ids)}
        to_create: list[CapeEntry] = []
        to_update: list[CapeEntry] = []
        for entry_id, v in staged.rows.items():
            row = rows.get(entry_id)
            created = row is None
            if created:
                row = CapeEntry(client=ctx.client, entry=entries[entry_id])
            if RANK[v["status"]] < RANK[S(row.status)]:
                counts.unchanged += 1
                ctx.notes.append(
                    f"entry {entries[entry_id].display_number}: already {row.get_status_display().lower()}; "
                    f"the older answer ({v['status']}) is not applied"
                )
                continue
            new = {"status": v["status"]}
            if v["status"] == S.REJECTED:
                new["cbp_reason"] = v["reason"]
            elif v["status"] == S.ACCEPTED:
                new["accepted_on"] = row.accepted_on or v["day"] or today
                new["cbp_reason"] = ""
            else:
                new.update(
                    refund_amount=v["refund"],
                    interest_amount=v["interest"] if v["interest"] is not None else Decimal("0.00"),
                    refunded_on=v["day"],
                    accepted_on=row.accepted_on or v["day"],
                    cbp_reason="",
                )
            if not created and all(getattr(row, k) == val for k, val in new.items()):
                counts.unchanged += 1
                continue
            for k, val in new.items():
                setattr(row, k, val)
            row.updated_at = now
            (to_create if created else to_update).append(row)
        CapeEntry.objects.bulk_create(to_create, batch_size=1000)
        fields = ["status", "cbp_reason", "accepted_on", "refund_amount", "interest_amount", "refunded_on"]
        _update_grouped(CapeEntry, to_update, [*fields, "updated_at"])
        counts.created += len(to_create)
        counts.updated += len(to_update)
        return counts


def _update_grouped(model, rows: list, fields: list[str]) -> None:
    """Save `fields` of the rows, one UPDATE per set of values: CBP's answers repeat the same few values
    (accepted on one day), where bulk_update's one CASE per field and row grows with the file."""
    groups: dict[tuple, list[int]] = {}
    for row in rows:
        groups.setdefault(tuple(getattr(row, f) for f in fields), []).append(row.pk)
    for values, pks in groups.items():
        for start in range(0, len(pks), 900):
            model.objects.filter(pk__in=pks[start : start + 900]).update(
                **dict(zip(fields, values, strict=True))
            )


def _in_chunks(manager, field: str, ids: list[int]) -> list:
    found = []
    for start in range(0, len(ids), 900):
        found.extend(manager.filter(**{f"{field}__in": ids[start : start + 900]}))
    return found


def _in_bulk(model, ids: list[int]) -> dict:
    return {row.pk: row for row in _in_chunks(model.objects, "pk", ids)}


register(LiquidationReportParser())
register(CapeResultParser())

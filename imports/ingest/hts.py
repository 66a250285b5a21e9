"""The USITC HTS download: the CSV exactly as published (data-contract.md "tariff"; formats.md (d)) or the
JSON variant (htsno, indent, description, units, general, special, other). The tariff belongs to no client.

Every 8-digit subheading and 10-digit statistical line becomes a TariffLine with its description, the
"begins with Other" test of 1313(j)(5) read from that row's own Description (the data contract), its
units (the first is the line's ACE unit code) and its general rate parsed into kind, ad valorem and
specific parts. A 10-digit line whose general rate cell is blank inherits the rate of its 8-digit
subheading, from the same file or, failing that, from the stored tariff. Rows without an HTS number
(indent-only headings) and 4- or 6-digit headings are read past without error.

A rate with more than one specific part (e.g. `1.5¢/kg + 0.5¢/liter`) is stored with kind `text`, so the
refund computation asks an analyst rather than guessing which part applies.
"""

from django.utils import timezone

from drawback.lib.hts import HtsFormatError, begins_with_other, normalize_hts, parse_rate, unit_codes

from ..models import TariffLine
from . import base
from .base import CellError, Field
from .core import Counts, LoadContext, Parser, register
from .reader import Table

FIELDS = (
    Field("hts", ("HTS Number", "htsno"), True),
    Field("indent", ("Indent",), True),
    Field("description", ("Description",), True),
    Field("units", ("Unit of Quantity", "units")),
    Field("general", ("General Rate of Duty", "general"), True),
    Field("special", ("Special Rate of Duty", "special")),
    Field("column2", ("Column 2 Rate of Duty", "other")),
    Field("quota", ("Quota Quantity", "quotaQuantity")),
    Field("additional", ("Additional Duties", "additionalDuties")),
)
COMPARED = (
    "indent",
    "description",
    "begins_with_other",
    "unit_of_quantity",
    "uom",
    "general_rate",
    "rate_kind",
    "ad_valorem_rate",
    "specific_rate",
    "specific_unit",
    "special_rate",
    "column2_rate",
    "additional_duties",
)


def rate_fields(text: str) -> dict:
    rate = parse_rate(text)
    kind = rate.kind if len(rate.specific) <= 1 else "text"
    fields = {"general_rate": text.strip(), "rate_kind": kind if text.strip() else ""}
    fields["ad_valorem_rate"] = rate.ad_valorem if kind in ("free", "ad_valorem", "compound") else None
    if kind in ("specific", "compound"):
        fields["specific_rate"] = rate.specific[0].amount
        fields["specific_unit"] = rate.specific[0].unit[:10]
    else:
        fields["specific_rate"] = None
        fields["specific_unit"] = ""
    return fields


class HtsParser(Parser):
    kind = "hts"
    label = "USITC HTS schedule"
    fields = FIELDS
    needs_client = False
    counted = "tariff lines"

    def validate(self, ctx: LoadContext, table: Table) -> list[dict]:
        cols = ctx.columns
        records: dict[str, dict] = {}
        rows_of: dict[str, int] = {}
        width = len(cols.headers)
        for n, (row_no, cells) in enumerate(table.rows()):
            if n % 2000 == 0:
                ctx.report(table.fraction)
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if not any(c.strip() for c in cells):
                continue
            ctx.rows += 1
            hts_text = cols.get(cells, "hts")
            if not hts_text.strip():
                continue
            errors = []
            try:
                digits = normalize_hts(hts_text)
            except HtsFormatError:
                digits = ""
                errors.append(
                    ctx.error(
                        row_no, "hts", hts_text, "hts_format", "HTS number must contain digits and dots only"
                    )
                )
            if digits and len(digits) in (4, 6):
                continue
            if digits and len(digits) not in (8, 10):
                errors.append(
                    ctx.error(row_no, "hts", hts_text, "hts_format", f"HTS number has {len(digits)} digits")
                )
            if digits in rows_of:
                errors.append(
                    ctx.error(
                        row_no,
                        "hts",
                        hts_text,
                        "duplicate_hts",
                        f"{hts_text} already appears at row {rows_of[digits]}",
                    )
                )
            indent_text = cols.get(cells, "indent").strip()
            try:
                indent = int(indent_text or 0)
                if indent < 0:
                    raise ValueError
            except ValueError:
                indent = 0
                errors.append(
                    ctx.error(
                        row_no, "indent", indent_text, "integer_format", "indent must be a whole number"
                    )
                )
            units_text = cols.get(cells, "units").strip()
            record = {
                "hts": digits,
                "indent": indent,
                "description": cols.get(cells, "description").strip(),
                "unit_of_quantity": units_text,
                "uom": (unit_codes(units_text) or [""])[0][:10],
                "special_rate": cols.get(cells, "special").strip(),
                "column2_rate": cols.get(cells, "column2").strip(),
                "additional_duties": cols.get(cells, "additional").strip(),
                "general_text": cols.get(cells, "general"),
            }
            record["begins_with_other"] = begins_with_other(record["description"])
            for key, limit, what in (
                ("unit_of_quantity", 60, "units"),
                ("column2_rate", 200, "column 2 rate"),
                ("general_text", 200, "general rate"),
            ):
                try:
                    base.text(record[key], max_length=limit, what=what)
                except CellError as exc:
                    field = {"unit_of_quantity": "units", "column2_rate": "column2"}.get(key, "general")
                    errors.append(ctx.error(row_no, field, record[key], exc.rule, exc.message))
            if errors:
                ctx.reject(row_no, cells, errors)
                continue
            rows_of[digits] = row_no
            records[digits] = record
        # 10-digit lines with a blank general rate take their subheading's rate.
        missing = {h[:8] for h, r in records.items() if len(h) == 10 and not r["general_text"].strip()}
        missing -= {h for h in records if len(h) == 8}
        stored = dict(TariffLine.objects.filter(hts__in=missing).values_list("hts", "general_rate"))
        own = {digits: record.pop("general_text").strip() for digits, record in records.items()}
        out = []
        for digits, record in records.items():
            text = own[digits]
            if len(digits) == 10 and not text:
                text = own.get(digits[:8]) or stored.get(digits[:8], "")
            record.update(rate_fields(text))
            out.append(record)
        return out

    def write(self, ctx: LoadContext, staged: list[dict]) -> Counts:
        counts = Counts()
        for start in range(0, len(staged), 1000):
            chunk = staged[start : start + 1000]
            existing = {t.hts: t for t in TariffLine.objects.filter(hts__in=[r["hts"] for r in chunk])}
            new, changed = [], []
            for record in chunk:
                line = existing.get(record["hts"])
                if line is None:
                    new.append(TariffLine(**record))
                elif any(getattr(line, f) != record[f] for f in COMPARED):
                    for f in COMPARED:
                        setattr(line, f, record[f])
                    changed.append(line)
                else:
                    counts.unchanged += 1
            TariffLine.objects.bulk_create(new)
            now = timezone.now()
            for line in changed:
                line.updated_at = now
            TariffLine.objects.bulk_update(changed, [*COMPARED, "updated_at"])
            counts.created += len(new)
            counts.updated += len(changed)
        return counts


register(HtsParser())

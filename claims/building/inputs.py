"""Database rows to the engine's inputs (claims.engine.model), for one client.

- Import lines carry what is left of them (`available` = ImportLine.quantity_available) and the method an
  earlier claim fixed for them (`election` from designation_method, 19 CFR 190.51(a)(3)), so a build never
  proposes what another claim holds, nor a line by the other method.
- Exports carry what is not yet claimed (`available` = Export.quantity_available).
- Only lines that could serve a selected export are read: the same 8-digit subheading (substitution needs
  it, and the "Other" rule asks for more, 1313(j)(5)), imported no later than the last export and within
  five years before the first one and before the filing date; plus every line an export names (direct
  identification) and every pinned line. The engine applies the exact rules to what is read.
- Pins are fixed designations: their quantities are taken from the line and the export first, the line's
  method is fixed by them, and they stay in the proposal. A pin that breaks a rule is dropped and listed
  among the exclusions with its reason. Excluded lines and exports are left out, and listed too.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import QuerySet

from claims.engine import eligibility as rules
from claims.engine.amounts import drawback_rate, factor_of, line_amounts, pair_amounts
from claims.engine.model import (
    ZERO,
    Ch99Duty,
    Designation,
    Disposition,
    Election,
    Exclusion,
    Export,
    ImportLine,
    LineKey,
    Provision,
    Settings,
    bulk,
)
from claims.engine.problem import direct_failures, substitution_line_failure
from claims.engine.tariff import TariffIndex, TariffRow
from drawback.accounts.models import Client
from drawback.lib.chapter99 import Chapter99Table, Heading
from drawback.lib.dates import ExportWindow, add_years
from exports.models import Export as ExportRow
from imports.models import Chapter99Heading, LineCh99Duty, TariffLine
from imports.models import ImportLine as LineRow

from .parameters import Exclusions, ExportFilter, Pin

# SQLite allows 32,766 bound parameters per statement; stay far below it.
BATCH = 900
ELECTIONS = {"": None, "direct": Election.DIRECT, "substitution": Election.SUBSTITUTION}

LINE_FIELDS = (
    "id",
    "entry__entry_number",
    "line_number",
    "import_date",
    "hts",
    "quantity",
    "uom",
    "entered_value",
    "duty",
    "mpf",
    "hmf",
    "other_taxes",
    "country_of_origin",
    "description",
    "quantity_available",
    "designation_method",
)
EXPORT_FIELDS = (
    "id",
    "export_ref",
    "export_date",
    "hts",
    "quantity",
    "uom",
    "value",
    "destination",
    "disposition",
    "recovered_value",
    "excepted_goods",
    "quantity_available",
    "direct_line__entry__entry_number",
    "direct_line__line_number",
    "direct_entry_number",
    "direct_line_number",
    "direct_line_id",
)


@dataclass
class EngineInputs:
    """What the engine runs on, and how its answers map back to rows."""

    lines: list[ImportLine]
    exports: list[Export]
    tariff: TariffIndex
    chapter99: Chapter99Table
    settings: Settings
    line_ids: dict[LineKey, int]
    export_ids: dict[str, int]
    # Fixed designations (pins), their quantities already taken from `lines` and `exports`.
    pinned: list[Designation] = field(default_factory=list)
    # Lines and exports as they were before the pins took their share (for the pins' explanations).
    pinned_lines: dict[LineKey, ImportLine] = field(default_factory=dict)
    pinned_exports: dict[str, Export] = field(default_factory=dict)
    # Left out by the analyst, and pins that could not be kept.
    exclusions: list[Exclusion] = field(default_factory=list)
    digest: str = ""

    def line_of(self, key: LineKey) -> ImportLine:
        return self.pinned_lines.get(key) or self._lines_by_key()[key]

    def export_of(self, ref: str) -> Export:
        return self.pinned_exports.get(ref) or self._exports_by_ref()[ref]

    def _lines_by_key(self) -> dict[LineKey, ImportLine]:
        if not hasattr(self, "_by_key"):
            self._by_key = {line.key: line for line in self.lines}
        return self._by_key

    def _exports_by_ref(self) -> dict[str, Export]:
        if not hasattr(self, "_by_ref"):
            self._by_ref = {e.ref: e for e in self.exports}
        return self._by_ref


def export_queryset(*, client: Client, export_filter: ExportFilter) -> QuerySet:
    """The client's exports with quantity not yet claimed that the filter selects."""
    qs = ExportRow.objects.filter(client=client, quantity_available__gt=0)
    f = export_filter
    if f.date_from:
        qs = qs.filter(export_date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(export_date__lte=f.date_to)
    if f.destinations:
        qs = qs.filter(destination__in=f.destinations)
    if f.product:
        qs = qs.filter(hts__startswith=f.product)
    if f.disposition:
        qs = qs.filter(disposition=f.disposition)
    return qs


def engine_inputs_for(
    *,
    client: Client,
    export_filter: ExportFilter,
    exclusions: Exclusions,
    pins: Iterable[Pin],
    filing_date: dt.date,
) -> EngineInputs:
    """The engine inputs of a build: the selected exports, the lines that could serve them, pins applied."""
    exports = export_queryset(client=client, export_filter=export_filter)
    return inputs_from(
        client=client,
        exports=exports,
        exclusions=exclusions,
        pins=tuple(pins),
        settings=Settings(filing_date=filing_date, export_window=ExportWindow(client.firm.export_window)),
    )


def inputs_from(
    *,
    client: Client,
    exports: QuerySet,
    settings: Settings,
    exclusions: Exclusions | None = None,
    pins: tuple[Pin, ...] = (),
    lines: QuerySet | None = None,
) -> EngineInputs:
    """Engine inputs from a queryset of the client's exports; `lines` narrows the import lines read (the
    lines that could serve the exports are read otherwise)."""
    with bulk():
        return _inputs(client, exports, settings, exclusions or Exclusions(), pins, lines)


def _inputs(client, export_qs, settings, exclusions, pins, line_qs) -> EngineInputs:
    left_out: list[Exclusion] = []
    export_rows = {r[0]: r for r in export_qs.exclude(pk__in=exclusions.exports).values_list(*EXPORT_FIELDS)}
    pinned_export_ids = {p.export_id for p in pins} - set(export_rows) - set(exclusions.exports)
    for batch in _chunks(sorted(pinned_export_ids)):
        for r in ExportRow.objects.filter(client=client, pk__in=batch).values_list(*EXPORT_FIELDS):
            export_rows[r[0]] = r
    # Rows are read fully before the lines: the line query depends on the exports' dates and numbers.
    hts8 = {r[3][:8] for r in export_rows.values()}
    dates = [r[2] for r in export_rows.values()]

    line_rows: dict[int, tuple] = {}
    if export_rows:
        if line_qs is None:
            # The 5-year window, with three days of slack for 29 February; the engine decides exactly.
            earliest = max(add_years(min(dates), -5), add_years(settings.filing_date, -5)) - dt.timedelta(
                days=3
            )
            line_qs = LineRow.objects.filter(
                client=client,
                quantity_available__gt=0,
                import_date__gte=earliest,
                import_date__lte=max(dates),
            )
        line_qs = line_qs.filter(client=client).exclude(pk__in=exclusions.lines)
        for r in line_qs.values_list(*LINE_FIELDS).iterator(chunk_size=5000):
            if r[4][:8] in hts8:
                line_rows[r[0]] = r
    # Lines named by an export (direct identification) and pinned lines, whatever their classification.
    named_ids = _named_line_ids(client, export_rows.values())
    wanted = (named_ids | {p.line_id for p in pins}) - set(line_rows) - set(exclusions.lines)
    for batch in _chunks(sorted(wanted)):
        for r in LineRow.objects.filter(client=client, pk__in=batch).values_list(*LINE_FIELDS):
            line_rows[r[0]] = r

    ch99 = _ch99(line_rows)
    # IEEPA refunds (claims.cape): lines of entries waiting for CAPE are held, and IEEPA duties that CAPE
    # refunds (or refunded) count $0.
    from claims.cape.guards import CITATION, adjust_lines

    held, ch99 = adjust_lines(client, {lid: r[1] for lid, r in line_rows.items()}, ch99)
    for lid in sorted(held):
        r = line_rows.pop(lid)
        left_out.append(Exclusion("line", str(LineKey(r[1], r[2])), held[lid], CITATION))
    lines = {lid: _line(r, ch99.get(lid, ())) for lid, r in line_rows.items()}
    exports = {eid: _export(r) for eid, r in export_rows.items()}
    tariff = tariff_index({line.hts for line in lines.values()} | {e.hts for e in exports.values()})
    chapter99 = chapter99_table()
    inputs = EngineInputs(
        lines=[],
        exports=[],
        tariff=tariff,
        chapter99=chapter99,
        settings=settings,
        line_ids={line.key: lid for lid, line in lines.items()},
        export_ids={e.ref: eid for eid, e in exports.items()},
    )
    for line_id in sorted(exclusions.lines):
        left_out.append(Exclusion("line", f"line #{line_id}", "left out by the analyst", ""))
    for export_id in sorted(exclusions.exports):
        left_out.append(Exclusion("export", f"export #{export_id}", "left out by the analyst", ""))
    _label_exclusions(left_out, exclusions)
    lines, exports = _apply_pins(inputs, pins, lines, exports, left_out)
    named_keys = {e.direct_line for e in exports.values() if e.direct_line is not None}
    # What the pins used up is not offered again; a used-up line an export names stays, so the engine can
    # say why that export gets nothing.
    inputs.lines = [x for x in lines.values() if x.remaining > 0 or x.key in named_keys]
    inputs.exports = [e for e in exports.values() if e.remaining > 0]
    inputs.exclusions = left_out
    inputs.digest = _digest(inputs)
    return inputs


def _named_line_ids(client, export_rows: Iterable[tuple]) -> set[int]:
    """Ids of the lines the exports name: through the link set on load, else by entry and line number."""
    ids: set[int] = set()
    wanted: set[tuple[str, int]] = set()
    for r in export_rows:
        if r[16]:
            ids.add(r[16])
        elif r[14] and r[15] is not None:
            wanted.add((r[14], r[15]))
    numbers = sorted({n for n, _ in wanted})
    for batch in _chunks(numbers):
        for pk, number, line_number in LineRow.objects.filter(
            client=client, entry__entry_number__in=batch
        ).values_list("id", "entry__entry_number", "line_number"):
            if (number, line_number) in wanted:
                ids.add(pk)
    return ids


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ch99(line_rows: dict[int, tuple]) -> dict[int, tuple[Ch99Duty, ...]]:
    found: dict[int, list[Ch99Duty]] = defaultdict(list)
    for batch in _chunks(sorted(line_rows)):
        for line_id, number, amount in (
            LineCh99Duty.objects.filter(line_id__in=batch)
            .order_by("line_id", "ordinal")
            .values_list("line_id", "number", "amount")
        ):
            found[line_id].append(Ch99Duty(number, amount))
    return {k: tuple(v) for k, v in found.items()}


def _line(r: tuple, ch99: tuple[Ch99Duty, ...]) -> ImportLine:
    (
        _,
        entry,
        number,
        imported,
        hts,
        qty,
        uom,
        value,
        duty,
        mpf,
        hmf,
        other_taxes,
        origin,
        description,
        available,
        method,
    ) = r
    return ImportLine(
        entry_number=entry,
        line_number=number,
        import_date=imported,
        hts=hts,
        quantity=qty,
        uom=uom.strip().upper(),
        entered_value=value,
        duty=duty,
        ch99=ch99,
        mpf=mpf or ZERO,
        hmf=hmf or ZERO,
        other_taxes=other_taxes or ZERO,
        country_of_origin=origin,
        description=description,
        available=available,
        election=ELECTIONS.get(method),
    )


def _export(r: tuple) -> Export:
    (_, ref, day, hts, qty, uom, value, dest, disp, recovered, excepted, available, *direct) = r
    fk_entry, fk_line, entry, line, _ = direct
    key = None
    if fk_entry and fk_line is not None:
        key = LineKey(fk_entry, fk_line)
    elif entry and line is not None:
        key = LineKey(entry, line)
    return Export(
        ref=ref,
        export_date=day,
        hts=hts,
        quantity=qty,
        uom=uom.strip().upper(),
        value=value,
        destination=dest,
        disposition=Disposition(disp),
        recovered_value=recovered or ZERO,
        direct_line=key,
        excepted_goods=excepted,
        available=available,
    )


def tariff_index(numbers: Iterable[str]) -> TariffIndex:
    """The tariff rows the engine reads for these classifications: the 8-digit row and the number itself."""
    wanted = sorted({n[:8] for n in numbers} | set(numbers))
    rows = []
    for batch in _chunks(wanted):
        for hts, description, rate, unit, indent in TariffLine.objects.filter(hts__in=batch).values_list(
            "hts", "description", "general_rate", "unit_of_quantity", "indent"
        ):
            rows.append(
                TariffRow(hts=hts, description=description, general_rate=rate, unit=unit, indent=indent)
            )
    return TariffIndex(rows)


def chapter99_table() -> Chapter99Table:
    return Chapter99Table(
        Heading(
            program=h.program,
            ch99_from=h.ch99_from,
            ch99_to=h.ch99_to,
            effective_from=h.effective_from,
            effective_to=h.effective_to,
            drawback_eligible=h.drawback_eligible,
            basis=h.basis,
        )
        for h in Chapter99Heading.objects.all()
    )


def _label_exclusions(left_out: list[Exclusion], exclusions: Exclusions) -> None:
    """Name the lines and exports the analyst left out the way a reviewer reads them."""
    if not left_out:
        return
    names: dict[str, str] = {}
    for batch in _chunks(sorted(exclusions.lines)):
        for pk, number, line_number in LineRow.objects.filter(pk__in=batch).values_list(
            "id", "entry__entry_number", "line_number"
        ):
            names[f"line #{pk}"] = str(LineKey(number, line_number))
    for batch in _chunks(sorted(exclusions.exports)):
        for pk, ref in ExportRow.objects.filter(pk__in=batch).values_list("id", "export_ref"):
            names[f"export #{pk}"] = ref
    for i, x in enumerate(left_out):
        left_out[i] = replace(x, ref=names.get(x.ref, x.ref))


def _apply_pins(
    inputs: EngineInputs,
    pins: tuple[Pin, ...],
    lines: dict[int, ImportLine],
    exports: dict[int, Export],
    left_out: list[Exclusion],
) -> tuple[dict[int, ImportLine], dict[int, Export]]:
    settings = inputs.settings
    for pin in pins:
        line, export = lines.get(pin.line_id), exports.get(pin.export_id)
        if line is None or export is None:
            what = "import line" if line is None else "export"
            left_out.append(
                Exclusion(
                    "pin",
                    f"line #{pin.line_id} / export #{pin.export_id}",
                    f"pinned designation dropped: the {what} is not among this client's data with quantity "
                    "left, or was left out",
                )
            )
            continue
        reason = _pin_failure(inputs, line, export, pin.quantity)
        label = f"{line.key} / {export.ref}"
        if reason:
            left_out.append(
                Exclusion("pin", label, f"pinned designation dropped: {reason.text}", reason.citation)
            )
            continue
        direct = export.direct_line is not None
        provision = Provision.UNUSED_DIRECT if direct else Provision.UNUSED_SUBSTITUTION
        amounts = line_amounts(
            line,
            tariff=inputs.tariff,
            chapter99=inputs.chapter99,
            provision=provision.value,
            explain=False,
        )
        inputs.pinned.append(
            Designation(
                line.key,
                export.ref,
                provision,
                pin.quantity,
                pair_amounts(
                    amounts,
                    pin.quantity,
                    factor_of(line, export, lesser_of=not direct),
                    rate=drawback_rate(provision.value, settings),
                    mpf_mode=settings.mpf_mode,
                ),
            )
        )
        inputs.pinned_lines.setdefault(line.key, line)
        inputs.pinned_exports.setdefault(export.ref, export)
        lines[pin.line_id] = replace(
            line,
            available=line.remaining - pin.quantity,
            election=Election.DIRECT if direct else Election.SUBSTITUTION,
        )
        exports[pin.export_id] = replace(export, available=export.remaining - pin.quantity)
    return lines, exports


def _pin_failure(inputs: EngineInputs, line: ImportLine, export: Export, quantity: Decimal):
    """The first rule a pinned designation breaks now (data may have changed since it was proposed)."""
    settings, tariff = inputs.settings, inputs.tariff
    timely = rules.claim_timely(line.import_date, settings.filing_date)
    if quantity > line.remaining:
        return rules.Step(
            "19 U.S.C. 1313(v)", f"{line.key} has {_q(line.remaining)} {line.uom} left, not {_q(quantity)}"
        )
    if quantity > export.remaining:
        return rules.Step(
            "19 U.S.C. 1313(v)",
            f"export {export.ref} has {_q(export.remaining)} {export.uom} left, not {_q(quantity)}",
        )
    if export.direct_line is not None:
        if export.direct_line != line.key:
            return rules.Step(
                rules.CIT_J1, f"export {export.ref} names {export.direct_line}: its goods came from that line"
            )
        return direct_failures(line, export, settings, timely)
    amounts = line_amounts(
        line,
        tariff=tariff,
        chapter99=inputs.chapter99,
        provision=Provision.UNUSED_SUBSTITUTION.value,
        explain=False,
    )
    failure = substitution_line_failure(line, amounts, tariff, timely)
    if failure:
        return failure
    for check in (
        rules.substitution_standard(line.hts, export.hts, tariff),
        rules.same_uom(line, export),
        rules.substitution_destination(export),
        rules.substitution_not_before_import(line.import_date, export.export_date),
        rules.export_in_window(
            line.import_date, export.export_date, settings.export_window, citation=rules.CIT_J2
        ),
        rules.export_before_claim(export.export_date, settings, citation=rules.CIT_J2),
    ):
        if not check.ok:
            return check.step
    return None


def _q(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _digest(inputs: EngineInputs) -> str:
    """A fingerprint of everything the engine will read, to tell whether the data changed between the
    preparation of a build and its assembly (quantities taken by another claim meanwhile, say)."""
    h = hashlib.sha256()
    h.update(repr(inputs.settings).encode())
    for line in sorted(inputs.lines, key=lambda x: x.key):
        h.update(repr(line).encode())
    for export in sorted(inputs.exports, key=lambda e: e.ref):
        h.update(repr(export).encode())
    for d in inputs.pinned:
        h.update(repr(d).encode())
    return h.hexdigest()

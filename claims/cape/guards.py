"""What the CAPE decisions mean for drawback: lines of entries waiting for CAPE are held from builds, saves
and manual designations (unless an analyst released the entry, recorded); IEEPA duties count $0 where the
decision sends them elsewhere (CAPE, already refunded, left for CBP); and a designation that counted IEEPA
duties CBP has refunded or accepted to refund is found (pre-flight, assessment)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from claims.engine.model import ZERO, Ch99Duty
from drawback.accounts.models import Client
from drawback.lib.chapter99 import Chapter99Table
from drawback.lib.money import DRAWBACK_RATE
from imports.models import ImportEntry, ImportLine, LineCh99Duty

from .state import EntryState, entry_states, ieepa_q, ieepa_ranges, is_ieepa

CITATION = "CBP CSMS April 2026 (CAPE Phase 1); chapter99.md 4; domain.md 4"
HALF_CENT = Decimal("0.005")
BATCH = 900


def states_for_entries(
    client: Client, entry_ids: Iterable[int], on: dt.date | None = None
) -> dict[int, EntryState]:
    ids = sorted(set(entry_ids))
    if not ids:
        return {}
    return {s.entry_id: s for s in entry_states(client=client, on=on, entry_ids=ids)}


def adjust_lines(
    client: Client, line_entries: dict[int, str], ch99: dict[int, tuple[Ch99Duty, ...]]
) -> tuple[dict[int, str], dict[int, tuple[Ch99Duty, ...]]]:
    """For the engine's inputs: ({line id: why it is held}, the Chapter 99 rows with IEEPA duties counted
    $0 where the entry's decision does not let drawback count them). `line_entries` maps line id to entry
    number. Lines without IEEPA duty cost nothing here."""
    ranges = ieepa_ranges()
    with_ieepa = {
        line_id
        for line_id, rows in ch99.items()
        if any(row.amount and is_ieepa(row.number, ranges) for row in rows)
    }
    if not with_ieepa:
        return {}, ch99
    numbers = sorted({line_entries[line_id] for line_id in with_ieepa})
    ids: dict[str, int] = {}
    for start in range(0, len(numbers), BATCH):
        ids.update(
            ImportEntry.objects.filter(
                client=client, entry_number__in=numbers[start : start + BATCH]
            ).values_list("entry_number", "pk")
        )
    states = states_for_entries(client, ids.values())
    by_number = {s.entry_number: s for s in states.values()}
    held: dict[int, str] = {}
    adjusted = dict(ch99)
    for line_id in with_ieepa:
        state = by_number.get(line_entries[line_id])
        if state is None:
            continue
        if state.decision.held:
            held[line_id] = f"entry {state.display_number} waits for CAPE: {state.decision.reason}"
        elif not state.decision.counts_ieepa:
            adjusted[line_id] = tuple(
                Ch99Duty(row.number, ZERO) if is_ieepa(row.number, ranges) else row for row in ch99[line_id]
            )
    return held, adjusted


def held_lines(client: Client, line_ids: Iterable[int]) -> dict[int, str]:
    """{line id: why} for the lines whose entry is held for CAPE."""
    line_ids = sorted(set(line_ids))
    entry_of: dict[int, int] = {}
    ranges = ieepa_ranges()
    for start in range(0, len(line_ids), BATCH):
        chunk = line_ids[start : start + BATCH]
        with_ieepa = LineCh99Duty.objects.filter(line_id__in=chunk, amount__gt=0).filter(ieepa_q(ranges))
        entry_of.update(
            ImportLine.objects.filter(pk__in=with_ieepa.values("line_id")).values_list("pk", "entry_id")
        )
    states = states_for_entries(client, entry_of.values())
    return {
        line_id: f"entry {states[entry_id].display_number} waits for CAPE: {states[entry_id].decision.reason}"
        for line_id, entry_id in entry_of.items()
        if entry_id in states and states[entry_id].decision.held
    }


def ieepa_counted(
    *,
    calculated_duty: Decimal,
    quantity: Decimal,
    line_quantity: Decimal,
    line_duty: Decimal,
    ch99: Iterable[tuple[str, Decimal]],
    import_date: dt.date,
    table: Chapter99Table,
    ranges: list[tuple[str, str]],
    rate: Decimal = DRAWBACK_RATE,
) -> Decimal:
    """How much of a designation's calculated duty (class 364, before any lesser-of) exceeds what the line's
    duties other than IEEPA can give: the IEEPA duty it counted (0 when none)."""
    if not line_quantity:
        return ZERO
    others = line_duty + sum(
        (
            amount
            for number, amount in ch99
            if not is_ieepa(number, ranges) and table.decide(number, import_date).eligible
        ),
        ZERO,
    )
    bound = rate * others * quantity / line_quantity
    excess = calculated_duty - bound
    return excess if excess > HALF_CENT else ZERO


def refunded_counted(
    designations, *, client: Client, on: dt.date | None = None
) -> Iterable[tuple[object, EntryState, Decimal]]:
    """(designation, entry state, IEEPA duty counted) for designations that counted IEEPA duties CBP has
    refunded, or accepted to refund, on their entry. `designations` have their import_line loaded."""
    from claims.building.inputs import chapter99_table

    designations = list(designations)
    if not designations:
        return []
    ranges = ieepa_ranges()
    line_ids = {d.import_line_id for d in designations}
    ch99: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    lids = sorted(line_ids)
    for start in range(0, len(lids), BATCH):
        for line_id, number, amount in (
            LineCh99Duty.objects.filter(line_id__in=lids[start : start + BATCH])
            .order_by("line_id", "ordinal")
            .values_list("line_id", "number", "amount")
        ):
            ch99[line_id].append((number, amount))
    entry_ids = {
        d.import_line.entry_id
        for d in designations
        if any(amount and is_ieepa(number, ranges) for number, amount in ch99.get(d.import_line_id, ()))
    }
    states = states_for_entries(client, entry_ids, on)
    table = chapter99_table()
    found = []
    for d in designations:
        state = states.get(d.import_line.entry_id)
        if state is None or state.decision.path not in ("refunded", "cape") or state.decision.held:
            continue
        pair = (d.amounts or {}).get("364") or {}
        try:
            calculated = Decimal(str(pair.get("calculated", pair.get("claim", "0"))))
        except ArithmeticError:
            continue
        line = d.import_line
        counted = ieepa_counted(
            calculated_duty=calculated,
            quantity=d.quantity,
            line_quantity=line.quantity,
            line_duty=line.duty,
            ch99=ch99.get(line.pk, ()),
            import_date=line.import_date,
            table=table,
            ranges=ranges,
            rate=Decimal("1") if d.provision in ("07", "57") else DRAWBACK_RATE,
        )
        if counted:
            found.append((d, state, counted))
    return found

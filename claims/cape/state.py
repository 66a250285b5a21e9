"""Each entry's IEEPA/CAPE state read from the database: its IEEPA duties (from its Chapter 99 rows), its
liquidation, CBP's answers, the claims designating it, CAPE's verdict and the path decision.

Only entries that paid IEEPA duty, or that CBP has answered about, have a state."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from claims.building.inputs import chapter99_table
from drawback.accounts.models import Client
from imports.models import Chapter99Heading, ImportEntry, ImportLine, LineCh99Duty

from .decisions import CapeState, Decision, Money, decide
from .models import CapeEntry
from .rules import EntryFacts, Verdict, cape_verdict

ZERO = Decimal("0")
BATCH = 900
WITHDRAWN = "withdrawn"


def ieepa_ranges() -> list[tuple[str, str]]:
    """The Chapter 99 ranges of the IEEPA programs (chapter99.csv: program names start with IEEPA)."""
    return list(
        Chapter99Heading.objects.filter(program__istartswith="IEEPA").values_list("ch99_from", "ch99_to")
    )


def ieepa_q(ranges: Iterable[tuple[str, str]], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for lo, hi in ranges:
        q |= Q(**{f"{prefix}number__gte": lo, f"{prefix}number__lte": hi})
    return q


def is_ieepa(number: str, ranges: Iterable[tuple[str, str]]) -> bool:
    return any(lo <= number <= hi for lo, hi in ranges)


@dataclass
class EntryState:
    entry_id: int
    entry_number: str
    display_number: str
    entry_type: str
    import_date: dt.date
    facts: EntryFacts
    verdict: Verdict
    decision: Decision
    cape: CapeEntry | None
    claims: list[str] = field(default_factory=list)  # display numbers of claims designating the entry

    @property
    def status(self) -> str:
        return self.cape.status if self.cape else CapeEntry.Status.NOT_DECLARED

    @property
    def status_label(self) -> str:
        return CapeEntry.Status(self.status).label

    @property
    def window_closes(self) -> dt.date | None:
        return self.facts.window_closes()

    @property
    def declarable(self) -> bool:
        """Goes on the next declaration file."""
        return (
            self.verdict.eligible
            and self.status == CapeEntry.Status.NOT_DECLARED
            and self.decision.path == "cape"
            and self.decision.held
        )

    @property
    def ieepa_paid(self) -> Decimal:
        return self.facts.ieepa_paid


def cape_state_of(row: CapeEntry | None) -> CapeState:
    if row is None:
        return CapeState()
    note = ""
    if row.released_at:
        who = row.released_by.get_username() if row.released_by else "an analyst"
        note = f"{who}, {timezone.localdate(row.released_at)}: {row.release_reason}"
    return CapeState(
        status=row.status,
        declaration=row.declaration.file_name if row.declaration else "",
        cbp_reason=row.cbp_reason,
        accepted_on=row.accepted_on,
        refunded_on=row.refunded_on,
        refund_amount=row.refund_amount,
        interest_amount=row.interest_amount,
        ieepa_removed=row.ieepa_removed,
        reliquidated_on=row.reliquidated_on,
        released=row.released_at is not None,
        release_note=note,
    )


def entry_states(
    *, client: Client, on: dt.date | None = None, entry_ids: Iterable[int] | None = None
) -> list[EntryState]:
    """The IEEPA/CAPE state of the client's entries (those in `entry_ids` when given), by entry number."""
    on = on or timezone.localdate()
    if entry_ids is not None:
        entry_ids = set(entry_ids)
        if len(entry_ids) > BATCH:
            # Many entries: reading the client's IEEPA rows whole is cheaper than long lists of ids.
            return [s for s in entry_states(client=client, on=on) if s.entry_id in entry_ids]
    ranges = ieepa_ranges()
    table = chapter99_table()
    duties = LineCh99Duty.objects.filter(line__client=client).filter(ieepa_q(ranges))
    # The declaration file's text is not read with each of its (up to 9,999) entries.
    rows = (
        CapeEntry.objects.filter(client=client)
        .select_related("declaration", "released_by")
        .defer("declaration__content")
    )
    if entry_ids is not None:
        entry_ids = sorted(entry_ids)
        duties = duties.filter(line__entry_id__in=entry_ids)
        rows = rows.filter(entry_id__in=entry_ids)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    eligible: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for entry_id, number, amount, imported in duties.values_list(
        "line__entry_id", "number", "amount", "line__import_date"
    ):
        paid[entry_id] += amount
        if table.decide(number, imported).eligible:
            eligible[entry_id] += amount
    cape_rows = {r.entry_id: r for r in rows}
    ids = sorted(set(paid) | set(cape_rows))
    if not ids:
        return []
    other: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for batch in _chunks(ids):
        for entry_id, duty in ImportLine.objects.filter(entry_id__in=batch).values_list("entry_id", "duty"):
            other[entry_id] += duty
        for entry_id, amount in (
            LineCh99Duty.objects.filter(line__entry_id__in=batch)
            .exclude(ieepa_q(ranges))
            .values_list("line__entry_id", "amount")
        ):
            other[entry_id] += amount
    claims = designating_claims(ids)
    firm_path = client.firm.ieepa_path
    states = []
    entries = {}
    for batch in _chunks(ids):
        entries.update(ImportEntry.objects.in_bulk(batch))
    for entry_id in ids:
        entry = entries[entry_id]
        row = cape_rows.get(entry_id)
        facts = EntryFacts(
            entry_number=entry.entry_number,
            entry_type=entry.entry_type,
            ieepa_paid=paid[entry_id],
            liquidation_status=entry.liquidation_status,
            liquidation_date=entry.liquidation_date,
            reconciliation=entry.reconciliation,
            designated=bool(claims.get(entry_id)),
            protest_status=row.protest_status if row else "",
            adcvd=row.adcvd if row else False,
            surety_paid=row.surety_paid if row else False,
        )
        verdict = cape_verdict(facts, on)
        money = Money(paid[entry_id], eligible[entry_id], other[entry_id])
        states.append(
            EntryState(
                entry_id=entry_id,
                entry_number=entry.entry_number,
                display_number=entry.display_number,
                entry_type=entry.entry_type,
                import_date=entry.import_date,
                facts=facts,
                verdict=verdict,
                decision=decide(money, verdict, cape_state_of(row), firm_path=firm_path),
                cape=row,
                claims=claims.get(entry_id, []),
            )
        )
    states.sort(key=lambda s: s.entry_number)
    return states


def designating_claims(entry_ids: Iterable[int]) -> dict[int, list[str]]:
    """{entry id: display numbers of the claims (drafts included, withdrawn ones not) designating it}."""
    from claims.models import Designation

    found: dict[int, set[str]] = defaultdict(set)
    for batch in _chunks(sorted(entry_ids)):
        for entry_id, number in (
            Designation.objects.filter(import_line__entry_id__in=batch)
            .exclude(claim__status=WITHDRAWN)
            .values_list("import_line__entry_id", "claim__number")
            .distinct()
        ):
            found[entry_id].add(f"{number[:3]}-{number[3:10]}-{number[10:]}" if len(number) == 11 else number)
    return {k: sorted(v) for k, v in found.items()}


def held_entry_reasons(
    *, client: Client, entry_ids: Iterable[int], on: dt.date | None = None
) -> dict[int, str]:
    """{entry id: why drawback must wait} for those of the entries held for CAPE."""
    return {
        s.entry_id: s.decision.reason
        for s in entry_states(client=client, on=on, entry_ids=entry_ids)
        if s.decision.held
    }


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]

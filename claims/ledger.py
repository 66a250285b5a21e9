"""The designation ledger: how much of each import line and export is still free to designate.

ImportLine.quantity_available and Export.quantity_available are counters kept in step with the
designations that hold quantity (19 U.S.C. 1313(v): merchandise used for one claim cannot support another;
product decision 10: every claim holds its quantities unless it is withdrawn or rejected). Every change goes
through a conditional UPDATE, so two claims racing for the last units of a line cannot both win, and the
line's method (direct identification or substitution, 19 CFR 190.51(a)(3)) is fixed by the same statement.

Corrections. A correction is a new draft that replaces a filed claim (CATAIR action R). Until CBP accepts
the replacement, the claim on file still holds its quantities, so the pair (claim, correction) holds the
larger of the two quantities for each designated line and export: the correction holds only its *excess*
over the claim it replaces. Once CBP accepts the correction it holds everything and the replaced claim
nothing ("superseded").

Manufacturing. The articles of an export claimed under 1313(a)/(b) are held once, by one designation (its
export_quantity); the designations of the export's other components, on the same claim or on another one,
hold none of them and rely on it (19 U.S.C. 1313(v) allows claims on several components of one article).
When the holding designation stops holding (its claim withdrawn or rejected, or the designation removed)
while one relying on it is still live, the articles are handed over to that one and the export stays
claimed; the handover is recorded on the heir (`manufacture["holds_articles_of"]`) so that a rejected claim
taken back to draft takes its articles back from it. Whoever hands articles over or takes them back first
locks every manufacturing designation of the exports concerned (`lock_articles`), lowest id first, and only
then reads who holds what: two claims sharing an export and withdrawn at the same instant are then handled
one after the other, and the second sees the first's handover (under READ COMMITTED each statement after the
lock reads what the first committed), so the export comes free once, not never.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from exports.models import Export
from imports.models import ImportLine

from .lifecycle import FILED_STATUSES, RELEASED_STATUSES
from .models import Claim, Designation

S = Claim.Status
ZERO = Decimal("0")
# From CBP's acceptance on, a correction is the version on file and the claim it replaces holds nothing.
IN_FORCE_STATUSES = frozenset(FILED_STATUSES - {S.FILED})

Pair = tuple[int, int]  # (import line id, export id)
# A holding is {pair: (line quantity, method)} or {pair: (line quantity, method, export quantity)}: the export
# quantity differs from the line's only for manufacturing designations (Designation.export_quantity).


class LedgerError(Exception):
    """Quantities are not there to hold, or a line would be split between methods."""


# --- what holds quantity ------------------------------------------------------------------------------


def is_open_correction(claim: Claim) -> bool:
    return bool(claim.replaces_id) and claim.status not in RELEASED_STATUSES | IN_FORCE_STATUSES


def claim_pairs(claim_id: int) -> dict[Pair, tuple[Decimal, str, Decimal]]:
    """{(line, export): (quantity, method, export quantity)} of a claim's designations."""
    rows = Designation.objects.filter(claim_id=claim_id).values_list(
        "import_line_id", "export_id", "quantity", "method", "export_quantity"
    )
    return {
        (line, export): (qty, method, qty if exp is None else exp) for line, export, qty, method, exp in rows
    }


def claim_holding(claim: Claim) -> dict[Pair, tuple[Decimal, str]]:
    """What this claim holds on top of every other claim: all of it, or a correction's excess."""
    pairs = claim_pairs(claim.pk)
    if not claim.replaces_id or not is_open_correction(claim):
        return pairs
    replaced = claim_pairs(claim.replaces_id)
    excess = {}
    for pair, (qty, method, exp) in pairs.items():
        old = replaced.get(pair, (ZERO, "", ZERO))
        over, export_over = max(ZERO, qty - old[0]), max(ZERO, exp - old[2])
        if over > 0 or export_over > 0:
            excess[pair] = (over, method, export_over)
    return excess


def pair_delta(claim: Claim, pair: Pair, old_qty: Decimal, new_qty: Decimal) -> Decimal:
    """How much more (or less, if negative) the claim holds when one designation changes quantity."""
    if not is_open_correction(claim):
        return new_qty - old_qty
    replaced = claim_pairs(claim.replaces_id).get(pair, (ZERO, ""))[0]
    return max(ZERO, new_qty - replaced) - max(ZERO, old_qty - replaced)


def _held(field: str, ids: Iterable[int] | QuerySet) -> dict[int, Decimal]:
    # A queryset of ids is used as a subquery: a claim at the size limit would otherwise send 10,000
    # parameters with each statement.
    if not isinstance(ids, QuerySet):
        ids = set(ids)
    rows = list(
        Designation.objects.filter(**{f"{field}__in": ids})
        .order_by()
        .values(
            "claim_id",
            "import_line_id",
            "export_id",
            "quantity",
            "export_quantity",
            "claim__status",
            "claim__replaces_id",
        )
    )
    on_export = field == "export_id"

    def qty_of(r) -> Decimal:
        return r["export_quantity"] if on_export and r["export_quantity"] is not None else r["quantity"]

    claim_ids = {r["claim_id"] for r in rows}
    superseded = set(
        Claim.objects.filter(pk__in=claim_ids, corrections__status__in=IN_FORCE_STATUSES).values_list(
            "pk", flat=True
        )
    )
    open_corrections = {
        r["claim_id"]: r["claim__replaces_id"]
        for r in rows
        if r["claim__replaces_id"] and r["claim__status"] not in RELEASED_STATUSES | IN_FORCE_STATUSES
    }
    replaced_qty: dict[tuple[int, Pair], Decimal] = {}
    if open_corrections:
        for r in (
            Designation.objects.filter(claim_id__in=set(open_corrections.values()), **{f"{field}__in": ids})
            .order_by()
            .values("claim_id", "import_line_id", "export_id", "quantity", "export_quantity")
        ):
            replaced_qty[(r["claim_id"], (r["import_line_id"], r["export_id"]))] = qty_of(r)
    held: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for r in rows:
        if r["claim__status"] in RELEASED_STATUSES or r["claim_id"] in superseded:
            continue
        qty = qty_of(r)
        if r["claim_id"] in open_corrections:
            pair = (r["import_line_id"], r["export_id"])
            qty = max(ZERO, qty - replaced_qty.get((open_corrections[r["claim_id"]], pair), ZERO))
        held[r[field]] += qty
    if isinstance(ids, QuerySet):
        return dict(held)
    return {i: held[i] for i in ids}


def held_by_line(line_ids: Iterable[int] | QuerySet) -> dict[int, Decimal]:
    """Quantity of each import line held by live designations across all claims (lines given as ids, or as
    a queryset of ids; with a queryset, lines holding nothing are left out)."""
    return _held("import_line_id", line_ids)


def held_by_export(export_ids: Iterable[int] | QuerySet) -> dict[int, Decimal]:
    """Quantity of each export held by live designations across all claims."""
    return _held("export_id", export_ids)


# --- moving the counters ------------------------------------------------------------------------------


def _by_line_and_export(holding: dict[Pair, tuple[Decimal, str]]):
    lines: dict[int, Decimal] = defaultdict(lambda: ZERO)
    methods: dict[int, set[str]] = defaultdict(set)
    exports: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (line, export), (qty, method, *export_qty) in holding.items():
        lines[line] += qty
        methods[line].add(method)
        exports[export] += export_qty[0] if export_qty else qty
    return lines, methods, exports


def _line_label(line_id: int) -> str:
    line = ImportLine.objects.select_related("entry").get(pk=line_id)
    return f"entry {line.entry.display_number} line {line.line_number}"


def reserve(
    holding: dict[Pair, tuple[Decimal, str]], *, progress: Callable[[float], None] | None = None
) -> None:
    """Take the quantities from the lines and exports, or raise LedgerError (the caller rolls back).
    `progress` is told the share of lines and exports done (a large claim takes tens of thousands)."""
    lines, methods, exports = _by_line_and_export(holding)
    steps = max(1, len(lines) + len(exports))
    for n, line_id in enumerate(sorted(lines)):
        if progress is not None and n % 500 == 0:
            progress(n / steps)
        qty = lines[line_id]
        if len(methods[line_id]) > 1:
            raise LedgerError(
                f"{_line_label(line_id)} is designated by more than one method on this claim; "
                "a line is designated by one method only (19 CFR 190.51(a)(3))"
            )
        (method,) = methods[line_id]
        updated = (
            ImportLine.objects.filter(pk=line_id, quantity_available__gte=qty)
            .filter(Q(designation_method="") | Q(designation_method=method))
            .update(quantity_available=F("quantity_available") - qty, designation_method=method)
        )
        if not updated:
            line = ImportLine.objects.select_related("entry").get(pk=line_id)
            label = f"entry {line.entry.display_number} line {line.line_number}"
            if line.designation_method and line.designation_method != method:
                raise LedgerError(
                    f"{label} is already designated by {line.get_designation_method_display().lower()} "
                    f"on another claim; it cannot also be designated by {method} (19 CFR 190.51(a)(3))"
                )
            raise LedgerError(
                f"{label}: {qty.normalize():f} {line.uom} needed but only "
                f"{line.quantity_available.normalize():f} available; it was designated on another claim "
                "meanwhile (19 U.S.C. 1313(v))"
            )
    for n, export_id in enumerate(sorted(exports), start=len(lines)):
        if progress is not None and n % 500 == 0:
            progress(n / steps)
        qty = exports[export_id]
        updated = Export.objects.filter(pk=export_id, quantity_available__gte=qty).update(
            quantity_available=F("quantity_available") - qty
        )
        if not updated:
            export = Export.objects.get(pk=export_id)
            raise LedgerError(
                f"export {export.export_ref}: {qty.normalize():f} {export.uom} needed but only "
                f"{export.quantity_available.normalize():f} not yet claimed (19 U.S.C. 1313(v))"
            )


def release(holding: dict[Pair, tuple[Decimal, str]]) -> None:
    """Give the quantities back; a line with nothing left designated is free for either method again."""
    lines, _, exports = _by_line_and_export(holding)
    for line_id in sorted(lines):
        qty = lines[line_id]
        updated = ImportLine.objects.filter(pk=line_id, quantity_available__lte=F("quantity") - qty).update(
            quantity_available=F("quantity_available") + qty
        )
        if not updated:
            raise LedgerError(f"{_line_label(line_id)}: releasing {qty} would exceed the line's quantity")
    for export_id in sorted(exports):
        qty = exports[export_id]
        updated = Export.objects.filter(pk=export_id, quantity_available__lte=F("quantity") - qty).update(
            quantity_available=F("quantity_available") + qty
        )
        if not updated:
            raise LedgerError(f"export {export_id}: releasing {qty} would exceed its quantity")
    if lines:
        held = held_by_line(lines)
        free = [line_id for line_id, qty in held.items() if qty == 0]
        ImportLine.objects.filter(pk__in=free).update(designation_method="")


def apply_pair_change(
    claim: Claim,
    pair: Pair,
    method: str,
    old_qty: Decimal,
    new_qty: Decimal,
    old_export: Decimal | None = None,
    new_export: Decimal | None = None,
) -> None:
    """Move the counters for one designation added (old 0), removed (new 0) or changed on a draft. The
    export's quantities are the line's unless given (manufacturing designations)."""
    delta = pair_delta(claim, pair, old_qty, new_qty)
    if old_export is None and new_export is None:
        export_delta = delta
    else:
        old_e = old_qty if old_export is None else old_export
        new_e = new_qty if new_export is None else new_export
        export_delta = new_e - old_e if not is_open_correction(claim) else delta
    if delta > 0 or export_delta > 0:
        reserve({pair: (max(delta, ZERO), method, max(export_delta, ZERO))})
    if delta < 0 or export_delta < 0:
        release({pair: (max(-delta, ZERO), method, max(-export_delta, ZERO))})


# --- manufactured articles held for several designations ------------------------------------------------

HANDOVER_KEY = "holds_articles_of"


def _live_manufacturing(export_id: int, *, exclude_claim_id: int | None = None) -> list[Designation]:
    """Manufacturing designations of the export on claims that hold quantities (not withdrawn, rejected or
    replaced by a correction in force), oldest first."""
    rows = (
        Designation.objects.filter(export_id=export_id, export_quantity__isnull=False)
        .exclude(claim__status__in=RELEASED_STATUSES)
        .exclude(claim__corrections__status__in=IN_FORCE_STATUSES)
        .order_by("pk")
    )
    if exclude_claim_id is not None:
        rows = rows.exclude(claim_id=exclude_claim_id)
    return list(rows)


def lock_articles(export_ids: Iterable[int] | QuerySet) -> None:
    """Lock the manufacturing designations of these exports (ids, or a queryset of ids), lowest id first,
    until the transaction ends. Call before reading who holds an export's articles and handing them over or
    taking them back. One order for every caller, so two of them sharing exports wait on each other, never
    deadlock; the rows locked are designations, not exports, because builds and edits move the export
    counters after taking their own rows (locking the export first would cross them)."""
    if not isinstance(export_ids, QuerySet):
        export_ids = sorted(set(export_ids))
        if not export_ids:
            return
    list(
        Designation.objects.select_for_update()
        .filter(export_id__in=export_ids, export_quantity__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _articles_of(claim: Claim) -> QuerySet:
    """The exports of the claim's manufacturing designations, as a subquery."""
    return (
        Designation.objects.filter(claim=claim, export_quantity__isnull=False).order_by().values("export_id")
    )


def hand_over_articles(designations: Iterable[Designation], *, leaving_claim_id: int | None = None) -> dict:
    """The articles these designations hold, handed over to a live designation of the same export that
    relies on them (holds none itself); the holders' own records stay as they are. Returns {(line, export):
    articles handed over}, which the caller must not release."""
    kept: dict[Pair, Decimal] = defaultdict(lambda: ZERO)
    leaving_ids = set()
    holders = []
    for d in designations:
        leaving_ids.add(d.pk)
        if d.export_quantity:
            holders.append(d)
    for d in holders:
        heirs = [
            h
            for h in _live_manufacturing(d.export_id, exclude_claim_id=leaving_claim_id)
            if h.pk not in leaving_ids and not h.export_quantity
        ]
        if not heirs:
            continue
        heir = heirs[0]
        record = dict(heir.manufacture or {})
        # What the leaving one held for others goes with it, so each giver can find its articles again.
        record[HANDOVER_KEY] = sorted(
            {*record.get(HANDOVER_KEY, []), *(d.manufacture or {}).get(HANDOVER_KEY, []), d.pk}
        )
        Designation.objects.filter(pk=heir.pk).update(
            export_quantity=F("export_quantity") + d.export_quantity, manufacture=record
        )
        kept[(d.import_line_id, d.export_id)] += d.export_quantity
    return kept


def take_back_articles(claim: Claim) -> dict[Pair, Decimal]:
    """The articles a claim coming back (rejected, then reopened) had handed over, taken back from the live
    designation holding them for it. Returns {(line, export): articles taken back}, not to reserve again."""
    taken: dict[Pair, Decimal] = defaultdict(lambda: ZERO)
    for d in Designation.objects.filter(claim=claim, export_quantity__gt=0):
        for heir in _live_manufacturing(d.export_id, exclude_claim_id=claim.pk):
            handed = (heir.manufacture or {}).get(HANDOVER_KEY, [])
            if d.pk not in handed or heir.export_quantity < d.export_quantity:
                continue
            record = dict(heir.manufacture)
            record[HANDOVER_KEY] = [i for i in handed if i != d.pk]
            if not record[HANDOVER_KEY]:
                del record[HANDOVER_KEY]
            Designation.objects.filter(pk=heir.pk).update(
                export_quantity=F("export_quantity") - d.export_quantity, manufacture=record
            )
            taken[(d.import_line_id, d.export_id)] += d.export_quantity
            break
    return taken


def _less_articles(holding: dict, articles: dict[Pair, Decimal]) -> dict:
    """The holding without the export quantities in `articles` (the import line quantities are kept)."""
    out = {}
    for pair, (qty, method, *export_qty) in holding.items():
        exp = export_qty[0] if export_qty else qty
        out[pair] = (qty, method, max(ZERO, exp - articles.get(pair, ZERO)))
    return out


def on_transition(claim: Claim, from_status: str, to: str) -> None:
    """Ledger effect of a status move (registered in claims.lifecycle.EFFECTS)."""
    if (to in RELEASED_STATUSES) != (from_status in RELEASED_STATUSES):
        # Before reading what the claim holds: another claim's move may be handing articles to it, or taking
        # them from it, right now.
        lock_articles(_articles_of(claim))
    if to in RELEASED_STATUSES and from_status not in RELEASED_STATUSES:
        # The status is already written, so compute what the claim held as it was before the move.
        claim.status = from_status
        holding = claim_holding(claim)
        claim.status = to
        # Only what this claim alone holds comes free: manufactured articles another live claim's
        # designations rely on stay claimed for them.
        kept = hand_over_articles(
            Designation.objects.filter(claim=claim, export_quantity__gt=0), leaving_claim_id=claim.pk
        )
        release(_less_articles(holding, kept))
    elif from_status in RELEASED_STATUSES and to not in RELEASED_STATUSES:
        reserve(_less_articles(claim_holding(claim), take_back_articles(claim)))
    elif claim.replaces_id and from_status == S.FILED and to in IN_FORCE_STATUSES:
        # The replacement is on file: the replaced claim stops holding what the correction dropped.
        mine = claim_pairs(claim.pk)
        dropped = {}
        for pair, (qty, method, exp) in claim_pairs(claim.replaces_id).items():
            now = mine.get(pair, (ZERO, "", ZERO))
            over, export_over = max(ZERO, qty - now[0]), max(ZERO, exp - now[2])
            if over > 0 or export_over > 0:
                dropped[pair] = (over, method, export_over)
        release(dropped)

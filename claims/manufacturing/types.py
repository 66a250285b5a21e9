"""The drawback type of each export, chosen for the largest refund of the whole claim.

An export can carry, as the data allows:
- **unused merchandise** on the exported good itself: (j)(1) when the export names its import line, (j)(2)
  substitution by the same classification otherwise (the rules and amounts of claims.engine.problem);
- **manufacturing** on the components of an exported article (a bill of materials, a production lot and its
  ruling): 1313(a) on the import lines the lot's records show used, 1313(b) on any import of the same 8-digit
  HTS (claims.manufacturing.rules);
- **rejected merchandise** on a return of the goods (1313(c), provisions 53-56): on the returned goods' own
  import line (direct identification), or, for a retail return, on another import of the same 8-digit HTS and
  product identifier made within the year before the export (1313(c)(2); provision 56 with 10-record pos 77
  `Y`). The two are two options of the export: a claim's pos 77 is one indicator for all its exports, and an
  export stays in one claim, so one export is never split between them.

Each export takes one type (a claim is under one provision, and the export's quantity goes on one claim).
The types compete for the same import quantity: no quantity of a line is designated twice (1313(v)), and a
line is designated by direct identification ((j)(1), (a), (c)) or by substitution ((j)(2), (b)), never both
(19 CFR 190.51(a)(3)); a 1313(c)(2) designation counts as substitution (19 CFR 190.2, substituted merchandise
(2)). 1313(a) designations of a lot use at most what the lot's records show used.

The choice is a mixed-integer program solved exactly by HiGHS: a binary per export and type (and option), a
binary per line that could serve both methods, and a quantity per eligible (line, export, type[, component])
arc in units of 0.0001 (CATAIR's four decimals). With the binaries fixed, the constraints form two laminar
families (line and lot capacities; export and component requirements), so the quantities at the optimum are
whole units. The floating-point solve only picks the designation: every amount is then worked out again in
exact Decimal (amounts.pair_amounts), each claim's classes rounded once.

For each export the alternative it beat, among its other types and options (a retail return's export between
its own line and another import designated as well), is worked out on one of two bases, and says which:
- the whole claim re-optimised: the mixed-integer program solved again with that export forced to each other
  type or option, so the difference is what the choice earns the best claim (one solve per export and type;
  clients of a few dozen exports);
- the same claim with only this export changed: every other export's type and every line's method fixed
  as chosen, the export's type switched and the remaining LP solved again from the chosen basis (warm, a few
  pivots each; any size), only over the arcs that share a line, export or lot with it, directly or through
  others (with the binaries fixed the LP falls apart along those groups). With the binaries fixed the LP is
  laminar, so its vertex is whole again (checked).
  It is a claim that could be filed, so it is at most the whole claim re-optimised: the choice's margin over
  it is at least the margin over the best claim with the other type (the analyst is told which basis).
Either total is exact Decimal from the designations, like the chosen one.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, localcontext
from enum import StrEnum

import highspy
import numpy as np

from claims.engine.amounts import (
    EXACT,
    LineAmounts,
    drawback_rate,
    factor_of,
    line_amounts,
    pair_amounts,
    round_class,
)
from claims.engine.model import ZERO, Election, Export, ImportLine, LineKey, Settings, Step
from claims.engine.problem import (
    UNUSED_PROVISION,
    direct_line_amounts,
    last_export_ordinal,
    per_unit_parts,
    prepare,
)
from claims.engine.tariff import TariffIndex
from drawback.lib.chapter99 import Chapter99Table

from . import rules

SCALE = 10_000  # quantities in units of 0.0001
# Progress of a choice: the model built, the choice solved (each export's alternatives after it).
BUILT, SOLVED = 0.1, 0.3
QUANTUM = Decimal("0.0001")
# Bases of claim whose allowed quantity is less than the designated: valuable waste, relative value.
REDUCED_BASES = frozenset({"02", "03", "07"})


class Kind(StrEnum):
    UNUSED = "unused"
    MANUFACTURING = "manufacturing"
    REJECTED = "rejected"


KIND_LABELS = {
    Kind.UNUSED: "Unused merchandise (1313(j))",
    Kind.MANUFACTURING: "Manufacturing (1313(a)/(b))",
    Kind.REJECTED: "Rejected merchandise (1313(c))",
}
# The option of a retail return's export that designates another import than the returned goods' (1313(c)(2)).
DESIGNATED = "c2"
OPTION_LABELS = {(Kind.REJECTED, DESIGNATED): "Rejected merchandise, another import designated (1313(c)(2))"}


def type_label(kind: Kind, option: str = "") -> str:
    return OPTION_LABELS.get((kind, option), KIND_LABELS[kind])


def claim_key(provision: str, designated_import: bool) -> str:
    """The claim a designation goes on: one per provision, and a retail-return claim that designates other
    imports (10-record pos 77 `Y`) apart from one that identifies the returned goods' own lines."""
    return f"{provision} (pos 77 Y)" if designated_import else provision


class AlternativeBasis(StrEnum):
    """How the alternative an export beat was worked out, so the difference shown is read for what it is."""

    WHOLE_CLAIM = "whole_claim"
    THIS_EXPORT = "this_export"


BASIS_LABELS = {
    AlternativeBasis.WHOLE_CLAIM: "the whole claim re-optimised",
    AlternativeBasis.THIS_EXPORT: "the same claim with only this export changed",
}
BASIS_HELP = {
    AlternativeBasis.WHOLE_CLAIM: (
        "every export's type and every line's method chosen again, this export under the other type"
    ),
    AlternativeBasis.THIS_EXPORT: (
        "this export under the other type; every other export keeps its type and every import line its "
        "method, only the quantities designated again (the best claim re-optimised could refund more)"
    ),
}


# Slots: a product family's arcs grow with the square of its size, and each arc's attribute dict weighed more
# than the arc.
@dataclass(slots=True)
class Arc:
    """Quantity of an import line that may be designated against an export under one type."""

    line: int
    export: int
    kind: Kind
    provision: str
    cap: int  # scaled units
    weight: Decimal  # exact refund per unit
    direct: bool  # direct identification (else substitution)
    amounts: LineAmounts
    factor: Decimal
    rate: Decimal
    # Drawback is allowed on this part of each designated unit: net of valuable waste, times the relative
    # value share (rules.PerArticle.allowable).
    share: Decimal = Decimal(1)
    requirement: tuple = ()  # the export requirement row this arc counts in
    lot_use: tuple | None = None  # (lot, line) for 1313(a) lot usage
    component: str = ""
    lot: str = ""
    basis: str = ""
    ruling: str = ""
    substituted_value: Decimal | None = None  # per unit, where the lesser-of applies
    option: str = ""  # DESIGNATED: a retail return's 1313(c)(2) designation of another import

    @property
    def type_key(self) -> tuple:
        return (self.export, self.kind, self.option)


@dataclass
class TypeDesignation:
    line: LineKey
    export_ref: str
    kind: Kind
    provision: str
    quantity: Decimal
    amounts: dict[str, Decimal]
    component: str = ""
    lot: str = ""
    basis: str = ""
    ruling: str = ""
    # The maximum before the lesser-of (CATAIR 43-record "calculated amount"), per class.
    calculated: dict[str, Decimal] = field(default_factory=dict)
    substituted_value: Decimal | None = None
    # 1313(c)(2): designates another import than the returned goods' own line (filed with pos 77 `Y`).
    designated_import: bool = False
    # Manufacturing with valuable waste or relative value: the quantity drawback is allowed on, exact (the
    # CATAIR 42-record Allowable QTY); None where the whole designated quantity is allowed.
    allowable: Decimal | None = None

    @property
    def claim(self) -> str:
        return claim_key(self.provision, self.designated_import)

    @property
    def refund(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


@dataclass
class ExportChoice:
    export_ref: str
    chosen: Kind | None
    refund: Decimal  # exact refund of this export's designations
    allowed: dict[Kind, list[Step]]  # types the data allows, with the steps that allow them
    refused: dict[Kind, str]  # types it does not allow, and why
    alternative: Kind | None = None
    alternative_total: Decimal | None = None  # the claims' exact refund with the alternative
    alternative_basis: AlternativeBasis | None = None  # how that refund was worked out
    steps: list[Step] = field(default_factory=list)
    option: str = ""  # of the chosen type: DESIGNATED when a retail return designates another import
    alternative_option: str = ""

    @property
    def label(self) -> str:
        return type_label(self.chosen, self.option) if self.chosen else "None"

    @property
    def alternative_label(self) -> str:
        return type_label(self.alternative, self.alternative_option) if self.alternative else ""

    def explanation(self) -> str:
        if self.chosen is None:
            return "no type earns a refund: " + "; ".join(f"{k}: {v}" for k, v in self.refused.items())
        text = f"{self.label} refunds {self.refund.quantize(Decimal('0.01'))}"
        return text


@dataclass
class TypeResult:
    designations: list[TypeDesignation]
    choices: list[ExportChoice]
    class_totals: dict[str, dict[str, Decimal]]  # provision -> class -> exact
    rounded: dict[str, dict[str, Decimal]]  # provision -> class -> cents
    refund: Decimal  # sum of every claim's rounded classes
    exact: Decimal  # exact total before rounding
    seconds: float = 0.0
    arcs: int = 0
    alternatives_seconds: float = 0.0  # of `seconds`, the alternatives'
    alternative_basis: AlternativeBasis | None = None  # None: the alternatives were not worked out

    def choice(self, ref: str) -> ExportChoice:
        return next(c for c in self.choices if c.export_ref == ref)


@dataclass
class Model:
    lines: list[ImportLine]
    exports: list[Export]
    arcs: list[Arc]
    requirements: dict[tuple, int]  # (export, kind, component) -> scaled quantity
    line_caps: dict[int, int]
    lot_caps: dict[tuple, int]
    allowed: dict[int, dict[Kind, list[Step]]]
    refused: dict[int, dict[Kind, str]]
    # Steps of each option of an export's type other than the plain one: (export, kind, option) -> steps.
    option_steps: dict[tuple, list[Step]] = field(default_factory=dict)

    def options(self, e_idx: int) -> list[tuple[Kind, str]]:
        """The (type, option) pairs an export may take, in a fixed order."""
        return sorted(
            {(a.kind, a.option) for a in self.arcs if a.export == e_idx}, key=lambda t: (t[0], t[1])
        )


def _scaled(value: Decimal) -> int:
    with localcontext(EXACT):
        return int((value / QUANTUM).to_integral_value(rounding=ROUND_FLOOR))


def build_model(
    *,
    lines: Sequence[ImportLine],
    exports: Sequence[Export],
    tariff: TariffIndex,
    chapter99: Chapter99Table,
    settings: Settings,
    boms: dict[str, rules.Bom] | None = None,
    lots: Sequence[rules.Lot] = (),
    rulings: Sequence[rules.Ruling] = (),
    returns: Sequence[rules.Return] = (),
    line_parts: dict[LineKey, str] | None = None,
) -> Model:
    """`line_parts` gives the product identifiers (part, SKU) recorded on import lines; a line without one
    takes what the retail returns naming it show (rules.known_line_parts). A retail return designates another
    import only where the identifier is known, and not when its own line is recorded with another part."""
    boms = boms or {}
    problem = prepare(lines=lines, exports=exports, tariff=tariff, chapter99=chapter99, settings=settings)
    plines, pexports = problem.lines, problem.exports
    index = problem.line_index()
    e_index = {e.ref: i for i, e in enumerate(pexports)}
    # Once per line, shared by its arcs (a product family's arcs grow with the square of its size).
    line_caps = {i: _scaled(line.remaining) for i, line in enumerate(plines)}
    arcs: list[Arc] = []
    requirements: dict[tuple, int] = {}
    allowed: dict[int, dict[Kind, list[Step]]] = defaultdict(dict)
    refused: dict[int, dict[Kind, str]] = defaultdict(dict)
    returns_by_export: dict[str, list[rules.Return]] = defaultdict(list)
    for ret in returns:
        if ret.export_ref:
            returns_by_export[ret.export_ref].append(ret)

    # Unused merchandise: the engine's direct identifications and substitution groups.
    rate58 = drawback_rate("58", settings)
    rate59 = drawback_rate(UNUSED_PROVISION, settings)
    direct_pairs = [(d.line, d.export_ref) for d in problem.direct]
    for choice in problem.contested.values():
        direct_pairs += [(d.line, d.export_ref) for d in choice.designations]
    for key, ref in direct_pairs:
        l_idx, e_idx = index[key], e_index[ref]
        line, export = plines[l_idx], pexports[e_idx]
        barred = [r for r in returns_by_export.get(ref, []) if r.line == key and not r.unused]
        if barred:
            refused[e_idx][Kind.UNUSED] = (
                f"return {barred[0].ref}: the records do not show the returned goods unused (1313(j)(1))"
            )
            continue
        amounts = direct_line_amounts(line, problem.amounts[l_idx], tariff, chapter99)
        factor = factor_of(line, export, lesser_of=False)
        weight = _per_unit(amounts, factor, rate58)
        if weight <= 0:
            continue
        req = (e_idx, Kind.UNUSED, "")
        requirements[req] = _scaled(export.remaining)
        arcs.append(
            Arc(
                l_idx,
                e_idx,
                Kind.UNUSED,
                "58",
                min(_scaled(export.remaining), line_caps[l_idx]),
                weight,
                True,
                amounts,
                factor,
                rate58,
                requirement=req,
            )
        )
        allowed[e_idx].setdefault(Kind.UNUSED, []).append(
            Step("19 U.S.C. 1313(j)(1)", f"the export names {key}: unused merchandise, direct identification")
        )
    by_key: dict[str, list[int]] = defaultdict(list)
    for l_idx, key in problem.sub_lines.items():
        by_key[key].append(l_idx)
    line_parts_59: dict[int, tuple[Decimal, Decimal]] = {}  # line -> (specific, ad valorem) per unit
    # Many pairs have the same value factor: one Decimal per value (its exact text: 1 and 1.0 are kept apart),
    # and one weight per line and factor.
    factors: dict[str, Decimal] = {}
    weights_59: dict[tuple[int, str], Decimal] = {}
    for e_idx, key in problem.sub_exports.items():
        export = pexports[e_idx]
        day = export.export_date.toordinal()
        req = (e_idx, Kind.UNUSED, "")
        need = _scaled(export.remaining)
        substituted_value = None
        for l_idx in by_key.get(key, ()):
            line = plines[l_idx]
            if not (line.import_date.toordinal() <= day <= last_export_ordinal(line.import_date, settings)):
                continue
            factor = factor_of(line, export, lesser_of=True)
            factor_text = str(factor)
            factor = factors.setdefault(factor_text, factor)
            if (l_idx, factor_text) not in weights_59:
                if l_idx not in line_parts_59:
                    line_parts_59[l_idx] = per_unit_parts(problem.amounts[l_idx], settings)
                specific, ad_valorem = line_parts_59[l_idx]
                with localcontext(EXACT):
                    weights_59[l_idx, factor_text] = specific + ad_valorem * factor
            weight = weights_59[l_idx, factor_text]
            if weight <= 0:
                continue
            requirements[req] = need
            if substituted_value is None:
                substituted_value = export.value / export.quantity
            arcs.append(
                Arc(
                    l_idx,
                    e_idx,
                    Kind.UNUSED,
                    "59",
                    min(need, line_caps[l_idx]),
                    weight,
                    False,
                    problem.amounts[l_idx],
                    factor,
                    rate59,
                    requirement=req,
                    substituted_value=substituted_value,
                )
            )
        if req in requirements:
            allowed[e_idx].setdefault(Kind.UNUSED, []).append(
                Step(
                    "19 U.S.C. 1313(j)(2)",
                    f"imports of the same classification ({key.split('|')[0]}) in the "
                    "5-year window: unused merchandise, substitution",
                )
            )
    for ex in problem.exclusions:
        if ex.subject == "export" and ex.ref in e_index:
            refused[e_index[ex.ref]].setdefault(Kind.UNUSED, ex.reason)

    # Manufacturing.
    lots_by_export: dict[str, rules.Lot] = {}
    lots_by_article: dict[str, list[rules.Lot]] = defaultdict(list)
    for lot in lots:
        for ref in lot.export_refs:
            lots_by_export[ref] = lot
        lots_by_article[lot.article_part].append(lot)
    line_amount_cache: dict[tuple[int, str], LineAmounts] = {}

    def amounts_for(l_idx: int, provision: str) -> LineAmounts:
        key = (l_idx, provision)
        if key not in line_amount_cache:
            line_amount_cache[key] = line_amounts(
                plines[l_idx], tariff=tariff, chapter99=chapter99, provision=provision, explain=False
            )
        return line_amount_cache[key]

    lines_by_hts8: dict[str, list[int]] = defaultdict(list)
    for l_idx, line in enumerate(plines):
        lines_by_hts8[line.hts[:8]].append(l_idx)
    lot_caps: dict[tuple, int] = {}
    lot_uses: dict[tuple, tuple] = {}  # one key object per lot usage, shared by its arcs
    # (article, component, line, provision) -> (factor, weight per unit, allowable per designated unit)
    line_weights: dict[tuple, tuple[Decimal, Decimal, Decimal]] = {}
    rate51 = drawback_rate("51", settings)
    rate52 = drawback_rate("52", settings)
    for e_idx, export in enumerate(pexports):
        if export.direct_line is not None:
            refused[e_idx][Kind.MANUFACTURING] = (
                "the export names an import line: it is the imported good itself"
            )
            continue
        lot = lots_by_export.get(export.ref)
        if lot is None:
            candidates = [
                x
                for b in boms.values()
                if b.article_hts == export.hts
                for x in lots_by_article.get(b.article_part, ())
                if x.started_on <= export.export_date
            ]
            lot = max(candidates, key=lambda x: (x.finished_on, x.lot), default=None)
        if lot is None or lot.article_part not in boms:
            refused[e_idx][Kind.MANUFACTURING] = "no production lot of a bill of materials for this article"
            continue
        bom = boms[lot.article_part]
        checks = [
            rules.manufactured_destination(export.destination if not export.is_destruction else ""),
            rules.ruling_covers(bom, rulings, lot.started_on, lot.finished_on),
            Check_uom(bom, export),
        ]
        failed = next((c for c in checks if not c.ok), None)
        if failed:
            refused[e_idx][Kind.MANUFACTURING] = failed.step.text
            continue
        steps = [c.step for c in checks]
        reasons = []
        for c_idx, component in enumerate(bom.components):
            plan = rules.per_article(bom, component)
            if plan.refusal:
                reasons.append(plan.refusal.text)
                continue
            with localcontext(EXACT):
                # The quantity used is designated; drawback is allowed on the part net of valuable waste and
                # following the article's relative value (19 CFR 190.23(a)(2), 190.26(c); 1313(a)).
                need = _scaled(export.remaining * plan.designated)
            if need <= 0:
                continue
            req = (e_idx, Kind.MANUFACTURING, f"{c_idx}:{component.hts}")
            used_lines = {u.line for u in lot.uses if u.line is not None and u.hts[:8] == component.hts[:8]}
            count = 0
            for l_idx in lines_by_hts8.get(component.hts[:8], ()):
                line = plines[l_idx]
                if line.uom != component.uom or line.remaining <= 0:
                    continue
                for provision in (rules.MANUFACTURING_DIRECT, rules.MANUFACTURING_SUBSTITUTION):
                    direct = provision == rules.MANUFACTURING_DIRECT
                    if direct and line.key not in used_lines:
                        continue
                    if line.election is not None and line.election != (
                        Election.DIRECT if direct else Election.SUBSTITUTION
                    ):
                        continue
                    if not direct and component.unit_value is None:
                        continue
                    timely = rules.manufacturing_timely(
                        line.import_date, lot, export.export_date, settings, provision=provision
                    )
                    if not timely.ok:
                        continue
                    amounts = amounts_for(l_idx, provision)
                    rate = rate51 if direct else rate52
                    # The same for every export of the article: worked out once and shared by its arcs.
                    per_line = (lot.article_part, c_idx, l_idx, provision)
                    if per_line not in line_weights:
                        if direct:
                            factor = Decimal(1)
                        else:
                            with localcontext(EXACT):
                                per_unit_value = line.entered_value / line.quantity
                                factor = (
                                    Decimal(1)
                                    if per_unit_value == 0
                                    else min(Decimal(1), component.unit_value / per_unit_value)
                                )
                        allowable = plan.allowable
                        with localcontext(EXACT):
                            line_weights[per_line] = (
                                factor,
                                _per_unit(amounts, factor, rate) * allowable,
                                allowable,
                            )
                    factor, weight, allowable = line_weights[per_line]
                    if weight <= 0:
                        continue
                    lot_use = None
                    if direct:
                        used, _ = rules.used_in_lot(lot, line.key, component)
                        lot_use = (lot.lot, l_idx, component.hts[:8])
                        lot_use = lot_uses.setdefault(lot_use, lot_use)
                        lot_caps[lot_use] = _scaled(used)
                    requirements[req] = need
                    arcs.append(
                        Arc(
                            l_idx,
                            e_idx,
                            Kind.MANUFACTURING,
                            provision,
                            min(need, line_caps[l_idx]),
                            weight,
                            direct,
                            amounts,
                            factor,
                            rate,
                            allowable,
                            req,
                            lot_use,
                            component.hts,
                            lot.lot,
                            plan.basis,
                            bom.ruling,
                            None if direct else component.unit_value,
                        )
                    )
                    count += 1
            if count:
                steps.append(
                    Step(
                        rules.CIT_B,
                        f"component {component.hts}: {_shown(plan.designated)} {component.uom} per article "
                        f"designated, {_shown(plan.quantity)} net of valuable waste (basis {plan.basis}), "
                        f"share {plan.share}; {count} eligible import arc(s)",
                    )
                )
            else:
                reasons.append(f"component {component.hts}: no eligible import line")
        if any(r[:2] == (e_idx, Kind.MANUFACTURING) for r in requirements):
            allowed[e_idx][Kind.MANUFACTURING] = [
                Step(
                    rules.CIT_A,
                    f"article {bom.article_part} of lot {lot.lot} ({lot.started_on} to {lot.finished_on})",
                ),
                *steps,
            ]
        else:
            refused[e_idx][Kind.MANUFACTURING] = "; ".join(reasons) or "no component earns a refund"

    # Rejected merchandise.
    recorded = line_parts or {}
    parts = rules.known_line_parts(recorded, returns)
    option_steps: dict[tuple, list[Step]] = {}
    for e_idx, export in enumerate(pexports):
        mine = returns_by_export.get(export.ref, [])
        if not mine:
            refused[e_idx][Kind.REJECTED] = "no return of rejected merchandise names this export"
            continue
        for ret in mine:
            l_idx = index.get(ret.line)
            own = plines[l_idx] if l_idx is not None else None
            # The returned goods' own line: from the lines read or, none of it left, from the return's record.
            imported_on = own.import_date if own is not None else ret.line_imported_on
            returned_hts = own.hts if own is not None else ret.line_hts
            if imported_on is None:
                refused[e_idx][Kind.REJECTED] = f"return {ret.ref}: {ret.line} is not among the import lines"
                continue
            check = rules.rejected_conditions(
                ret,
                import_date=imported_on,
                line_uom=own.uom if own is not None else ret.uom,
                export_date=export.export_date,
                export_uom=export.uom,
                settings=settings,
            )
            if not check.ok:
                refused[e_idx][Kind.REJECTED] = f"return {ret.ref}: {check.step.text}"
                continue
            need = min(_scaled(ret.quantity), _scaled(export.remaining))
            own_note = ""
            if own is None:
                own_note = f"return {ret.ref}: nothing is left of {ret.line}"
            elif own.election == Election.SUBSTITUTION:
                own_note = f"{own.key} is already designated by substitution"
            if own_note:
                refused[e_idx][Kind.REJECTED] = own_note
            else:
                amounts = amounts_for(l_idx, ret.provision)
                rate = drawback_rate(ret.provision, settings)
                factor = factor_of(own, export, lesser_of=False)
                weight = _per_unit(amounts, factor, rate)
                if weight > 0:
                    req = (e_idx, Kind.REJECTED, ret.ref)
                    requirements[req] = need
                    arcs.append(
                        Arc(
                            l_idx,
                            e_idx,
                            Kind.REJECTED,
                            ret.provision,
                            min(need, line_caps[l_idx]),
                            weight,
                            True,
                            amounts,
                            factor,
                            rate,
                            requirement=req,
                        )
                    )
                    allowed[e_idx].setdefault(Kind.REJECTED, []).append(check.step)
                    refused[e_idx].pop(Kind.REJECTED, None)
            if ret.reason != rules.RETAIL or need <= 0:
                continue
            # 1313(c)(2): another import of the same 8-digit HTS and part, within the year before the export.
            conflict = rules.part_conflict(ret, recorded.get(ret.line, ""))
            if conflict is not None:
                # Said in the explanation of whichever way the export goes: the own line or a refusal.
                if Kind.REJECTED in allowed[e_idx]:
                    allowed[e_idx][Kind.REJECTED].append(
                        Step(conflict.step.citation, f"no other import designated: {conflict.step.text}")
                    )
                else:
                    before = refused[e_idx].get(Kind.REJECTED)
                    refused[e_idx][Kind.REJECTED] = "; ".join(filter(None, [before, conflict.step.text]))
                continue
            req = (e_idx, Kind.REJECTED, f"{ret.ref}|{DESIGNATED}")
            designated = []
            for c_idx in lines_by_hts8.get(returned_hts[:8], ()):
                line = plines[c_idx]
                if line.key == ret.line:
                    continue
                may = rules.retail_designation(
                    ret,
                    line,
                    line_part=parts.get(line.key, ""),
                    returned_hts=returned_hts,
                    export_date=export.export_date,
                    settings=settings,
                )
                if not may.ok:
                    continue
                amounts = amounts_for(c_idx, ret.provision)
                rate = drawback_rate(ret.provision, settings)
                # No lesser-of: 1313(l)(2)(B)-(C) cap (j)(2) and (b) only (product decisions 4 and 5).
                factor = factor_of(line, export, lesser_of=False)
                weight = _per_unit(amounts, factor, rate)
                if weight <= 0:
                    continue
                requirements[req] = need
                arcs.append(
                    Arc(
                        c_idx,
                        e_idx,
                        Kind.REJECTED,
                        ret.provision,
                        min(need, line_caps[c_idx]),
                        weight,
                        False,
                        amounts,
                        factor,
                        rate,
                        requirement=req,
                        option=DESIGNATED,
                    )
                )
                designated.append(may.step)
            if designated:
                steps = option_steps.setdefault((e_idx, Kind.REJECTED, DESIGNATED), [])
                if own_note:
                    steps.append(Step(rules.CIT_C, f"not the returned goods' own line: {own_note}"))
                steps.append(
                    Step(
                        rules.CIT_C2,
                        f"return {ret.ref} (retail, part {ret.part.strip()}): {len(designated)} other import "
                        f"line(s) of {returned_hts[:8]} within the year before the export may be designated",
                    )
                )
                steps += designated
                allowed[e_idx].setdefault(Kind.REJECTED, [])
                refused[e_idx].pop(Kind.REJECTED, None)
    for e_idx in allowed:
        for kind in allowed[e_idx]:
            refused[e_idx].pop(kind, None)
    return Model(
        list(plines),
        list(pexports),
        arcs,
        requirements,
        line_caps,
        lot_caps,
        dict(allowed),
        dict(refused),
        option_steps,
    )


def Check_uom(bom: rules.Bom, export: Export):  # noqa: N802 - reads as the rule it is
    ok = bom.article_uom == export.uom
    return rules.Check(
        ok,
        Step(
            "19 CFR 190.51(a)(2)", f"export in {export.uom}, article {bom.article_part} in {bom.article_uom}"
        ),
    )


def _per_unit(amounts: LineAmounts, factor: Decimal, rate: Decimal) -> Decimal:
    line = amounts.line
    with localcontext(EXACT):
        return rate * (amounts.specific_total + amounts.ad_valorem_total * factor) / line.quantity


# ----------------------------------------------------------------------------------------------------------
# The mixed-integer program


@dataclass
class Program:
    """The mixed-integer program as HiGHS takes it, and where each variable and row is."""

    lp: highspy.HighsLp
    n_arc: int
    types: dict[tuple[int, Kind, str], int]  # (export, type, option) -> column of its binary
    methods: dict[int, int]  # line that could serve both methods -> column of its binary (1: direct)
    entry_row: np.ndarray  # row of each matrix entry
    entry_col: np.ndarray  # column of each matrix entry
    entry_value: np.ndarray
    row_upper: np.ndarray


@dataclass
class Solution:
    quantities: dict[int, int]  # arc -> scaled quantity
    chosen: dict[int, Kind]  # export -> type
    status: str
    options: dict[int, str] = field(default_factory=dict)  # export -> option of its type ("" plain)
    # export -> (type, option) whose binary is 1
    switched_on: dict[int, tuple[Kind, str]] = field(default_factory=dict)
    direct_method: dict[int, bool] = field(default_factory=dict)  # line of both methods -> direct
    # The LP with the binaries fixed, as solved last (program, HiGHS): the alternatives start from it when
    # all the arcs form one group.
    solved: tuple | None = field(default=None, repr=False)


# A type forced on an export: a type (its plain option), a (type, option) pair, or None (no type at all).
Forced = Kind | tuple[Kind, str] | None


def _as_type(wanted: Forced) -> tuple[Kind, str] | None:
    return wanted if wanted is None or isinstance(wanted, tuple) else (wanted, "")


def _program(model: Model, force: dict[int, Forced], methods: dict[int, bool]) -> Program:
    arcs = model.arcs
    types = sorted({a.type_key for a in arcs}, key=lambda t: (t[0], t[1].value, t[2]))
    t_index = {t: i for i, t in enumerate(types)}
    n_arc, n_type = len(arcs), len(types)
    # A product family's arcs grow with the square of its size: the matrix is built as arrays, not as lists
    # of entries per row and per column. Per arc, once: the row of its line, its requirement and its lot usage
    # (each numbered in order of first arc; -1: no lot usage), its method, refund per unit and cap.
    line_row: dict[int, int] = {}
    req_row: dict[tuple, int] = {}
    lot_row: dict[tuple, int] = {}
    req_first: list[int] = []  # each requirement's first arc, whose type the requirement is of
    a_line = np.empty(n_arc, dtype=np.int64)
    a_req = np.empty(n_arc, dtype=np.int64)
    a_lot = np.empty(n_arc, dtype=np.int64)
    a_direct = np.empty(n_arc, dtype=bool)
    weight = np.empty(n_arc)
    cap = np.empty(n_arc)
    for i, arc in enumerate(arcs):
        a_line[i] = line_row.setdefault(arc.line, len(line_row))
        r = req_row.setdefault(arc.requirement, len(req_row))
        if r == len(req_first):
            req_first.append(i)
        a_req[i] = r
        a_lot[i] = -1 if arc.lot_use is None else lot_row.setdefault(arc.lot_use, len(lot_row))
        a_direct[i] = arc.direct
        weight[i] = float(arc.weight)
        cap[i] = arc.cap
    row_line = np.fromiter(line_row, dtype=np.int64, count=len(line_row))  # the line of each line row
    arc_line = row_line[a_line]
    both = np.intersect1d(arc_line[a_direct], arc_line[~a_direct]).tolist()  # sorted
    b_index = {line: i for i, line in enumerate(both)}
    n_both = len(both)
    n = n_arc + n_type + n_both
    cost = np.zeros(n)
    lower = np.zeros(n)
    upper = np.zeros(n)
    cost[:n_arc] = weight / SCALE
    upper[:n_arc] = cap
    upper[n_arc:] = 1
    for (e_idx, kind, option), i in t_index.items():
        if e_idx in force:
            value = 1.0 if (kind, option) == _as_type(force[e_idx]) else 0.0
            lower[n_arc + i] = upper[n_arc + i] = value
    for l_idx, direct in methods.items():
        if l_idx in b_index:
            lower[n_arc + n_type + b_index[l_idx]] = upper[n_arc + n_type + b_index[l_idx]] = float(direct)
    # The rows in order: each line's cap, each requirement, one type per export, each lot usage's cap, and two
    # per line that could serve both methods (direct identification, then substitution).
    coo_row: list[np.ndarray] = []
    coo_col: list[np.ndarray] = []
    coo_value: list[np.ndarray] = []
    row_upper_parts: list[np.ndarray] = []

    def entries(rows, cols, values) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        coo_row.append(rows)
        coo_col.append(np.asarray(cols, dtype=np.int64))
        coo_value.append(np.broadcast_to(np.asarray(values, dtype=float), rows.shape))

    arc_col = np.arange(n_arc, dtype=np.int64)
    entries(a_line, arc_col, 1.0)
    row_upper_parts.append(np.array([float(model.line_caps[line]) for line in line_row]))
    base = len(line_row)
    entries(base + a_req, arc_col, 1.0)
    entries(
        base + np.arange(len(req_row)),
        [n_arc + t_index[arcs[i].type_key] for i in req_first],
        [-float(model.requirements[req]) for req in req_row],
    )
    row_upper_parts.append(np.zeros(len(req_row)))
    base += len(req_row)
    by_export: dict[int, list[int]] = defaultdict(list)
    for (e_idx, _, _), i in t_index.items():
        by_export[e_idx].append(n_arc + i)
    one_type = [members for members in by_export.values() if len(members) > 1]
    entries(
        base + np.repeat(np.arange(len(one_type)), [len(m) for m in one_type]),
        [col for members in one_type for col in members],
        1.0,
    )
    row_upper_parts.append(np.ones(len(one_type)))
    base += len(one_type)
    in_lot = a_lot >= 0
    entries(base + a_lot[in_lot], arc_col[in_lot], 1.0)
    row_upper_parts.append(np.array([float(model.lot_caps[key]) for key in lot_row]))
    base += len(lot_row)
    both_caps = np.array([float(model.line_caps[line]) for line in both])
    b_of_line_row = np.array([b_index.get(line, -1) for line in line_row], dtype=np.int64)
    arc_b = b_of_line_row[a_line]
    in_both = arc_b >= 0
    entries(base + 2 * arc_b[in_both] + ~a_direct[in_both], arc_col[in_both], 1.0)
    b_rows = base + 2 * np.arange(n_both)
    b_cols = n_arc + n_type + np.arange(n_both)
    entries(b_rows, b_cols, -both_caps)
    entries(b_rows + 1, b_cols, both_caps)
    row_upper_parts.append(np.column_stack([np.zeros(n_both), both_caps]).ravel())
    row_upper = np.concatenate(row_upper_parts)
    # Column-wise, each column's entries by row: as HiGHS takes the matrix.
    rows, cols, values = np.concatenate(coo_row), np.concatenate(coo_col), np.concatenate(coo_value)
    order = np.lexsort((rows, cols))
    rows, cols, values = rows[order], cols[order], values[order]
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=n), out=starts[1:])
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(row_upper)
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.full(len(row_upper), -highspy.kHighsInf)
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = values
    # Only the type and method choices are integer: with them fixed the quantities' constraint matrix is
    # totally unimodular, so a vertex of the remaining LP is whole (checked after rounding).
    lp.integrality_ = [highspy.HighsVarType.kContinuous] * n_arc + [highspy.HighsVarType.kInteger] * (
        n - n_arc
    )
    lp.sense_ = highspy.ObjSense.kMaximize
    return Program(
        lp,
        n_arc,
        {t: n_arc + i for t, i in t_index.items()},
        {line: n_arc + n_type + i for line, i in b_index.items()},
        rows,
        cols,
        values,
        row_upper,
    )


def _whole(program: Program, x) -> np.ndarray:
    """The LP's vertex in whole units of 0.0001, checked: whole, and within every capacity once rounded."""
    x = np.asarray(x)
    values = np.rint(x)
    if np.max(np.abs(values - x), initial=0.0) > 1e-6:
        raise RuntimeError("the type choice's quantities are not whole units of 0.0001")
    activity = np.bincount(
        program.entry_row,
        weights=program.entry_value * values[program.entry_col],
        minlength=len(program.row_upper),
    )
    if np.any(activity > program.row_upper + 1e-9):
        raise RuntimeError("the type choice's rounded quantities break a capacity")
    return values


def solve_model(
    model: Model, *, force: dict[int, Forced] | None = None, methods: dict[int, bool] | None = None
) -> Solution:
    """The designation of largest refund. `force` fixes the type (or the (type, option)) of some exports
    (the alternatives), `methods` the method of some lines that could serve both (True: direct
    identification)."""
    if not model.arcs:
        return Solution({}, {}, "optimal")
    program = _program(model, force or {}, methods or {})
    lp, n_arc = program.lp, program.n_arc
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    _optimal(h)
    x = h.getSolution().col_value
    # The choices fixed, the quantities again by simplex: a vertex, whole by total unimodularity.
    fixed = np.array([round(v) for v in x[n_arc:]], dtype=float)
    lp.col_lower_ = np.concatenate([np.asarray(lp.col_lower_)[:n_arc], fixed])
    lp.col_upper_ = np.concatenate([np.asarray(lp.col_upper_)[:n_arc], fixed])
    lp.integrality_ = [highspy.HighsVarType.kContinuous] * lp.num_col_
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    _optimal(h)
    values = _whole(program, h.getSolution().col_value)
    quantities = {i: int(values[i]) for i in np.flatnonzero(values[:n_arc] > 0).tolist()}
    arcs = model.arcs
    used = {arcs[a].type_key for a in quantities}
    switched_on = {
        e_idx: (kind, option) for (e_idx, kind, option), col in program.types.items() if values[col] > 0.5
    }
    chosen, options = {}, {}
    for e_idx, (kind, option) in switched_on.items():
        if (e_idx, kind, option) in used:
            chosen[e_idx], options[e_idx] = kind, option
    direct_method = {line: bool(values[col] > 0.5) for line, col in program.methods.items()}
    return Solution(quantities, chosen, "optimal", options, switched_on, direct_method, (program, h))


def _optimal(h) -> None:
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"the type choice did not solve: {h.modelStatusToString(status)}")


def _claimed(arc: Arc, quantity: Decimal, factor: Decimal | None = None) -> dict[str, Decimal]:
    """The exact amounts, by class, of a quantity designated on an arc (`factor` 1: before the lesser-of)."""
    amounts = pair_amounts(arc.amounts, quantity, arc.factor if factor is None else factor, rate=arc.rate)
    if arc.share != 1:
        with localcontext(EXACT):
            amounts = {k: v * arc.share for k, v in amounts.items()}
    return amounts


def designations_of(model: Model, solution: Solution) -> list[TypeDesignation]:
    out = []
    for i, scaled in sorted(solution.quantities.items()):
        arc = model.arcs[i]
        quantity = Decimal(scaled) * QUANTUM
        amounts = _claimed(arc, quantity)
        # The 43-record's calculated amount: the maximum before the lesser-of.
        calculated = amounts if arc.direct else _claimed(arc, quantity, Decimal(1))
        out.append(
            TypeDesignation(
                model.lines[arc.line].key,
                model.exports[arc.export].ref,
                arc.kind,
                arc.provision,
                quantity,
                amounts,
                arc.component,
                arc.lot,
                arc.basis,
                arc.ruling,
                calculated,
                arc.substituted_value,
                arc.option == DESIGNATED,
                _allowable(arc, quantity),
            )
        )
    out.sort(key=lambda d: (d.export_ref, d.provision, d.line.entry_number, d.line.line_number, d.component))
    return out


def _allowable(arc: Arc, quantity: Decimal) -> Decimal | None:
    if arc.kind != Kind.MANUFACTURING or arc.basis not in REDUCED_BASES:
        return None
    with localcontext(EXACT):
        return quantity * arc.share


def exact_total(designations: Sequence[TypeDesignation]) -> Decimal:
    with localcontext(EXACT):
        return sum((d.refund for d in designations), ZERO)


class _Refunds:
    """Exact refunds of arc quantities, each worked out once (as designations_of works them out)."""

    def __init__(self, model: Model):
        self.model = model
        self.known: dict[tuple[int, int], Decimal] = {}

    def __call__(self, arc: int, scaled: int) -> Decimal:
        if scaled == 0:
            return ZERO
        key = (arc, scaled)
        if key not in self.known:
            amounts = _claimed(self.model.arcs[arc], Decimal(scaled) * QUANTUM)
            with localcontext(EXACT):
                self.known[key] = sum(amounts.values(), ZERO)
        return self.known[key]


def arc_groups(model: Model) -> list[list[int]]:
    """The arcs in groups that share nothing: no line, export, requirement or lot. With the types and methods
    fixed the LP falls apart along them, so an export's alternative need only solve its own group again."""
    parent = list(range(len(model.arcs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for i, arc in enumerate(model.arcs):
        for key in (("line", arc.line), ("export", arc.export), ("lot", arc.lot_use)):
            if key == ("lot", None):
                continue
            j = first.setdefault(key, i)
            a, b = root(i), root(j)
            if a != b:
                parent[a] = b
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(model.arcs)):
        groups[root(i)].append(i)
    return list(groups.values())


class FixedChoice:
    """One group of arcs' LP with every type and method fixed as chosen, solved once and kept. An export's
    type is changed through its binaries' bounds and the LP solved again from the last basis (the dual
    simplex needs a few pivots, not a new solve), then the bounds are set back."""

    def __init__(self, model: Model, arcs: list[int], solution: Solution):
        self.arcs = np.array(arcs, dtype=np.int64)
        if len(arcs) == len(model.arcs) and solution.solved is not None:
            program, h = solution.solved  # one group: the choice's own LP, already at its optimum
        else:
            part = Model(
                model.lines,
                model.exports,
                [model.arcs[i] for i in arcs],
                model.requirements,
                model.line_caps,
                model.lot_caps,
                model.allowed,
                model.refused,
                model.option_steps,
            )
            exports = {model.arcs[i].export for i in arcs}
            # An export with no type switched on keeps none (None matches no type).
            force = {e_idx: solution.switched_on.get(e_idx) for e_idx in exports}
            program = _program(part, force, solution.direct_method)
            program.lp.integrality_ = [highspy.HighsVarType.kContinuous] * program.lp.num_col_
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("solver", "simplex")
            h.setOptionValue("threads", 1)
            h.passModel(program.lp)
            h.run()
            _optimal(h)
        self.program, self.highs = program, h
        self.bounds = np.asarray(program.lp.col_lower_)
        # The chosen quantities of these arcs, against which an alternative's changes are counted.
        self.chosen = np.array([solution.quantities.get(i, 0) for i in arcs], dtype=np.int64)
        self.by_export: dict[int, list[tuple[tuple[Kind, str], int]]] = defaultdict(list)
        for (e_idx, kind, option), col in program.types.items():
            self.by_export[e_idx].append(((kind, option), col))

    def kinds(self, e_idx: int) -> set[tuple[Kind, str]]:
        """The (type, option) pairs the export may take in this group."""
        return {key for key, _ in self.by_export.get(e_idx, ())}

    def with_export_as(self, e_idx: int, wanted: tuple[Kind, str]) -> np.ndarray:
        """This group's arc quantities with only the export's type (and option) changed to `wanted`."""
        own = self.by_export[e_idx]
        cols = np.array([col for _, col in own], dtype=np.int32)
        forced = np.array([1.0 if key == wanted else 0.0 for key, _ in own])
        h = self.highs
        h.changeColsBounds(len(cols), cols, forced, forced)
        try:
            h.run()
            _optimal(h)
            values = _whole(self.program, h.getSolution().col_value)
        finally:
            h.changeColsBounds(len(cols), cols, self.bounds[cols], self.bounds[cols])
        return values[: self.program.n_arc].astype(np.int64)


class LocalAlternatives:
    """Each export's best other type with every other export's type and every line's method as chosen: the
    chosen claim's exact total, less the refunds of the arcs whose quantity moved, plus their refunds at the
    new quantities (each worked out as designations_of does)."""

    def __init__(self, model: Model, solution: Solution, total: Decimal):
        self.model, self.solution, self.total = model, solution, total
        self.refunds = _Refunds(model)
        self.group_of: dict[int, int] = {}
        self.groups = arc_groups(model)
        if len(self.groups) > 1:
            solution.solved = None  # each group gets its own LP: let the whole one go
        for g, arcs in enumerate(self.groups):
            for i in arcs:
                self.group_of.setdefault(model.arcs[i].export, g)
        self.left = defaultdict(int)  # exports of each group still to do, to let its LP go after the last
        for g in self.group_of.values():
            self.left[g] += 1
        self.built: dict[int, FixedChoice] = {}

    def best(self, e_idx: int, kinds) -> tuple[Kind, str, Decimal] | None:
        """The best of `kinds` ((type, option) pairs) for the export: its type, option and the claim's exact
        total with it."""
        g = self.group_of.get(e_idx)
        if g is None:
            return None
        if g not in self.built:
            self.built[g] = FixedChoice(self.model, self.groups[g], self.solution)
        fixed = self.built[g]
        best = None
        for kind, option in kinds:
            if (kind, option) not in fixed.kinds(e_idx):
                continue
            values = fixed.with_export_as(e_idx, (kind, option))
            moved = np.nonzero(values != fixed.chosen)[0]
            with localcontext(EXACT):
                other = self.total
                for k in moved.tolist():
                    i = int(fixed.arcs[k])
                    other += self.refunds(i, int(values[k])) - self.refunds(i, int(fixed.chosen[k]))
            if best is None or other > best[2]:
                best = (kind, option, other)
        self.left[g] -= 1
        if self.left[g] == 0:
            del self.built[g]
        return best


def choose_types(
    *,
    lines: Sequence[ImportLine],
    exports: Sequence[Export],
    tariff: TariffIndex,
    chapter99: Chapter99Table,
    settings: Settings,
    boms: dict[str, rules.Bom] | None = None,
    lots: Sequence[rules.Lot] = (),
    rulings: Sequence[rules.Ruling] = (),
    returns: Sequence[rules.Return] = (),
    line_parts: dict[LineKey, str] | None = None,
    alternatives: bool = True,
    basis: AlternativeBasis = AlternativeBasis.WHOLE_CLAIM,
    progress: Callable[[float], None] | None = None,
) -> TypeResult:
    """The choice of largest refund. With `alternatives`, each export's best other type on `basis`: the
    whole claim solved again (one mixed-integer solve per other type), or only that export changed (a warm
    LP re-solve each). `progress` (0..1) is told after the model is built, after the choice is solved and
    after each export's alternatives."""
    started = time.perf_counter()
    tell = progress or (lambda fraction: None)
    model = build_model(
        lines=lines,
        exports=exports,
        tariff=tariff,
        chapter99=chapter99,
        settings=settings,
        boms=boms,
        lots=lots,
        rulings=rulings,
        returns=returns,
        line_parts=line_parts,
    )
    tell(BUILT)
    solution = solve_model(model)
    designations = designations_of(model, solution)
    total = exact_total(designations)
    tell(SOLVED if alternatives and model.exports else 0.95)
    solved = time.perf_counter()
    per_export: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for d in designations:
        per_export[d.export_ref] += d.refund
    local = None
    if alternatives and basis == AlternativeBasis.THIS_EXPORT and model.arcs:
        local = LocalAlternatives(model, solution, total)
    choices = []
    for e_idx, export in enumerate(model.exports):
        allowed = model.allowed.get(e_idx, {})
        chosen = solution.chosen.get(e_idx)
        option = solution.options.get(e_idx, "")
        choice = ExportChoice(
            export.ref,
            chosen,
            per_export.get(export.ref, ZERO),
            allowed,
            model.refused.get(e_idx, {}),
            option=option,
        )
        if chosen is not None:
            choice.steps = list(model.option_steps.get((e_idx, chosen, option), allowed.get(chosen, [])))
        if alternatives:
            # Every other (type, option) the export has arcs for: a retail return's export may switch between
            # its own line and another import designated (1313(c)(2)) as well as to another type.
            others = [t for t in model.options(e_idx) if t != (chosen, option)]
            best = None
            if basis == AlternativeBasis.THIS_EXPORT and local is not None:
                best = local.best(e_idx, others)
            elif basis == AlternativeBasis.WHOLE_CLAIM:
                for kind, other_option in others:
                    forced = solve_model(model, force={e_idx: (kind, other_option)})
                    other = exact_total(designations_of(model, forced))
                    if best is None or other > best[2]:
                        best = (kind, other_option, other)
            if best is not None:
                choice.alternative, choice.alternative_option, choice.alternative_total = best
                choice.alternative_basis = basis
            tell(SOLVED + (0.95 - SOLVED) * (e_idx + 1) / len(model.exports))
        choices.append(choice)
    alternatives_seconds = time.perf_counter() - solved
    class_totals: dict[str, dict[str, Decimal]] = defaultdict(dict)
    with localcontext(EXACT):
        for d in designations:
            for klass, value in d.amounts.items():
                class_totals[d.claim][klass] = class_totals[d.claim].get(klass, ZERO) + value
    rounded = {p: {k: round_class(v) for k, v in sorted(c.items())} for p, c in sorted(class_totals.items())}
    refund = sum((v for c in rounded.values() for v in c.values()), ZERO)
    return TypeResult(
        designations,
        choices,
        dict(class_totals),
        rounded,
        refund,
        total,
        seconds=time.perf_counter() - started,
        arcs=len(model.arcs),
        alternatives_seconds=alternatives_seconds if alternatives else 0.0,
        alternative_basis=basis if alternatives else None,
    )


def _shown(quantity: Decimal) -> str:
    """A quantity for reading: exact when it has at most six decimals, else rounded to six and marked so
    (after valuable waste a quantity per article can be a long exact quotient; the amounts use it whole)."""
    if quantity == quantity.quantize(Decimal("0.000001")):
        text = f"{quantity.normalize():f}"
        return text
    return f"about {quantity.quantize(Decimal('0.000001')).normalize():f}"

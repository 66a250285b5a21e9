"""The rules of manufacturing drawback (19 U.S.C. 1313(a), (b)) and rejected merchandise (1313(c)), read from
a manufacturer's records. Plain data in (no Django), `Check`s and quantities with their steps out.

Manufacturing, per exported article and component of its bill of materials:
- the ruling named by the bill of materials is on file, approved, and in force over the lot's production
  (19 CFR 190.7, 190.8; 190.51(a)(2)(ix));
- the lot's production ended on or after the designated import and within its 5-year period, and the articles
  were exported within that period and before the claim (1313(a); 1313(b); 19 CFR 190.26(a)(1)(vi),
  (b)(3); the lot's last day is its production date, both ends checked against the 5-year limit as the
  CATAIR 50-record's start and end dates are);
- 1313(a) designates only merchandise the lot's records show was used in it, up to the quantity used;
  1313(b) designates any duty-paid import of the same 8-digit HTS as the component (plain 8 digits: the
  "Other" rule of 1313(j)(5) is for unused merchandise only) and needs the substituted merchandise's cost
  (the lesser-of, 19 CFR 190.22(a)(1)(ii), 190.11(d));
- the quantity per article is the bill of materials' quantity used (or appearing in the article,
  190.23(a)(4)),
  less the quantity the component's valuable waste would replace (190.23(a)(2)); with co-products the
  refund follows the article's share of the value at separation (relative value, 1313(a); 190.2);
- a manufactured article exported to Canada or Mexico is refunded at most the duty paid there (1313(n)(2));
  the records hold no foreign duty, so such exports are not claimed under (a)/(b) (never over-claim).

Rejected merchandise 1313(c): the reason is one of the statute's (non-conforming, shipped without consent,
defective at import, sold at retail and returned), the proof of it is named, the returned goods are the
import line's, exported or destroyed after their return, within 5 years of import and before the claim.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from claims.engine import manufacturing as mfg
from claims.engine.amounts import EXACT
from claims.engine.eligibility import Check, claim_timely, export_in_window, retail_return_window
from claims.engine.model import USMCA, Election, ImportLine, LineKey, Settings, Step
from drawback.lib.dates import ExportWindow, add_years, last_export_day

ZERO = Decimal(0)

CIT_RULING = "19 CFR 190.7, 190.8, 190.51(a)(2)(ix)"
CIT_A = "19 U.S.C. 1313(a); 19 CFR 190.26(a)(1)(vi)"
CIT_B = "19 U.S.C. 1313(b); 19 CFR 190.26(b)(3)"
CIT_USED = "19 U.S.C. 1313(a); 19 CFR 190.2 (direct identification), 190.26(a)"
CIT_SUBST = "19 U.S.C. 1313(b); 19 CFR 190.2 (substituted merchandise), 190.22(a)"
CIT_COST = "19 U.S.C. 1313(l)(2)(C); 19 CFR 190.11(d), 190.22(a)(1)(ii)"
CIT_USMCA = "19 U.S.C. 1313(n)(2); 19 CFR 182.44"
CIT_C = "19 U.S.C. 1313(c)(1)"
CIT_C_PROOF = "19 U.S.C. 1313(c)(1)(C); 19 CFR 190.42"
CIT_C2 = "19 U.S.C. 1313(c)(2); 19 CFR 190.2 (substituted merchandise (2))"
CIT_C2_ELECTION = "19 CFR 190.51(a)(3); 19 CFR 190.2 (substituted merchandise (2))"
RETAIL = "retail"

MANUFACTURING_DIRECT = "51"
MANUFACTURING_SUBSTITUTION = "52"
REJECTED_PROVISIONS = {"nonconforming": "53", "no_consent": "54", "defective": "55", "retail": "56"}

# CATAIR 40-record Basis of Claim (catair.md 1.5).
BASIS_CODES = {
    (False, False): "01",  # used in
    (True, False): "02",  # used in less valuable waste
    (False, True): "03",  # relative value
    (True, True): "07",  # used in less valuable waste / relative value
}
APPEARING_IN = "04"


@dataclass(frozen=True)
class Component:
    hts: str
    quantity: Decimal  # per unit of the article
    uom: str
    unit_value: Decimal | None = None  # cost of acquisition per unit (the 1313(b) lesser-of)
    appears_in: bool = False
    part: str = ""


@dataclass(frozen=True)
class WasteItem:
    hts: str  # of the component it comes from
    quantity: Decimal  # per unit of the article
    unit_value: Decimal


@dataclass(frozen=True)
class CoProductItem:
    name: str
    quantity: Decimal  # per unit of the article
    unit_value: Decimal


@dataclass(frozen=True)
class Bom:
    article_part: str
    article_hts: str
    article_uom: str
    ruling: str
    components: tuple[Component, ...]
    waste: tuple[WasteItem, ...] = ()
    coproducts: tuple[CoProductItem, ...] = ()
    article_value: Decimal | None = None


@dataclass(frozen=True)
class LotUse:
    hts: str
    quantity: Decimal
    line: LineKey | None = None


@dataclass(frozen=True)
class Lot:
    lot: str
    article_part: str
    quantity: Decimal
    started_on: dt.date
    finished_on: dt.date
    uses: tuple[LotUse, ...] = ()
    export_refs: tuple[str, ...] = ()
    factory: str = ""


@dataclass(frozen=True)
class Ruling:
    number: str
    granted_on: dt.date | None
    expires_on: dt.date | None = None
    approved: bool = True


@dataclass(frozen=True)
class Return:
    ref: str
    reason: str
    line: LineKey
    quantity: Decimal
    uom: str
    rejected_on: dt.date
    returned_on: dt.date
    proof: str
    part: str = ""
    unused: bool = False
    export_ref: str = ""
    # The returned goods' own import line as recorded, for when it has no quantity left to be read with the
    # lines (its classification and date still bound a 1313(c)(2) designation).
    line_hts: str = ""
    line_imported_on: dt.date | None = None

    @property
    def provision(self) -> str:
        return REJECTED_PROVISIONS[self.reason]


def _ok(citation: str, text: str) -> Check:
    return Check(True, Step(citation, text))


def _no(citation: str, text: str) -> Check:
    return Check(False, Step(citation, text))


# --- ruling -----------------------------------------------------------------------------------------------


def ruling_covers(bom: Bom, rulings: Sequence[Ruling], started_on: dt.date, finished_on: dt.date) -> Check:
    """The bill of materials' ruling is on file, approved, and in force from the lot's first day to its
    last."""
    found = [r for r in rulings if r.number.strip().upper() == bom.ruling.strip().upper()]
    if not found:
        return _no(
            CIT_RULING, f"ruling {bom.ruling} of article {bom.article_part} is not on file for the client"
        )
    for ruling in found:
        if not ruling.approved or ruling.granted_on is None:
            continue
        if ruling.granted_on <= started_on and (
            ruling.expires_on is None or finished_on <= ruling.expires_on
        ):
            until = f" until {ruling.expires_on}" if ruling.expires_on else ""
            return _ok(
                CIT_RULING,
                f"ruling {ruling.number} in force from {ruling.granted_on}{until}: covers production "
                f"{started_on} to {finished_on}",
            )
    ruling = found[0]
    if not ruling.approved or ruling.granted_on is None:
        return _no(CIT_RULING, f"ruling {ruling.number} is not approved by CBP")
    until = f" to {ruling.expires_on}" if ruling.expires_on else ""
    return _no(
        CIT_RULING,
        f"ruling {ruling.number} in force from {ruling.granted_on}{until} does not cover production "
        f"{started_on} to {finished_on}",
    )


def ruling_in_force(number: str, rulings: Sequence[Ruling], day: dt.date) -> Check:
    for ruling in rulings:
        if ruling.number.strip().upper() != number.strip().upper() or not ruling.approved:
            continue
        if (
            ruling.granted_on
            and ruling.granted_on <= day
            and (ruling.expires_on is None or day <= ruling.expires_on)
        ):
            return _ok(CIT_RULING, f"ruling {number} in force on {day}")
    return _no(CIT_RULING, f"no approved ruling {number} in force on {day}")


# --- time windows -----------------------------------------------------------------------------------------


def manufacture_window(import_date: dt.date, lot: Lot, window: ExportWindow, *, provision: str) -> Check:
    """Production ended on or after the import and within the 5-year period beginning on the import date."""
    citation = CIT_A if provision == MANUFACTURING_DIRECT else CIT_B
    last = last_export_day(import_date, window)
    if lot.finished_on < import_date:
        return _no(citation, f"lot {lot.lot} finished {lot.finished_on}, before the import {import_date}")
    if lot.finished_on > last:
        return _no(
            citation,
            f"lot {lot.lot} finished {lot.finished_on}, after {last}, the last day of the 5-year period from "
            f"import {import_date}",
        )
    return _ok(
        citation,
        f"lot {lot.lot} made {lot.started_on} to {lot.finished_on}: after import {import_date} and by {last}",
    )


def export_after_production(lot: Lot, export_date: dt.date) -> Check:
    ok = export_date >= lot.started_on
    word = "on or after" if ok else "before"
    return Check(
        ok,
        Step(CIT_A, f"export {export_date} {word} the start of lot {lot.lot} ({lot.started_on})"),
    )


def manufacturing_timely(
    import_date: dt.date, lot: Lot, export_date: dt.date, settings: Settings, *, provision: str
) -> Check:
    """Every time limit of a manufacturing designation, the first one broken (or the last step passed)."""
    citation = CIT_A if provision == MANUFACTURING_DIRECT else CIT_B
    checks = (
        claim_timely(import_date, settings.filing_date),
        manufacture_window(import_date, lot, settings.export_window, provision=provision),
        export_after_production(lot, export_date),
        export_in_window(import_date, export_date, settings.export_window, citation=citation),
    )
    for check in checks:
        if not check.ok:
            return check
    return checks[-1]


# --- what may be designated -------------------------------------------------------------------------------


def same_8digit(import_hts: str, component_hts: str) -> Check:
    ok = import_hts[:8] == component_hts[:8]
    word = "same" if ok else "not the same"
    return Check(
        ok,
        Step(CIT_SUBST, f"import {import_hts} and component {component_hts}: {word} 8-digit subheading"),
    )


def used_in_lot(lot: Lot, line: LineKey, component: Component) -> tuple[Decimal, Check]:
    """1313(a): quantity of the line the lot's records show used for the component (zero: not used)."""
    used = sum(
        (u.quantity for u in lot.uses if u.line == line and u.hts[:8] == component.hts[:8]),
        ZERO,
    )
    if used > 0:
        return used, _ok(CIT_USED, f"lot {lot.lot} used {used} {component.uom} of {line}")
    return ZERO, _no(CIT_USED, f"the records of lot {lot.lot} do not show {line} used in it")


def substituted_cost_known(component: Component) -> Check:
    if component.unit_value is None:
        return _no(
            CIT_COST,
            f"the cost of the substituted merchandise ({component.hts}) is not in the bill of materials: the "
            "1313(b) lesser-of cannot be applied, so it is not claimed",
        )
    return _ok(CIT_COST, f"substituted merchandise costs {component.unit_value} per {component.uom}")


def manufactured_destination(destination: str) -> Check:
    dest = destination.strip().upper()
    if dest in USMCA:
        return _no(
            CIT_USMCA,
            f"article exported to {dest}: refund limited to the duty paid there, which the records do not "
            "show",
        )
    return _ok(CIT_USMCA, f"destination {dest or 'destruction'}: no USMCA limit")


@dataclass(frozen=True)
class PerArticle:
    """What one exported article designates of a component: the quantity used (designated), the quantity net
    of valuable waste, the value share, basis, steps."""

    quantity: Decimal  # net of valuable waste: what drawback is allowed on (190.23(a)(2))
    share: Decimal  # relative value: the article's share of the value at separation
    basis: str
    steps: tuple[Step, ...] = field(default_factory=tuple)
    refusal: Step | None = None
    used: Decimal | None = None  # used in (or appearing in) the article: the quantity designated

    @property
    def designated(self) -> Decimal:
        return self.quantity if self.used is None else self.used

    @property
    def allowable(self) -> Decimal:
        """Quantity allowed per designated unit: net of waste over used, times the relative-value share (the
        CATAIR 42-record Allowable QTY over its Quantity)."""
        with localcontext(EXACT):
            net = self.quantity / self.designated if self.designated else ZERO
            return net * self.share


def per_article(bom: Bom, component: Component) -> PerArticle:
    """Quantity of a component designated per article (used in / appearing in, less valuable waste) and the
    article's relative-value share."""
    steps: list[Step] = []
    plan = mfg.BillOfMaterials(
        component.hts[:8],
        component.quantity,
        mfg.Basis.APPEARING_IN if component.appears_in else mfg.Basis.USED_IN,
    )
    qty = mfg.designated_quantity(plan, Decimal(1))
    steps.extend(qty.steps)
    quantity = used = qty.value
    waste = [w for w in bom.waste if w.hts[:8] == component.hts[:8]]
    less_waste = bool(waste) and not component.appears_in
    if less_waste:
        if component.unit_value in (None, ZERO):
            return PerArticle(
                ZERO,
                ZERO,
                "02",
                tuple(steps),
                Step(
                    mfg.CIT_WASTE,
                    f"{component.hts} leaves valuable waste but its value per unit is not in the bill of "
                    "materials: the waste cannot be deducted, so it is not claimed",
                ),
            )
        for item in waste:
            with localcontext(EXACT):
                value = item.quantity * item.unit_value
            reduced = mfg.less_valuable_waste(quantity, mfg.Waste(item.quantity, value, component.unit_value))
            quantity = reduced.value
            steps.extend(reduced.steps)
    share = Decimal(1)
    relative = bool(bom.coproducts)
    if relative:
        products = [mfg.CoProduct(bom.article_part, Decimal(1), bom.article_value or ZERO, True)]
        products += [mfg.CoProduct(c.name, c.quantity, c.unit_value, False) for c in bom.coproducts]
        rel = mfg.relative_value_share(products)
        share = rel.ratio
        steps.extend(rel.steps)
    basis = APPEARING_IN if component.appears_in else BASIS_CODES[(less_waste, relative)]
    return PerArticle(quantity, share, basis, tuple(steps), used=used)


# --- rejected merchandise ---------------------------------------------------------------------------------


def rejected_conditions(
    ret: Return,
    *,
    import_date: dt.date,
    line_uom: str,
    export_date: dt.date,
    export_uom: str,
    settings: Settings,
) -> Check:
    """Every 1313(c) condition on a return and the export of the returned goods; the first one broken."""
    checks = []
    if ret.reason not in REJECTED_PROVISIONS:
        checks.append(_no(CIT_C, f"reason {ret.reason!r} is not one of 1313(c)(1)(C)"))
    if not ret.proof.strip():
        checks.append(_no(CIT_C_PROOF, "no proof of the defect, non-conformity or return is named"))
    checks += [
        claim_timely(import_date, settings.filing_date),
        Check(
            export_date >= ret.returned_on,
            Step(
                CIT_C,
                f"export {export_date} {'on or after' if export_date >= ret.returned_on else 'before'} "
                f"the return {ret.returned_on}",
            ),
        ),
        export_in_window(import_date, export_date, settings.export_window, citation=CIT_C),
        Check(
            export_date < settings.filing_date,
            Step(CIT_C, f"export {export_date} before the claim filed {settings.filing_date}"),
        ),
        Check(
            line_uom == export_uom == ret.uom,
            Step("19 CFR 190.51(a)(2)", f"units: line {line_uom}, return {ret.uom}, export {export_uom}"),
        ),
    ]
    for check in checks:
        if not check.ok:
            return check
    return _ok(
        CIT_C_PROOF,
        f"{ret.reason} goods returned {ret.returned_on} (proof: {ret.proof}), exported {export_date} within "
        "5 years of import",
    )


# --- retail returns: designating another import (1313(c)(2)) -----------------------------------------------


def line_parts_of(returns: Sequence[Return]) -> dict[LineKey, str]:
    """{import line: product identifier} as the client's retail returns show it: a return names the line its
    goods came from and their part or SKU. A line named with two different parts is left out (its identifier
    is not known for sure, and a designation needs it, 1313(c)(2))."""
    seen: dict[LineKey, set[str]] = {}
    for ret in returns:
        if ret.reason == RETAIL and ret.part.strip() and ret.line is not None:
            seen.setdefault(ret.line, set()).add(ret.part.strip())
    return {line: next(iter(parts)) for line, parts in seen.items() if len(parts) == 1}


def known_line_parts(recorded: Mapping[LineKey, str], returns: Sequence[Return]) -> dict[LineKey, str]:
    """{import line: product identifier}: the part recorded on the line (from the entry or invoice data)
    wins; a line without one takes what the retail returns naming it say (line_parts_of)."""
    parts = line_parts_of(returns)
    parts.update({key: part.strip() for key, part in recorded.items() if part.strip()})
    return parts


def part_conflict(ret: Return, own_part: str) -> Check | None:
    """A retail return whose stated part differs from the part recorded on its own import line: the records
    contradict each other on which product came back, so no other import can be shown to carry the same
    identifier (1313(c)(2)). None when they agree or either is silent."""
    own, stated = own_part.strip(), ret.part.strip()
    if not own or not stated or own == stated:
        return None
    return _no(
        CIT_C2,
        f"return {ret.ref} gives part {stated}, but its import line {ret.line} is recorded as part {own}: "
        "the line's recorded part stands, and the returned goods' product identifier is not shown for sure",
    )


def _duty_paid(line: ImportLine) -> bool:
    return line.duty > 0 or line.other_taxes > 0 or any(c.amount > 0 for c in line.ch99)


def same_product(ret: Return, key: LineKey, hts: str, part: str, *, returned_hts: str) -> Check:
    """1313(c)(2): the designated import is identified with the same 8-digit classification and the same
    specific product identifier (part number, SKU, product code) as the returned merchandise."""
    label = f"{key}"
    if hts[:8] != returned_hts[:8]:
        return _no(
            CIT_C2,
            f"{label} is classified {hts[:8]}, the returned goods {returned_hts[:8]}: not the same "
            "8-digit subheading",
        )
    if not part.strip():
        return _no(CIT_C2, f"the records do not show the product identifier of {label}")
    if part.strip() != ret.part.strip():
        return _no(
            CIT_C2,
            f"{label} is part {part.strip()}, the returned goods {ret.part.strip()}: not the same",
        )
    return _ok(CIT_C2, f"{label}: same 8-digit {hts[:8]} and part {part.strip()} as the returned goods")


def retail_designation(
    ret: Return,
    line: ImportLine,
    *,
    line_part: str,
    returned_hts: str,
    export_date: dt.date,
    settings: Settings,
    own_part: str = "",
) -> Check:
    """Whether `line` may be designated for the retail return `ret` exported or destroyed on `export_date`
    (1313(c)(2)); the first condition broken, or the step that allows it. `returned_hts` is the
    classification of the returned goods' own import line, `line_part` the product identifier the records
    give `line` ("" when they give none), `own_part` the part recorded on the returned goods' own line (a
    different one refuses the designation, part_conflict). The return's own conditions (rejected_conditions)
    are checked apart: they hold for the returned goods whichever import is designated."""
    label = f"{line.key}"
    if ret.reason != RETAIL:
        return _no(
            CIT_C2, f"return {ret.ref} is {ret.reason}: only a retail return may designate another import"
        )
    if line.key == ret.line:
        return _no(
            CIT_C2, f"{label} is the returned goods' own line: direct identification, not a designation"
        )
    conflict = part_conflict(ret, own_part)
    if conflict is not None:
        return conflict
    same = same_product(ret, line.key, line.hts, line_part, returned_hts=returned_hts)
    if not same.ok:
        return same
    # "Within 1 year before": from the same day a year earlier (29 February: 28 February) to the export day.
    first = add_years(export_date, -1)
    if line.import_date > export_date:
        return _no(CIT_C2, f"{label} imported {line.import_date}, after the export {export_date}")
    if not retail_return_window(line.import_date, export_date).ok:
        return _no(
            CIT_C2,
            f"{label} imported {line.import_date}, more than 1 year before the export {export_date} (the "
            f"designated import must be from {first} on)",
        )
    timely = claim_timely(line.import_date, settings.filing_date)
    if not timely.ok:
        return timely
    if line.uom != ret.uom:
        return _no("19 CFR 190.51(a)(2)", f"{label} in {line.uom}, the return in {ret.uom}")
    if not _duty_paid(line):
        return _no(CIT_C2, f"no duty was paid on {label}")
    if line.election == Election.DIRECT:
        return _no(
            CIT_C2_ELECTION,
            f"{label} is already designated by direct identification; a 1313(c)(2) designation is "
            "substitution",
        )
    if line.remaining <= 0:
        return _no("19 U.S.C. 1313(v)", f"nothing is left of {label}")
    return _ok(
        CIT_C2,
        f"{label} imported {line.import_date}, within the year before the export {export_date}, same 8-digit "
        f"{line.hts[:8]} and part {ret.part.strip()} as the returned goods",
    )

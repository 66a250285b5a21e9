"""The proposal a build stores: everything the analyst reviews before saving. Its summary is kept in
ClaimBuild.result, its designations as ProposedDesignation rows (claims.models explains why).

- Designations with their exact per-class amounts (claim = what the engine computed, with the lesser-of for
  substitution; calculated = the per-unit-averaged maximum without the lesser-of, the 43-record's
  "Calculated Amount"), the entered value per unit (EGVU) and, for substitution, the substituted value per
  unit (SVU: the export's value per unit less recovered materials, catair.md 1.7), and the explanation steps
  with their citations.
- Totals per accounting class, each rounded once, half-up, to cents (product decision 6), for the whole
  proposal and per provision (the claims it becomes).
- The refund of every method on the same data (the optimum, FIFO, LIFO, low-to-high) and the uplift of the
  optimum over each.
- What was left out and why, and the engine's warnings.

Amounts are stored as exact decimal strings; nothing is rounded before the class totals.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

from claims.engine.amounts import (
    EXACT,
    drawback_rate,
    factor_of,
    line_amounts,
    pair_amounts,
    round_class,
    sum_classes,
)
from claims.engine.exact import exact_class_total
from claims.engine.explain import designation_steps
from claims.engine.model import USMCA, ZERO, Designation, Exclusion, Export, ImportLine, Method, Provision
from claims.engine.optimizer import Result
from claims.engine.problem import Problem, prepare
from drawback.lib.money import to_cents

from .inputs import EngineInputs

SIX_PLACES = Decimal("0.000001")
METHODS = (Method.OPTIMAL, Method.FIFO, Method.LIFO, Method.LOHI)
METHOD_NAMES = {
    Method.OPTIMAL: "Optimal",
    Method.FIFO: "FIFO",
    Method.LIFO: "LIFO",
    Method.LOHI: "Low-to-high",
}


def text(value: Decimal) -> str:
    """An exact decimal as plain text (no exponent)."""
    return f"{value:f}"


def merged(designations: Iterable[Designation]) -> list[Designation]:
    """One designation per line and export: a pin and the optimizer's designation of the same pair add up."""
    by_pair: dict[tuple, Designation] = {}
    for d in designations:
        key = (d.line, d.export_ref)
        if key not in by_pair:
            by_pair[key] = d
            continue
        old = by_pair[key]
        with localcontext(EXACT):
            amounts = dict(old.amounts)
            for klass, value in d.amounts.items():
                amounts[klass] = amounts.get(klass, ZERO) + value
            by_pair[key] = Designation(d.line, d.export_ref, d.provision, old.quantity + d.quantity, amounts)
    return list(by_pair.values())


def class_totals(
    designations: Sequence[Designation], exact_problem: Callable[[], Problem]
) -> dict[str, Decimal]:
    """Each class summed exactly and rounded once, half-up; a total that sits on a half cent is decided in
    exact fractions (claims.engine.exact). Classes that round to nothing are left out (no zero 43-record)."""
    out = {}
    for klass, total in sorted(sum_classes(d.amounts for d in designations).items()):
        exact = exact_class_total(exact_problem(), designations, klass) if _near_half_cent(total) else None
        rounded = round_class(total, exact)
        if rounded > 0:
            out[klass] = rounded
    return out


def _near_half_cent(total: Decimal) -> bool:
    with localcontext(EXACT):
        scaled = total * 100
        frac = scaled - scaled.to_integral_value(rounding="ROUND_FLOOR")
        return abs(frac - Decimal("0.5")) < Decimal("1e-30")


class _Explainer:
    """Per-designation figures that need the line and export: calculated amounts, EGVU/SVU, steps."""

    def __init__(self, inputs: EngineInputs):
        self.inputs = inputs
        self._amounts: dict = {}

    def line_amounts(self, line: ImportLine, provision: Provision):
        key = (line.key, provision)
        if key not in self._amounts:
            self._amounts[key] = line_amounts(
                line,
                tariff=self.inputs.tariff,
                chapter99=self.inputs.chapter99,
                provision=provision.value,
                explain=False,
            )
        return self._amounts[key]

    def calculated(self, d: Designation, line: ImportLine, export: Export) -> dict[str, Decimal]:
        settings = self.inputs.settings
        return pair_amounts(
            self.line_amounts(line, d.provision),
            d.quantity,
            factor_of(line, export, lesser_of=False),
            rate=drawback_rate(d.provision.value, settings),
            mpf_mode=settings.mpf_mode,
        )

    def steps(self, d: Designation, line: ImportLine, export: Export) -> list[dict]:
        # A problem of this one line and export: designation_steps looks both up by scanning.
        inputs = self.inputs
        small = Problem([line], [export], inputs.tariff, inputs.chapter99, inputs.settings, [])
        return [s.as_dict() for s in designation_steps(small, d)]


def _per_unit(value: Decimal, quantity: Decimal) -> str | None:
    if not quantity:
        return None
    with localcontext(EXACT):
        return text((value / quantity).quantize(SIX_PLACES, rounding=ROUND_HALF_UP))


USMCA_EXCEPTIONS_PROVISION = "77"


def filing_provision(d: Designation, export: Export) -> str:
    """The CATAIR provision a designation is filed under. Substitution exports to Canada or Mexico that an
    analyst marked as excepted goods (19 U.S.C. 4534(a); product decision 11) go on a claim of their own
    under 77, "1313(j)(2) USMCA Exceptions"; Chile has no code of its own and stays under 59."""
    if (
        d.provision == Provision.UNUSED_SUBSTITUTION
        and export.excepted_goods
        and not export.is_destruction
        and export.destination in USMCA
    ):
        return USMCA_EXCEPTIONS_PROVISION
    return d.provision.value


def designation_row(
    d: Designation, inputs: EngineInputs, explainer: _Explainer, pinned: dict[tuple, Decimal]
) -> dict:
    line, export = inputs.line_of(d.line), inputs.export_of(d.export_ref)
    calculated = explainer.calculated(d, line, export)
    substitution = d.provision == Provision.UNUSED_SUBSTITUTION
    svu = None
    if substitution:
        recovered = export.recovered_value if export.is_destruction else ZERO
        svu = _per_unit(max(ZERO, export.value - recovered), export.quantity)
    with localcontext(EXACT):
        refund = sum(d.amounts.values(), ZERO)
    return {
        "line_id": inputs.line_ids[d.line],
        "entry_number": d.line.entry_number,
        "line_number": d.line.line_number,
        "import_date": line.import_date.isoformat(),
        "hts": line.hts,
        "uom": line.uom,
        "export_id": inputs.export_ids[d.export_ref],
        "export_ref": d.export_ref,
        "export_date": export.export_date.isoformat(),
        "destination": export.destination,
        "disposition": export.disposition.value,
        "provision": filing_provision(d, export),
        "method": "substitution" if substitution else "direct",
        "quantity": text(d.quantity),
        "pinned_quantity": text(pinned[(d.line, d.export_ref)]) if (d.line, d.export_ref) in pinned else None,
        "refund": text(refund),
        "amounts": {
            klass: {"claim": text(value), "calculated": text(calculated.get(klass, value))}
            for klass, value in sorted(d.amounts.items())
        },
        "entered_value_per_unit": _per_unit(line.entered_value, line.quantity),
        "substituted_value_per_unit": svu,
        "explanation": explainer.steps(d, line, export),
    }


def exclusion_row(x: Exclusion) -> dict:
    return {
        "subject": x.subject,
        "ref": x.ref,
        "reason": x.reason,
        "citation": x.citation,
        "quantity": text(x.quantity) if x.quantity is not None else None,
    }


def build_proposal(
    *,
    inputs: EngineInputs,
    problem: Problem,
    results: dict[Method, Result],
    method: Method,
    drawback_port: str,
) -> tuple[dict, list[dict]]:
    """The proposal of `method`, with the other methods' refunds on the same data for comparison: its
    summary (ClaimBuild.result) and its designation rows (ProposedDesignation.row), in proposal order."""
    chosen = results[method]
    designations = merged([*inputs.pinned, *chosen.designations])
    exact = _ExactProblem(inputs, designations)
    pinned: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for d in inputs.pinned:
        pinned[(d.line, d.export_ref)] += d.quantity
    explainer = _Explainer(inputs)
    rows = [designation_row(d, inputs, explainer, dict(pinned)) for d in designations]
    rows.sort(key=lambda r: (r["export_date"], r["export_ref"], r["entry_number"], r["line_number"]))

    totals = class_totals(designations, exact)
    by_provision = {}
    filed = {
        (d.line, d.export_ref): filing_provision(d, inputs.export_of(d.export_ref)) for d in designations
    }
    for provision in sorted(set(filed.values())):
        mine = [d for d in designations if filed[(d.line, d.export_ref)] == provision]
        p_totals = class_totals(mine, _ExactProblem(inputs, mine))
        by_provision[provision] = {
            "totals": {k: text(v) for k, v in p_totals.items()},
            "refund": text(sum(p_totals.values(), ZERO)),
            "designations": len(mine),
            "exports": len({d.export_ref for d in mine}),
        }
    refunds = {}
    for m, result in results.items():
        if m == method:
            refunds[m] = sum(totals.values(), ZERO)
            continue
        others = merged([*inputs.pinned, *result.designations])
        refunds[m] = sum(class_totals(others, _ExactProblem(inputs, others)).values(), ZERO)
    best = refunds.get(Method.OPTIMAL)
    comparison = [
        {
            "method": m.value,
            "name": METHOD_NAMES[m],
            "refund": text(refunds[m]),
            "uplift": text(best - refunds[m]) if best is not None else None,
        }
        for m in METHODS
        if m in refunds
    ]
    calculated = defaultdict(lambda: ZERO)
    for row in rows:
        for klass, pair in row["amounts"].items():
            calculated[klass] += Decimal(pair["calculated"])
    summary = {
        "method": method.value,
        "filing_date": inputs.settings.filing_date.isoformat(),
        "drawback_port": drawback_port,
        "designations_count": len(rows),
        "totals": {
            k: {"claim": text(v), "calculated": text(to_cents(calculated[k]))} for k, v in totals.items()
        },
        "refund": text(sum(totals.values(), ZERO)),
        "by_provision": by_provision,
        "comparison": comparison,
        "exclusions": [exclusion_row(x) for x in [*inputs.exclusions, *chosen.exclusions]],
        "warnings": list(dict.fromkeys(chosen.warnings)),
        "bound_gap": chosen.bound_gap,
        "groups": chosen.groups,
        "inputs": {"lines": len(inputs.lines), "exports": len(inputs.exports), "pins": len(inputs.pinned)},
    }
    return summary, rows


class _ExactProblem:
    """A problem over the lines and exports of some designations, made only when a class total sits on a
    half cent and has to be decided in fractions (rare)."""

    def __init__(self, inputs: EngineInputs, designations: Sequence[Designation]):
        self.inputs, self.designations = inputs, designations
        self._problem: Problem | None = None

    def __call__(self) -> Problem:
        if self._problem is None:
            inputs = self.inputs
            lines = {d.line: inputs.line_of(d.line) for d in self.designations}
            exports = {d.export_ref: inputs.export_of(d.export_ref) for d in self.designations}
            self._problem = prepare(
                lines=list(lines.values()),
                exports=list(exports.values()),
                tariff=inputs.tariff,
                chapter99=inputs.chapter99,
                settings=inputs.settings,
            )
        return self._problem

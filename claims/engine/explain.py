"""Explanations a reviewer (and CBP) can read: the rule steps behind each designation, and why exports or
lines were left out. Built on demand, since a large claim has many designations and few are looked at."""

from collections.abc import Iterable
from decimal import localcontext

from . import eligibility as rules
from .amounts import (
    CIT_DI,
    CIT_PUA,
    CIT_RATE,
    CLASS_NAMES,
    EXACT,
    FOUR_PLACES,
    component_amounts,
    drawback_rate,
    line_amounts,
    value_factor,
)
from .model import Designation, Election, Exclusion, Provision, Step
from .optimizer import Result, format_amount
from .problem import Problem


def designation_steps(problem: Problem, designation: Designation) -> list[Step]:
    """The ordered rule steps taken for one designated quantity, with citations."""
    index = problem.line_index()
    l_idx = index[designation.line]
    line = problem.lines[l_idx]
    export = next(e for e in problem.exports if e.ref == designation.export_ref)
    settings = problem.settings
    direct = designation.provision == Provision.UNUSED_DIRECT
    steps: list[Step] = []
    if direct:
        steps.append(
            Step(
                "19 U.S.C. 1313(j)(1); catair.md 2.1",
                f"export {export.ref} names {line.key}: unused merchandise, direct identification, "
                "provision 58",
            )
        )
        checks = [
            rules.line_election_allows(line, Election.DIRECT),
            rules.claim_timely(line.import_date, settings.filing_date),
            rules.direct_not_before_import(line.import_date, export.export_date),
            rules.export_in_window(line.import_date, export.export_date, settings.export_window),
            rules.export_before_claim(export.export_date, settings),
            rules.same_uom(line, export),
        ]
    else:
        steps.append(
            Step(
                "19 U.S.C. 1313(j)(2); catair.md 2.1",
                f"export {export.ref} designates {line.key} by substitution, provision 59",
            )
        )
        checks = [
            rules.substitution_standard(line.hts, export.hts, problem.tariff),
            rules.same_uom(line, export),
            rules.substitution_destination(export),
            rules.line_election_allows(line, Election.SUBSTITUTION),
            rules.substitution_not_before_import(line.import_date, export.export_date),
            rules.export_in_window(
                line.import_date, export.export_date, settings.export_window, citation=rules.CIT_J2
            ),
            rules.export_before_claim(export.export_date, settings, citation=rules.CIT_J2),
            rules.claim_timely(line.import_date, settings.filing_date),
        ]
    steps.extend(c.step for c in checks)
    with localcontext(EXACT):
        ev_unit = line.entered_value / line.quantity
    if direct:
        steps.append(
            Step(CIT_DI, f"duties, taxes and fees of the line attributed to the {designation.quantity} units")
        )
    else:
        steps.append(
            Step(
                CIT_PUA,
                f"per-unit averaging over the line's {line.quantity} {line.uom}: entered value/unit "
                f"{ev_unit.quantize(FOUR_PLACES)}",
            )
        )
    amounts = line_amounts(
        line, tariff=problem.tariff, chapter99=problem.chapter99, provision=designation.provision.value
    )
    steps.extend(amounts.steps())
    factor = value_factor(line, export, lesser_of=not direct)
    if factor.step:
        steps.append(factor.step)
    rate = drawback_rate(designation.provision.value, settings)
    parts = component_amounts(
        amounts, designation.quantity, factor.factor, rate=rate, mpf_mode=settings.mpf_mode
    )
    shown = ", ".join(f"{comp.label} {format_amount(value)}" for comp, value in parts if comp.eligible)
    steps.append(Step(CIT_RATE, f"{rate * 100:.0f}% of the eligible amounts: {shown}"))
    by_class = ", ".join(
        f"{klass} ({CLASS_NAMES.get(klass, klass)}) {format_amount(v)}"
        for klass, v in sorted(designation.amounts.items())
    )
    steps.append(
        Step(
            "19 CFR 190.51(a)(2)(vii); product decision 6",
            f"refund by accounting class before the claim's rounding: {by_class or 'none'}",
        )
    )
    return steps


def exclusion_line(exclusion: Exclusion) -> str:
    qty = f" ({exclusion.quantity})" if exclusion.quantity is not None else ""
    cite = f" [{exclusion.citation}]" if exclusion.citation else ""
    return f"{exclusion.subject} {exclusion.ref}{qty}: {exclusion.reason}{cite}"


def exclusion_lines(result: Result) -> list[str]:
    return [exclusion_line(x) for x in result.exclusions]


def summary_lines(result: Result) -> Iterable[str]:
    """The claim's classes, refund and the comparison with the accounting orders, for a report."""
    for klass, value in result.rounded.items():
        yield f"class {klass} ({CLASS_NAMES.get(klass, klass)}): {value}"
    yield f"refund ({result.method.value}): {result.refund}"
    for method, refund in sorted(result.comparison.items()):
        uplift = result.refund - refund
        yield f"{method}: {refund}; uplift of {result.method.value} {uplift:+}"

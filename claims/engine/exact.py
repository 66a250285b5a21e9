"""Exact rational re-computation of a class total, for the rare total that sits on a half cent.

The 50-digit Decimal arithmetic of `amounts` is exact for every terminating intermediate; a total that is
exactly on a half cent (say 0.125) can still come out a hair below it when it is the sum of non-terminating
parts (1/3 + 1/6). Rounding half-up must see the true value, so such a class is recomputed here in Fractions
from the same inputs and the same formula.
"""

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from .amounts import MPF, drawback_rate, mpf_per_unit
from .model import Designation, MpfMode, Provision
from .problem import Problem, direct_line_amounts


def _f(value: Decimal) -> Fraction:
    return Fraction(value)


def exact_class_total(problem: Problem, designations: Sequence[Designation], klass: str) -> Fraction:
    settings = problem.settings
    index = problem.line_index()
    exports = {e.ref: e for e in problem.exports}
    total = Fraction(0)
    for d in designations:
        if klass not in d.amounts:
            continue
        l_idx = index[d.line]
        line = problem.lines[l_idx]
        paid = problem.amounts[l_idx]
        if d.provision != Provision.UNUSED_SUBSTITUTION:
            paid = direct_line_amounts(line, paid, problem.tariff, problem.chapter99)
        export = exports[d.export_ref]
        rate = _f(drawback_rate(d.provision.value, settings))
        lesser_of = d.provision == Provision.UNUSED_SUBSTITUTION
        q, big_q = _f(d.quantity), _f(line.quantity)
        a = _f(line.entered_value) * _f(export.quantity)
        b = _f(export.value) * big_q
        c = _f(export.recovered_value if export.is_destruction else Decimal(0)) * big_q
        if a == 0:
            factor = Fraction(1) if c == 0 else Fraction(0)
        else:
            top = min(a, b) if lesser_of else a
            factor = max(Fraction(0), top - c) / a
        for comp in paid.eligible:
            if comp.accounting_class != klass:
                continue
            if comp.accounting_class == MPF and settings.mpf_mode == MpfMode.CFR_EXAMPLE:
                per_unit = _f(
                    mpf_per_unit(
                        comp.amount,
                        line.quantity,
                        rate=drawback_rate(d.provision.value, settings),
                        mode=settings.mpf_mode,
                    )
                )
                total += q * per_unit * factor
            else:
                total += rate * q / big_q * (_f(comp.specific) + _f(comp.ad_valorem) * factor)
    return total

"""A deliberately plain reference for the optimizer: every (line, export) pair judged on its own by the rule
functions, one LP over all eligible pairs, and exact Fraction arithmetic for the money. Slow, small, obvious.
"""

import itertools
from dataclasses import dataclass
from fractions import Fraction

import highspy
import numpy as np

from claims.engine import eligibility as rules
from claims.engine.amounts import line_amounts
from claims.engine.model import Election


def frac(x) -> Fraction:
    return Fraction(x)


def factor(line, export, *, lesser_of: bool) -> Fraction:
    big_u = frac(line.entered_value) / frac(line.quantity)
    u = frac(export.value) / frac(export.quantity)
    r = frac(export.recovered_value) / frac(export.quantity) if export.is_destruction else Fraction(0)
    if big_u == 0:
        return Fraction(1) if r == 0 else Fraction(0)
    top = min(big_u, u) if lesser_of else big_u
    return max(Fraction(0), top - r) / big_u


def pair_classes(line, export, quantity, *, tariff, chapter99, lesser_of: bool, rate=Fraction(99, 100)):
    """{class: exact refund} for `quantity` units of line against export."""
    amounts = line_amounts(line, tariff=tariff, chapter99=chapter99, provision="59")
    f = factor(line, export, lesser_of=lesser_of)
    out: dict[str, Fraction] = {}
    for comp in amounts.eligible:
        value = (
            rate * frac(quantity) / frac(line.quantity) * (frac(comp.specific) + frac(comp.ad_valorem) * f)
        )
        out[comp.accounting_class] = out.get(comp.accounting_class, Fraction(0)) + value
    return out


def per_unit(line, export, **kw) -> Fraction:
    return sum(pair_classes(line, export, line.quantity, **kw).values(), Fraction(0)) / frac(line.quantity)


def direct_ok(line, export, settings) -> bool:
    return (
        line.election in (None, Election.DIRECT)
        and line.remaining > 0
        and rules.claim_timely(line.import_date, settings.filing_date).ok
        and export.export_date >= line.import_date
        and rules.export_in_window(line.import_date, export.export_date, settings.export_window).ok
        and rules.export_before_claim(export.export_date, settings).ok
        and line.uom.upper() == export.uom.upper()
    )


def substitution_ok(line, export, settings, tariff) -> bool:
    return (
        line.election in (None, Election.SUBSTITUTION)
        and line.remaining > 0
        and tariff.has_subheading(line.hts)
        and rules.claim_timely(line.import_date, settings.filing_date).ok
        and line.import_date <= export.export_date
        and rules.export_in_window(line.import_date, export.export_date, settings.export_window).ok
        and rules.export_before_claim(export.export_date, settings).ok
        and rules.substitution_destination(export).ok
        and rules.substitution_standard(line.hts, export.hts, tariff).ok
        and line.uom.upper() == export.uom.upper()
    )


@dataclass
class Pair:
    line: int
    export: int
    provision: str
    weight: Fraction


def eligible_pairs(lines, exports, *, tariff, chapter99, settings) -> list[Pair]:
    """Every pair that may earn a refund, by either method; one method per line is the optimum's business."""
    kw = {"tariff": tariff, "chapter99": chapter99}
    pairs = []
    for j, e in enumerate(exports):
        if e.direct_line is None:
            continue
        for i, ln in enumerate(lines):
            if ln.key == e.direct_line and direct_ok(ln, e, settings):
                w = per_unit(ln, e, lesser_of=False, **kw)
                if w > 0:
                    pairs.append(Pair(i, j, "58", w))
    for j, e in enumerate(exports):
        if e.direct_line is not None:
            continue
        for i, ln in enumerate(lines):
            if not substitution_ok(ln, e, settings, tariff):
                continue
            w = per_unit(ln, e, lesser_of=True, **kw)
            if w > 0:
                pairs.append(Pair(i, j, "59", w))
    return pairs


def optimum(lines, exports, *, tariff, chapter99, settings):
    """(exact class totals, [(line index, export index, provision, quantity)]) of a maximum designation: the
    best over every choice of method for the lines that have pairs of both kinds (190.51(a)(3))."""
    pairs = eligible_pairs(lines, exports, tariff=tariff, chapter99=chapter99, settings=settings)
    kinds: dict[int, set[str]] = {}
    for p in pairs:
        kinds.setdefault(p.line, set()).add(p.provision)
    both = sorted(i for i, k in kinds.items() if len(k) == 2)
    best = None
    for combo in itertools.product(("58", "59"), repeat=len(both)):
        choice = dict(zip(both, combo, strict=True))
        allowed = [p for p in pairs if choice.get(p.line, p.provision) == p.provision]
        totals, chosen = _lp_optimum(lines, exports, allowed, tariff=tariff, chapter99=chapter99)
        value = sum(totals.values(), Fraction(0))
        if best is None or value > best[0]:
            best = (value, totals, chosen)
    return (best[1], best[2]) if best else ({}, [])


def _lp_optimum(lines, exports, pairs, *, tariff, chapter99):
    if not pairs:
        return {}, []
    decimals = max(
        max((-x.remaining.normalize().as_tuple().exponent for x in lines), default=0),
        max((-x.remaining.normalize().as_tuple().exponent for x in exports), default=0),
        0,
    )
    scale = 10**decimals
    n, m = len(lines), len(exports)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    # Tight tolerances and costs of order one: the default 1e-7 could stop a millionth of a dollar short.
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    top = float(max(p.weight for p in pairs))
    caps = [float(x.remaining * scale) for x in lines] + [float(x.remaining * scale) for x in exports]
    h.addRows(
        len(caps),
        np.full(len(caps), -highspy.kHighsInf),
        np.array(caps),
        0,
        np.zeros(0, np.int32),
        np.zeros(0, np.int32),
        np.zeros(0),
    )
    for p in pairs:
        h.addCol(
            float(p.weight) / scale / top,
            0.0,
            highspy.kHighsInf,
            2,
            np.array([p.line, n + p.export], dtype=np.int32),
            np.array([1.0, 1.0]),
        )
    h.run()
    x = np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
    chosen = []
    totals: dict[str, Fraction] = {}
    kw = {"tariff": tariff, "chapter99": chapter99}
    for p, q in zip(pairs, x, strict=True):
        if q <= 0:
            continue
        quantity = Fraction(int(q), scale)
        chosen.append((p.line, p.export, p.provision, quantity))
        for k, v in pair_classes(
            lines[p.line], exports[p.export], quantity, lesser_of=p.provision == "59", **kw
        ).items():
            totals[k] = totals.get(k, Fraction(0)) + v
    del m
    return totals, chosen

"""Designation of import lines to substitution exports: the exact optimum, and FIFO / LIFO / low-to-high.

The problem
-----------
Within one product group (same substitution classification and unit of measure) import line i offers its
remaining quantity a_i and export j asks for b_j. Line i may serve export j when

    import_date_i <= export_date_j <= last_export_day_i        (190.51(e)(1)(iii); 1313(j)(2)(B))

and earns, per unit, w(i, j) = s_i + p_i * f(U_i, u_j, r_j), where s_i is the per-unit refund of the
non-reducible (specific) parts, p_i that of the ad valorem classes, U_i the line's entered value per unit,
u_j the export's value per unit, r_j recovered value per unit of a destruction, and
f = max(0, min(U_i, u_j) - r_j) / U_i (product decision 4; 1313(x)). Maximise sum w(i, j) x_ij subject to
sum_j x_ij <= a_i (1313(v)) and sum_i x_ij <= b_j, x >= 0: a transportation problem (an LP). Every other rule
(claim window, substitution standard, CA/MX/CL, line election, direct identification) was applied by
`problem.prepare` before a pair can exist. Groups are independent problems.

One method per line
-------------------
A line named by direct-identification exports that could also serve substitution ("contested", see
`problem`) is used by one method only (19 CFR 190.51(a)(3)): either its direct identifications (refund v_l)
or substitution, whichever makes the claim larger. `choose_methods` decides, exactly, with the duals of the
substitution optimum bounding what each line is worth to substitution, and branch and bound for the lines the
bounds leave open (within a budget of solves; any doubt left would show in the certified gap). The
accounting orders keep contested lines with direct identification.

Quantities beyond 64 bits
-------------------------
A group whose scaled quantities reach 2^62 units (many decimals on large quantities) is solved in Python's
unbounded integers with exact fractions (`exactflow`): slower, but never rounded.

Why the answer is exact
-----------------------
1. Integrality. Quantities are scaled by 10^k (k = the most decimals any quantity of the group has) to whole
   numbers; the network solver works in whole units, so designated quantities are exact decimals, and
   capacities are never exceeded (integer arithmetic).
2. Optimality. `transport` solves the restricted problems as min-cost flows and recovers exact integer duals
   (alpha_i, beta_j); it stops only when no pair of any window has a positive reduced cost
   w(i, j) - alpha_i - beta_j. By LP duality that flow is optimal over all pairs. Costs are whole numbers
   c = round(w * K) with K giving about 45 bits; the distance to the optimum of the exact weights is bounded
   by weak duality, D - P with D = sum a_i alpha_i + sum b_j max(0, max_i (w(i, j) - alpha_i)), reported
   (`Result.bound_gap`, in dollars; typically a few millionths of a dollar for a whole client).
3. Money. The designated quantities are re-evaluated in exact Decimal arithmetic (amounts.pair_amounts), so
   floating point never reaches a refund; it only chooses the designation.

Speed: column generation, not a solve over every pair
-----------------------------------------------------
Imports of a group are sorted by date; since the last export day is a non-decreasing function of the import
date, the lines that may serve an export form a contiguous index window [lo_j, hi_j). The restricted master
holds a few candidate pairs per export and per line and is solved by a network simplex that keeps its tree
from round to round; pricing evaluates the reduced costs of the pairs of the windows in compiled loops, part
of the group at a time, skipping blocks of lines that the weights' structure bounds below the export's dual,
and adds the best few improving pairs per export. See `transport` and `netsimplex` for the details.

Ties
----
Among equal optima the designation prefers import lines that expire first: a second flow restricted to the
optimal face (pairs with zero reduced cost under the same integer duals; lines and exports with a positive
dual kept fully used, so the refund cannot change) maximises sum x_ij * rank(line i's 5-year limit).

FIFO, LIFO and low-to-high
--------------------------
The accounting orders of 19 CFR 190.14 / CATAIR Appendix E, applied export by export in date order: each
export takes from its eligible lines with something left, earliest import first (FIFO), latest first (LIFO),
or lowest refund per unit first (low-to-high), until it is covered.

Parallel work
-------------
`build_groups` gives JSON-serialisable groups, `solve_group` solves one (a Celery chord can run them in
parallel, on as many machines as there are workers), `assemble` turns the group results into exact
designations, and `solve` does it all here, in worker processes when the data is large. There one product
group can hold most of the pairs, and the claim cannot be done before that group is; so `solve` sends it
first, prepared on its own before the rest of the claim (`head_start`), and `solve_problem` prepares,
builds and hands out the other groups, largest first, and turns each finished group into designations
while that one is still being solved. What is left once it is back is its own designations, the sort and
the totals.
"""

import contextlib
import dataclasses
import itertools
import logging
import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy as np

from drawback.lib.chapter99 import Chapter99Table
from drawback.lib.money import to_cents

from . import exactflow, transport
from .amounts import EXACT, drawback_rate, factor_of, pair_amounts, round_class
from .model import (
    ZERO,
    Designation,
    Exclusion,
    Export,
    ImportLine,
    LineKey,
    Method,
    Provision,
    Settings,
    bulk,
)
from .problem import UNUSED_PROVISION, Problem, group_key, last_export_ordinal, per_unit_parts, prepare
from .tariff import TariffIndex
from .workers import solver_pool

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------------------
# Groups


def build_groups(problem: Problem) -> list[dict]:
    """JSON-serialisable substitution groups (lists of numbers only), one per classification and unit."""
    return [_to_json(g) for g in _group_arrays(problem)]


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# Groups whose scaled quantities reach this many units are solved in unbounded integers (exactflow): the
# network solver's 64-bit capacities and sums would overflow.
EXACT_FLOW_UNITS = 2**62


def _units(value: Decimal, scale: int) -> int:
    """value x 10^scale as a whole number, exactly (value has at most `scale` decimals)."""
    sign, digits, exponent = value.as_tuple()
    units = int("".join(map(str, digits)) or "0") * 10 ** (exponent + scale)
    return -units if sign else units


def _group_members(problem: Problem) -> list[tuple[str, list[int], list[int]]]:
    """(key, line indices, export indices) of each substitution group, in key order; indices ascending."""
    by_key_lines: dict[str, list[int]] = defaultdict(list)
    by_key_exports: dict[str, list[int]] = defaultdict(list)
    for l_idx in sorted(problem.sub_lines):
        by_key_lines[problem.sub_lines[l_idx]].append(l_idx)
    for e_idx in sorted(problem.sub_exports):
        by_key_exports[problem.sub_exports[e_idx]].append(e_idx)
    members = []
    for key in sorted(by_key_exports):
        l_ids = by_key_lines.get(key, [])
        e_ids = by_key_exports[key]
        if l_ids and e_ids:
            members.append((key, l_ids, e_ids))
    return members


def _group_dates(problem: Problem, l_ids: list[int], e_ids: list[int]) -> dict:
    """A group's date arrays: enough to count its pairs (and so to schedule it) before building the rest."""
    settings = problem.settings
    lines, exports = problem.lines, problem.exports
    return {
        "line_start": np.array([lines[i].import_date.toordinal() for i in l_ids], dtype=np.int64),
        "line_last": np.array(
            [last_export_ordinal(lines[i].import_date, settings) for i in l_ids], dtype=np.int64
        ),
        "export_date": np.array([exports[j].export_date.toordinal() for j in e_ids], dtype=np.int64),
    }


def _group_arrays(problem: Problem) -> list[dict]:
    return [_group_array(problem, *m) for m in _group_members(problem)]


def _group_array(
    problem: Problem, key: str, l_ids: list[int], e_ids: list[int], dates: dict | None = None
) -> dict:
    """One group's arrays for `solve_group` (numpy; `_to_json` makes them JSON for a Celery chord)."""
    settings = problem.settings
    dates = dates or _group_dates(problem, l_ids, e_ids)
    lines = [problem.lines[i] for i in l_ids]
    exports = [problem.exports[j] for j in e_ids]
    scale = max(_decimals(x.remaining) for x in (*lines, *exports))
    factor = Decimal(10) ** scale
    line_cap = [_units(x.remaining, scale) for x in lines]
    export_cap = [_units(e.remaining, scale) for e in exports]
    parts = [per_unit_parts(problem.amounts[i], settings) for i in l_ids]
    s = np.array([float(spec) for spec, _ in parts])
    p = np.array([float(adv) for _, adv in parts])
    exact = sum(line_cap) + sum(export_cap) >= EXACT_FLOW_UNITS
    extra = {}
    if exact:
        with localcontext(EXACT):
            extra = {
                "exact_s": [str(spec) for spec, _ in parts],
                "exact_p": [str(adv) for _, adv in parts],
                "exact_line_value": [str(x.entered_value / x.quantity) for x in lines],
                "exact_export_value": [str(e.value / e.quantity) for e in exports],
                "exact_export_recovered": [
                    str(e.recovered_value / e.quantity) if e.is_destruction else "0" for e in exports
                ],
            }
    contested = [
        [k, float(problem.contested[i].value), str(problem.contested[i].value)]
        for k, i in enumerate(l_ids)
        if i in problem.contested
    ]
    return {
        "key": key,
        "scale": scale,
        "exact": exact,
        "contested": contested,
        **extra,
        "line_id": np.array(l_ids, dtype=np.int64),
        "line_start": dates["line_start"],
        "line_last": dates["line_last"],
        "line_cap": line_cap if exact else np.array(line_cap, dtype=np.int64),
        "line_s": s / float(factor),
        "line_p": p / float(factor),
        "line_value": np.array([float(x.entered_value / x.quantity) for x in lines]),
        "export_id": np.array(e_ids, dtype=np.int64),
        "export_date": dates["export_date"],
        "export_cap": export_cap if exact else np.array(export_cap, dtype=np.int64),
        "export_value": np.array([float(e.value / e.quantity) for e in exports]),
        "export_recovered": np.array(
            [float(e.recovered_value / e.quantity) if e.is_destruction else 0.0 for e in exports]
        ),
    }


_ARRAY_FIELDS = (
    "line_id",
    "line_start",
    "line_last",
    "line_cap",
    "line_s",
    "line_p",
    "line_value",
    "export_id",
    "export_date",
    "export_cap",
    "export_value",
    "export_recovered",
)


def _to_json(group: dict) -> dict:
    out = {k: v for k, v in group.items() if k not in _ARRAY_FIELDS}
    for name in _ARRAY_FIELDS:
        value = group[name]
        out[name] = value.tolist() if isinstance(value, np.ndarray) else list(value)
    return out


def _arrays(group: dict) -> dict:
    g = dict(group)
    for name in _ARRAY_FIELDS:
        if group.get("exact") and name in ("line_cap", "export_cap"):
            g[name] = [int(x) for x in group[name]]  # beyond 64 bits
            continue
        dtype = (
            np.float64
            if name in ("line_s", "line_p", "line_value", "export_value", "export_recovered")
            else np.int64
        )
        g[name] = np.asarray(group[name], dtype=dtype)
    return g


# ----------------------------------------------------------------------------------------------------------
# Solving one group


def _windows(g: dict) -> tuple[np.ndarray, np.ndarray]:
    """[lo_j, hi_j): the lines with import_date <= export_date <= last_export_day (both sorted)."""
    lo = np.searchsorted(g["line_last"], g["export_date"], side="left")
    hi = np.searchsorted(g["line_start"], g["export_date"], side="right")
    return lo, np.maximum(hi, lo)


def _transport(g: dict) -> transport.Group:
    lo, hi = _windows(g)
    return transport.Group(
        line_cap=g["line_cap"],
        line_last=g["line_last"],
        s=g["line_s"],
        p=g["line_p"],
        value=g["line_value"],
        export_cap=g["export_cap"],
        export_value=g["export_value"],
        export_recovered=g["export_recovered"],
        lo=lo,
        hi=hi,
    )


def solve_group(group: dict, method: str = Method.OPTIMAL) -> dict:
    """Solve one JSON group; returns a JSON-serialisable GroupResult:
    {"key", "method", "scale", "pairs": [[line_id, export_id, scaled quantity], ...], "substitution_lines":
    [line_id of each contested line the optimum uses for substitution], "value", "bound", "rounds", "columns",
    "seconds"}. "value" includes the direct identifications of the contested lines kept with that method."""
    started = time.perf_counter()
    g = _arrays(group)
    method = Method(method)
    if g.get("exact"):
        return _solve_exact_group(g, method, started)
    tg = _transport(g)
    contested = {int(k): v for k, v, _ in group.get("contested", [])}
    stats = {"rounds": 0, "columns": 0}
    chosen_sub: list[int] = []
    direct_value = 0.0
    if method == Method.OPTIMAL:
        last = g["line_last"]
        rank = (last.max() - last + 1) if len(last) else last
        choice = choose_methods(tg, contested, rank)
        sol = choice.solution
        ii, jj, q = sol.ii, sol.jj, sol.q
        chosen_sub = sorted(set(contested) - choice.direct)
        direct_value = sum(contested[k] for k in choice.direct)
        stats = {"rounds": sol.rounds, "columns": sol.columns, "nodes": choice.nodes}
        bound = choice.bound
    else:
        # The accounting orders keep a contested line with its direct identifications.
        ii, jj, q = transport.accounting_order(_without(tg, contested), method.value)
        direct_value = sum(contested.values())
    keep = q > 0
    ii, jj, q = ii[keep], jj[keep], q[keep]
    value = (float(np.dot(tg.pair_weights(ii, jj), q)) if len(q) else 0.0) + direct_value
    if method != Method.OPTIMAL:
        bound = value
    return {
        "key": group["key"],
        "method": method.value,
        "scale": int(group["scale"]),
        "pairs": np.stack([g["line_id"][ii], g["export_id"][jj], q], axis=1).tolist() if len(q) else [],
        "substitution_lines": [int(g["line_id"][k]) for k in chosen_sub],
        "value": value,
        "bound": max(bound, value),
        "seconds": time.perf_counter() - started,
        **stats,
    }


def _without(tg: transport.Group, lines) -> transport.Group:
    """The group with these lines taken out of substitution (no capacity)."""
    if not lines:
        return tg
    cap = tg.line_cap.copy()
    cap[list(lines)] = 0
    return dataclasses.replace(tg, line_cap=cap)


@dataclass
class MethodChoice:
    direct: set[int]  # contested lines (group indices) kept with direct identification
    solution: transport.Solution  # the substitution optimum with the others
    bound: float  # a proven upper bound of the group's refund over every choice
    nodes: int


# Substitution optima a group may spend choosing its contested lines' methods before it settles for the best
# choice found (the doubt left is reported through the bound); each is a full solve of the group.
CHOICE_SOLVES = 64
# ...more for small groups, whose solves take milliseconds: up to this many pairs solved in all.
CHOICE_PAIRS = 20_000_000
CHOICE_SOLVES_SMALL = 2_000
SETTLE_BY_DUALS = True  # off, every contested line is branched on (tests prove the branching alone)


def choose_methods(tg: transport.Group, contested: dict[int, float], rank) -> MethodChoice:
    """Which contested lines keep direct identification, so that direct plus substitution refunds the most.

    The refund is R(D) = sum_{l in D} v_l + S(lines not in D), S the substitution optimum; S is submodular in
    the lines it may use, so the worth of line l to substitution, S(X + l) - S(X), only falls as X grows.
    Duals bound it on both sides:
    - from the optimum with every undecided line in substitution, S(X + l) - S(X) >= alpha_l a_l for every X
      it could meet: when that reaches v_l, substitution is at least as good for l whatever the others do;
    - from the optimum with every undecided line kept direct, S(X + l) - S(X) <= a_l max_j (w_lj - beta_j)+:
      when v_l reaches that, direct identification is at least as good.
    Lines left undecided are branched on (branch and bound; the same duals bound every choice below a node by
    S + sum max(0, v_l - alpha_l a_l)); past a budget of solves the best choice found stands and the remaining
    doubt is reported in the bound."""
    solves = 0
    last: list = [None]

    def solve(direct: set[int]) -> transport.Solution:
        nonlocal solves
        solves += 1
        previous = last[0]
        columns = None if previous is None else (previous.ii, previous.jj)
        pairs = None if previous is None else previous.pairs
        last[0] = transport.optimal(_without(tg, direct), expiry_rank=rank, columns=columns, pairs=pairs)
        return last[0]

    if not contested:
        sol = solve(set())
        return MethodChoice(set(), sol, sol.bound, 1)

    best: list = [None]  # (value, direct set, solution)
    doubt = [0.0]

    def offer(value: float, direct: set[int], sol: transport.Solution) -> None:
        if best[0] is None or value > best[0][0]:
            best[0] = (value, set(direct), sol)

    cap = tg.line_cap.astype(np.float64)
    pairs_in_group = max(1, int(np.sum(tg.hi - tg.lo)))
    budget = max(CHOICE_SOLVES, min(CHOICE_SOLVES_SMALL, CHOICE_PAIRS // pairs_in_group))

    def search(direct: set[int], undecided: set[int]) -> None:
        direct = set(direct)
        while True:
            high = solve(direct)
            high_value = high.value + sum(contested[k] for k in direct)
            offer(high_value, direct, high)  # feasible: the undecided lines in substitution
            if not undecided:
                return
            alpha = high.alpha
            slack = high.bound - high.value
            # S(X + l) - S(X) >= S(high) - S(high - l) >= alpha_l a_l - slack: substitution is worth more.
            if SETTLE_BY_DUALS:
                undecided -= {k for k in undecided if alpha[k] * cap[k] - slack >= contested[k]}
            # Any choice D of the undecided: S(N - D) <= bound - sum_D alpha_u a_u (the duals, restricted),
            # so R <= bound + sum_direct v + sum_undecided max(0, v_u - alpha_u a_u).
            excess = {k: max(0.0, contested[k] - alpha[k] * cap[k]) for k in undecided}
            upper = high.bound + sum(contested[k] for k in direct) + sum(excess.values())
            if best[0] is not None and upper <= best[0][0]:
                return
            if not undecided:
                return
            # The smallest problem of this node, every undecided line kept direct: its duals bound from above
            # what a line can add to substitution, and it is itself a choice to offer.
            low = solve(direct | undecided)
            offer(low.value + sum(contested[k] for k in direct | undecided), direct | undecided, low)
            low_slack = low.bound - low.value
            settled = {
                k
                for k in undecided
                if SETTLE_BY_DUALS and contested[k] >= low_slack + _worth_at_most(tg, k, low.beta)
            }
            if not settled:
                break
            direct |= settled
            undecided -= settled
            if not undecided:  # the low solve was this very choice
                return
        if solves >= budget:
            doubt[0] = max(doubt[0], upper - best[0][0])
            return
        k = max(undecided, key=lambda x: (excess.get(x, 0.0), contested[x], -x))
        search(direct | {k}, undecided - {k})
        search(direct, undecided - {k})  # k in substitution

    search(set(), set(contested))
    value, direct, sol = best[0]
    return MethodChoice(direct, sol, value + doubt[0], solves)


def _worth_at_most(tg: transport.Group, k: int, beta) -> float:
    """a_k max_j (w_kj - beta_j)+ over the exports line k may serve: at most what k adds to substitution."""
    exports = np.flatnonzero((tg.lo <= k) & (tg.hi > k))
    if len(exports) == 0:
        return 0.0
    w = tg.pair_weights(np.full(len(exports), k), exports)
    gain = np.where(w > transport.MIN_WEIGHT, w - beta[exports], 0.0)
    return float(tg.line_cap[k]) * max(0.0, float(gain.max()))


EXACT_CHOICE_LINES = 10


def _solve_exact_group(g: dict, method: Method, started: float) -> dict:
    """A group beyond 64-bit units: the optimum in unbounded integers and exact fractions (exactflow); the
    accounting orders need no arithmetic on weights beyond comparisons and run the same way in Python ints."""
    lo, hi = _windows(g)
    f = Fraction
    s = [f(x) for x in g["exact_s"]]
    p = [f(x) for x in g["exact_p"]]
    big_u = [f(x) for x in g["exact_line_value"]]
    u = [f(x) for x in g["exact_export_value"]]
    r = [f(x) for x in g["exact_export_recovered"]]
    pairs = []
    for j in range(len(u)):
        for i in range(int(lo[j]), int(hi[j])):
            w = exactflow.weight(s[i], p[i], big_u[i], u[j], r[j])
            if w > 0:
                pairs.append((i, j, w))
    last = g["line_last"]
    by_pair = {(i, j): w for i, j, w in pairs}
    unit = Fraction(1, 10 ** int(g["scale"]))
    contested = {int(k): Fraction(exact) for k, _, exact in g.get("contested", [])}

    def caps(direct) -> list[int]:
        return [0 if i in direct else c for i, c in enumerate(g["line_cap"])]

    def worth(flows, direct) -> Fraction:
        return sum((by_pair[(i, j)] * q for i, j, q in flows), Fraction(0)) * unit + sum(
            (contested[k] for k in direct), Fraction(0)
        )

    direct: set[int] = set(contested)
    if method == Method.OPTIMAL:
        rank = (last.max() - last + 1).tolist() if len(last) else []
        # Every choice of method for the contested lines (rare here: few lines, tiny groups).
        best = None
        exhaustive = len(contested) <= EXACT_CHOICE_LINES
        choices = (
            (c for size in range(len(contested) + 1) for c in itertools.combinations(sorted(contested), size))
            if exhaustive
            else ((), tuple(contested))  # too many to try each: the better of all substitution, all direct
        )
        for chosen in choices:
            flows = exactflow.max_profit_flow(caps(set(chosen)), g["export_cap"], pairs, rank)
            value = worth(flows, chosen)
            if not chosen:
                # S(every line) + every direct refund bounds any choice.
                upper = value + sum(contested.values(), Fraction(0))
            if best is None or value > best[0]:
                best = (value, set(chosen), flows)
        value, direct, flows = best
        bound = value if exhaustive else upper
    else:
        flows = exactflow.accounting_order(caps(direct), g["export_cap"], pairs, method.value)
        value = worth(flows, direct)
        bound = value
    return {
        "key": g["key"],
        "method": method.value,
        "scale": int(g["scale"]),
        "pairs": [[int(g["line_id"][i]), int(g["export_id"][j]), int(q)] for i, j, q in flows],
        "substitution_lines": [int(g["line_id"][k]) for k in sorted(set(contested) - direct)],
        "value": float(value),
        "bound": float(bound),
        "seconds": time.perf_counter() - started,
        "rounds": 0,
        "columns": len(pairs),
    }


# ----------------------------------------------------------------------------------------------------------
# Assembling exact results


@dataclass
class Result:
    method: Method
    designations: list[Designation]
    class_totals: dict[str, Decimal]  # exact
    rounded: dict[str, Decimal]  # each class rounded once, half-up
    refund: Decimal
    exclusions: list[Exclusion]
    warnings: list[str]
    groups: int = 0
    pairs: int = 0  # eligible substitution pairs inside the date windows, over all groups
    bound_gap: float = 0.0  # certified distance to the optimum (dollars), optimal method only
    comparison: dict[str, Decimal] = field(default_factory=dict)  # method -> refund
    seconds: float = 0.0
    group_runs: list["GroupRun"] = field(default_factory=list)  # per group, in group order (solve_problem)

    def uplift(self, other: str) -> Decimal | None:
        if other not in self.comparison:
            return None
        return self.refund - self.comparison[other]


def assemble(problem: Problem, results: Sequence[dict], method: Method) -> Result:
    rate = drawback_rate(UNUSED_PROVISION, problem.settings)
    return _assemble(problem, results, [pair_designations(problem, res, rate) for res in results], method)


def pair_designations(problem: Problem, result: dict, rate: Decimal) -> list[Designation]:
    """The exact designations of one group's result (its pairs, in their order). Groups are independent, so
    this can run for a finished group while others are still being solved."""
    mpf_mode = problem.settings.mpf_mode
    scale = Decimal(10) ** -int(result["scale"])
    out = []
    for l_idx, e_idx, q_scaled in result["pairs"]:
        line = problem.lines[l_idx]
        export = problem.exports[e_idx]
        quantity = Decimal(int(q_scaled)) * scale
        if quantity <= 0:
            continue
        factor = factor_of(line, export, lesser_of=True)
        amounts = pair_amounts(problem.amounts[l_idx], quantity, factor, rate=rate, mpf_mode=mpf_mode)
        out.append(Designation(line.key, export.ref, Provision.UNUSED_SUBSTITUTION, quantity, amounts))
    return out


def _assemble(
    problem: Problem, results: Sequence[dict], by_group: Sequence[list[Designation]], method: Method
) -> Result:
    """The claim from the groups' results and their designations (`pair_designations`), in group order."""
    designations = list(problem.direct)
    exclusions = list(problem.exclusions)
    # A contested line keeps direct identification unless the optimum chose substitution for it.
    substitution = {int(x) for res in results for x in res.get("substitution_lines", [])}
    for l_idx, choice in sorted(problem.contested.items()):
        if l_idx in substitution:
            exclusions.extend(choice.if_substitution)
        else:
            designations.extend(choice.designations)
            exclusions.extend(choice.if_direct)
    gap = 0.0
    for res, group_designations in zip(results, by_group, strict=True):
        gap += max(0.0, float(res.get("bound", 0.0)) - float(res.get("value", 0.0)))
        designations.extend(group_designations)
    designations.sort(key=lambda d: (d.export_ref, d.line.entry_number, d.line.line_number))
    totals = _class_totals(problem, designations)
    rounded = {
        k: round_class(v, _exact_if_needed(problem, designations, k, v)) for k, v in sorted(totals.items())
    }
    refund = sum(rounded.values(), ZERO)
    exclusions += _shortfalls(problem, designations)
    return Result(
        method=method,
        designations=designations,
        class_totals=totals,
        rounded=rounded,
        refund=refund,
        exclusions=exclusions,
        warnings=list(problem.warnings),
        groups=len(results),
        bound_gap=gap,
    )


def _class_totals(problem: Problem, designations: Sequence[Designation]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    with localcontext(EXACT):
        for d in designations:
            for klass, value in d.amounts.items():
                totals[klass] = totals.get(klass, ZERO) + value
    return totals


def _exact_if_needed(problem: Problem, designations, klass: str, total: Decimal) -> Fraction | None:
    """The exact rational total of a class, computed only when the 50-digit total sits on a half cent."""
    with localcontext(EXACT):
        scaled = total * 100
        frac = scaled - scaled.to_integral_value(rounding="ROUND_FLOOR")
        if abs(frac - Decimal("0.5")) >= Decimal("1e-30"):
            return None
    from .exact import exact_class_total

    return exact_class_total(problem, designations, klass)


def _shortfalls(problem: Problem, designations: Sequence[Designation]) -> list[Exclusion]:
    """Substitution exports not (fully) covered: say how much is left and why."""
    covered: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for d in designations:
        covered[d.export_ref] += d.quantity
    out = []
    for e_idx in sorted(problem.sub_exports):
        export = problem.exports[e_idx]
        left = export.remaining - covered.get(export.ref, ZERO)
        if left > 0:
            out.append(
                Exclusion(
                    "export",
                    export.ref,
                    f"{left} {export.uom} of {export.remaining} not designated: no eligible import quantity "
                    "left in "
                    "its window that earns a refund",
                    "19 U.S.C. 1313(j)(2), (v)",
                    left,
                )
            )
    return out


# A pool of worker processes pays off only when there is real work to share.
PARALLEL_MIN_PAIRS = 2_000_000


def _pairs_in(group: dict) -> int:
    return _window_pairs(group)


def _window_pairs(dates: dict) -> int:
    """Pairs inside the date windows of a group (its dates suffice: see `_group_dates`)."""
    lo, hi = _windows(dates)
    return int(np.sum(hi - lo))


def _parallel(workers: int | None, groups: int, pairs: int) -> int:
    """How many worker processes to solve in (0: solve in this process)."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    # A daemonic process (a Celery prefork worker, say) may not start children: solve in place there.
    daemonic = multiprocessing.current_process().daemon
    if daemonic or workers <= 1 or groups <= 1 or pairs < PARALLEL_MIN_PAIRS:
        return 0
    return min(workers, groups)


def solve_groups(groups: Sequence[dict], method: Method, *, workers: int | None = None) -> list[dict]:
    """Solve groups, in worker processes when there are several CPUs and enough work (the network solver
    holds the interpreter lock, so threads would not help). Results keep the groups' order."""
    sizes = [_pairs_in(g) for g in groups]
    processes = _parallel(workers, len(groups), sum(sizes))
    if not processes:
        return [solve_group(g, method) for g in groups]
    order = sorted(range(len(groups)), key=lambda k: -sizes[k])  # largest first balances the workers
    results: list[dict | None] = [None] * len(groups)
    # The workers end with this process, and at once if solving fails or is interrupted (a time limit).
    with solver_pool(processes) as pool:
        futures = {pool.submit(solve_group, groups[k], method.value): k for k in order}
        for future, k in futures.items():
            results[k] = future.result()
    return results


@dataclass
class GroupRun:
    """How one group's solve went (for the benchmark's spread over workers)."""

    lines: int
    exports: int
    pairs: int
    seconds: float


def solve_problem(
    problem: Problem,
    method: Method = Method.OPTIMAL,
    *,
    workers: int | None = None,
    pool: ProcessPoolExecutor | None = None,
    head: "HeadStart | None" = None,
) -> Result:
    """Every group solved and the claim assembled, overlapped when worker processes solve: the largest groups
    are built and handed out first (one of them can take most of the time on its own), the others are built
    while it runs, and each finished group's exact designations are worked out as it comes back, so little
    is left to do once the last group is in. `pool` and `head` come from `solve`, which may have sent the
    largest group before the whole claim was prepared."""
    started = time.perf_counter()
    rate = drawback_rate(UNUSED_PROVISION, problem.settings)
    with bulk():
        members = _group_members(problem)
        dates = [_group_dates(problem, l_ids, e_ids) for _, l_ids, e_ids in members]
    sizes = [_window_pairs(d) for d in dates]
    results: list[dict] = [{}] * len(members)
    by_group: list[list[Designation]] = [[]] * len(members)

    def finished(k: int, res: dict) -> None:
        results[k] = res
        with bulk():
            by_group[k] = pair_designations(problem, res, rate)

    processes = _parallel(workers, len(members), sum(sizes))
    if pool is None and not processes:
        for k, member in enumerate(members):
            with bulk():
                group = _group_array(problem, *member, dates[k])
            finished(k, solve_group(group, method))
    else:
        order = sorted(range(len(members)), key=lambda k: -sizes[k])  # largest first balances the workers
        with contextlib.ExitStack() as stack:
            # The workers end with this process, and at once if anything fails or is interrupted.
            pool = pool or stack.enter_context(solver_pool(processes))
            pending: dict[Future, tuple[int, Callable[[dict], dict]]] = {}
            for k in order:
                with bulk():
                    group = _group_array(problem, *members[k], dates[k])
                same = head.matches(problem, group) if head is not None else None
                if same is not None:
                    pending[head.future] = (k, same)
                    head = None
                else:
                    pending[pool.submit(solve_group, group, method.value)] = (k, _as_is)
                del group
                # Assemble what is already back while the rest is built and sent.
                for future in [f for f in pending if f.done()]:
                    k_done, renumber = pending.pop(future)
                    finished(k_done, renumber(future.result()))
            if head is not None:  # not expected: its group is not among the whole claim's
                log.warning("group %s sent early is not a group of the claim", head.group["key"])
            for future in as_completed(pending):
                k_done, renumber = pending[future]
                finished(k_done, renumber(future.result()))
    with bulk():
        result = _assemble(problem, results, by_group, method)
    result.pairs = sum(sizes)
    result.group_runs = [
        GroupRun(len(l_ids), len(e_ids), sizes[k], float(results[k].get("seconds", 0.0)))
        for k, (_, l_ids, e_ids) in enumerate(members)
    ]
    result.seconds = time.perf_counter() - started
    return result


def _as_is(result: dict) -> dict:
    return result


# A group this large (import lines x exports of one classification and unit) is sent to a worker before the
# whole claim is prepared: preparing a client of 200,000 lines takes seconds, which the group can use.
HEAD_START_PAIRS = PARALLEL_MIN_PAIRS


@dataclass
class HeadStart:
    """The largest group, prepared on its own and already being solved (`head_start`). Its lines and exports
    are numbered within its own small problem; `matches` checks it against the same group of the whole claim
    and renumbers its result."""

    group: dict
    line_keys: list[LineKey]
    export_refs: list[str]
    future: Future

    def matches(self, problem: Problem, group: dict) -> Callable[[dict], dict] | None:
        """How to renumber the result for the whole claim's `group`, or None when that group is not, to the
        last number, the one sent (then it is solved afresh)."""
        if group["key"] != self.group["key"]:
            return None
        line_ids, export_ids = group["line_id"].tolist(), group["export_id"].tolist()
        same = (
            [problem.lines[i].key for i in line_ids] == self.line_keys
            and [problem.exports[j].ref for j in export_ids] == self.export_refs
            and all(
                np.array_equal(group[name], self.group[name])
                for name in _ARRAY_FIELDS
                if name not in ("line_id", "export_id")
            )
            and all(group.get(name) == self.group.get(name) for name in ("scale", "exact", "contested"))
        )
        if not same:
            log.warning("group %s changed once the whole claim was prepared: solved again", group["key"])
            return None
        lines = dict(zip(self.group["line_id"].tolist(), line_ids, strict=True))
        exports = dict(zip(self.group["export_id"].tolist(), export_ids, strict=True))

        def renumber(result: dict) -> dict:
            return {
                **result,
                "pairs": [[lines[i], exports[j], q] for i, j, q in result["pairs"]],
                "substitution_lines": [lines[i] for i in result["substitution_lines"]],
            }

        return renumber


def head_start(
    pool: ProcessPoolExecutor,
    *,
    lines: Sequence[ImportLine],
    exports: Sequence[Export],
    tariff: TariffIndex,
    chapter99: Chapter99Table,
    settings: Settings,
    method: Method,
) -> HeadStart | None:
    """Send the largest group to a worker now, prepared from its own lines and exports (and the exports that
    name those lines, which decide their method): the rules work line by line and export by export, so the
    group comes out as the whole claim's preparation would make it (`HeadStart.matches` checks that)."""
    with bulk():
        return _head_start(
            pool,
            lines=lines,
            exports=exports,
            tariff=tariff,
            chapter99=chapter99,
            settings=settings,
            method=method,
        )


def _head_start(pool, *, lines, exports, tariff, chapter99, settings, method) -> HeadStart | None:
    memo: dict[tuple[str, str], str] = {}

    def key_of(hts: str, uom: str) -> str:
        found = memo.get((hts, uom))
        if found is None:
            found = memo[(hts, uom)] = group_key(hts, uom, tariff)
        return found

    line_group = [key_of(x.hts, x.uom) for x in lines]
    export_group = [key_of(e.hts, e.uom) if e.direct_line is None else None for e in exports]
    line_count: dict[str, int] = defaultdict(int)
    export_count: dict[str, int] = defaultdict(int)
    for key in line_group:
        line_count[key] += 1
    for key in export_group:
        if key is not None:
            export_count[key] += 1
    largest = max(export_count, key=lambda k: (line_count.get(k, 0) * export_count[k], k), default=None)
    if largest is None or line_count.get(largest, 0) * export_count[largest] < HEAD_START_PAIRS:
        return None
    own_lines = [x for x, key in zip(lines, line_group, strict=True) if key == largest]
    own_keys = {x.key for x in own_lines}
    own_exports = [
        e
        for e, key in zip(exports, export_group, strict=True)
        if key == largest or (e.direct_line is not None and e.direct_line in own_keys)
    ]
    small = prepare(
        lines=own_lines, exports=own_exports, tariff=tariff, chapter99=chapter99, settings=settings
    )
    member = next((m for m in _group_members(small) if m[0] == largest), None)
    if member is None:
        return None
    group = _group_array(small, *member)
    if group["exact"]:
        return None
    _, l_ids, e_ids = member
    return HeadStart(
        group,
        [small.lines[i].key for i in l_ids],
        [small.exports[j].ref for j in e_ids],
        pool.submit(solve_group, group, method.value),
    )


def solve(
    *,
    lines: Sequence[ImportLine],
    exports: Sequence[Export],
    tariff: TariffIndex,
    chapter99: Chapter99Table,
    settings: Settings,
    method: Method | str = Method.OPTIMAL,
    compare: Iterable[Method | str] = (),
    workers: int | None = None,
) -> Result:
    """Prepare, solve every group (in this process, or in worker processes for large data), and assemble
    exact designations; optionally also run other methods on the same data and record their refunds in
    `comparison` (for the uplift report). With worker processes the largest group starts solving before the
    rest of the claim is prepared."""
    started = time.perf_counter()
    method = Method(method)
    with contextlib.ExitStack() as stack:
        pool = head = None
        processes = _parallel(workers, 2, HEAD_START_PAIRS)
        if processes:
            # The workers end with this process, and at once if anything fails or is interrupted.
            pool = stack.enter_context(solver_pool(processes))
            head = head_start(
                pool,
                lines=lines,
                exports=exports,
                tariff=tariff,
                chapter99=chapter99,
                settings=settings,
                method=method,
            )
            if head is None:  # nothing large enough to start early: let solve_problem decide
                stack.close()
                pool = None
        problem = prepare(lines=lines, exports=exports, tariff=tariff, chapter99=chapter99, settings=settings)
        result = solve_problem(problem, method, workers=workers, pool=pool, head=head)
    for other in compare:
        other = Method(other)
        if other == result.method:
            continue
        result.comparison[other.value] = solve_problem(problem, other, workers=1).refund
    result.seconds = time.perf_counter() - started
    return result


_PLACE = {places: Decimal(1).scaleb(-places) for places in range(2, 11)}


def format_amount(value: Decimal, *, places: int = 6) -> str:
    """At least two and at most `places` decimals, half-up (designations.csv `refund`)."""
    # The context passed in rather than entered: this runs once per row of a large designations.csv.
    place = _PLACE.get(places) or Decimal(1).scaleb(-places)
    q = value.quantize(place, rounding=ROUND_HALF_UP, context=EXACT)
    text = f"{q:f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if len(frac) < 2:
        frac = frac.ljust(2, "0")
    return f"{whole}.{frac}"


def cents(value: Decimal) -> str:
    return f"{to_cents(value):f}"

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
(windows of the claim, the substitution standard, CA/MX/CL, line election) was applied by `problem.prepare`
before a pair can exist.

Why the answer is exact
-----------------------
1. Integrality. Quantities are scaled by 10^k (k = the most decimals any quantity of the group has) to whole
   numbers. The constraint matrix of a transportation problem is totally unimodular, so every vertex of the
   feasible region is integral: the simplex method (HiGHS) ends on a vertex, whose values we round to the
   nearest whole number (they are whole up to floating-point noise) and check exactly against the
   capacities. The designated quantities are therefore exact decimals.
2. Optimality. Let alpha_i, beta_j >= 0 be the LP duals. Any alpha with
   beta'_j = max(0, max_i in window (w(i, j) - alpha_i)) is dual feasible, so
   D = sum a_i alpha_i + sum b_j beta'_j is an upper bound of the optimum (weak duality). We stop only when
   no pair in any window has a positive reduced cost w(i, j) - alpha_i - beta_j beyond 1e-9, and report the
   certificate gap D - P (P = the value found); it is a proven bound on the distance to the true optimum
   (in practice well below a millionth of a dollar).
3. Money. The designated quantities are re-evaluated in exact Decimal arithmetic (amounts.pair_amounts), so
   floating point never reaches a refund; it only chooses the vertex.

Speed: column generation, not a solve over every pair
-----------------------------------------------------
Imports of a group are sorted by date; since the last export day is a non-decreasing function of the import
date, the lines that may serve an export form a contiguous index window [lo_j, hi_j). The restricted master LP
holds a few candidate pairs per export (initially the best by weight). Pricing evaluates the reduced costs of
every pair in every window with numpy, a block of consecutive exports at a time (their windows overlap almost
entirely), adds the best few improving pairs per export, and re-solves from the previous basis. Small groups
(up to `FULL_LP_PAIRS` eligible pairs) are solved directly as one LP.

Ties
----
Among equal optima the designation prefers import lines that expire first: a second LP restricted to the
optimal face (pairs with zero reduced cost; rows with a positive dual kept tight) maximises
sum x_ij * (rank of line i's 5-year limit, earliest first). It can only pick among optimal designations, and
its result is checked against the first.

FIFO, LIFO and low-to-high
--------------------------
The accounting orders of 19 CFR 190.14 / CATAIR Appendix E, applied export by export in date order: each
export takes from its eligible lines with something left, earliest import first (FIFO), latest first (LIFO),
or lowest refund per unit first (low-to-high), until it is covered.

Groups are independent: `build_groups` gives JSON-serialisable groups, `solve_group` solves one (a Celery
chord can run them in parallel), `assemble` turns the group results into exact designations, and `solve`
does it all in-process.
"""

import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

import highspy
import numpy as np

from drawback.lib.chapter99 import Chapter99Table
from drawback.lib.money import to_cents

from .amounts import EXACT, drawback_rate, pair_amounts, round_class, value_factor
from .model import ZERO, Designation, Exclusion, Export, ImportLine, Method, Provision, Settings
from .problem import UNUSED_PROVISION, Problem, last_export_ordinal, per_unit_parts, prepare
from .tariff import TariffIndex

FULL_LP_PAIRS = 150_000  # groups with at most this many eligible pairs are solved as one LP
BLOCK_ELEMENTS = 2_000_000  # pairs priced per numpy block
INITIAL_COLUMNS = 8  # best pairs per export in the first restricted LP
COLUMNS_PER_ROUND = 4  # improving pairs added per export per pricing round
RC_TOL = 1e-9  # relative reduced-cost tolerance
MIN_WEIGHT = 1e-12  # pairs earning less per unit than this are not pairs at all
MAX_ROUNDS = 200

_banner_shown = False


def _highs() -> highspy.Highs:
    """A silent HiGHS instance. The library prints a banner to the process's stdout when the first instance
    is made, whatever the options; the `designate` command's stdout is a contract (its last line is JSON),
    so that first construction happens with file descriptor 1 pointed at /dev/null."""
    global _banner_shown
    if not _banner_shown:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _banner_shown = True
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


# ----------------------------------------------------------------------------------------------------------
# Groups


def build_groups(problem: Problem) -> list[dict]:
    """JSON-serialisable substitution groups (lists of numbers only), one per classification and unit."""
    return [_to_json(g) for g in _group_arrays(problem)]


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _group_arrays(problem: Problem) -> list[dict]:
    settings = problem.settings
    by_key_lines: dict[str, list[int]] = defaultdict(list)
    by_key_exports: dict[str, list[int]] = defaultdict(list)
    for l_idx in sorted(problem.sub_lines):
        by_key_lines[problem.sub_lines[l_idx]].append(l_idx)
    for e_idx in sorted(problem.sub_exports):
        by_key_exports[problem.sub_exports[e_idx]].append(e_idx)
    groups = []
    for key in sorted(by_key_exports):
        l_ids = by_key_lines.get(key, [])
        e_ids = by_key_exports[key]
        if not l_ids or not e_ids:
            continue
        lines = [problem.lines[i] for i in l_ids]
        exports = [problem.exports[j] for j in e_ids]
        scale = max(_decimals(x.remaining) for x in (*lines, *exports))
        factor = Decimal(10) ** scale
        s = np.empty(len(lines))
        p = np.empty(len(lines))
        for k, i in enumerate(l_ids):
            spec, adv = per_unit_parts(problem.amounts[i], settings)
            s[k] = float(spec)
            p[k] = float(adv)
        groups.append(
            {
                "key": key,
                "scale": scale,
                "line_id": np.array(l_ids, dtype=np.int64),
                "line_start": np.array([x.import_date.toordinal() for x in lines], dtype=np.int64),
                "line_last": np.array(
                    [last_export_ordinal(x.import_date, settings) for x in lines], dtype=np.int64
                ),
                "line_cap": np.array([int(x.remaining * factor) for x in lines], dtype=np.int64),
                "line_s": s / float(factor),
                "line_p": p / float(factor),
                "line_value": np.array([float(x.entered_value / x.quantity) for x in lines]),
                "export_id": np.array(e_ids, dtype=np.int64),
                "export_date": np.array([e.export_date.toordinal() for e in exports], dtype=np.int64),
                "export_cap": np.array([int(e.remaining * factor) for e in exports], dtype=np.int64),
                "export_value": np.array([float(e.value / e.quantity) for e in exports]),
                "export_recovered": np.array(
                    [float(e.recovered_value / e.quantity) if e.is_destruction else 0.0 for e in exports]
                ),
            }
        )
    return groups


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
        out[name] = group[name].tolist()
    return out


def _arrays(group: dict) -> dict:
    g = dict(group)
    for name in _ARRAY_FIELDS:
        dtype = (
            np.float64
            if name in ("line_s", "line_p", "line_value", "export_value", "export_recovered")
            else np.int64
        )
        g[name] = np.asarray(group[name], dtype=dtype)
    return g


# ----------------------------------------------------------------------------------------------------------
# Weights and windows


def _windows(g: dict) -> tuple[np.ndarray, np.ndarray]:
    """[lo_j, hi_j): the lines with import_date <= export_date <= last_export_day (both sorted)."""
    lo = np.searchsorted(g["line_last"], g["export_date"], side="left")
    hi = np.searchsorted(g["line_start"], g["export_date"], side="right")
    return lo, np.maximum(hi, lo)


def _weights(s, p, big_u, u, r) -> np.ndarray:
    """w = s + p * max(0, min(U, u) - r) / U, broadcasting; U = 0 gives factor 1 (0 after recovery)."""
    safe = np.where(big_u > 0, big_u, 1.0)
    f = np.minimum(big_u, u) - r
    if isinstance(f, np.ndarray):
        np.maximum(f, 0.0, out=f)
        f /= safe
    else:
        f = max(f, 0.0) / safe
    if np.any(big_u <= 0):
        f = np.where(big_u > 0, f, np.where(r > 0, 0.0, 1.0))
    return s + p * f


def _pair_weights(g: dict, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    return _weights(
        g["line_s"][ii],
        g["line_p"][ii],
        g["line_value"][ii],
        g["export_value"][jj],
        g["export_recovered"][jj],
    )


def _all_pairs(g: dict, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = hi - lo
    jj = np.repeat(np.arange(len(lo)), counts)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    ii = np.arange(len(jj)) + starts
    w = _pair_weights(g, ii, jj)
    keep = w > MIN_WEIGHT
    return ii[keep], jj[keep], w[keep]


# ----------------------------------------------------------------------------------------------------------
# LP


class _Master:
    """The restricted master LP: rows = lines then exports (<= capacity), columns = pairs."""

    def __init__(self, line_cap: np.ndarray, export_cap: np.ndarray):
        self.n, self.m = len(line_cap), len(export_cap)
        self.h = _highs()
        self.h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        self.h.setOptionValue("dual_feasibility_tolerance", 1e-9)
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        caps = np.concatenate([line_cap, export_cap]).astype(np.float64)
        self.h.addRows(
            len(caps),
            np.full(len(caps), -highspy.kHighsInf),
            caps,
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self.ii = np.zeros(0, dtype=np.int64)
        self.jj = np.zeros(0, dtype=np.int64)
        self.w = np.zeros(0)
        self._seen: set[int] = set()

    def add(self, ii: np.ndarray, jj: np.ndarray, w: np.ndarray) -> int:
        keys = ii.astype(np.int64) * (self.m + 1) + jj
        fresh = np.array([k not in self._seen for k in keys.tolist()], dtype=bool) if len(keys) else keys
        if len(keys):
            _, first = np.unique(keys, return_index=True)
            once = np.zeros(len(keys), dtype=bool)
            once[first] = True
            fresh &= once
        ii, jj, w = ii[fresh], jj[fresh], w[fresh]
        if len(ii) == 0:
            return 0
        self._seen.update((ii * (self.m + 1) + jj).tolist())
        count = len(ii)
        index = np.empty(2 * count, dtype=np.int32)
        index[0::2] = ii
        index[1::2] = self.n + jj
        self.h.addCols(
            count,
            w,
            np.zeros(count),
            np.full(count, highspy.kHighsInf),
            2 * count,
            np.arange(0, 2 * count, 2, dtype=np.int32),
            index,
            np.ones(2 * count),
        )
        self.ii = np.concatenate([self.ii, ii])
        self.jj = np.concatenate([self.jj, jj])
        self.w = np.concatenate([self.w, w])
        return count

    def run(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"LP not solved to optimality: {status}")
        sol = self.h.getSolution()
        x = np.asarray(sol.col_value)
        duals = np.maximum(np.asarray(sol.row_dual), 0.0)
        return x, duals[: self.n], duals[self.n :]


def _integral(x: np.ndarray, ii, jj, line_cap, export_cap) -> np.ndarray:
    """Round a vertex to whole scaled units and make sure no capacity is exceeded (exact integer check)."""
    q = np.rint(x).astype(np.int64)
    q[q < 0] = 0
    for idx, cap in ((ii, line_cap), (jj, export_cap)):
        used = np.bincount(idx, weights=q, minlength=len(cap)).astype(np.int64)
        over = np.flatnonzero(used > cap)
        for row in over:  # only from floating-point noise on a degenerate vertex; take back the excess
            excess = used[row] - cap[row]
            for col in np.flatnonzero((idx == row) & (q > 0))[::-1]:
                cut = min(excess, q[col])
                q[col] -= cut
                excess -= cut
                if excess == 0:
                    break
    return q


# ----------------------------------------------------------------------------------------------------------
# Pricing


def _blocks(lo: np.ndarray, hi: np.ndarray, limit: int = BLOCK_ELEMENTS) -> Iterable[tuple[int, int]]:
    m = len(lo)
    j0 = 0
    while j0 < m:
        j1 = j0 + 1
        while j1 < m and (j1 + 1 - j0) * max(1, hi[j1] - lo[j0]) <= limit:
            j1 += 1
        yield j0, j1
        j0 = j1


def _price(g, lo, hi, alpha, beta, *, top: int, threshold: np.ndarray | float, exports=None):
    """For each export: the best value max_i (w - alpha_i) over its window, and up to `top` pairs whose
    reduced cost w - alpha_i - beta_j exceeds `threshold`. Returns (best, ii, jj, w)."""
    s, p, big_u = g["line_s"], g["line_p"], g["line_value"]
    u, r = g["export_value"], g["export_recovered"]
    m = len(lo)
    best = np.full(m, -np.inf)
    out_i, out_j, out_w = [], [], []
    thr = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (m,))
    order = np.arange(m) if exports is None else exports
    for b0, b1 in _blocks(lo[order], hi[order]):
        js = order[b0:b1]
        c0, c1 = int(lo[js].min()), int(hi[js].max())
        if c1 <= c0:
            continue
        cols = np.arange(c0, c1)
        w = _weights(s[None, c0:c1], p[None, c0:c1], big_u[None, c0:c1], u[js, None], r[js, None])
        inside = (cols[None, :] >= lo[js, None]) & (cols[None, :] < hi[js, None]) & (w > MIN_WEIGHT)
        val = np.where(inside, w - alpha[None, c0:c1], -np.inf)
        best[js] = val.max(axis=1)
        rc = val - beta[js, None]
        k = min(top, c1 - c0)
        if k <= 0:
            continue
        if k < c1 - c0:
            part = np.argpartition(rc, -k, axis=1)[:, -k:]
        else:
            part = np.broadcast_to(np.arange(c1 - c0), (len(js), c1 - c0))
        rows = np.arange(len(js))[:, None]
        chosen = rc[rows, part]
        ok = chosen > thr[js, None]
        if ok.any():
            rr, cc = np.nonzero(ok)
            pick = part[rr, cc]
            out_i.append(pick + c0)
            out_j.append(js[rr])
            out_w.append(w[rr, pick])
    if out_i:
        return best, np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_w)
    empty = np.zeros(0, dtype=np.int64)
    return best, empty, empty, np.zeros(0)


# ----------------------------------------------------------------------------------------------------------
# Solving one group


def solve_group(group: dict, method: str = Method.OPTIMAL) -> dict:
    """Solve one JSON group; returns a JSON-serialisable GroupResult:
    {"key", "method", "scale", "pairs": [[line_id, export_id, scaled quantity], ...], "value", "bound",
    "rounds", "columns", "seconds"}."""
    started = time.perf_counter()
    g = _arrays(group)
    method = Method(method)
    lo, hi = _windows(g)
    stats: dict = {}
    if method == Method.OPTIMAL:
        ii, jj, q, stats = _optimal(g, lo, hi)
    else:
        ii, jj, q = _greedy(g, lo, hi, method)
    keep = q > 0
    ii, jj, q = ii[keep], jj[keep], q[keep]
    value = float(np.dot(_pair_weights(g, ii, jj), q)) if len(q) else 0.0
    return {
        "key": group["key"],
        "method": method.value,
        "scale": int(group["scale"]),
        "pairs": np.stack([g["line_id"][ii], g["export_id"][jj], q], axis=1).tolist() if len(q) else [],
        "value": value,
        "bound": stats.get("bound", value),
        "rounds": stats.get("rounds", 0),
        "columns": stats.get("columns", 0),
        "seconds": time.perf_counter() - started,
    }


def _optimal(g, lo, hi):
    n, m = len(g["line_cap"]), len(g["export_cap"])
    pairs = int(np.sum(hi - lo))
    master = _Master(g["line_cap"], g["export_cap"])
    scale_w = max(float(np.max(g["line_s"] + g["line_p"])) if n else 0.0, 1e-300)
    tol = RC_TOL * scale_w
    alpha = np.zeros(n)
    beta = np.zeros(m)
    rounds = 0
    if pairs <= FULL_LP_PAIRS:
        ii, jj, w = _all_pairs(g, lo, hi)
        master.add(ii, jj, w)
        if len(ii):
            x, alpha, beta = master.run()
        best = _best_values(g, lo, hi, alpha) if len(ii) else np.full(m, -np.inf)
    else:
        _, ii, jj, w = _price(g, lo, hi, alpha, beta, top=INITIAL_COLUMNS, threshold=0.0)
        master.add(ii, jj, w)
        while len(master.ii):
            rounds += 1
            x, alpha, beta = master.run()
            best, ii, jj, w = _price(g, lo, hi, alpha, beta, top=COLUMNS_PER_ROUND, threshold=beta * 0 + tol)
            if len(ii) == 0 or master.add(ii, jj, w) == 0 or rounds >= MAX_ROUNDS:
                break
    if len(master.ii) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, {"bound": 0.0, "rounds": rounds, "columns": 0}
    q = _integral(x, master.ii, master.jj, g["line_cap"], g["export_cap"])
    value = float(np.dot(master.w, q))
    bound = float(np.dot(alpha, g["line_cap"]) + np.dot(np.maximum(best, 0.0), g["export_cap"]))
    q = _prefer_early_expiry(g, master, alpha, beta, q, value, tol)
    return master.ii, master.jj, q, {"bound": bound, "rounds": rounds, "columns": len(master.ii)}


def _best_values(g, lo, hi, alpha) -> np.ndarray:
    best, *_ = _price(g, lo, hi, alpha, np.zeros(len(lo)), top=0, threshold=np.inf)
    return best


def _prefer_early_expiry(g, master: _Master, alpha, beta, q, value, tol) -> np.ndarray:
    """Among the optimal designations in the master's columns, the one using early-expiring lines most."""
    rc = master.w - alpha[master.ii] - beta[master.jj]
    face = rc >= -tol
    if face.sum() <= 1:
        return q
    n, m = master.n, master.m
    last = g["line_last"].astype(np.float64)
    span = max(1.0, float(last.max() - last.min()))
    rank = 1.0 + (last.max() - last) / span  # 1 (latest limit) .. 2 (earliest)
    h = _highs()
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    caps = np.concatenate([g["line_cap"], g["export_cap"]]).astype(np.float64)
    duals = np.concatenate([alpha, beta])
    lower = np.where(duals > tol, caps, -highspy.kHighsInf)
    h.addRows(len(caps), lower, caps, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    cols = np.flatnonzero(face)
    count = len(cols)
    index = np.empty(2 * count, dtype=np.int32)
    index[0::2] = master.ii[cols]
    index[1::2] = n + master.jj[cols]
    h.addCols(
        count,
        rank[master.ii[cols]],
        np.zeros(count),
        np.full(count, highspy.kHighsInf),
        2 * count,
        np.arange(0, 2 * count, 2, dtype=np.int32),
        index,
        np.ones(2 * count),
    )
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return q
    x2 = np.zeros(len(master.w))
    x2[cols] = np.asarray(h.getSolution().col_value)
    q2 = _integral(x2, master.ii, master.jj, g["line_cap"], g["export_cap"])
    value2 = float(np.dot(master.w, q2))
    # Only a designation at least as good as the first counts; otherwise keep the first.
    if value2 >= value - 1e-12 * max(1.0, abs(value)) - tol:
        return q2
    del m
    return q


# ----------------------------------------------------------------------------------------------------------
# FIFO, LIFO, low-to-high


def _greedy(g, lo, hi, method: Method):
    s, p, big_u = g["line_s"], g["line_p"], g["line_value"]
    u, r = g["export_value"], g["export_recovered"]
    rem = g["line_cap"].astype(np.int64).copy()
    n = len(rem)
    out_i: list[int] = []
    out_j: list[int] = []
    out_q: list[int] = []

    def weight(i: int, j: int) -> float:
        return float(_weights(s[i], p[i], big_u[i], u[j], r[j]))

    if method in (Method.FIFO, Method.LIFO):
        # Skip pointers over exhausted lines (path-halving union-find), forward for FIFO, backward for LIFO.
        forward = method == Method.FIFO
        link = list(range(n + 2))  # index k stands for line k-1 (0 and n+1 are sentinels)

        def find(k: int) -> int:
            while link[k] != k:
                link[k] = link[link[k]]
                k = link[k]
            return k

        rem_l = rem.tolist()
        for j in range(len(lo)):
            need = int(g["export_cap"][j])
            a, b = int(lo[j]), int(hi[j])
            k = find(a + 1) if forward else find(b)
            while need > 0:
                i = k - 1
                if (forward and i >= b) or (not forward and i < a) or i < 0 or i >= n:
                    break
                if weight(i, j) > MIN_WEIGHT:
                    take = min(need, rem_l[i])
                    out_i.append(i)
                    out_j.append(j)
                    out_q.append(take)
                    rem_l[i] -= take
                    need -= take
                    if rem_l[i] == 0:
                        link[k] = k + 1 if forward else k - 1
                nxt = k + 1 if forward else k - 1
                k = find(nxt)
    else:  # low-to-high
        for j in range(len(lo)):
            need = int(g["export_cap"][j])
            a, b = int(lo[j]), int(hi[j])
            if need <= 0 or b <= a:
                continue
            idx = np.flatnonzero(rem[a:b] > 0) + a
            if len(idx) == 0:
                continue
            w = _weights(s[idx], p[idx], big_u[idx], u[j], r[j])
            ok = w > MIN_WEIGHT
            idx, w = idx[ok], w[ok]
            if len(w) == 0:
                continue
            # Compare refunds per unit to 12 significant digits, so that equal refunds computed through
            # different float paths stay equal and fall back to import order.
            key = np.round(w / w.max(), 12)
            for i in idx[np.lexsort((idx, key))].tolist():
                take = min(need, int(rem[i]))
                out_i.append(i)
                out_j.append(j)
                out_q.append(take)
                rem[i] -= take
                need -= take
                if need == 0:
                    break
    return np.array(out_i, dtype=np.int64), np.array(out_j, dtype=np.int64), np.array(out_q, dtype=np.int64)


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
    bound_gap: float = 0.0  # certified distance to the optimum (dollars), optimal method only
    comparison: dict[str, Decimal] = field(default_factory=dict)  # method -> refund
    seconds: float = 0.0

    def uplift(self, other: str) -> Decimal | None:
        if other not in self.comparison:
            return None
        return self.refund - self.comparison[other]


def assemble(problem: Problem, results: Sequence[dict], method: Method) -> Result:
    settings = problem.settings
    rate = drawback_rate(UNUSED_PROVISION, settings)
    designations = list(problem.direct)
    gap = 0.0
    for res in results:
        scale = Decimal(10) ** -int(res["scale"])
        gap += max(0.0, float(res.get("bound", 0.0)) - float(res.get("value", 0.0)))
        for l_idx, e_idx, q_scaled in res["pairs"]:
            line = problem.lines[l_idx]
            export = problem.exports[e_idx]
            quantity = Decimal(int(q_scaled)) * scale
            if quantity <= 0:
                continue
            factor = value_factor(line, export, lesser_of=True).factor
            amounts = pair_amounts(
                problem.amounts[l_idx], quantity, factor, rate=rate, mpf_mode=settings.mpf_mode
            )
            designations.append(
                Designation(line.key, export.ref, Provision.UNUSED_SUBSTITUTION, quantity, amounts)
            )
    designations.sort(key=lambda d: (d.export_ref, d.line.entry_number, d.line.line_number))
    totals = _class_totals(problem, designations)
    rounded = {
        k: round_class(v, _exact_if_needed(problem, designations, k, v)) for k, v in sorted(totals.items())
    }
    refund = sum(rounded.values(), ZERO)
    exclusions = list(problem.exclusions) + _shortfalls(problem, designations)
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


def solve_problem(problem: Problem, method: Method = Method.OPTIMAL) -> Result:
    started = time.perf_counter()
    results = [solve_group(g, method) for g in _group_arrays(problem)]
    result = assemble(problem, results, method)
    result.seconds = time.perf_counter() - started
    return result


def solve(
    *,
    lines: Sequence[ImportLine],
    exports: Sequence[Export],
    tariff: TariffIndex,
    chapter99: Chapter99Table,
    settings: Settings,
    method: Method | str = Method.OPTIMAL,
    compare: Iterable[Method | str] = (),
) -> Result:
    """Prepare, solve every group in-process, and assemble exact designations; optionally also run other
    methods on the same data and record their refunds in `comparison` (for the uplift report)."""
    started = time.perf_counter()
    problem = prepare(lines=lines, exports=exports, tariff=tariff, chapter99=chapter99, settings=settings)
    result = solve_problem(problem, Method(method))
    for other in compare:
        other = Method(other)
        if other == result.method:
            continue
        result.comparison[other.value] = solve_problem(problem, other).refund
    result.seconds = time.perf_counter() - started
    return result


def format_amount(value: Decimal, *, places: int = 6) -> str:
    """At least two and at most `places` decimals, half-up (designations.csv `refund`)."""
    with localcontext(EXACT):
        q = value.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
    text = f"{q:f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if len(frac) < 2:
        frac = frac.ljust(2, "0")
    return f"{whole}.{frac}"


def cents(value: Decimal) -> str:
    return f"{to_cents(value):f}"

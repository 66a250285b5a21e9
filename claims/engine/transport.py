"""The transportation problem of one product group, solved exactly; and the accounting-order designations.

Input (numpy arrays, lines sorted by import date, exports by export date):
    line_cap a_i, export_cap b_j          whole scaled units
    windows [lo_j, hi_j)                  the lines export j may use
    weights w(i, j) = s_i + p_i * f       refund per scaled unit (see optimizer's docstring)

The exact optimum is found by column generation:
- The restricted master problem holds a few candidate pairs per export. It is a min-cost flow problem
  (source -> line -> export -> sink, plus a bypass so nothing has to move), solved by OR-Tools' network
  solver on integer costs c = round(w * K), K chosen so the largest cost is about 2**45 (a relative
  precision of about 3e-14) while staying inside the solver's overflow limits.
- Its duals are recovered exactly, in integers: the optimal flow makes the complementary-slackness
  conditions a system of difference constraints (alpha_i + beta_j >= c_ij on every candidate pair, = on
  pairs carrying flow, alpha_i = 0 on lines with quantity left, beta_j = 0 on exports not covered, all >= 0),
  solved by Bellman-Ford relaxation in numpy. Optimality of the flow guarantees there is no negative cycle.
- Pricing scans every pair of every window with numpy (the group's weights are computed once and kept,
  block by block) for w(i, j) - alpha_i - beta_j > tolerance; the best few per export join the master.
When no pair prices out, the flow is optimal for the full problem (up to the integer rounding of costs,
whose effect is bounded and reported through the duality gap: see `Solution.bound`).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

MIN_WEIGHT = 0.0  # a pair that earns anything is a pair: per scaled unit a refund can be 1e-14 or less
BLOCK_ELEMENTS = 2_000_000  # pairs per numpy block
CACHE_PAIRS = 40_000_000  # keep a group's weights in memory up to this many pairs (320 MB)
INITIAL_COLUMNS = 8  # best pairs per export in the first master
INITIAL_PER_LINE = 3  # and best pairs per line (per block of exports)
COLUMNS_PER_ROUND = 12
RC_TOL = 1e-12  # relative to the largest weight
PRUNE_RC = 2e-3  # columns this far below zero reduced cost (relative) leave a large master
PRUNE_SIZE = 6  # a master is large beyond this many columns per line and export
MAX_ROUNDS = 500
# Column generation runs on costs rounded to COARSE_BITS (faster network solves); the last rounds re-solve on
# COST_BITS, so the optimum proven is that of the fine costs.
COARSE_BITS = 20
COST_BITS = 45
# ...and on capacities divided down to about this many units (the network solver is much quicker on small
# capacities); those rounds only find columns: the last rounds use the true capacities.
COARSE_UNITS = 64


def weights(s, p, big_u, u, r):
    """w = s + p * max(0, min(U, u) - r) / U, broadcasting. No entered value: factor 1 (0 after recovery)."""
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


@dataclass
class Group:
    line_cap: np.ndarray
    line_last: np.ndarray
    s: np.ndarray
    p: np.ndarray
    value: np.ndarray
    export_cap: np.ndarray
    export_value: np.ndarray
    export_recovered: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @property
    def n(self) -> int:
        return len(self.line_cap)

    @property
    def m(self) -> int:
        return len(self.export_cap)

    def pair_weights(self, ii, jj):
        return weights(
            self.s[ii], self.p[ii], self.value[ii], self.export_value[jj], self.export_recovered[jj]
        )


def blocks(lo, hi, limit: int = BLOCK_ELEMENTS) -> Iterator[tuple[int, int]]:
    """Runs of consecutive exports whose windows together stay within `limit` pairs."""
    m = len(lo)
    j0 = 0
    while j0 < m:
        j1 = j0 + 1
        while j1 < m and (j1 + 1 - j0) * max(1, int(hi[j1] - lo[j0])) <= limit:
            j1 += 1
        yield j0, j1
        j0 = j1


class Pairs:
    """The weights of every pair of the group's windows, by blocks of exports; -inf where no pair."""

    def __init__(self, g: Group):
        self.g = g
        self.spans = [
            (j0, j1, int(g.lo[j0:j1].min()), int(g.hi[j0:j1].max())) for j0, j1 in blocks(g.lo, g.hi)
        ]
        self.count = int(np.sum(g.hi - g.lo))
        self.cached = self.count <= CACHE_PAIRS
        self._store = [self._block(*span) for span in self.spans] if self.cached else None

    def _block(self, j0, j1, c0, c1) -> np.ndarray:
        g = self.g
        if c1 <= c0:
            return np.full((j1 - j0, 0), -np.inf)
        w = weights(
            g.s[None, c0:c1],
            g.p[None, c0:c1],
            g.value[None, c0:c1],
            g.export_value[j0:j1, None],
            g.export_recovered[j0:j1, None],
        )
        cols = np.arange(c0, c1)
        outside = (
            (cols[None, :] < g.lo[j0:j1, None]) | (cols[None, :] >= g.hi[j0:j1, None]) | (w <= MIN_WEIGHT)
        )
        w[outside] = -np.inf
        return w

    def __iter__(self):
        for k, span in enumerate(self.spans):
            yield span, (self._store[k] if self.cached else self._block(*span))

    def max_weight(self) -> float:
        if getattr(self, "_max_weight", None) is None:
            top = 0.0
            for _, w in self:
                if w.size:
                    top = max(top, float(w.max()))
            self._max_weight = top
        return self._max_weight

    def best_per_line(self, top: int):
        """For each line, its `top` best pairs within each block of exports."""
        out_i, out_j, out_w = [], [], []
        for (j0, j1, c0, c1), w in self:
            if c1 <= c0 or j1 <= j0:
                continue
            k = min(top, j1 - j0)
            part = (
                np.argpartition(w, -k, axis=0)[-k:, :]
                if k < j1 - j0
                else np.tile(np.arange(j1 - j0)[:, None], (1, c1 - c0))
            )
            vals = np.take_along_axis(w, part, axis=0)
            rr, cc = np.nonzero(np.isfinite(vals))
            out_i.append(cc + c0)
            out_j.append(part[rr, cc] + j0)
            out_w.append(vals[rr, cc])
        if not out_i:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        ii, jj, w = np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_w)
        # A line spans several blocks: keep its `top` best over all of them.
        order = np.lexsort((-w, ii))
        ii, jj, w = ii[order], jj[order], w[order]
        first = np.searchsorted(ii, ii, side="left")
        keep = np.arange(len(ii)) - first < top
        return ii[keep], jj[keep], w[keep]

    def price(self, alpha, beta, *, top: int, tol: float):
        """best_j = max_i (w - alpha_i) over the window, and up to `top` pairs per export whose reduced cost
        w - alpha_i - beta_j exceeds `tol`."""
        best = np.full(self.g.m, -np.inf)
        out_i, out_j, out_w = [], [], []
        for (j0, j1, c0, c1), w in self:
            if c1 <= c0:
                continue
            val = w - alpha[None, c0:c1]
            best[j0:j1] = val.max(axis=1)
            rows = np.flatnonzero(best[j0:j1] - beta[j0:j1] > tol)
            if top == 0 or len(rows) == 0:
                continue
            sub = val[rows]
            k = min(top, c1 - c0)
            part = (
                np.argpartition(sub, -k, axis=1)[:, -k:]
                if k < c1 - c0
                else np.tile(np.arange(c1 - c0), (len(rows), 1))
            )
            chosen = np.take_along_axis(sub, part, axis=1) - beta[j0 + rows][:, None]
            rr, cc = np.nonzero(chosen > tol)
            if len(rr):
                cols = part[rr, cc]
                out_i.append(cols + c0)
                out_j.append(j0 + rows[rr])
                out_w.append(w[rows[rr], cols])
        if out_i:
            return best, np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_w)
        empty = np.zeros(0, dtype=np.int64)
        return best, empty, empty, np.zeros(0)


class Master:
    """Candidate pairs and their min-cost flow, with exact integer duals."""

    def __init__(self, g: Group, max_weight: float, bits: int = COST_BITS):
        self.g = g
        self.max_weight = max_weight
        self.rescale(bits)
        self.ii = np.zeros(0, dtype=np.int64)
        self.jj = np.zeros(0, dtype=np.int64)
        self.w = np.zeros(0)
        self.c = np.zeros(0, dtype=np.int64)
        self._keys = np.zeros(0, dtype=np.int64)

    def rescale(self, bits: int) -> None:
        """Cost precision; the coarse precision goes with coarse capacities."""
        g = self.g
        if bits == COST_BITS:
            self.line_cap, self.export_cap = g.line_cap, g.export_cap
        else:
            top = int(max(g.line_cap.max(initial=1), g.export_cap.max(initial=1)))
            d = max(1, top // COARSE_UNITS)
            self.line_cap, self.export_cap = -(-g.line_cap // d), -(-g.export_cap // d)
        nodes = self.g.n + self.g.m + 2
        limit = min(2**bits, 2**61 // (nodes + 2))
        self.bits = bits
        self.scale = limit / self.max_weight if self.max_weight > 0 else 1.0
        if hasattr(self, "w"):
            self.c = np.rint(self.w * self.scale).astype(np.int64)

    def prune(self, q, alpha, beta) -> None:
        """Drop columns that carry nothing and price well below zero, once the master has grown large."""
        if len(self.c) <= PRUNE_SIZE * (self.g.n + self.g.m):
            return
        rc = self.w - alpha[self.ii] - beta[self.jj]
        keep = (q > 0) | (rc > -PRUNE_RC * self.max_weight)
        self.ii, self.jj, self.w, self.c = self.ii[keep], self.jj[keep], self.w[keep], self.c[keep]
        self._keys = np.sort(self.ii * (self.g.m + 1) + self.jj)

    def add(self, ii, jj, w) -> int:
        keys = ii.astype(np.int64) * (self.g.m + 1) + jj
        keys, first = np.unique(keys, return_index=True)
        fresh = ~np.isin(keys, self._keys, assume_unique=True)
        if not fresh.any():
            return 0
        pick = first[fresh]
        self._keys = np.union1d(self._keys, keys[fresh])
        self.ii = np.concatenate([self.ii, ii[pick]])
        self.jj = np.concatenate([self.jj, jj[pick]])
        self.w = np.concatenate([self.w, w[pick]])
        self.c = np.concatenate([self.c, np.rint(w[pick] * self.scale).astype(np.int64)])
        return int(fresh.sum())

    def solve(self):
        """Optimal flow on the candidate pairs: (quantity per pair, alpha, beta) with integer duals."""
        g = self.g
        q, line_used, export_used = _flow(g.n, g.m, self.line_cap, self.export_cap, self.ii, self.jj, self.c)
        alpha, beta = duals(
            g.n, g.m, self.ii, self.jj, self.c, q, line_used < self.line_cap, export_used < self.export_cap
        )
        return q, alpha, beta


def _flow(n, m, line_cap, export_cap, ii, jj, gain, *, line_fixed=None, export_fixed=None):
    """Min-cost flow source -> line -> export -> sink with a bypass, maximising sum gain x on the
    line->export arcs (their cost is -gain). Lines/exports flagged in *_fixed use exactly their capacity."""
    line_fixed = np.zeros(n, dtype=bool) if line_fixed is None else line_fixed
    export_fixed = np.zeros(m, dtype=bool) if export_fixed is None else export_fixed
    src, dst = n + m, n + m + 1
    opt_lines = np.flatnonzero(~line_fixed)
    opt_exports = np.flatnonzero(~export_fixed)
    cap_ij = np.minimum(line_cap[ii], export_cap[jj])
    tails = np.concatenate([np.full(len(opt_lines), src), ii, n + opt_exports, [src]])
    heads = np.concatenate([opt_lines, n + jj, np.full(len(opt_exports), dst), [dst]])
    optional_supply = int(line_cap[opt_lines].sum())
    caps = np.concatenate([line_cap[opt_lines], cap_ij, export_cap[opt_exports], [optional_supply]])
    costs = np.concatenate([np.zeros(len(opt_lines)), -gain, np.zeros(len(opt_exports)), [0]]).astype(
        np.int64
    )
    supplies = np.zeros(n + m + 2, dtype=np.int64)
    supplies[:n][line_fixed] = line_cap[line_fixed]
    supplies[n : n + m][export_fixed] = -export_cap[export_fixed]
    supplies[src] = optional_supply
    supplies[dst] = -(supplies[: n + m].sum() + optional_supply)
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    mcf.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int32), supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow not solved: {status}")
    flows = mcf.flows(arcs)
    k0 = len(opt_lines)
    q = flows[k0 : k0 + len(ii)].astype(np.int64)
    # Integer sums: floating-point bincount loses units beyond 2**53.
    line_used = np.zeros(n, dtype=np.int64)
    export_used = np.zeros(m, dtype=np.int64)
    np.add.at(line_used, ii, q)
    np.add.at(export_used, jj, q)
    return q, line_used, export_used


def duals(n, m, ii, jj, c, q, line_open, export_open):
    """Integer duals (alpha_i, beta_j) that prove the flow optimal on the candidate pairs.

    Difference constraints with potentials d (alpha_i = d_i - d_z, beta_j = d_z - d_j): edge u -> v of weight
    x means d_v <= d_u + x.
    """
    z = n + m
    lines = np.arange(n)
    exports = n + np.arange(m)
    flowing = q > 0
    src = np.concatenate(
        [ii, n + jj[flowing], lines, np.full(int(line_open.sum()), z), np.full(m, z), exports[export_open]]
    )
    dst = np.concatenate(
        [n + jj, ii[flowing], np.full(n, z), lines[line_open], exports, np.full(int(export_open.sum()), z)]
    )
    wt = np.concatenate(
        [
            -c,
            c[flowing],
            np.zeros(n, np.int64),
            np.zeros(int(line_open.sum()), np.int64),
            np.zeros(m, np.int64),
            np.zeros(int(export_open.sum()), np.int64),
        ]
    )
    order = np.argsort(dst, kind="stable")
    src, dst, wt = src[order], dst[order], wt[order]
    targets, starts = np.unique(dst, return_index=True)
    dist = np.zeros(n + m + 1, dtype=np.int64)
    for _ in range(n + m + 2):
        best = np.minimum.reduceat(dist[src] + wt, starts)
        better = best < dist[targets]
        if not better.any():
            break
        dist[targets[better]] = best[better]
    else:
        raise RuntimeError("no dual solution: the flow is not optimal")
    alpha = dist[:n] - dist[z]
    beta = dist[z] - dist[n : n + m]
    return alpha, beta


@dataclass
class Solution:
    ii: np.ndarray
    jj: np.ndarray
    q: np.ndarray
    value: float  # sum w q (float)
    bound: float  # a proven upper bound of the optimum (weak duality)
    rounds: int
    columns: int
    alpha: np.ndarray | None = None  # line duals (refund per scaled unit): the worth of one more unit
    beta: np.ndarray | None = None  # export duals: with alpha, feasible for every pair (objective `bound`)
    pairs: "Pairs | None" = None  # the weights it was solved on (to solve a capacity variant again)


def optimal(g: Group, expiry_rank: np.ndarray | None = None, columns=None, pairs=None) -> Solution:
    """The optimum of the group; `columns` (ii, jj), say those of a neighbouring problem's last master, join
    the first master and save most of the rounds. `pairs`: the weights of a group that differs from this one
    only in capacities (weights do not depend on them), to save computing them again."""
    pairs = Pairs(g) if pairs is None else pairs  # weights and windows only: no capacities
    wmax = pairs.max_weight()
    empty = np.zeros(0, dtype=np.int64)
    if wmax <= 0:
        return Solution(empty, empty, empty, 0.0, 0.0, 0, 0, np.zeros(g.n), np.zeros(g.m))
    # Seeded with a neighbour's columns, the master is nearly complete: no coarse rounds.
    seeded = columns is not None and len(columns[0]) > 0
    master = Master(g, wmax, COST_BITS if seeded else COARSE_BITS)
    if not seeded:
        _, ii, jj, w = pairs.price(np.zeros(g.n), np.zeros(g.m), top=INITIAL_COLUMNS, tol=0.0)
        master.add(ii, jj, w)
        master.add(*pairs.best_per_line(INITIAL_PER_LINE))
        # The FIFO and LIFO designations spread the first master over the whole time range: fewer rounds.
        for order in ("fifo", "lifo"):
            oi, oj, _ = accounting_order(g, order)
            master.add(oi, oj, g.pair_weights(oi, oj))
    else:
        ci, cj = columns
        cw = g.pair_weights(ci, cj)
        keep = np.isfinite(cw) & (cw > MIN_WEIGHT)
        master.add(ci[keep], cj[keep], cw[keep])
    rounds = 0
    while True:
        rounds += 1
        tol = max(RC_TOL * wmax, 2.0 / master.scale)
        q, alpha_int, beta_int = master.solve()
        alpha = alpha_int / master.scale
        beta = beta_int / master.scale
        best, ii, jj, w = pairs.price(alpha, beta, top=COLUMNS_PER_ROUND, tol=tol)
        done = len(ii) == 0 or rounds >= MAX_ROUNDS
        if done and master.bits == COST_BITS:
            break
        if done:
            master.rescale(COST_BITS)  # settle the optimum on the fine costs
            continue
        master.prune(q, alpha, beta)
        if master.add(ii, jj, w) == 0:  # only columns already there price out: rounding noise
            if master.bits == COST_BITS:
                break
            master.rescale(COST_BITS)
    value = float(np.dot(master.w, q))
    bound = float(np.dot(alpha, g.line_cap) + np.dot(np.maximum(best, 0.0), g.export_cap))
    if expiry_rank is not None:
        # Pairs the last pricing found at zero reduced cost belong to the optimal face too.
        _, ti, tj, tw = pairs.price(alpha, beta, top=COLUMNS_PER_ROUND, tol=-tol)
        master.add(ti, tj, tw)
        q = prefer(master, alpha_int, beta_int, q, expiry_rank)
    # Duals feasible for every pair, not only the master's: alpha and beta_j = max(0, max_i (w_ij - alpha_i)).
    beta_all = np.maximum(best, 0.0)
    return Solution(master.ii, master.jj, q, value, bound, rounds, len(master.ii), alpha, beta_all, pairs)


def prefer(master: Master, alpha, beta, q, rank):
    """Among the optimal flows of the master (same integer duals), the one maximising sum rank_i x_ij.

    Only pairs with zero reduced cost may carry flow, and lines/exports with a positive dual stay fully used:
    any such flow has the same total refund (sum alpha_i a_i + sum beta_j b_j)."""
    g = master.g
    if len(q) < len(master.c):
        q = np.concatenate([q, np.zeros(len(master.c) - len(q), dtype=np.int64)])
    face = master.c - alpha[master.ii] - beta[master.jj] == 0
    if face.sum() <= 1:
        return q
    ii, jj = master.ii[face], master.jj[face]
    try:
        q2, _, _ = _flow(
            g.n,
            g.m,
            g.line_cap,
            g.export_cap,
            ii,
            jj,
            rank[ii].astype(np.int64),
            line_fixed=alpha > 0,
            export_fixed=beta > 0,
        )
    except RuntimeError:
        return q
    out = np.zeros(len(master.c), dtype=np.int64)
    out[np.flatnonzero(face)] = q2
    return out


def accounting_order(g: Group, method: str):
    """FIFO, LIFO or low-to-high, export by export in date order. Returns (ii, jj, q)."""
    rem = g.line_cap.astype(np.int64).copy()
    out_i: list[int] = []
    out_j: list[int] = []
    out_q: list[int] = []
    s, p, big_u = g.s, g.p, g.value
    u, r = g.export_value, g.export_recovered
    n = g.n
    if method in ("fifo", "lifo"):
        forward = method == "fifo"
        # Skip pointers over exhausted lines (union-find with path halving); slot k stands for line k - 1.
        link = list(range(n + 2))

        def find(k: int) -> int:
            while link[k] != k:
                link[k] = link[link[k]]
                k = link[k]
            return k

        rem_l = rem.tolist()
        s_l, p_l, u_big_l = s.tolist(), p.tolist(), big_u.tolist()
        for j in range(g.m):
            need = int(g.export_cap[j])
            a, b = int(g.lo[j]), int(g.hi[j])
            uj, rj = float(u[j]), float(r[j])
            k = find(a + 1) if forward else find(b)
            while need > 0:
                i = k - 1
                if i < a or i >= b:
                    break
                if weights(s_l[i], p_l[i], u_big_l[i], uj, rj) > MIN_WEIGHT:
                    take = min(need, rem_l[i])
                    out_i.append(i)
                    out_j.append(j)
                    out_q.append(take)
                    rem_l[i] -= take
                    need -= take
                    if rem_l[i] == 0:
                        link[k] = k + 1 if forward else k - 1
                k = find(k + 1 if forward else k - 1)
    else:
        for j in range(g.m):
            need = int(g.export_cap[j])
            a, b = int(g.lo[j]), int(g.hi[j])
            if need <= 0 or b <= a:
                continue
            idx = np.flatnonzero(rem[a:b] > 0) + a
            if len(idx) == 0:
                continue
            w = weights(s[idx], p[idx], big_u[idx], u[j], r[j])
            keep = w > MIN_WEIGHT
            idx, w = idx[keep], w[keep]
            if len(w) == 0:
                continue
            # Refunds per unit compared to 12 significant digits, so equal refunds reached through different
            # float paths stay equal and fall back to import order.
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
    return (np.array(out_i, dtype=np.int64), np.array(out_j, dtype=np.int64), np.array(out_q, dtype=np.int64))

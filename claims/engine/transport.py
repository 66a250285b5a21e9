"""The transportation problem of one product group, solved exactly; and the accounting-order designations.

Input (numpy arrays, lines sorted by import date, exports by export date):
    line_cap a_i, export_cap b_j          whole scaled units
    windows [lo_j, hi_j)                  the lines export j may use
    weights w(i, j) = s_i + p_i * f       refund per scaled unit (see optimizer's docstring)

The exact optimum is found by column generation:
- The restricted master problem holds a few candidate pairs per export and per line. It is a min-cost flow
  problem (line -> export -> T, plus each line's arc to T for what it keeps), solved by a primal network
  simplex (`netsimplex`) on integer costs c = round(w * K), K chosen so the largest cost is about 2**45 (a
  relative precision of about 3e-14) while tree potentials stay inside 64 bits. The simplex keeps its
  spanning tree from round to round: the columns a round adds start at zero flow, so the next solve starts
  from the last optimum instead of from nothing.
- Its duals are the tree's potentials, exact integers; they are checked against the complementary-slackness
  conditions (alpha_i + beta_j >= c_ij on every candidate pair, = on pairs carrying flow, alpha_i = 0 on lines
  with quantity left, beta_j = 0 on exports not covered, all >= 0), and recovered by Bellman-Ford relaxation
  in numpy should the check ever fail.
- Pricing runs compiled loops over the windows for w(i, j) - alpha_i - beta_j > tolerance, in parts of the
  group in turn (the duals are renewed after each part that adds columns); blocks of lines whose bound on
  w - alpha (from the weights' structure) cannot reach beta_j are skipped. The best few per export join the
  master. A group of several parts prices its next part on a second thread while the simplex solves (under
  the duals of the round before; those columns join only if they still improve the master).
When every part in a row prices out nothing under the same duals, the flow is optimal for the full problem
(up to the integer rounding of costs, whose effect is bounded and reported through the duality gap: see
`Solution.bound`).
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import netsimplex

MIN_WEIGHT = 0.0  # a pair that earns anything is a pair: per scaled unit a refund can be 1e-14 or less
BLOCK_ELEMENTS = 2_000_000  # pairs per run of exports priced at once
PRICE_BLOCK_LINES = 64  # lines per block of the pricing bounds
PRICE_THREADS = 2  # the pricing loops release the interpreter lock: a large group prices on two threads
PARALLEL_PRICE_PAIRS = 4_000_000  # ...from this many pairs in one call
# A round prices the exports of one part of the group of about this many pairs (the parts in turn), so the
# duals are renewed before the whole group is priced again; the optimum is proven when every part in a row
# prices out nothing under the same duals.
PARTIAL_PAIRS = 16_000_000
INITIAL_COLUMNS = 8  # best pairs per export in the first master
INITIAL_PER_LINE = 3  # and best pairs per line
COLUMNS_PER_ROUND = 12
# ...and per export of a group priced in several parts: on the 184-million-pair group of large-4711, 48
# took 72 cpu s where 24 took 79 and 12 took 92 (fewer rounds, so fewer re-solves of the master).
COLUMNS_PER_ROUND_LARGE = 48
RC_TOL = 1e-12  # relative to the largest weight
PRUNE_RC = 2e-3  # columns this far below zero reduced cost (relative) leave a large master
PRUNE_SIZE = 6  # a master is large beyond this many columns per line and export
PRUNE_KEEP = 3  # and then keeps about this many per line and export, besides the tree
MAX_ROUNDS = 5_000
PIVOT_BLOCK = 1.0  # arcs searched for the entering arc: this times the square root of their number
COST_BITS = 45  # costs are whole numbers of about this many bits (see Master)


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
    """Every pair of the group's windows, priced by compiled loops over the windows (nothing is stored), in
    runs of exports of about BLOCK_ELEMENTS pairs, shared between threads when the group is large."""

    def __init__(self, g: Group):
        self.g = g
        self.count = int(np.sum(g.hi - g.lo))
        self._s = np.ascontiguousarray(g.s, dtype=np.float64)
        self._p = np.ascontiguousarray(g.p, dtype=np.float64)
        self._big_u = np.ascontiguousarray(g.value, dtype=np.float64)
        self._u = np.ascontiguousarray(g.export_value, dtype=np.float64)
        self._r = np.ascontiguousarray(g.export_recovered, dtype=np.float64)
        self._lo = np.ascontiguousarray(g.lo, dtype=np.int64)
        self._hi = np.ascontiguousarray(np.maximum(g.hi, g.lo), dtype=np.int64)
        self.spans = list(blocks(g.lo, g.hi, max(1, BLOCK_ELEMENTS)))
        self._max_weight = None
        # Blocks of consecutive lines sorted by entered value per unit, for the bounds that let pricing skip
        # most of a large window (netsimplex.price_bounded).
        n, width = g.n, PRICE_BLOCK_LINES
        count = -(-n // width)
        key = np.where(self._big_u > 0, self._big_u, -np.inf)
        padded = np.full(count * width, np.inf)
        padded[:n] = key
        by_block = np.argsort(padded.reshape(count, width), axis=1, kind="stable")
        self._order = (by_block + (np.arange(count) * width)[:, None]).ravel()
        self._sorted_u = padded[self._order]
        self._order = np.ascontiguousarray(self._order[self._order < n]) if count * width > n else self._order
        self._d = np.where(self._big_u > 0, self._p / np.where(self._big_u > 0, self._big_u, 1.0), 0.0)
        self._top = float(np.max(self._s + self._p, initial=0.0))

    def max_weight(self) -> float:
        if self._max_weight is None:
            best, _, _, _ = self.price(np.zeros(self.g.n), np.zeros(self.g.m), top=0, tol=0.0)
            finite = best[np.isfinite(best)]
            self._max_weight = max(0.0, float(finite.max())) if len(finite) else 0.0
        return self._max_weight

    def best_per_line(self, top: int):
        """For each line, its `top` best pairs (by weight) over every export it may serve."""
        n = self.g.n
        if top <= 0 or n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        vals = np.zeros((n, top))
        idx = np.full((n, top), -1, dtype=np.int64)
        netsimplex.best_per_line(
            self._s, self._p, self._big_u, self._u, self._r, self._lo, self._hi, top, vals, idx
        )
        rr, kk = np.nonzero(idx >= 0)
        ii, jj = rr.astype(np.int64), idx[rr, kk]
        return ii, jj, self.g.pair_weights(ii, jj)

    def chunks(self, pairs: int) -> list[list[tuple[int, int]]]:
        """The runs of exports in consecutive parts of at least `pairs` pairs each (one part when smaller)."""
        out: list[list[tuple[int, int]]] = [[]]
        size = 0
        for j0, j1 in self.spans:
            if size >= pairs:
                out.append([])
                size = 0
            out[-1].append((j0, j1))
            size += int(np.sum(self._hi[j0:j1] - self._lo[j0:j1]))
        return out

    def price(self, alpha, beta, *, top: int, tol: float, spans=None, threads: int = PRICE_THREADS):
        """best_j = max_i (w - alpha_i) over the window, and up to `top` pairs per export whose reduced cost
        w - alpha_i - beta_j exceeds `tol` (the largest first); over the exports of `spans` only, if given
        (best is -inf for the others)."""
        g = self.g
        spans = self.spans if spans is None else spans
        alpha = np.ascontiguousarray(alpha, dtype=np.float64)
        beta = np.ascontiguousarray(beta, dtype=np.float64)
        best = np.full(g.m, -np.inf)
        room = max(top, 0)
        width = PRICE_BLOCK_LINES
        count = -(-g.n // width)
        bounds = [np.empty((count, width + 1)) for _ in range(4)]
        netsimplex.block_bounds(
            self._s + self._p - alpha, self._s - alpha, self._d, self._order, self._sorted_u, width, *bounds
        )
        # Lines whose w - alpha is provably below beta_j - margin are skipped: margin covers the tolerance
        # asked for (negative too) and the rounding of the bounds.
        margin = 2.0 * abs(float(tol)) + 1e-9 * self._top

        def run(span):
            j0, j1 = span
            out_i = np.empty(room * (j1 - j0), dtype=np.int64)
            out_j = np.empty(room * (j1 - j0), dtype=np.int64)
            k = netsimplex.price_bounded(
                self._s,
                self._p,
                self._big_u,
                self._u,
                self._r,
                self._lo,
                self._hi,
                alpha,
                beta,
                float(tol),
                room,
                j0,
                j1,
                best,
                out_i,
                out_j,
                width,
                self._sorted_u,
                *bounds,
                margin,
            )
            return out_i[:k], out_j[:k]

        work = sum(int(np.sum(self._hi[j0:j1] - self._lo[j0:j1])) for j0, j1 in spans)
        threads = threads if work >= PARALLEL_PRICE_PAIRS and len(spans) > 1 else 1
        if threads > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                parts = list(pool.map(run, spans))
        else:
            parts = [run(span) for span in spans]
        ii = np.concatenate([a for a, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
        jj = np.concatenate([b for _, b in parts]) if parts else np.zeros(0, dtype=np.int64)
        return best, ii, jj, g.pair_weights(ii, jj)


# Arcs of the master network before the columns: line -> T, export -> T, T -> export, T -> line.
class Master:
    """Candidate pairs and their optimal flow by a network simplex kept from round to round, with exact
    integer duals (the tree's potentials)."""

    def __init__(self, g: Group, max_weight: float, bits: int = COST_BITS):
        self.g = g
        self.max_weight = max_weight
        n, m = g.n, g.m
        nodes = n + m + 2
        limit = min(2**bits, 2**61 // (nodes + 2))
        self.bits = bits
        self.scale = limit / max_weight if max_weight > 0 else 1.0
        self.ii = np.zeros(0, dtype=np.int64)
        self.jj = np.zeros(0, dtype=np.int64)
        self.w = np.zeros(0)
        self.c = np.zeros(0, dtype=np.int64)
        self._keys = np.zeros(0, dtype=np.int64)
        self.line_cap = np.asarray(g.line_cap, dtype=np.int64)
        self.export_cap = np.asarray(g.export_cap, dtype=np.int64)
        self._start_tree()

    def _start_tree(self) -> None:
        g = self.g
        n, m = g.n, g.m
        root = n + m
        self.root = root
        self.k0 = k0 = 2 * (n + m)
        lines, exports = np.arange(n), np.arange(m)
        inf = int(netsimplex.INF)
        self.src = np.concatenate([lines, n + exports, np.full(m, root), np.full(n, root)]).astype(np.int64)
        self.dst = np.concatenate([np.full(n, root), np.full(m, root), n + exports, lines]).astype(np.int64)
        self.cost = np.zeros(k0, dtype=np.int64)
        self.cap = np.concatenate(
            [np.full(n, inf), self.export_cap, np.zeros(m, np.int64), np.zeros(n, np.int64)]
        ).astype(np.int64)
        self.flow = np.zeros(k0, dtype=np.int64)
        self.state = np.zeros(k0, dtype=np.int8)
        supplied = self.line_cap > 0
        self.flow[:n][supplied] = self.line_cap[supplied]
        self.state[:n][~supplied] = (
            netsimplex.LOWER
        )  # a line without quantity: its own arc is not in the tree
        self.state[n : n + m][self.export_cap > 0] = netsimplex.LOWER
        size = n + m + 1
        self.pi = np.zeros(size, dtype=np.int64)
        self.parent = np.full(size, -1, dtype=np.int64)
        self.parent[:root] = root
        self.pred = np.full(size, -1, dtype=np.int64)
        self.pred[:n] = np.where(supplied, lines, n + 2 * m + lines)
        self.pred[n:root] = n + m + exports
        self.pdir = np.full(size, -1, dtype=np.int64)
        self.pdir[:n][supplied] = 1
        # The thread: T, then 0, 1, ..., root - 1 (every node a leaf below T), and back to T.
        self.thread = np.roll(np.arange(size, dtype=np.int64), -1)
        self.rev_thread = np.roll(np.arange(size, dtype=np.int64), 1)
        self.succ_num = np.ones(size, dtype=np.int64)
        self.succ_num[root] = size
        self.last_succ = np.arange(size, dtype=np.int64)
        self.last_succ[root] = root - 1 if root > 0 else root
        self.dirty = np.zeros(size, dtype=np.int64)
        self.next_arc = 0
        self.pivots = 0

    def prune(self, q, alpha, beta) -> None:
        """Drop columns that carry nothing, are not in the tree and price well below zero, once the master
        has grown large."""
        if len(self.c) <= PRUNE_SIZE * (self.g.n + self.g.m):
            return
        rc = self.w - alpha[self.ii] - beta[self.jj]
        in_tree = np.zeros(len(self.src), dtype=bool)
        in_tree[self.pred[self.pred >= 0]] = True
        col_tree = in_tree[self.k0 :]
        keep = (q > 0) | col_tree | (rc > -PRUNE_RC * self.max_weight)
        room = PRUNE_KEEP * (self.g.n + self.g.m)
        if keep.sum() > room:
            # Still large: the columns closest to entering stay (besides the tree's), the others go.
            free = np.flatnonzero(~((q > 0) | col_tree))
            if len(free) > room:
                cut = np.partition(rc[free], len(free) - room)[len(free) - room]
                keep = (q > 0) | col_tree | (rc >= cut)
        if keep.all():
            return
        keep_arc = np.concatenate([np.ones(self.k0, dtype=bool), keep])
        new_index = np.cumsum(keep_arc) - 1
        has_pred = self.pred >= 0
        self.pred[has_pred] = new_index[self.pred[has_pred]]
        for name in ("src", "dst", "cost", "cap", "flow", "state"):
            setattr(self, name, getattr(self, name)[keep_arc])
        self.ii, self.jj, self.w, self.c = self.ii[keep], self.jj[keep], self.w[keep], self.c[keep]
        self._keys = np.sort(self.ii * (self.g.m + 1) + self.jj)
        self.next_arc = 0

    def add(self, ii, jj, w) -> int:
        keys = ii.astype(np.int64) * (self.g.m + 1) + jj
        keys, first = np.unique(keys, return_index=True)
        fresh = ~np.isin(keys, self._keys, assume_unique=True)
        if not fresh.any():
            return 0
        pick = first[fresh]
        self._keys = np.sort(np.concatenate([self._keys, keys[fresh]]), kind="stable")  # two sorted runs
        ni, nj, nw = ii[pick].astype(np.int64), jj[pick].astype(np.int64), w[pick]
        nc = np.rint(nw * self.scale).astype(np.int64)
        self.ii = np.concatenate([self.ii, ni])
        self.jj = np.concatenate([self.jj, nj])
        self.w = np.concatenate([self.w, nw])
        self.c = np.concatenate([self.c, nc])
        k = len(ni)
        self.src = np.concatenate([self.src, ni])
        self.dst = np.concatenate([self.dst, self.g.n + nj])
        self.cost = np.concatenate([self.cost, -nc])
        self.cap = np.concatenate([self.cap, np.full(k, netsimplex.INF, dtype=np.int64)])
        self.flow = np.concatenate([self.flow, np.zeros(k, dtype=np.int64)])
        self.state = np.concatenate([self.state, np.full(k, netsimplex.LOWER, dtype=np.int8)])
        return k

    def solve(self, with_duals: bool = True):
        """Optimal flow on the candidate pairs: (quantity per pair, alpha, beta) with integer duals."""
        g = self.g
        n, m, root = g.n, g.m, self.root
        block = max(10, int(PIVOT_BLOCK * np.sqrt(len(self.src))))
        pivots, self.next_arc = netsimplex.run(
            self.src,
            self.dst,
            self.cost,
            self.cap,
            self.flow,
            self.state,
            self.pi,
            self.parent,
            self.pred,
            self.pdir,
            self.thread,
            self.rev_thread,
            self.succ_num,
            self.last_succ,
            self.dirty,
            block,
            self.next_arc,
        )
        self.pivots += pivots
        q = self.flow[self.k0 :].copy()
        if not with_duals:
            return q, None, None
        line_open = self.flow[:n] > 0
        export_open = self.flow[n : n + m] < self.export_cap
        alpha = self.pi[:n] - self.pi[root]
        beta = np.maximum(self.pi[root] - self.pi[n : n + m], 0)
        if not _proves(alpha, beta, self.ii, self.jj, self.c, q, line_open, export_open):
            # Not expected: the tree's potentials should prove the flow optimal. Solve the dual afresh.
            alpha, beta = duals(n, m, self.ii, self.jj, self.c, q, line_open, export_open)
        return q, alpha, beta


def _proves(alpha, beta, ii, jj, c, q, line_open, export_open) -> bool:
    """Integer duals that prove the flow optimal on the candidate pairs: feasible (alpha, beta >= 0,
    alpha_i + beta_j >= c_ij) and complementary (equality where a pair carries, zero where a line or an export
    is not used up)."""
    if (alpha < 0).any() or (beta < 0).any() or alpha[line_open].any() or beta[export_open].any():
        return False
    slack = alpha[ii] + beta[jj] - c
    return bool((slack >= 0).all() and not slack[q > 0].any())


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
    empty = np.zeros(0, dtype=np.int64)
    seeded = columns is not None and len(columns[0]) > 0
    first = None
    if not seeded and pairs._max_weight is None:
        # The first pricing (every dual zero) gives the largest weight and the first columns at once.
        first = pairs.price(np.zeros(g.n), np.zeros(g.m), top=INITIAL_COLUMNS, tol=0.0)
        finite = first[0][np.isfinite(first[0])]
        pairs._max_weight = max(0.0, float(finite.max())) if len(finite) else 0.0
    wmax = pairs.max_weight()
    if wmax <= 0:
        return Solution(empty, empty, empty, 0.0, 0.0, 0, 0, np.zeros(g.n), np.zeros(g.m))
    master = Master(g, wmax)
    if not seeded:
        _, ii, jj, w = (
            first
            if first is not None
            else pairs.price(np.zeros(g.n), np.zeros(g.m), top=INITIAL_COLUMNS, tol=0.0)
        )
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
    tol = max(RC_TOL * wmax, 2.0 / master.scale)
    parts = pairs.chunks(PARTIAL_PAIRS)
    best = np.full(g.m, -np.inf)
    rounds, k, clean = 0, 0, 0
    # A large group prices its next part on another thread while the simplex solves: those columns are
    # priced under the previous duals, and join the master only if they still improve it under the new ones.
    ahead_pool = ThreadPoolExecutor(max_workers=1) if len(parts) > 1 else None
    per_round = COLUMNS_PER_ROUND_LARGE if len(parts) > 1 else COLUMNS_PER_ROUND
    ahead = None
    try:
        while True:
            rounds += 1
            q, alpha_int, beta_int = master.solve()
            alpha = alpha_int / master.scale
            beta = beta_int / master.scale
            added = 0
            if ahead is not None:
                _, ai, aj, aw = ahead.result()
                ahead = None
                keep = aw - alpha[ai] - beta[aj] > tol
                added = master.add(ai[keep], aj[keep], aw[keep]) if keep.any() else 0
                q = np.concatenate([q, np.zeros(added, dtype=np.int64)])
            if rounds >= MAX_ROUNDS:
                best, _, _, _ = pairs.price(alpha, beta, top=0, tol=tol)
                break
            clean = 0
            while clean < len(parts):
                part = parts[k % len(parts)]
                k += 1
                part_best, ii, jj, w = pairs.price(alpha, beta, top=per_round, tol=tol, spans=part)
                for j0, j1 in part:
                    best[j0:j1] = part_best[j0:j1]
                fresh = master.add(ii, jj, w) if len(ii) else 0
                added += fresh
                # (none added when only columns already there price out: rounding noise)
                if added:
                    break
                clean += 1
            if not added:
                # Every part priced out under these duals, the master unchanged since they were found.
                break
            if ahead_pool is not None:
                ahead = ahead_pool.submit(
                    pairs.price,
                    alpha,
                    beta,
                    top=per_round,
                    tol=tol,
                    spans=parts[k % len(parts)],
                    threads=1,
                )
                k += 1
            master.prune(np.concatenate([q, np.zeros(len(master.c) - len(q), dtype=np.int64)]), alpha, beta)
    finally:
        if ahead_pool is not None:
            ahead_pool.shutdown(wait=True, cancel_futures=True)
    value = float(np.dot(master.w, q))
    bound = float(np.dot(alpha, g.line_cap) + np.dot(np.maximum(best, 0.0), g.export_cap))
    if expiry_rank is not None:
        # Pairs the last pricing found at zero reduced cost belong to the optimal face too.
        _, ti, tj, tw = pairs.price(alpha, beta, top=COLUMNS_PER_ROUND, tol=-tol)
        master.add(ti, tj, tw)
        q = prefer(master, expiry_rank)
    # Duals feasible for every pair, not only the master's: alpha and beta_j = max(0, max_i (w_ij - alpha_i)).
    beta_all = np.maximum(best, 0.0)
    return Solution(master.ii, master.jj, q, value, bound, rounds, len(master.ii), alpha, beta_all, pairs)


def prefer(master: Master, rank):
    """Among the optimal flows of the master, the one maximising sum rank_i x_ij: the network simplex goes on
    from the optimal tree with the rank as profit, every arc of nonzero reduced cost held where it is.

    Any flow that is complementary to the optimal duals (pairs of zero reduced cost only; lines and exports
    with a nonzero dual kept as they are) has the same total refund, and every optimal flow is such a flow."""
    rc = master.cost + master.pi[master.src] - master.pi[master.dst]
    in_tree = np.zeros(len(master.src), dtype=bool)
    in_tree[master.pred[master.pred >= 0]] = True
    master.state[(rc != 0) & ~in_tree] = 0
    master.cost = np.zeros(len(master.src), dtype=np.int64)
    master.cost[master.k0 :] = -np.asarray(rank, dtype=np.int64)[master.ii]
    netsimplex.potentials(
        master.cost, master.pi, master.pred, master.pdir, master.parent, master.thread, master.root
    )
    master.solve(with_duals=False)
    return master.flow[master.k0 :].copy()


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

"""Compiled kernels of the exact optimizer: a warm-started network simplex and the pricing of every pair.

Network simplex (primal, bounded, integer costs)
------------------------------------------------
Nodes: lines 0..n-1, exports n..n+m-1, and the root T = n+m. Arcs:
- line i -> T, cost 0, unbounded: what line i keeps (its supply a_i is the only supply; T takes it all);
- export j -> T, cost 0, capacity b_j: what export j receives;
- T -> node, cost 0, capacity 0: the first spanning tree hangs every export (and every line without
  quantity) from T by one of these; they never carry anything and do not return once they leave the tree;
- line i -> export j, cost -c_ij, unbounded: the candidate pairs (columns), appended round after round.
The first tree (lines on their own arc to T carrying a_i, exports on the zero arcs) is strongly feasible,
and the leaving arc is chosen by Cunningham's rule (the last blocking arc of the cycle from its apex), which
keeps it so: degenerate pivots cannot cycle. The entering arc is the most negative reduced cost in a block
of arcs (block search). Node potentials are integer sums of integer costs along tree paths, so the duals
of the optimum are exact; they stay below 2**62 in absolute value (the caller scales costs so that the
number of nodes times the largest cost stays below 2**61).

The tree is kept between rounds of column generation: new columns are appended at zero flow, which keeps
the current flow feasible and the tree strongly feasible, so a round starts from the last optimum.

Pricing
-------
For every export j and every line i of its window [lo_j, hi_j), w(i, j) = s_i + p_i * f with
f = max(0, min(U_i, u_j) - r_j) / U_i (1 when U_i <= 0 unless r_j > 0), computed with the same operations in
the same order as `transport.weights`; pairs with w <= 0 do not exist.
"""

import numpy as np
from numba import njit

INF = np.int64(2**62)
LOWER = 1
UPPER = -1
# state 0: in the tree, or an arc that may never enter again (the zero-capacity arcs of the first tree)


@njit(cache=True, nogil=True)
def _remove_child(p, x, child, nxt, prv):
    if prv[x] != -1:
        nxt[prv[x]] = nxt[x]
    else:
        child[p] = nxt[x]
    if nxt[x] != -1:
        prv[nxt[x]] = prv[x]


@njit(cache=True, nogil=True)
def _add_child(p, x, child, nxt, prv):
    nxt[x] = child[p]
    prv[x] = -1
    if child[p] != -1:
        prv[child[p]] = x
    child[p] = x


@njit(cache=True, nogil=True)
def run(
    src, dst, cost, cap, flow, state, pi, parent, pred, pdir, depth, child, nxt, prv, stack, block, start
):
    """Pivot until no arc has a negative reduced cost (cost + pi[src] - pi[dst], signed by its state).
    Returns (pivots, where the next search starts)."""
    n_arcs = len(src)
    inf = INF
    pivots = 0
    e = start % n_arcs if n_arcs > 0 else 0
    while True:
        # Block search for the entering arc.
        best = 0
        in_arc = -1
        cnt = block
        for _ in range(n_arcs):
            st = state[e]
            if st != 0:
                c = st * (cost[e] + pi[src[e]] - pi[dst[e]])
                if c < best:
                    best = c
                    in_arc = e
            e += 1
            if e == n_arcs:
                e = 0
            cnt -= 1
            if cnt == 0:
                if in_arc >= 0:
                    break
                cnt = block
        if in_arc < 0:
            return pivots, e
        pivots += 1
        if state[in_arc] == LOWER:
            first = src[in_arc]
            second = dst[in_arc]
        else:
            first = dst[in_arc]
            second = src[in_arc]
        # Apex of the cycle.
        u = first
        v = second
        while u != v:
            if depth[u] > depth[v]:
                u = parent[u]
            elif depth[v] > depth[u]:
                v = parent[v]
            else:
                u = parent[u]
                v = parent[v]
        join = u
        # Leaving arc: the last blocking arc of the cycle oriented from the apex (Cunningham).
        delta = cap[in_arc]
        result = 0
        u_out = -1
        u = first
        while u != join:
            a = pred[u]
            if pdir[u] == 1:
                d = flow[a]
            else:
                d = inf if cap[a] >= inf else cap[a] - flow[a]
            if d < delta:
                delta = d
                u_out = u
                result = 1
            u = parent[u]
        u = second
        while u != join:
            a = pred[u]
            if pdir[u] == 1:
                d = inf if cap[a] >= inf else cap[a] - flow[a]
            else:
                d = flow[a]
            if d <= delta:
                delta = d
                u_out = u
                result = 2
            u = parent[u]
        if delta >= inf:
            raise RuntimeError("unbounded cycle in the network simplex")
        if delta > 0:
            val = state[in_arc] * delta
            flow[in_arc] += val
            u = src[in_arc]
            while u != join:
                flow[pred[u]] -= pdir[u] * val
                u = parent[u]
            u = dst[in_arc]
            while u != join:
                flow[pred[u]] += pdir[u] * val
                u = parent[u]
        if result == 0:
            state[in_arc] = -state[in_arc]
            continue
        out_arc = pred[u_out]
        if cap[out_arc] == 0:
            state[out_arc] = 0
        elif flow[out_arc] == 0:
            state[out_arc] = LOWER
        else:
            state[out_arc] = UPPER
        state[in_arc] = 0
        if result == 1:
            u_in = first
            v_in = second
        else:
            u_in = second
            v_in = first
        if u_in == dst[in_arc]:
            sigma = pi[v_in] + cost[in_arc] - pi[u_in]
        else:
            sigma = pi[v_in] - cost[in_arc] - pi[u_in]
        # Hang the subtree below the leaving arc from v_in by the entering arc: the path u_in .. u_out turns.
        x = u_in
        new_parent = v_in
        new_arc = in_arc
        while True:
            old_parent = parent[x]
            old_arc = pred[x]
            _remove_child(old_parent, x, child, nxt, prv)
            parent[x] = new_parent
            pred[x] = new_arc
            pdir[x] = 1 if src[new_arc] == x else -1
            _add_child(new_parent, x, child, nxt, prv)
            if x == u_out:
                break
            new_parent = x
            new_arc = old_arc
            x = old_parent
        # Depths and potentials of the moved subtree.
        top = 0
        stack[0] = u_in
        while top >= 0:
            x = stack[top]
            top -= 1
            depth[x] = depth[parent[x]] + 1
            pi[x] += sigma
            c = child[x]
            while c != -1:
                top += 1
                stack[top] = c
                c = nxt[c]


@njit(cache=True, nogil=True)
def _weight(s, p, big_u, u, r):
    if big_u > 0:
        f = min(big_u, u) - r
        if f < 0.0:
            f = 0.0
        f = f / big_u
    else:
        f = 0.0 if r > 0 else 1.0
    return s + p * f


@njit(cache=True, nogil=True)
def best_per_line(s, p, big_u, u, r, lo, hi, top, vals, idx):
    """For each line, its `top` exports of largest weight (vals, idx: shape (n, top); idx -1 when fewer)."""
    for j in range(len(lo)):
        uj = u[j]
        rj = r[j]
        for i in range(lo[j], hi[j]):
            w = _weight(s[i], p[i], big_u[i], uj, rj)
            if w <= 0.0:
                continue
            if idx[i, top - 1] != -1 and w <= vals[i, top - 1]:
                continue
            pos = top - 1
            while pos > 0 and (idx[i, pos - 1] == -1 or vals[i, pos - 1] < w):
                vals[i, pos] = vals[i, pos - 1]
                idx[i, pos] = idx[i, pos - 1]
                pos -= 1
            vals[i, pos] = w
            idx[i, pos] = j


@njit(cache=True, nogil=True)
def potentials(cost, pi, pred, pdir, child, nxt, stack, root):
    """Potentials of the tree for new costs: zero at the root, reduced cost zero on every tree arc."""
    pi[root] = 0
    top = 0
    stack[0] = root
    while top >= 0:
        x = stack[top]
        top -= 1
        c = child[x]
        while c != -1:
            if pdir[c] == 1:
                pi[c] = pi[x] - cost[pred[c]]
            else:
                pi[c] = pi[x] + cost[pred[c]]
            top += 1
            stack[top] = c
            c = nxt[c]


@njit(cache=True, nogil=True)
def block_bounds(a, b, d, order, sorted_u, width, pref_a, suf_a, suf_b, suf_d):
    """Per block of `width` consecutive lines, sorted by entered value per unit: prefix maxima of a (lines
    at most a given value) and suffix maxima of a, b and d (the lines above it), for `price`."""
    n = len(a)
    blocks = pref_a.shape[0]
    for blk in range(blocks):
        base = blk * width
        size = min(width, n - base)
        top = -np.inf
        pref_a[blk, 0] = top
        for k in range(size):
            v = a[order[base + k]]
            if v > top:
                top = v
            pref_a[blk, k + 1] = top
        ta = -np.inf
        tb = -np.inf
        td = -np.inf
        suf_a[blk, size] = ta
        suf_b[blk, size] = tb
        suf_d[blk, size] = td
        for k in range(size - 1, -1, -1):
            i = order[base + k]
            if a[i] > ta:
                ta = a[i]
            if b[i] > tb:
                tb = b[i]
            if d[i] > td:
                td = d[i]
            suf_a[blk, k] = ta
            suf_b[blk, k] = tb
            suf_d[blk, k] = td


@njit(cache=True, nogil=True)
def _scan(s, p, big_u, uj, rj, alpha, bj, tol, top, i0, i1, state, vals, idx):
    """Lines i0..i1-1 for one export: the best w - alpha (state[0]) and the top pairs by reduced cost."""
    b = state[0]
    k = int(state[1])
    for i in range(i0, i1):
        w = _weight(s[i], p[i], big_u[i], uj, rj)
        if w <= 0.0:
            continue
        v = w - alpha[i]
        if v > b:
            b = v
        rc = v - bj
        if top > 0 and rc > tol and (k < top or rc > vals[k - 1]):
            pos = k if k < top else top - 1
            while pos > 0 and vals[pos - 1] < rc:
                vals[pos] = vals[pos - 1]
                idx[pos] = idx[pos - 1]
                pos -= 1
            vals[pos] = rc
            idx[pos] = i
            if k < top:
                k += 1
    state[0] = b
    state[1] = k


@njit(cache=True, nogil=True)
def price_bounded(
    s,
    p,
    big_u,
    u,
    r,
    lo,
    hi,
    alpha,
    beta,
    tol,
    top,
    j0,
    j1,
    best,
    out_i,
    out_j,
    width,
    sorted_u,
    pref_a,
    suf_a,
    suf_b,
    suf_d,
    margin,
):
    """Exports j0..j1-1: best[j] = max_i (w_ij - alpha_i) over the window (-inf when no pair), and up to `top`
    pairs per export with w_ij - alpha_i - beta_j > tol, the largest first; returns how many were written to
    out_i / out_j (room for top * (j1 - j0)). Blocks of `width` lines (fully inside the window) whose bound on
    w - alpha stays below beta_j - margin are skipped.

    For lines with U_i <= u_j, w - alpha_i <= a_i = s_i + p_i - alpha_i; for U_i > u_j,
    w - alpha_i = s_i - alpha_i + (p_i / U_i) * max(0, u_j - r_j) <= b_i + d_i * x_j (and <= a_i).
    best[j] is exact whenever it is at least beta_j - margin; otherwise it is reported as that threshold
    (an upper bound: every line skipped is below it)."""
    count = 0
    vals = np.empty(max(top, 1))
    idx = np.empty(max(top, 1), dtype=np.int64)
    state = np.empty(2)
    for j in range(j0, j1):
        uj = u[j]
        rj = r[j]
        bj = beta[j]
        xj = uj - rj
        if xj < 0.0:
            xj = 0.0
        thr = bj - margin
        state[0] = -np.inf
        state[1] = 0
        a0 = lo[j]
        a1 = hi[j]
        b_first = (a0 + width - 1) // width
        b_last = a1 // width
        skipped = False
        if b_first >= b_last:
            _scan(s, p, big_u, uj, rj, alpha, bj, tol, top, a0, a1, state, vals, idx)
        else:
            _scan(s, p, big_u, uj, rj, alpha, bj, tol, top, a0, b_first * width, state, vals, idx)
            _scan(s, p, big_u, uj, rj, alpha, bj, tol, top, b_last * width, a1, state, vals, idx)
            for blk in range(b_first, b_last):
                if pref_a[blk, width] < thr:
                    skipped = True
                    continue
                # lines of the block with U <= u_j: the first k in sorted order
                left = 0
                right = width
                base = blk * width
                while left < right:
                    mid = (left + right) >> 1
                    if sorted_u[base + mid] <= uj:
                        left = mid + 1
                    else:
                        right = mid
                k = left
                ub = suf_b[blk, k] + suf_d[blk, k] * xj
                if suf_a[blk, k] < ub:
                    ub = suf_a[blk, k]
                if pref_a[blk, k] > ub:
                    ub = pref_a[blk, k]
                if ub < thr:
                    skipped = True
                    continue
                _scan(s, p, big_u, uj, rj, alpha, bj, tol, top, base, base + width, state, vals, idx)
        b = state[0]
        if skipped and b < thr:
            b = thr
        best[j] = b
        for t in range(int(state[1])):
            out_i[count] = idx[t]
            out_j[count] = j
            count += 1
    return count

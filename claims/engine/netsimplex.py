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
keeps it so: degenerate pivots cannot cycle. The entering arc comes from an altering candidate list (as
LEMON's): the arcs of negative reduced cost a scan found stay candidates for the next pivots, so most pivots
re-price a few dozen arcs instead of scanning blocks of hundreds; the search still ends only after a full
pass finds none. Node potentials are integer sums of integer costs along tree paths, so the duals
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
def run(
    src,
    dst,
    cost,
    cap,
    flow,
    state,
    pi,
    parent,
    pred,
    pdir,
    thread,
    rev_thread,
    succ_num,
    last_succ,
    dirty,
    block,
    start,
):
    """Pivot until no arc has a negative reduced cost (cost + pi[src] - pi[dst], signed by its state).
    Returns (pivots, where the next search starts).

    The tree is kept as parent, pred (the arc to the parent) and pdir (+1 when that arc leaves the node), a
    thread (the nodes in depth-first order, as a cyclic list with its reverse), and per node the size of its
    subtree (succ_num) and its last node in thread order (last_succ). A pivot then costs the length of the
    cycle for the tree's arrays and the size of the moved subtree only for its potentials (one pass along the
    thread), as in LEMON's network simplex."""
    n_arcs = len(src)
    inf = INF
    pivots = 0
    e = start % n_arcs if n_arcs > 0 else 0
    # Altering candidate list: each pivot re-prices the candidates kept from the last, scans on from where it
    # stopped (a block at a time) until it holds more than `head` of negative reduced cost, enters the best
    # and keeps the next `head`. On the 184-million-pair group of large-4711 a tenth of the block took 30%
    # fewer pivots and arc visits than the block search (a hundredth, LEMON's default, 15%).
    head = max(3, block // 10)
    cands = np.empty(block + head + 1, dtype=np.int64)
    cand_c = np.empty(block + head + 1, dtype=np.int64)
    length = 0
    while True:
        k = 0
        while k < length:
            a = cands[k]
            st = state[a]
            c = st * (cost[a] + pi[src[a]] - pi[dst[a]]) if st != 0 else 0
            if c < 0:
                cand_c[k] = c
                k += 1
            else:
                length -= 1
                cands[k] = cands[length]
                cand_c[k] = cand_c[length]
        cnt = block
        limit = head
        found = False
        for _ in range(n_arcs):
            st = state[e]
            if st != 0:
                c = st * (cost[e] + pi[src[e]] - pi[dst[e]])
                if c < 0 and length < block + head:
                    cands[length] = e
                    cand_c[length] = c
                    length += 1
            e += 1
            if e == n_arcs:
                e = 0
            cnt -= 1
            if cnt == 0:
                if length > limit:
                    found = True
                    break
                limit = 0
                cnt = block
        if not found and length == 0:
            return pivots, e
        # The best `head + 1` to the front (quickselect), the best enters, the next `head` stay.
        keep = min(head + 1, length)
        if keep < length:
            _select(cands, cand_c, length, keep)
        best_k = 0
        for x in range(1, keep):
            if cand_c[x] < cand_c[best_k]:
                best_k = x
        ta = cands[0]
        cands[0] = cands[best_k]
        cands[best_k] = ta
        tc = cand_c[0]
        cand_c[0] = cand_c[best_k]
        cand_c[best_k] = tc
        in_arc = cands[0]
        cands[0] = cands[keep - 1]
        cand_c[0] = cand_c[keep - 1]
        length = keep - 1
        pivots += 1
        if state[in_arc] == LOWER:
            first = src[in_arc]
            second = dst[in_arc]
        else:
            first = dst[in_arc]
            second = src[in_arc]
        # Apex of the cycle: an ancestor's subtree is larger than its descendants'.
        u = first
        v = second
        while u != v:
            if succ_num[u] < succ_num[v]:
                u = parent[u]
            else:
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
        _rehang(
            in_arc,
            u_in,
            v_in,
            u_out,
            join,
            src,
            parent,
            pred,
            pdir,
            thread,
            rev_thread,
            succ_num,
            last_succ,
            dirty,
        )
        # Potentials of the moved subtree (u_in and its successors along the thread).
        sigma = pi[v_in] - pi[u_in] - pdir[u_in] * cost[in_arc]
        end = thread[last_succ[u_in]]
        u = u_in
        while u != end:
            pi[u] += sigma
            u = thread[u]


@njit(cache=True, nogil=True)
def _select(cands, cand_c, length, keep):
    """Reorder the first `length` candidates so the `keep` of least reduced cost come first (Hoare's
    selection, in place)."""
    lo = 0
    hi = length - 1
    k = keep - 1
    while lo < hi:
        pivot = cand_c[(lo + hi) >> 1]
        i = lo
        j = hi
        while i <= j:
            while cand_c[i] < pivot:
                i += 1
            while cand_c[j] > pivot:
                j -= 1
            if i <= j:
                ta = cands[i]
                cands[i] = cands[j]
                cands[j] = ta
                tc = cand_c[i]
                cand_c[i] = cand_c[j]
                cand_c[j] = tc
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break


@njit(cache=True, nogil=True)
def _rehang(
    in_arc, u_in, v_in, u_out, join, src, parent, pred, pdir, thread, rev_thread, succ_num, last_succ, dirty
):
    """The subtree below the leaving arc (u_out to its parent) hangs from v_in by the entering arc; the path
    u_in .. u_out turns over. Updates every tree array but the potentials."""
    old_rev_thread = rev_thread[u_out]
    old_succ_num = succ_num[u_out]
    old_last_succ = last_succ[u_out]
    v_out = parent[u_out]
    if u_in == u_out:
        parent[u_in] = v_in
        pred[u_in] = in_arc
        pdir[u_in] = 1 if u_in == src[in_arc] else -1
        if thread[v_in] != u_out:
            after = thread[old_last_succ]
            thread[old_rev_thread] = after
            rev_thread[after] = old_rev_thread
            after = thread[v_in]
            thread[v_in] = u_out
            rev_thread[u_out] = v_in
            thread[old_last_succ] = after
            rev_thread[after] = old_last_succ
    else:
        # When old_rev_thread is v_in (then join is v_out), the thread goes on after u_out's subtree.
        thread_continue = thread[old_last_succ] if old_rev_thread == v_in else thread[v_in]
        # The stem: the nodes from u_in up to u_out, whose parents change; each is cut out of the thread
        # with its own subtree (less the next stem node's) and the pieces are joined behind v_in.
        stem = u_in
        par_stem = v_in
        last = last_succ[u_in]
        after = thread[last]
        thread[v_in] = u_in
        nd = 0
        dirty[nd] = v_in
        nd += 1
        while stem != u_out:
            next_stem = parent[stem]
            thread[last] = next_stem
            dirty[nd] = last
            nd += 1
            before = rev_thread[stem]
            thread[before] = after
            rev_thread[after] = before
            parent[stem] = par_stem
            par_stem = stem
            stem = next_stem
            last = rev_thread[par_stem] if last_succ[stem] == last_succ[par_stem] else last_succ[stem]
            after = thread[last]
        parent[u_out] = par_stem
        thread[last] = thread_continue
        rev_thread[thread_continue] = last
        last_succ[u_out] = last
        if old_rev_thread != v_in:
            thread[old_rev_thread] = after
            rev_thread[after] = old_rev_thread
        for k in range(nd):
            x = dirty[k]
            rev_thread[thread[x]] = x
        # pred, pdir, last_succ and succ_num along the stem, from u_out down to u_in.
        tmp_sc = 0
        tmp_ls = last_succ[u_out]
        u = u_out
        p = parent[u]
        while u != u_in:
            pred[u] = pred[p]
            pdir[u] = -pdir[p]
            tmp_sc += succ_num[u] - succ_num[p]
            succ_num[u] = tmp_sc
            last_succ[p] = tmp_ls
            u = p
            p = parent[u]
        pred[u_in] = in_arc
        pdir[u_in] = 1 if u_in == src[in_arc] else -1
        succ_num[u_in] = old_succ_num
    # last_succ from v_in towards the root, and from v_out.
    up_limit_out = join if last_succ[join] == v_in else -1
    last_succ_out = last_succ[u_out]
    u = v_in
    while u != -1 and last_succ[u] == v_in:
        last_succ[u] = last_succ_out
        u = parent[u]
    if join != old_rev_thread and v_in != old_rev_thread:
        u = v_out
        while u != up_limit_out and last_succ[u] == old_last_succ:
            last_succ[u] = old_rev_thread
            u = parent[u]
    elif last_succ_out != old_last_succ:
        u = v_out
        while u != up_limit_out and last_succ[u] == old_last_succ:
            last_succ[u] = last_succ_out
            u = parent[u]
    # Subtree sizes from v_in and from v_out up to the apex.
    u = v_in
    while u != join:
        succ_num[u] += old_succ_num
        u = parent[u]
    u = v_out
    while u != join:
        succ_num[u] -= old_succ_num
        u = parent[u]


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
def potentials(cost, pi, pred, pdir, parent, thread, root):
    """Potentials of the tree for new costs: zero at the root, reduced cost zero on every tree arc (the
    thread visits every parent before its children)."""
    pi[root] = 0
    u = thread[root]
    while u != root:
        pi[u] = pi[parent[u]] - pdir[u] * cost[pred[u]]
        u = thread[u]


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

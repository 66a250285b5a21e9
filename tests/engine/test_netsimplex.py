"""The network simplex of the exact optimizer on small random instances, against an independent reference.

Each instance is solved in rounds of columns, as column generation does (the tree kept from one round to
the next), and after every round the flow must be worth the optimum over the columns given so far (computed
by `exactflow`'s successive longest augmenting paths, in exact integers), and the tree must be consistent:
its thread a depth-first order of the whole tree, the subtree sizes and last successors right, every tree
arc at zero reduced cost and every other arc priced out.
"""

import random
from fractions import Fraction

import numpy as np
import pytest

from claims.engine import exactflow, netsimplex, transport


def group(line_cap, export_cap) -> transport.Group:
    n, m = len(line_cap), len(export_cap)
    zeros_n, zeros_m = np.zeros(n), np.zeros(m)
    return transport.Group(
        line_cap=np.array(line_cap, dtype=np.int64),
        line_last=np.zeros(n, dtype=np.int64),
        s=zeros_n,
        p=zeros_n,
        value=zeros_n,
        export_cap=np.array(export_cap, dtype=np.int64),
        export_value=zeros_m,
        export_recovered=zeros_m,
        lo=np.zeros(m, dtype=np.int64),
        hi=np.full(m, n, dtype=np.int64),
    )


def assert_tree_is_consistent(master: transport.Master) -> None:
    root, size = master.root, master.root + 1
    parent, thread = master.parent, master.thread
    order = [root]
    u = thread[root]
    while u != root:
        order.append(int(u))
        assert len(order) <= size, "the thread does not come back to the root"
        u = thread[u]
    assert sorted(order) == list(range(size)), "the thread misses a node or visits one twice"
    position = {u: k for k, u in enumerate(order)}
    for u in order:
        assert master.rev_thread[thread[u]] == u
    sizes = np.ones(size, dtype=np.int64)
    for u in reversed(order[1:]):
        sizes[parent[u]] += sizes[u]
    assert (master.succ_num == sizes).all()
    for u in order:
        # A subtree is the run of the thread that starts at its node: a depth-first order.
        run = order[position[u] : position[u] + sizes[u]]
        for x in run[1:]:
            assert position[parent[x]] >= position[u] and position[parent[x]] < position[x]
        assert master.last_succ[u] == run[-1]
    rc = master.cost + master.pi[master.src] - master.pi[master.dst]
    for u in order[1:]:
        a = master.pred[u]
        assert {master.src[a], master.dst[a]} == {u, parent[u]}
        assert master.pdir[u] == (1 if master.src[a] == u else -1)
        assert rc[a] == 0, "a tree arc with a nonzero reduced cost"
        assert master.state[a] == 0
    # Every arc out of the tree is priced out: none could enter.
    assert (master.state.astype(np.int64) * rc >= 0).all()


def reference_value(line_cap, export_cap, ii, jj, c) -> int:
    pairs = [(int(i), int(j), Fraction(int(w))) for i, j, w in zip(ii, jj, c, strict=True)]
    flow = exactflow.max_profit_flow(line_cap, export_cap, pairs, [0] * len(line_cap))
    weight = {(i, j): w for i, j, w in pairs}
    return int(sum(weight[i, j] * q for i, j, q in flow))


@pytest.mark.parametrize("seed", range(60))
def test_the_simplex_reaches_the_optimum_round_after_round_with_a_consistent_tree(seed):
    rnd = random.Random(seed)
    n, m = rnd.randint(1, 9), rnd.randint(1, 7)
    line_cap = [rnd.choice([0, rnd.randint(1, 30)]) for _ in range(n)]
    export_cap = [rnd.choice([0, rnd.randint(1, 30)]) for _ in range(m)]
    pairs = [(i, j) for i in range(n) for j in range(m) if rnd.random() < 0.7]
    rnd.shuffle(pairs)
    # Few distinct weights: ties and degenerate pivots are the rule, as in real groups.
    weights = {pair: float(rnd.choice([1, 2, 3, 5, 8, rnd.randint(1, 40)])) for pair in pairs}
    master = transport.Master(group(line_cap, export_cap), max_weight=40.0)
    cuts = sorted(rnd.sample(range(len(pairs) + 1), k=min(3, len(pairs) + 1)))
    for a, b in zip([0, *cuts], [*cuts, len(pairs)], strict=True):
        batch = pairs[a:b]
        if batch:
            ii = np.array([i for i, _ in batch], dtype=np.int64)
            jj = np.array([j for _, j in batch], dtype=np.int64)
            master.add(ii, jj, np.array([weights[pair] for pair in batch]))
        q, alpha, beta = master.solve()
        assert_tree_is_consistent(master)
        value = int(np.dot(master.c, q))
        assert value == reference_value(line_cap, export_cap, master.ii, master.jj, master.c)
        # The duals prove it: feasible on every column, and worth the flow (strong duality).
        assert (alpha[master.ii] + beta[master.jj] >= master.c).all()
        assert int(np.dot(alpha, line_cap) + np.dot(beta, export_cap)) == value


def test_potentials_for_new_costs_put_every_tree_arc_at_zero_reduced_cost():
    rnd = random.Random(7)
    n, m = 8, 5
    line_cap = [rnd.randint(1, 20) for _ in range(n)]
    export_cap = [rnd.randint(1, 20) for _ in range(m)]
    master = transport.Master(group(line_cap, export_cap), max_weight=40.0)
    ii, jj = np.divmod(np.arange(n * m), m)
    master.add(ii, jj, np.array([float(rnd.randint(1, 40)) for _ in range(n * m)]))
    master.solve()
    master.cost[master.k0 :] = -np.array([rnd.randint(0, 9) for _ in range(len(master.ii))])
    netsimplex.potentials(
        master.cost, master.pi, master.pred, master.pdir, master.parent, master.thread, master.root
    )
    assert master.pi[master.root] == 0
    tree = master.pred[master.pred >= 0]
    rc = master.cost + master.pi[master.src] - master.pi[master.dst]
    assert not rc[tree].any()

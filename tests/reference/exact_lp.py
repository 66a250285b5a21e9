"""Exact linear programming over the rationals, for the reference designation checker.

Two small tools, both in `fractions.Fraction` so that a result can be compared with another program's
output to the cent without any floating-point tolerance:

- `max_profit_flow`: the designation problem without side constraints is a bipartite transportation
  problem (import lines supply, exports demand, each eligible pair earns a per-unit refund). Successive
  shortest paths on the residual graph solve it exactly and fast.
- `simplex`: a dense two-phase simplex with Bland's rule, for the few questions that need extra linear
  constraints (ranges of class sums over the optimal face, the best cent-rounded claim total).

Both are slow by production standards and meant for instances of a few dozen pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

ZERO = Fraction(0)


# --------------------------------------------------------------------------------------------------------
# Max-profit flow on a bipartite graph
# --------------------------------------------------------------------------------------------------------


def max_profit_flow(
    supply: dict[object, Fraction],
    demand: dict[object, Fraction],
    profit: dict[tuple[object, object], Fraction],
) -> tuple[Fraction, dict[tuple[object, object], Fraction]]:
    """Maximise sum(profit[s, d] * x[s, d]) with row sums <= supply, column sums <= demand, x >= 0.

    Edges with profit <= 0 are never worth using and are ignored. Returns (optimum, flows>0).
    Successive shortest paths (costs = -profit) with Bellman-Ford; the residual graph starts acyclic, so
    every intermediate flow is a min-cost flow of its value, and we stop once no path has positive profit.
    """
    nodes: list[object] = ["__s__"]
    nodes += [("S", s) for s in supply]
    nodes += [("D", d) for d in demand]
    nodes.append("__t__")
    index = {n: i for i, n in enumerate(nodes)}
    # edge list: to, cap, cost, rev-index
    graph: list[list[list]] = [[] for _ in nodes]

    def add(u: int, v: int, cap: Fraction, cost: Fraction) -> None:
        graph[u].append([v, cap, cost, len(graph[v])])
        graph[v].append([u, ZERO, -cost, len(graph[u]) - 1])

    s, t = index["__s__"], index["__t__"]
    for key, cap in supply.items():
        if cap > 0:
            add(s, index[("S", key)], Fraction(cap), ZERO)
    for key, cap in demand.items():
        if cap > 0:
            add(index[("D", key)], t, Fraction(cap), ZERO)
    pair_edges: dict[tuple[object, object], tuple[int, int]] = {}
    for (a, b), p in profit.items():
        if p > 0 and supply.get(a, 0) > 0 and demand.get(b, 0) > 0:
            u = index[("S", a)]
            cap = min(Fraction(supply[a]), Fraction(demand[b]))
            add(u, index[("D", b)], cap, -Fraction(p))
            pair_edges[(a, b)] = (u, len(graph[u]) - 1)

    total_cost = ZERO
    n = len(nodes)
    while True:
        dist: list[Fraction | None] = [None] * n
        prev: list[tuple[int, int] | None] = [None] * n
        dist[s] = ZERO
        for _ in range(n - 1):
            changed = False
            for u in range(n):
                du = dist[u]
                if du is None:
                    continue
                for ei, (v, cap, cost, _rev) in enumerate(graph[u]):
                    if cap > 0 and (dist[v] is None or du + cost < dist[v]):
                        dist[v] = du + cost
                        prev[v] = (u, ei)
                        changed = True
            if not changed:
                break
        if dist[t] is None or dist[t] >= 0:
            break
        # bottleneck
        push = None
        v = t
        while v != s:
            u, ei = prev[v]
            cap = graph[u][ei][1]
            push = cap if push is None or cap < push else push
            v = u
        v = t
        while v != s:
            u, ei = prev[v]
            edge = graph[u][ei]
            edge[1] -= push
            graph[v][edge[3]][1] += push
            v = u
        total_cost += push * dist[t]

    flows = {}
    for key, (u, ei) in pair_edges.items():
        v = graph[u][ei][0]
        back = graph[v][graph[u][ei][3]]
        if back[1] > 0:
            flows[key] = back[1]
    return -total_cost, flows


# --------------------------------------------------------------------------------------------------------
# Dense two-phase simplex
# --------------------------------------------------------------------------------------------------------


@dataclass
class LPResult:
    status: str  # "optimal" | "infeasible" | "unbounded"
    value: Fraction | None = None
    x: list[Fraction] | None = None


def simplex(
    objective: list[Fraction],
    constraints: list[tuple[dict[int, Fraction], str, Fraction]],
    n: int,
) -> LPResult:
    """Maximise objective . x subject to constraints (coeffs, '<='|'>='|'=', rhs), x >= 0, exactly."""
    rows: list[list[Fraction]] = []
    senses: list[str] = []
    rhs: list[Fraction] = []
    for coeffs, sense, b in constraints:
        row = [ZERO] * n
        for j, a in coeffs.items():
            row[j] += Fraction(a)
        b = Fraction(b)
        if b < 0:
            row = [-a for a in row]
            b = -b
            sense = {"<=": ">=", ">=": "<=", "=": "="}[sense]
        rows.append(row)
        senses.append(sense)
        rhs.append(b)
    m = len(rows)
    n_slack = sum(1 for s in senses if s in ("<=", ">="))
    n_art = sum(1 for s in senses if s in (">=", "="))
    width = n + n_slack + n_art
    tableau: list[list[Fraction]] = []
    basis: list[int] = []
    slack_at = n
    art_at = n + n_slack
    artificials: list[int] = []
    for i in range(m):
        row = rows[i] + [ZERO] * (n_slack + n_art) + [rhs[i]]
        if senses[i] == "<=":
            row[slack_at] = Fraction(1)
            basis.append(slack_at)
            slack_at += 1
        elif senses[i] == ">=":
            row[slack_at] = Fraction(-1)
            slack_at += 1
            row[art_at] = Fraction(1)
            basis.append(art_at)
            artificials.append(art_at)
            art_at += 1
        else:
            row[art_at] = Fraction(1)
            basis.append(art_at)
            artificials.append(art_at)
            art_at += 1
        tableau.append(row)

    def pivot(r: int, c: int) -> None:
        pr = tableau[r]
        pv = pr[c]
        if pv != 1:
            tableau[r] = pr = [a / pv for a in pr]
        nz = [j for j, a in enumerate(pr) if a]
        for i in range(m):
            if i == r:
                continue
            row = tableau[i]
            f = row[c]
            if f:
                for j in nz:
                    row[j] -= f * pr[j]
        basis[r] = c

    def run(cost: list[Fraction], allowed: int) -> str:
        # reduced costs computed on the fly: maximise cost . x
        while True:
            cb = [cost[b] for b in basis]
            in_basis = set(basis)
            enter = None
            for j in range(allowed):
                if j in in_basis:
                    continue
                red = cost[j] - sum(cb[i] * tableau[i][j] for i in range(m) if tableau[i][j])
                if red > 0:
                    enter = j
                    break
            if enter is None:
                return "optimal"
            leave = None
            best = None
            for i in range(m):
                a = tableau[i][enter]
                if a > 0:
                    ratio = tableau[i][-1] / a
                    if best is None or ratio < best or (ratio == best and basis[i] < basis[leave]):
                        best, leave = ratio, i
            if leave is None:
                return "unbounded"
            pivot(leave, enter)

    if artificials:
        phase1 = [ZERO] * width
        for a in artificials:
            phase1[a] = Fraction(-1)
        run(phase1, width)
        infeas = sum(tableau[i][-1] for i in range(m) if basis[i] in artificials)
        if infeas > 0:
            return LPResult("infeasible")
        # drive artificials out of the basis (they sit at zero)
        art_set = set(artificials)
        for i in range(m):
            if basis[i] in art_set:
                for j in range(n + n_slack):
                    if tableau[i][j] != 0 and j not in basis:
                        pivot(i, j)
                        break
        # rows still holding an artificial are redundant; zero them out of play
        keep = [i for i in range(m) if basis[i] not in art_set]
        tableau[:] = [tableau[i] for i in keep]
        basis[:] = [basis[i] for i in keep]
        m = len(tableau)
    cost = [Fraction(c) for c in objective] + [ZERO] * (width - n)
    status = run(cost, n + n_slack)
    if status != "optimal":
        return LPResult(status)
    x = [ZERO] * n
    for i, b in enumerate(basis):
        if b < n:
            x[b] = tableau[i][-1]
    value = sum((Fraction(objective[j]) * x[j] for j in range(n)), ZERO)
    return LPResult("optimal", value, x)

"""The exact optimum of a group whose scaled quantities do not fit 64-bit integers.

Quantities are scaled by 10^k to whole units (k = the most decimals in the group); with many decimals on
large quantities (12,345,678.123456789012 is 1.2e19 units) the network solver's 64-bit capacities overflow.
Such groups are rare and small, so they are solved here in Python's unbounded integers, with refunds per unit
as exact fractions: successive longest augmenting paths (Bellman-Ford) on the residual network
source -> line -> export -> sink. Each augmentation keeps the flow optimal for its size; the search stops when
no path adds refund, which is then the maximum (the max-profit flow). Ties are broken towards lines that
expire first by carrying a second, lexicographic profit: the rank of the line.
"""

from collections.abc import Sequence
from fractions import Fraction

# (refund per unit, expiry rank): compared lexicographically.
Profit = tuple[Fraction, int]
ZERO: Profit = (Fraction(0), 0)
NEG_INF = None


def _add(a: Profit, b: Profit) -> Profit:
    return (a[0] + b[0], a[1] + b[1])


def weight(s: Fraction, p: Fraction, big_u: Fraction, u: Fraction, r: Fraction) -> Fraction:
    """Refund per unit of a pair: s + p * max(0, min(U, u) - r) / U (as transport.weights, exactly)."""
    if big_u <= 0:
        factor = Fraction(0) if r > 0 else Fraction(1)
    else:
        factor = max(Fraction(0), min(big_u, u) - r) / big_u
    return s + p * factor


def max_profit_flow(
    line_cap: Sequence[int],
    export_cap: Sequence[int],
    pairs: Sequence[tuple[int, int, Fraction]],
    rank: Sequence[int],
) -> list[tuple[int, int, int]]:
    """(line, export, quantity) of a flow maximising sum w x, then sum rank_line x; w > 0 on every pair."""
    n, m = len(line_cap), len(export_cap)
    source, sink = n + m, n + m + 1
    size = n + m + 2
    to: list[int] = []
    cap: list[int] = []
    profit: list[Profit] = []
    out: list[list[int]] = [[] for _ in range(size)]

    def arc(u: int, v: int, c: int, gain: Profit) -> int:
        # Arc k and its reverse k ^ 1.
        k = len(to)
        out[u].append(k)
        out[v].append(k + 1)
        to.extend((v, u))
        cap.extend((c, 0))
        profit.extend((gain, (-gain[0], -gain[1])))
        return k

    for i, c in enumerate(line_cap):
        if c > 0:
            arc(source, i, int(c), ZERO)
    for j, c in enumerate(export_cap):
        if c > 0:
            arc(n + j, sink, int(c), ZERO)
    pair_arcs = [
        (i, j, arc(i, n + j, min(int(line_cap[i]), int(export_cap[j])), (w, int(rank[i]))))
        for i, j, w in pairs
        if w > 0 and line_cap[i] > 0 and export_cap[j] > 0
    ]

    while True:
        best: list[Profit | None] = [NEG_INF] * size
        via = [-1] * size
        best[source] = ZERO
        for _ in range(size):
            changed = False
            for u in range(size):
                bu = best[u]
                if bu is NEG_INF:
                    continue
                for k in out[u]:
                    if cap[k] <= 0:
                        continue
                    cand = _add(bu, profit[k])
                    v = to[k]
                    if best[v] is NEG_INF or cand > best[v]:
                        best[v], via[v] = cand, k
                        changed = True
            if not changed:
                break
        if best[sink] is NEG_INF or best[sink] <= ZERO:
            break
        path = []
        v = sink
        while v != source:
            k = via[v]
            path.append(k)
            v = to[k ^ 1]
        room = min(cap[k] for k in path)
        for k in path:
            cap[k] -= room
            cap[k ^ 1] += room
    return [(i, j, cap[k ^ 1]) for i, j, k in pair_arcs if cap[k ^ 1] > 0]


def accounting_order(
    line_cap: Sequence[int],
    export_cap: Sequence[int],
    pairs: Sequence[tuple[int, int, Fraction]],
    method: str,
) -> list[tuple[int, int, int]]:
    """FIFO, LIFO or low-to-high, export by export in date order (as transport.accounting_order)."""
    left = [int(c) for c in line_cap]
    by_export: dict[int, list[tuple[int, Fraction]]] = {}
    for i, j, w in pairs:
        if w > 0:
            by_export.setdefault(j, []).append((i, w))
    key = {
        "fifo": lambda iw: iw[0],
        "lifo": lambda iw: -iw[0],
        "lohi": lambda iw: (iw[1], iw[0]),
    }[method]
    flows = []
    for j in sorted(by_export):
        need = int(export_cap[j])
        for i, _ in sorted(by_export[j], key=key):
            if need <= 0:
                break
            take = min(need, left[i])
            if take > 0:
                flows.append((i, j, take))
                left[i] -= take
                need -= take
    return flows

"""Groups solved in worker processes come back in any order and are assembled as they arrive
(optimizer.solve_problem); the claim must not depend on that order: the same designations, the same
designations.csv rows, the same refund as solving every group in turn."""

import contextlib
from concurrent.futures import Future

import pytest

from claims.engine import benchdata, csvio, optimizer
from claims.engine.model import Method
from claims.engine.problem import prepare


@pytest.fixture(scope="module")
def data():
    # Several product groups of different sizes, direct identifications and destructions included.
    return benchdata.generate(3000, 800, products=6, seed=7)


def _inputs(data):
    return {
        "lines": data.lines,
        "exports": data.exports,
        "tariff": data.tariff,
        "chapter99": csvio.load_chapter99(),
        "settings": data.settings,
    }


@pytest.fixture(scope="module")
def problem(data):
    return prepare(
        lines=data.lines,
        exports=data.exports,
        tariff=data.tariff,
        chapter99=csvio.load_chapter99(),
        settings=data.settings,
    )


def _rows(problem, result):
    return csvio.designation_rows(
        result.designations,
        problem.lines,
        format_refund=optimizer.format_amount,
        format_quantity=csvio.format_quantity,
    )


class _DeferredPool:
    """Stands in for the worker pool: nothing is solved until the futures are waited for."""

    def __init__(self):
        self.calls: list[tuple[Future, object, tuple]] = []

    def submit(self, fn, *args):
        future = Future()
        self.calls.append((future, fn, args))
        return future


@pytest.mark.parametrize("order", ["reversed", "submitted"])
def test_groups_finishing_in_any_order_give_the_same_claim(problem, monkeypatch, order):
    in_turn = optimizer.solve_problem(problem, Method.OPTIMAL, workers=1)
    assert in_turn.groups >= 4

    pool = _DeferredPool()

    @contextlib.contextmanager
    def deferred_pool(workers):
        yield pool

    def complete(futures):
        calls = [c for c in pool.calls if c[0] in futures]
        for future, fn, args in reversed(calls) if order == "reversed" else calls:
            future.set_result(fn(*args))
            yield future

    monkeypatch.setattr(optimizer, "PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(optimizer, "solver_pool", deferred_pool)
    monkeypatch.setattr(optimizer, "as_completed", complete)
    overlapped = optimizer.solve_problem(problem, Method.OPTIMAL, workers=2)

    # Handed out largest first, not in the groups' own order.
    sizes = [run.pairs for run in in_turn.group_runs]
    assert sizes != sorted(sizes, reverse=True)
    handed_out = [optimizer._pairs_in(args[0]) for _, _, args in pool.calls]
    assert handed_out == sorted(sizes, reverse=True)
    assert _rows(problem, overlapped) == _rows(problem, in_turn)
    assert overlapped.designations == in_turn.designations
    assert overlapped.refund == in_turn.refund
    assert overlapped.class_totals == in_turn.class_totals
    assert overlapped.exclusions == in_turn.exclusions
    assert overlapped.pairs == in_turn.pairs


def test_real_worker_processes_give_the_same_claim_as_one_process(problem, monkeypatch):
    in_turn = optimizer.solve_problem(problem, Method.OPTIMAL, workers=1)
    monkeypatch.setattr(optimizer, "PARALLEL_MIN_PAIRS", 0)
    parallel = optimizer.solve_problem(problem, Method.OPTIMAL, workers=2)
    assert _rows(problem, parallel) == _rows(problem, in_turn)
    assert parallel.refund == in_turn.refund
    # The group runs keep the groups' order and say how long each solve took.
    assert [(r.lines, r.exports, r.pairs) for r in parallel.group_runs] == [
        (r.lines, r.exports, r.pairs) for r in in_turn.group_runs
    ]
    assert all(r.seconds > 0 for r in parallel.group_runs)


def test_solving_by_groups_then_assembling_gives_the_claim_of_solve_problem(problem):
    """The chord's path (build_groups, solve_group, assemble) and solve_problem agree."""
    groups = optimizer.build_groups(problem)
    results = [optimizer.solve_group(g, Method.OPTIMAL.value) for g in groups]
    assembled = optimizer.assemble(problem, results, Method.OPTIMAL)
    direct = optimizer.solve_problem(problem, Method.OPTIMAL, workers=1)
    assert assembled.designations == direct.designations
    assert assembled.refund == direct.refund


@pytest.mark.parametrize("same", [True, False])
def test_the_largest_group_sent_before_the_claim_is_prepared_gives_the_same_claim(data, monkeypatch, same):
    """`solve` prepares and sends the largest group on its own first; the claim is the one solving every group
    in turn gives, whether that early group is taken (it matches the whole claim's group) or, should it not
    match, solved again."""
    in_turn = optimizer.solve(**_inputs(data), workers=1)
    monkeypatch.setattr(optimizer, "PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(optimizer, "HEAD_START_PAIRS", 0)
    taken = []
    real_matches = optimizer.HeadStart.matches

    def matches(self, problem, group):
        outcome = real_matches(self, problem, group) if same else None
        taken.append((group["key"], outcome is not None))
        return outcome

    monkeypatch.setattr(optimizer.HeadStart, "matches", matches)
    early = optimizer.solve(**_inputs(data), workers=2)

    largest = max(in_turn.group_runs, key=lambda run: run.lines * run.exports)
    assert taken[0][1] is same  # the first group compared is the one sent early
    assert sum(1 for _, used in taken if used) == (1 if same else 0)
    assert [r.lines for r in early.group_runs] == [r.lines for r in in_turn.group_runs]
    assert largest.lines in [r.lines for r in early.group_runs]
    assert early.designations == in_turn.designations
    assert early.exclusions == in_turn.exclusions
    assert early.refund == in_turn.refund


def test_an_early_group_matches_only_the_same_group(data, monkeypatch):
    """The check that lets the early group stand: a group with one capacity changed is not the same."""
    monkeypatch.setattr(optimizer, "HEAD_START_PAIRS", 0)
    problem = prepare(**_inputs(data))

    class Pool:
        def submit(self, fn, *args):
            return Future()

    head = optimizer.head_start(Pool(), **_inputs(data), method=Method.OPTIMAL)
    assert head is not None
    member = next(m for m in optimizer._group_members(problem) if m[0] == head.group["key"])
    group = optimizer._group_array(problem, *member)
    renumber = head.matches(problem, group)
    assert renumber is not None
    sent = head.group["line_id"][0], head.group["export_id"][0]
    result = renumber({"pairs": [[int(sent[0]), int(sent[1]), 5]], "substitution_lines": [int(sent[0])]})
    assert result["pairs"] == [[int(group["line_id"][0]), int(group["export_id"][0]), 5]]
    assert result["substitution_lines"] == [int(group["line_id"][0])]
    changed = dict(group, export_cap=group["export_cap"] + 1)
    assert head.matches(problem, changed) is None
    other = next(m for m in optimizer._group_members(problem) if m[0] != head.group["key"])
    assert head.matches(problem, optimizer._group_array(problem, *other)) is None

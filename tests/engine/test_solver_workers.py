"""Solver worker processes end with the process that started them (claims.engine.workers), checked with real
processes through /proc: the parent killed with SIGKILL, interrupted by Celery's soft time limit, or failing.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from claims.engine.workers import solver_pool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")

ROOT = Path(__file__).resolve().parents[2]


def _state(pid: int) -> str | None:
    """The process's state letter, None once it is gone (a zombie counts as gone: it runs nothing)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None if state in ("Z", "X") else state


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            out.append(int(entry))
    return out


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def _start(script: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "drawback.settings"}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _expect_line(proc: subprocess.Popen, text: str) -> None:
    line = proc.stdout.readline().strip()
    if line != text:
        proc.kill()
        raise AssertionError(f"expected {text!r}, got {line!r}; stderr: {proc.stderr.read()}")


# The real solver on generated data large enough for worker processes (2 million pairs and more), stopped
# while the workers solve.
SOLVE = """
    import signal, sys, time
    from celery.exceptions import SoftTimeLimitExceeded
    from claims.engine import benchdata, csvio
    from claims.engine.model import Method
    from claims.engine.optimizer import PARALLEL_MIN_PAIRS, _group_arrays, _pairs_in, solve_groups
    from claims.engine.problem import prepare

    def soft_limit(signum, frame):  # as Celery's soft time limit does in the process running the task
        raise SoftTimeLimitExceeded()

    signal.signal(signal.SIGUSR1, soft_limit)
    data = benchdata.generate(20000, 5000, seed=1)
    problem = prepare(lines=data.lines, exports=data.exports, tariff=data.tariff,
                      chapter99=csvio.load_chapter99(), settings=data.settings)
    groups = _group_arrays(problem)
    assert sum(_pairs_in(g) for g in groups) >= PARALLEL_MIN_PAIRS
    print("solving", flush=True)
    try:
        solve_groups(groups, Method.OPTIMAL, workers=2)
        print("finished", flush=True)
    except SoftTimeLimitExceeded:
        print("stopped", flush=True)
    time.sleep(120)  # the process lives on, as a Celery worker does after a task's time limit
"""


def test_solver_workers_die_when_the_process_that_started_them_is_killed():
    proc = _start(SOLVE)
    try:
        _expect_line(proc, "solving")
        workers = _wait_for(lambda: len(_children(proc.pid)) == 2 and _children(proc.pid), 30, "2 workers")
        assert all(_state(pid) for pid in workers)
        os.kill(proc.pid, signal.SIGKILL)  # Celery's hard time limit, the OOM killer, kill -9
        proc.wait(timeout=10)
        _wait_for(lambda: not any(_state(pid) for pid in workers), 5, f"workers {workers} gone")
    finally:
        proc.kill()
        proc.wait()


def test_solver_workers_end_when_a_soft_time_limit_interrupts_the_solve():
    proc = _start(SOLVE)
    try:
        _expect_line(proc, "solving")
        workers = _wait_for(lambda: len(_children(proc.pid)) == 2 and _children(proc.pid), 30, "2 workers")
        os.kill(proc.pid, signal.SIGUSR1)
        _expect_line(proc, "stopped")
        # The parent is alive (sleeping) and has no worker left: they were killed, not orphaned.
        _wait_for(lambda: not any(_state(pid) for pid in workers), 5, f"workers {workers} gone")
        assert _state(proc.pid) is not None
        assert _children(proc.pid) == []
    finally:
        proc.kill()
        proc.wait()


# The whole of `solve` (as `designate` runs it): the largest group is sent before the claim is prepared, then
# the others; stopped while the workers solve.
SOLVE_CLAIM = """
    import signal, sys, time
    from celery.exceptions import SoftTimeLimitExceeded
    from claims.engine import benchdata, csvio, optimizer
    from claims.engine.model import Method

    def soft_limit(signum, frame):
        raise SoftTimeLimitExceeded()

    signal.signal(signal.SIGUSR1, soft_limit)
    data = benchdata.generate(20000, 5000, products=4, seed=1)
    real_head_start = optimizer.head_start

    def head_start(pool, **kwargs):
        head = real_head_start(pool, **kwargs)
        print("solving" if head is not None else "no head start", flush=True)
        return head

    optimizer.head_start = head_start
    try:
        optimizer.solve(lines=data.lines, exports=data.exports, tariff=data.tariff,
                        chapter99=csvio.load_chapter99(), settings=data.settings, workers=2)
        print("finished", flush=True)
    except SoftTimeLimitExceeded:
        print("stopped", flush=True)
    time.sleep(120)
"""


@pytest.mark.parametrize("stop", ["killed", "soft time limit"])
def test_workers_of_a_whole_solve_end_with_it(stop):
    proc = _start(SOLVE_CLAIM)
    try:
        _expect_line(proc, "solving")
        workers = _wait_for(lambda: len(_children(proc.pid)) == 2 and _children(proc.pid), 30, "2 workers")
        if stop == "killed":
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        else:
            os.kill(proc.pid, signal.SIGUSR1)
            _expect_line(proc, "stopped")
            assert _state(proc.pid) is not None
        _wait_for(lambda: not any(_state(pid) for pid in workers), 5, f"workers {workers} gone")
    finally:
        proc.kill()
        proc.wait()


def test_a_worker_started_after_its_parent_died_exits_at_once():
    # The race the initializer closes: the parent gone between the fork and prctl().
    script = """
        import os, sys, time
        from claims.engine.workers import die_with_parent
        pid = os.fork()
        if pid == 0:
            time.sleep(0.5)  # the parent exits meanwhile
            die_with_parent(parent_pid=12345678)  # not our parent (any more)
            print("still running", flush=True)
            time.sleep(60)
            os._exit(0)
        print(pid, flush=True)
    """
    proc = _start(script)
    child = int(proc.stdout.readline())
    proc.wait(timeout=10)
    _wait_for(lambda: _state(child) is None, 5, f"child {child} gone")
    assert "still running" not in proc.stdout.read()


def _fail_while_busy():
    with solver_pool(2) as pool:
        for _ in range(2):
            pool.submit(time.sleep, 60)
        _wait_for(lambda: len(_children(os.getpid())) >= 2, 10, "2 workers")
        raise ValueError("a group could not be solved")


def test_a_failure_inside_the_pool_kills_the_workers_before_it_propagates():
    before = set(_children(os.getpid()))
    started = time.monotonic()
    with pytest.raises(ValueError, match="could not be solved"):
        _fail_while_busy()
    assert time.monotonic() - started < 10  # did not wait for the 60 s of work
    assert set(_children(os.getpid())) - before == set()


def test_a_pool_that_finishes_its_work_leaves_no_process():
    before = set(_children(os.getpid()))
    with solver_pool(2) as pool:
        assert sorted(pool.map(abs, [-3, -1, 2])) == [1, 2, 3]
    assert set(_children(os.getpid())) - before == set()

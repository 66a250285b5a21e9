"""Solver worker processes that never outlive the process (or task) that started them.

A pool of worker processes solves product groups side by side (`optimizer.solve_groups`). Left to
themselves, forked workers keep running when their parent goes away without shutting the pool down:
killed by SIGKILL (Celery's hard time limit, the out-of-memory killer, `kill -9`), or interrupted by an
exception that leaves the `with` block (Celery's soft time limit raises SoftTimeLimitExceeded in the middle
of a solve) while the parent process itself lives on. Two guards:

1. In each worker, before any work, the kernel is asked to send it SIGKILL when its parent ends
   (Linux `prctl(PR_SET_PDEATHSIG)`): nothing the parent does or suffers can leave a worker behind. The
   signal follows the thread that forked the worker, and ProcessPoolExecutor forks in the thread calling
   `submit` (here, the one inside `solver_pool`), which is alive for as long as the pool is used.
2. `solver_pool` kills its workers when anything, an exception or an interrupt, leaves its block: a
   parent that survives the failure (a Celery worker process after a time limit) has no workers left.
"""

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: SIGKILL this process when its parent ends; exit now if it already has."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
                log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
        except OSError as exc:  # no C library to call: guard 2 still applies
            log.warning("prctl(PR_SET_PDEATHSIG) unavailable: %s", exc)
    # The parent may have died between the fork and the prctl call: then no signal will ever come.
    if os.getppid() != parent_pid:
        os._exit(1)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers now (work in progress is abandoned) and wait until they are gone."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


@contextlib.contextmanager
def solver_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` forked processes that end with this process, and at once if the block fails."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        yield pool
    except BaseException:  # SoftTimeLimitExceeded, KeyboardInterrupt and SystemExit included
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)

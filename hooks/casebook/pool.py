"""A process pool for work that pays for it: reading many case files the cache does not have.

Processes are started with ``spawn`` (a fresh interpreter that imports what it needs), as
Material's projects plugin does, never ``fork``: forking a process that runs threads (MkDocs'
server, our search client) is unsafe and deprecated since Python 3.12. Workers know nothing
of the build; a function and its arguments go in, its (picklable) result comes back.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

MIN_ITEMS = 400
"""Below this many items one process does the work: starting a spawned interpreter and
importing the package costs about as much as reading 150–200 case files."""


def workers(environ: dict | None = None) -> int:
    """How many processes to use: ``CASEBOOK_WORKERS`` if set (1 turns the pool off), else the
    CPUs this process may run on."""
    environ = os.environ if environ is None else environ
    if environ.get("CASEBOOK_WORKERS", "").strip().isdigit():
        return max(1, int(environ["CASEBOOK_WORKERS"]))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pool_map(func: Callable, items: Sequence, min_items: int = MIN_ITEMS) -> list:
    """``[func(item) for item in items]``, in a spawned process pool when there are at least
    ``min_items`` items and more than one CPU, else in this process (:class:`Pool`)."""
    with Pool(min_items) as pool:
        return pool.map(func, items)


class Pool:
    """Spawned processes for one build step, started on first use and ended by :meth:`close`
    (``with Pool() as pool:``): reading the cases and then converting them in the same
    processes starts the interpreters once.

    ``func`` given to :meth:`map` or :meth:`start` must be a module-level function (it is
    imported by name in the workers). A pool that cannot start or breaks (no semaphores in a
    sandbox, a worker killed) is replaced by this process, so the result is the same either
    way; an exception ``func`` raises is raised where the results are taken."""

    def __init__(self, min_items: int = MIN_ITEMS) -> None:
        self.min_items = min_items
        self._executor: ProcessPoolExecutor | None = None
        self._broken = False

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the processes (work not started is cancelled)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def map(self, func: Callable, items: Sequence) -> list:
        """``[func(item) for item in items]``, in the pool when there are at least ``min_items``
        items and more than one CPU (:func:`workers`), else in this process."""
        return self.start(func, items)()

    def start(self, func: Callable, items: Sequence) -> Callable[[], list]:
        """Start :meth:`map`'s work and go on: the function returned waits for it and returns
        the results in order (in this process, the work is done when they are asked for)."""
        items = list(items)
        count = workers()

        def here() -> list:
            return [func(item) for item in items]

        if len(items) < self.min_items or count < 2 or self._broken:
            return here
        chunk = max(1, len(items) // (count * 4))
        try:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))
            futures = [self._executor.submit(_chunk, func, items[i : i + chunk]) for i in range(0, len(items), chunk)]
        except (BrokenProcessPool, OSError, PermissionError):
            self._broken = True
            return here

        def results() -> list:
            try:
                return [out for future in futures for out in future.result()]
            except (BrokenProcessPool, OSError, PermissionError):
                self._broken = True
                return here()

        return results


def _chunk(func: Callable, items: Sequence) -> list:
    return [func(item) for item in items]

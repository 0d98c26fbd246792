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
    ``min_items`` items and more than one CPU, else in this process. ``func`` must be a
    module-level function (it is imported by name in the workers). A pool that cannot start
    or breaks (no semaphores in a sandbox, a worker killed) is replaced by this process, so
    the result is the same either way; an exception ``func`` raises is raised here."""
    count = workers()
    if len(items) < min_items or count < 2:
        return [func(item) for item in items]
    chunk = max(1, len(items) // (count * 4))
    try:
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(func, items, chunksize=chunk))
    except (BrokenProcessPool, OSError, PermissionError):
        return [func(item) for item in items]

"""A process pool for work that pays for it: reading many case files the cache does not have,
then converting their pages ahead of MkDocs' page loop (``casebook_incremental.convert_alone``).

Processes are started with ``spawn`` (a fresh interpreter that imports what it needs), as
Material's projects plugin does, never ``fork``: forking a process that runs threads (MkDocs'
server, our search client) is unsafe and deprecated since Python 3.12. Workers know nothing
of the build; a function and its arguments go in, its (picklable) result comes back.
"""

from __future__ import annotations

import multiprocessing
import os
import site
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

HOOKS = str(Path(__file__).resolve().parent.parent)
"""The folder that holds the ``casebook`` package and the hook modules. A spawned worker
imports the functions it is given by name, so it needs this folder on ``sys.path``; MkDocs puts
it there only while it loads a hook (``config_options.Hooks``) and a plain ``mkdocs build``
without ``PYTHONPATH=hooks`` has it nowhere else: the workers then failed with
``ModuleNotFoundError: No module named 'casebook'`` and the build went on in one process."""

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
        return self.start(func, items).results()

    def start(self, func: Callable, items: Sequence, chunk: int | None = None) -> Pending:
        """Start :meth:`map`'s work, in chunks of ``chunk`` items (default: a quarter of an
        even share per process), and go on: the :class:`Pending` returned gives the results.
        In this process, each chunk is done when one of its results is asked for."""
        items = list(items)
        count = workers()
        if len(items) < self.min_items or count < 2 or self._broken:
            return Pending(self, func, items, chunk or max(1, len(items)), None)
        chunk = chunk or max(1, len(items) // (count * 4))
        try:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    count,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=site.addsitedir,  # a module-level function the worker can import
                    initargs=(HOOKS,),
                )
            futures = [self._executor.submit(_chunk, func, items[i : i + chunk]) for i in range(0, len(items), chunk)]
        except (BrokenProcessPool, OSError, PermissionError):
            self._broken = True
            futures = None
        return Pending(self, func, items, chunk, futures)


class Pending:
    """Work a :class:`Pool` started: its results, each waited for (or, without processes,
    made) with its chunk."""

    def __init__(self, pool: Pool, func: Callable, items: list, chunk: int, futures: list | None) -> None:
        self._pool, self._func, self._items, self._chunk = pool, func, items, chunk
        self._futures = futures
        self._done: dict[int, list] = {}

    def result(self, index: int) -> Any:
        """The result for ``items[index]``."""
        number = index // self._chunk
        if number not in self._done:
            self._done[number] = self._made(number)
        return self._done[number][index % self._chunk]

    def take(self, index: int) -> Any:
        """:meth:`result`, then forgotten (so that a long run of results is not all held at
        once); asking for it again is an error."""
        out = self.result(index)
        if out is _TAKEN:
            raise KeyError(f"result {index} was taken already")
        self._done[index // self._chunk][index % self._chunk] = _TAKEN
        return out

    def results(self) -> list:
        """Every result, in the items' order."""
        return [self.result(i) for i in range(len(self._items))]

    def _made(self, number: int) -> list:
        start = number * self._chunk
        if self._futures is not None:
            future, self._futures[number] = self._futures[number], None  # the future holds its result
            try:
                return future.result()
            except (BrokenProcessPool, OSError, PermissionError):
                self._pool._broken = True
        return [self._func(item) for item in self._items[start : start + self._chunk]]


_TAKEN = object()


def _chunk(func: Callable, items: Sequence) -> list:
    return [func(item) for item in items]

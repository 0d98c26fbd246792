"""A process pool for work that pays for it: reading many case files the cache does not have,
then converting their pages ahead of MkDocs' page loop (``casebook_incremental.convert_alone``).

Processes are started with ``spawn`` (a fresh interpreter that imports what it needs), as
Material's projects plugin does, never ``fork``: forking a process that runs threads (MkDocs'
server, our search client) is unsafe and deprecated since Python 3.12. Workers know nothing
of the build; a function and its arguments go in, its (picklable) result comes back.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import runpy
import signal
import threading
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from .cache import code_digest

WORKER_START = str(Path(__file__).resolve().with_name("workerstart.py"))
"""What each worker runs first (:mod:`casebook.workerstart`): the package on ``sys.path``,
Ctrl-C left to the main process, and an end with the main process."""


class StaleCode(Exception):
    """A worker loaded other code than the main process runs (``hooks/`` edited under ``mkdocs
    serve``, which goes on with the code it started with): its results would be stored under
    the old code's keys."""


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
        self._started: weakref.WeakSet = weakref.WeakSet()
        """The work the executor was given that is still held somewhere (a :class:`Pending`
        drops each chunk's future once its results are taken: they must not all stay in memory)."""
        self._ending: weakref.WeakSet = weakref.WeakSet()
        """The same, of executors told to end once their work is done (:meth:`last_work_started`)."""
        self._broken = False

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the processes: work not started is cancelled, and work running is waited for."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        ending = list(self._ending)  # an executor told to end: waiting for it in shutdown() again waits for nothing
        for future in ending:
            future.cancel()
        concurrent.futures.wait(ending)
        self._started, self._ending = weakref.WeakSet(), weakref.WeakSet()

    def last_work_started(self) -> None:
        """Let the processes end as soon as the work started is done, rather than wait for
        :meth:`close` (its results stay to be taken; work started later spawns processes anew).
        At 10,000 cases the two workers held 150 MB through the whole page loop, at the
        build's memory peak, with nothing left to convert."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
            self._ending |= self._started
            self._started = weakref.WeakSet()

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
        parts = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        try:
            spawning = self._executor is None
            if spawning:
                self._executor = ProcessPoolExecutor(
                    count,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=runpy.run_path,  # by path: the worker cannot import casebook yet
                    initargs=(WORKER_START,),
                )
            code = code_digest()
            first = count if spawning else 0  # a new executor spawns a worker per submit, up to count
            with _ctrl_c_not_inherited(first):
                futures = [self._executor.submit(_chunk, func, part, code) for part in parts[:first]]
            futures += [self._executor.submit(_chunk, func, part, code) for part in parts[first:]]
            self._started.update(futures)
        except (BrokenProcessPool, OSError, PermissionError):
            self._broken = True
            futures = None
        return Pending(self, func, items, chunk, futures)


@contextlib.contextmanager
def _ctrl_c_not_inherited(spawns: int):
    """Ignore SIGINT in this process while the block spawns workers (``spawns``: how many; 0
    changes nothing), so that they start with it ignored (an ignored signal stays ignored across
    ``exec``, and Python then leaves it so: the ``signal`` module's documentation). A worker
    ignores it from its first instruction, before it imports anything; :mod:`casebook.workerstart`
    ignores it too, but runs only after the worker has imported the main module (MkDocs' command
    line, about 0.3 s), and a Ctrl-C meanwhile printed that import's traceback. A Ctrl-C during
    the block itself (the spawns: milliseconds) is lost. Outside the main thread, where Python
    takes no signal handlers, nothing changes."""
    if not spawns or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
            except (BrokenProcessPool, OSError, PermissionError, StaleCode):
                self._pool._broken = True
        return [self._func(item) for item in self._items[start : start + self._chunk]]


_TAKEN = object()


def _chunk(func: Callable, items: Sequence, code: str) -> list:
    """``[func(item) for item in items]`` in a worker, if it runs the main process's ``code``."""
    if code_digest() != code:
        raise StaleCode("the code on disk is not the code this build runs")
    return [func(item) for item in items]

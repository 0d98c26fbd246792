"""Both cores for the work done before MkDocs renders anything.

Python runs one thread at a time, and loading and planning a library of 10,000
cases takes seconds while the second core has nothing to do yet (Pagefind only
starts with the first page). :func:`split_map` hands the second half of a list
to a forked copy of the process and gets its results back through a pipe;
:func:`background` computes one independent result (the data exports) in a
forked copy while this process goes on.

It falls back to a plain loop where forking is unavailable or unsafe: on
systems other than Linux, with one CPU, for short lists, and when the process
has other threads (``mkdocs serve`` once its server runs), since a forked child inherits no
threads but may inherit locks they held (threads registered with
:func:`spare_children` excepted); and when the environment variable
``CASEBOOK_PARALLEL`` is ``0`` (to compare, or to debug in one process).
``CASEBOOK_PARALLEL=1`` forks even with one CPU (the tests use it).
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Iterable

MIN_ITEMS = 200
"""Below this many items one core is faster than forking."""


_SPARED_THREADS: weakref.WeakSet = weakref.WeakSet()
_SPARED_FDS: dict[int, tuple[int, int]] = {}
"""Descriptor -> (device, inode) of the pipe it was: a number reused since is left alone."""


def spare_children(threads: Iterable[threading.Thread] = (), fds: Iterable[int] = ()) -> None:
    """Declare threads a forked child can do without, and file descriptors it must close.

    For a thread that only moves data through pipes of its own (the search indexer's):
    a child never touches it or its locks, and closes the pipes at once, so the process
    at the other end still sees them close when this process closes them.
    """
    _SPARED_THREADS.update(threads)
    for fd in fds:
        st = os.fstat(fd)
        _SPARED_FDS[fd] = (st.st_dev, st.st_ino)


def forget_fds(fds: Iterable[int]) -> None:
    """Undo :func:`spare_children` for descriptors this process has closed (numbers get reused)."""
    for fd in fds:
        _SPARED_FDS.pop(fd, None)


def _can_fork() -> bool:
    setting = os.environ.get("CASEBOOK_PARALLEL", "")
    if setting == "0":
        return False
    # Linux only: on macOS a forked child that touches system frameworks may crash.
    if not sys.platform.startswith("linux"):
        return False
    if any(t is not threading.main_thread() and t not in _SPARED_THREADS for t in threading.enumerate()):
        return False
    return setting == "1" or (os.cpu_count() or 1) > 1  # 1: even on one CPU (tests)


def split_map(fn: Callable, items: Iterable) -> list:
    """``[fn(x) for x in items]``, the second half computed in a forked child.

    The results are the same and in the same order as the plain loop; if the
    child fails for any reason, its half is computed here (so an exception in
    ``fn`` is raised here, as usual).
    """
    items = list(items)
    if len(items) < MIN_ITEMS or not _can_fork():
        return [fn(x) for x in items]
    half = len(items) // 2
    child = _fork(lambda: [fn(x) for x in items[half:]])  # None: no fork, both halves here
    try:
        first = [fn(x) for x in items[:half]]
    finally:
        second = _collect(child)
    return first + (second if second is not None else [fn(x) for x in items[half:]])


def _die_with_parent(parent: int) -> None:
    """In a child: be killed when the parent ends (an interrupted build must not leave a child
    writing into the site), and end now if it already has."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _fork(fn: Callable) -> tuple[int, int] | None:
    """Start ``fn()`` in a forked child; its pickled result comes through the returned pipe
    (``None``: the system could not fork; compute here)."""
    read, write = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: compute, send, exit without running the parent's exit handlers
        status = 1
        try:
            os.close(read)
            _die_with_parent(parent)
            for fd, identity in _SPARED_FDS.items():
                try:
                    st = os.fstat(fd)
                    if (st.st_dev, st.st_ino) == identity:
                        os.close(fd)
                except OSError:
                    pass
            # What the child inherited stays alive in the parent: the collector need not scan
            # it (which also spares copying the memory pages it would touch).
            gc.freeze()
            data = pickle.dumps(fn(), pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    _frozen.add(pid)
    gc.freeze()  # while the child lives, the collector's full passes skip what it shares
    return pid, read


_frozen: set[int] = set()
"""Children alive since their fork froze the collector's view of this process's objects."""


def _thaw(pid: int) -> None:
    """Once no child shares this process's memory any more, objects frozen at the forks are
    collected as usual again (``mkdocs serve`` reuses the process for its next builds)."""
    _frozen.discard(pid)
    if not _frozen:
        gc.unfreeze()


def _collect(child: tuple[int, int] | None):
    """The child's result, or ``None`` if it failed or never started (after it has ended)."""
    if child is None:
        return None
    pid, read = child
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    _thaw(pid)
    return pickle.loads(data) if status == 0 and data else None


class background:
    """Start computing ``fn()`` (not ``None``) on the other core; call the object for its value.

    Without a usable fork (see :func:`split_map`), or if the child fails, the value is
    ``fallback()`` if given, else ``fn()`` computed when asked for, here, so the result and
    any exception are the usual ones. Call :meth:`cancel` if the value will not be asked
    for (e.g. on an error).
    """

    def __init__(self, fn: Callable, fallback: Callable | None = None) -> None:
        self._fn = fn if fallback is None else fallback
        self._child = _fork(fn) if _can_fork() else None
        self.forked = self._child is not None
        """Whether a forked child computes the value."""
        self._value = None

    def __call__(self):
        if self._value is None:
            child, self._child = self._child, None
            value = _collect(child)
            self._value = self._fn() if value is None else value
        return self._value

    def cancel(self) -> None:
        """Stop the child and collect it, if it is still there."""
        child, self._child = self._child, None
        if child is not None:
            pid, read = child
            os.close(read)  # a child still writing gets a broken pipe and ends
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
            _thaw(pid)

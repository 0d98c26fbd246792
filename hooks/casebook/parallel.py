"""Both cores for the work done before MkDocs renders anything.

Python runs one thread at a time, and loading and planning a library of 10,000
cases takes seconds while the second core has nothing to do yet (Pagefind only
starts with the first page). :func:`split_map` hands the second half of a list
to a forked copy of the process and gets its results back through a pipe.

It falls back to a plain loop where forking is unavailable or unsafe: on
systems other than Linux, with one CPU, for short lists, and when the process
has other threads (``mkdocs serve``), since a forked child inherits no
threads but may inherit locks they held.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterable

MIN_ITEMS = 200
"""Below this many items one core is faster than forking."""


def _can_fork() -> bool:
    # Linux only: on macOS a forked child that touches system frameworks may crash.
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


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
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, exit without running the parent's exit handlers
        status = 1
        try:
            os.close(read)
            data = pickle.dumps([fn(x) for x in items[half:]], pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    try:
        first = [fn(x) for x in items[:half]]
    finally:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return first + [fn(x) for x in items[half:]]
    return first + pickle.loads(data)

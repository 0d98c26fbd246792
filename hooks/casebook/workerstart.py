"""What a spawned worker of :class:`casebook.pool.Pool` runs first, by path
(``runpy.run_path``), before it imports anything of ours:

- the folder that holds the ``casebook`` package goes on ``sys.path``: the worker imports the
  functions it is given by name, and a plain ``mkdocs build`` has that folder on the path only
  while MkDocs loads a hook (without ``PYTHONPATH=hooks`` each worker failed with
  ``ModuleNotFoundError: No module named 'casebook'``);
- Ctrl-C is left to the main process, which ends the pool (:meth:`casebook.pool.Pool.close`):
  a terminal sends SIGINT to every process of the group, and each worker printed a
  ``KeyboardInterrupt`` traceback;
- the worker ends when the main process does (killed, or gone without closing the pool):
  the pool's task queue stays open in every worker, so an orphaned worker would wait for
  work for ever. ``multiprocessing.parent_process().sentinel`` becomes ready when the parent
  exits (Python's documentation, multiprocessing, "parent_process").

Nothing here imports ``casebook``; it runs in the worker only.
"""

import multiprocessing
import os
import signal
import site
import threading
from multiprocessing.connection import wait
from pathlib import Path

signal.signal(signal.SIGINT, signal.SIG_IGN)
site.addsitedir(str(Path(__file__).resolve().parent.parent))
_parent = multiprocessing.parent_process()


def _end_with_parent() -> None:
    wait([_parent.sentinel])
    os._exit(1)


if _parent is not None:
    threading.Thread(target=_end_with_parent, name="casebook-parent-watch", daemon=True).start()

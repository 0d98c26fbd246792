"""casebook.parallel: the second half of a list computed in a forked child, same results."""

from __future__ import annotations

import os
import threading

import pytest

from casebook import parallel
from casebook.parallel import MIN_ITEMS, split_map

N = MIN_ITEMS * 3 + 1


def test_results_and_order_are_those_of_a_plain_loop():
    items = list(range(N))
    assert split_map(lambda x: (x, str(x) * 2), items) == [(x, str(x) * 2) for x in items]


def test_the_second_half_is_computed_in_another_process():
    parent = os.getpid()
    pids = split_map(lambda _: os.getpid(), range(N))
    assert pids[0] == parent and pids[-1] != parent  # otherwise the test proves nothing below
    assert set(pids[: N // 2]) == {parent}


def test_a_failing_child_is_replaced_by_the_parent():
    parent = os.getpid()

    def fn(x):
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return x * x

    assert split_map(fn, range(N)) == [x * x for x in range(N)]


def test_results_the_child_cannot_send_are_computed_here():
    parent = os.getpid()
    # A lambda cannot be pickled: the child fails to send it, the parent computes it.
    out = split_map(lambda x: (lambda: x) if os.getpid() != parent else x, range(N))
    assert out == list(range(N))


def test_an_error_in_fn_is_raised_as_usual():
    def fn(x):
        if x == 3:
            raise ValueError("bad item")
        return x

    with pytest.raises(ValueError, match="bad item"):
        split_map(fn, range(N))


def test_no_fork_with_other_threads_or_short_lists(monkeypatch):
    parent = os.getpid()
    assert set(split_map(lambda _: os.getpid(), range(MIN_ITEMS - 1))) == {parent}
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert set(split_map(lambda _: os.getpid(), range(N))) == {parent}
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    assert set(split_map(lambda _: os.getpid(), range(N))) == {parent}
    monkeypatch.setenv("CASEBOOK_PARALLEL", "1")  # forced, even on one CPU
    assert len(set(split_map(lambda _: os.getpid(), range(N)))) == 2
    monkeypatch.setenv("CASEBOOK_PARALLEL", "0")  # never
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 8)
    assert set(split_map(lambda _: os.getpid(), range(N))) == {parent}
    assert not parallel.background(lambda: 1).forked


def test_a_thread_declared_spared_does_not_prevent_forking():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        parallel.spare_children(threads=[thread])
        assert len(set(split_map(lambda _: os.getpid(), range(N)))) == 2
    finally:
        stop.set()
        thread.join()


def test_background_computes_in_another_process_and_falls_back_here():
    parent = os.getpid()
    job = parallel.background(lambda: {"pid": os.getpid(), "value": 42})
    result = job()
    assert result["value"] == 42 and result["pid"] != parent

    def only_here():
        if os.getpid() != parent:
            raise RuntimeError("fails in the child")
        return "computed here"

    assert parallel.background(only_here)() == "computed here"
    with pytest.raises(ZeroDivisionError):
        parallel.background(lambda: 1 / 0)()


def test_background_can_be_cancelled_and_asked_twice():
    job = parallel.background(lambda: list(range(10**6)))  # a large result: the child blocks on the pipe
    job.cancel()
    job.cancel()  # twice is fine
    assert job() == list(range(10**6))  # computed here after a cancel
    again = parallel.background(lambda: "once")
    assert again() == again() == "once"


def test_no_fork_possible_means_both_halves_here(monkeypatch):
    def no_fork():
        raise OSError("fork: resource temporarily unavailable")

    monkeypatch.setattr(parallel.os, "fork", no_fork)
    parent = os.getpid()
    assert set(split_map(lambda _: os.getpid(), range(N))) == {parent}
    assert parallel.background(lambda: os.getpid())() == parent


def test_a_spared_descriptor_number_reused_since_is_left_open(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEBOOK_PARALLEL", "1")
    read, write = os.pipe()
    parallel.spare_children(fds=[read])
    with open(tmp_path / "other", "wb") as other:
        os.dup2(other.fileno(), read)  # the number now names another file
        try:
            # Computed in the child (a failure there, e.g. a closed descriptor, is computed here).
            pid, inode = parallel.background(lambda: (os.getpid(), os.fstat(read).st_ino))()
            assert pid != os.getpid() and inode == os.fstat(other.fileno()).st_ino
        finally:
            parallel.forget_fds([read])
            os.close(read)
            os.close(write)


def test_objects_are_frozen_only_while_a_child_shares_them(monkeypatch):
    """gc.freeze() spares the shared memory while a child runs; afterwards the objects must be
    collectable again (mkdocs serve reuses the process: it must not keep the first build)."""
    monkeypatch.setenv("CASEBOOK_PARALLEL", "1")
    import gc

    gc.unfreeze()
    job = parallel.background(lambda: 1)
    assert job.forked and gc.get_freeze_count() > 0
    assert job() == 1 and gc.get_freeze_count() == 0
    other = parallel.background(lambda: 2)
    other.cancel()
    assert gc.get_freeze_count() == 0

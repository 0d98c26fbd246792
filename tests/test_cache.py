"""The build cache (casebook.cache, hooks/casebook_incremental.py) and the spawned pool
(casebook.pool): what a cache gives back is what was made, anything else in it is a miss, and a
build from the cache is byte for byte the build without it. (Random edit sequences:
test_incremental.py.)"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import re
import signal
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from contextlib import closing
from pathlib import Path

import pytest

from casebook import cache as cache_module
from casebook import library as library_module
from casebook import load_library, pool
from casebook.cache import FORMAT, SWEEP_CHUNK, BuildCache, Digest, Memory, data_digest, digest
from casebook.library import CASE_KIND, LIBRARY_KIND, SOURCES_KIND
from casebook.pages import LISTINGS_KIND, PLAN_KIND, ROW_KIND, Settings, build_site
from conftest import ROOT, cache_rows, env, make_library, raw_entry, synthetic, write_entry


def test_a_stored_value_comes_back_and_a_disabled_cache_stores_nothing(tmp_path):
    cache = BuildCache(tmp_path / "c")
    key = digest("a key")
    assert cache.get("page", key) is None
    cache.put("page", key, {"html": "<p>Å</p>", "ids": {"a", "b"}})
    assert cache.get("page", key) == {"html": "<p>Å</p>", "ids": {"a", "b"}}
    cache.close()  # commits
    assert BuildCache(tmp_path / "c").get("page", key) == {"html": "<p>Å</p>", "ids": {"a", "b"}}
    off = BuildCache(None)
    off.put("page", key, "x")
    assert off.get("page", key) is None and not off.enabled


@pytest.mark.parametrize("value", ["0", "off", "no", "false", " OFF "])
def test_casebook_cache_0_turns_it_off_and_casebook_cache_dir_moves_it(tmp_path, value):
    assert not BuildCache.for_library(tmp_path, {"CASEBOOK_CACHE": value}).enabled
    assert BuildCache.for_library(tmp_path, {}).folder == tmp_path / ".cache" / "casebook"
    moved = BuildCache.for_library(tmp_path, {"CASEBOOK_CACHE_DIR": str(tmp_path / "x")})
    assert moved.folder == tmp_path / "x"


class _Shell:
    """A pickle that would run a shell command when loaded."""

    def __reduce__(self):
        return (os.system, ("touch pwned",))


@pytest.mark.parametrize("large", [False, True], ids=["in-one-statement", "in-chunks"])
def test_entries_that_cannot_be_trusted_are_misses_and_are_removed(tmp_path, monkeypatch, large):
    monkeypatch.chdir(tmp_path)
    if large:  # every entry but "garbage" is written and read through blob I/O, 64 bytes at a time
        monkeypatch.setattr(cache_module, "LARGE_BYTES", 100)
        monkeypatch.setattr(cache_module, "CHUNK_BYTES", 64)
    folder = tmp_path / "c"
    cache = BuildCache(folder)
    keys = [digest(i) for i in range(7)]
    for key in keys:
        cache.put("page", key, "<p>page</p>" * 50)
    cache.close()
    raw = raw_entry(folder, "page", keys[0])
    evil = pickle.dumps(_Shell())
    damaged = [
        raw[: len(raw) // 2],  # truncated
        b"garbage",  # hand-edited
        raw.replace(b"page", b"PAGE"),  # the checksum no longer matches
        b"casebook-cache-0\n" + raw[len(FORMAT) :],  # an older format
        FORMAT + hashlib.sha256(evil).digest() + evil,  # whole, but names os.system
        raw.decode("latin-1"),  # stored as text (an SQL UPDATE by hand)
    ]
    for key, data in zip(keys, damaged, strict=False):
        write_entry(folder, "page", key, data)
    cache = BuildCache(folder)
    for key in keys[:6]:
        assert cache.get("page", key) is None
    cache.close()
    assert [key for _, key in cache_rows(folder)] == [keys[6]]  # the six are removed
    assert not (tmp_path / "pwned").exists()
    assert BuildCache(folder).get("page", keys[6]) == "<p>page</p>" * 50


def test_a_large_entry_is_never_whole_in_memory_while_it_is_stored_or_read(tmp_path, monkeypatch):
    """The planned site at 10,000 cases pickles to ~155 MB: storing it as one value held it
    three times over at the build's peak (the pickle, the entry, SQLite's copy). Python's own
    allocations are traced; SQLite's are not, and blob I/O hands it a chunk at a time."""
    value = [f"case {i}: " + "å" * 2000 for i in range(4000)]  # ~16 MB pickled
    size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    monkeypatch.setattr(cache_module, "LARGE_BYTES", 2**20)  # spooled to a file beyond 1 MB
    cache = BuildCache(tmp_path / "c")
    tracemalloc.start()
    try:
        cache.put("site", digest("k"), value)
        stored_peak = tracemalloc.get_traced_memory()[1]
        cache.close()
        tracemalloc.reset_peak()
        again = BuildCache(tmp_path / "c").get("site", digest("k"))
        read_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert again == value
    assert stored_peak < 2 * 2**20 + cache_module.CHUNK_BYTES, (stored_peak, size)  # was over 2 × size
    assert read_peak < size * 1.6, (read_peak, size)  # the value itself, ~1.2 × size; was over 3 ×
    assert [p.name for p in (tmp_path / "c").iterdir() if "sqlite" not in p.name] == []  # no spool left


def test_a_large_entry_that_cannot_be_spooled_is_skipped_and_the_cache_goes_on(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module, "LARGE_BYTES", 1000)
    monkeypatch.setattr(cache_module.tempfile, "TemporaryFile", full)
    cache = BuildCache(tmp_path / "c")
    cache.put("site", digest("large"), "å" * 5000)  # no exception
    cache.put("page", digest("small"), "<p>Å</p>")
    assert cache.get("site", digest("large")) is None
    assert cache.get("page", digest("small")) == "<p>Å</p>"


def test_a_damaged_database_is_started_afresh(tmp_path):
    folder = tmp_path / "c"
    cache = BuildCache(folder)
    cache.put("page", digest("k"), "v")
    cache.close()
    (folder / "cache.sqlite").write_bytes(b"not a database at all" * 100)
    again = BuildCache(folder)
    assert again.get("page", digest("k")) is None
    again.put("page", digest("k"), "w")
    again.close()
    assert BuildCache(folder).get("page", digest("k")) == "w"


def test_a_database_of_the_earlier_layout_is_removed_when_the_cache_opens(tmp_path):
    """``entries.sqlite`` kept each entry's last use in its row (noting a build's uses rewrote
    every entry it used): a cache of that layout is dropped, not left to take disk space."""
    folder = tmp_path / "c"
    folder.mkdir()
    for name in ("entries.sqlite", "entries.sqlite-wal", "entries.sqlite-shm"):
        (folder / name).write_bytes(b"an old cache" * 100)
    cache = BuildCache(folder)
    cache.put("page", digest("k"), "<p>Å</p>")
    cache.close()
    assert sorted(p.name for p in folder.iterdir() if "sqlite" in p.name and not p.name.endswith(("-wal", "-shm"))) == [
        "cache.sqlite"
    ]
    assert not any(p.name.startswith("entries.sqlite") for p in folder.iterdir())
    assert BuildCache(folder).get("page", digest("k")) == "<p>Å</p>"


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", "utf-8")
    cache = BuildCache(blocked)
    cache.put("page", digest("k"), "v")  # no exception
    assert cache.get("page", digest("k")) is None


def test_digests_tell_values_apart_and_refuse_what_they_cannot_key():
    assert digest(("ab", "c")) != digest(("a", "bc"))
    assert digest(1) != digest("1") != digest(True)
    assert digest({"a": 1, "b": [1, 2]}) == Digest().add({"a": 1, "b": [1, 2]}).hexdigest()
    assert digest({1, 2, 3}) == digest({3, 2, 1})
    with pytest.raises(TypeError):
        digest(object())
    with pytest.raises(TypeError):
        data_digest({"x": object()})


def test_a_known_object_is_digested_by_its_own_digest_and_still_told_apart():
    """Listings' page keys digest each case's view once (``data_digest(..., known)``)."""

    def listing(title: str) -> str:
        view = {"title": title, "places": ["Malmö", "Rosengård"]}
        context = {"cases": [view, {"nested": (view,)}], "count": 2}
        return data_digest(context, {id(view): data_digest(view)})

    assert listing("Områdesprogram") == listing("Områdesprogram")  # a new view of the same data
    assert listing("Områdesprogram") != listing("Omradesprogram")
    assert listing("x") != data_digest({"cases": [{"title": "x"}], "count": 2})


def test_digests_are_the_same_in_every_process():
    """Python salts str hashes per process (PYTHONHASHSEED): a set's order must not reach a key."""
    code = (
        "from casebook.cache import digest, data_digest;"
        "v = {'ids': {'malmö', 'oslo', 'århus', 'bergen'}, 'n': [1, 2.5, None]};"
        "print(digest(v), data_digest(v))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**env(), "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_sweep_keeps_what_this_build_used_and_about_two_builds_worth(tmp_path):
    folder = tmp_path / "c"
    cache = BuildCache(folder)
    old = [digest("old", i) for i in range(40)]
    for key in old:
        cache.put("page", key, "old")
        cache.put("other", key, "old")  # a kind the next build does not use: it only ages
    cache.close()
    stamp = time.time() - 3600
    for i, key in enumerate(old):
        write_entry(folder, "page", key, raw_entry(folder, "page", key), used=stamp + i)  # old[0]: least recent
    build = BuildCache(folder)
    new = [digest("new", i) for i in range(10)]
    for key in new:
        build.put("page", key, "new")
    removed = build.sweep()
    kept = [key for key in old if ("page", key) in cache_rows(folder)]
    assert removed == 40 - len(kept) and len(kept) == 10 + 2  # room: twice the 10 used, plus 2
    assert kept == old[-len(kept) :]  # the most recently used of the others stay
    assert all(("page", key) in cache_rows(folder) for key in new)
    assert len(cache_rows(folder, "other")) == 40
    later = BuildCache(folder)
    assert later.sweep(now=time.time() + 8 * 24 * 3600) == len(kept) + 10 + 40  # unused for over a week


def test_a_serve_memory_answers_for_its_kinds_without_the_database_and_keeps_one_builds_worth(tmp_path):
    memory = Memory(["case"])
    first = BuildCache(tmp_path / "c", memory)
    value, key, old = {"title": "Årsta"}, digest("a"), digest("old")
    first.put("case", key, value)
    first.put("case", old, {"title": "Rinkeby"})
    first.put("page", key, "<p>Å</p>")  # not a kind it keeps
    first.close()
    with closing(sqlite3.connect(tmp_path / "c" / "cache.sqlite")) as db, db:
        db.execute("DELETE FROM entries")  # what only the memory can still give
    second = BuildCache(tmp_path / "c", memory)
    assert second.get("case", key) is value
    assert second.get("page", key) is None
    assert second.hits == 1
    second.forget_unused()  # "old" was not used by this build
    assert list(memory.values) == [("case", key)]
    assert BuildCache(None, memory).get("case", key) is None  # a disabled cache keeps nothing


def test_a_part_remembered_for_serve_is_made_once_never_stored_and_forgotten_when_unused(tmp_path):
    memory, made = Memory(["row"]), []
    for build in range(2):
        cache = BuildCache(tmp_path / "c", memory)
        assert cache.remembered("row", "a", lambda: made.append("a") or ["Årsta"]) == ["Årsta"]
        if build == 0:
            assert cache.remembered("row", "b", lambda: made.append("b") or ["Bo"]) == ["Bo"]
        assert cache.remembered("page", "a", lambda: made.append("page") or "x") == "x"  # not a kept kind
        cache.forget_unused()
        cache.close()
    assert made == ["a", "b", "page", "page"]
    assert list(memory.values) == [("row", "a")] and cache_rows(tmp_path / "c") == []
    assert BuildCache(None, memory).remembered("row", "a", lambda: "made") == "made"
    # A key given as a function is made only when the value is kept (under serve).
    assert BuildCache(None, memory).remembered("row", lambda: pytest.fail("key made"), lambda: "made") == "made"
    keyed = BuildCache(tmp_path / "c", memory)
    assert keyed.remembered("row", lambda: "a", lambda: "not made") == ["Årsta"]


def test_a_site_planned_again_from_the_serve_memory_is_the_site_planned_afresh(tmp_path):
    """What the memory gives back is shared between builds: planning must not change it."""
    library = load_library(ROOT)
    memory = Memory([CASE_KIND, LIBRARY_KIND, PLAN_KIND, ROW_KIND])
    settings = Settings(site_url="https://example.org/", preview=True)
    sites = []
    for _ in range(3):
        cache = BuildCache(tmp_path / "c", memory)
        sites.append(build_site(load_library(ROOT, cache=cache), settings, cache=cache))
        cache.close()
    fresh = build_site(library, settings, cache=BuildCache(None))
    assert memory.values and any(kind == ROW_KIND for kind, _ in memory.values)
    for site in sites:
        assert site.files == fresh.files
        assert {p: data_digest([s.context, s.key]) for p, s in site.pages.items()} == {
            p: data_digest([s.context, s.key]) for p, s in fresh.pages.items()
        }


def test_a_whole_remembered_from_its_parts_keeps_them_for_the_build_that_makes_it_again(tmp_path):
    """A value made from cache entries and remembered rows, then taken from the memory, counts
    them as used: the memory keeps them, so the build after an edit that remakes the value
    finds its unchanged parts there."""
    memory, made = Memory(["case", "row", "whole"]), []
    folder = tmp_path / "c"
    first = BuildCache(folder, memory)
    first.put("case", digest("old"), "unrelated")

    def whole(cache: BuildCache, name: str):
        made.append(name)
        return [
            cache.get("case", digest("a")) or cache.put("case", digest("a"), "Årsta"),
            cache.remembered("row", "r", lambda: made.append("row") or "Rå"),
        ]

    assert first.remembered_whole("whole", "w1", lambda: whole(first, "w1")) == [None, "Rå"]
    first.forget_unused()
    first.close()
    for _ in range(2):  # nothing changed: from the memory, and its parts stay
        again = BuildCache(folder, memory)
        assert again.remembered_whole("whole", "w1", lambda again=again: whole(again, "w1")) == [None, "Rå"]
        again.forget_unused()
        again.close()
    assert made == ["w1", "row"]
    assert {("case", digest("a")), ("row", "r"), ("whole", "w1")} == set(memory.values)
    edited = BuildCache(folder, memory)
    with closing(sqlite3.connect(folder / "cache.sqlite")) as db, db:
        db.execute("DELETE FROM entries")  # only the memory can give the part now
    assert edited.remembered_whole("whole", "w2", lambda: whole(edited, "w2")) == ["Årsta", "Rå"]
    assert made == ["w1", "row", "w2"]  # the row was not made again
    assert BuildCache(None, memory).remembered_whole("whole", "w1", lambda: "made") == "made"


def test_after_a_save_that_changed_only_a_body_the_listings_are_kept_and_the_site_is_as_planned_afresh(tmp_path):
    """Under serve, a save that changed a case's body alone plans its page again and takes
    every other page and file from the memory; a change of its front matter plans them all."""
    folder = make_library(tmp_path / "lib", synthetic(6))
    memory = Memory([CASE_KIND, LIBRARY_KIND, PLAN_KIND, ROW_KIND, LISTINGS_KIND])
    settings = Settings(site_url="https://example.org/", preview=True)
    case = folder / "cases" / "case-0002.md"
    edits = [
        lambda text: text,
        lambda text: text.replace("A lead paragraph.", "A lead paragraph on Ørestad, edited."),
        lambda text: text.replace("title: Programme 0002", "title: Programme 0002 in Åkeshov"),
        lambda text: text.replace("on Ørestad, edited.", "on Ørestad, edited twice."),
    ]
    sites = []
    for edit in edits:
        case.write_text(edit(case.read_text("utf-8")), "utf-8")
        cache = BuildCache(tmp_path / "c", memory)
        sites.append(build_site(load_library(folder, cache=cache), settings, cache=cache))
        cache.forget_unused()
        cache.close()
        fresh = build_site(load_library(folder), settings, cache=BuildCache(None))
        assert sites[-1].files == fresh.files
        assert {p: data_digest([s.context, s.key, s.content]) for p, s in sites[-1].pages.items()} == {
            p: data_digest([s.context, s.key, s.content]) for p, s in fresh.pages.items()
        }
    kept = [[p for p, s in site.pages.items() if s is before.pages[p]] for before, site in itertools.pairwise(sites)]
    listed = [p for p in sites[0].pages if not p.startswith("cases/case-")]
    assert kept[0] == listed and kept[2] == listed  # the body edits
    assert kept[1] == []  # the title shows in the lists: all planned again
    others = [p for p in sites[0].pages if p.startswith("cases/case-") and p != "cases/case-0002.md"]
    assert all(sites[3].pages[p].context["related"] is sites[2].pages[p].context["related"] for p in others)
    assert "edited twice" in sites[3].pages["cases/case-0002.md"].content


def test_under_serve_sources_are_checked_across_cases_again_only_when_a_source_or_its_line_changed(
    tmp_path, monkeypatch
):
    cases = synthetic(4)
    cases["case-0001.md"] = cases["case-0001.md"].replace("title: A report", "title: Slutrapport Seved")
    cases["case-0002.md"] = cases["case-0002.md"].replace("year: 2016", "year: 2017")  # differs from the others
    folder = make_library(tmp_path / "lib", cases)
    memory, calls = Memory([CASE_KIND, LIBRARY_KIND, SOURCES_KIND]), []
    real = library_module.check_sources
    monkeypatch.setattr(library_module, "check_sources", lambda found: calls.append(1) or real(found))
    case = folder / "cases" / "case-0002.md"
    edits = [
        lambda text: text,
        lambda text: text.replace("A lead paragraph.", "A lead paragraph on Ørestad."),  # the body only
        lambda text: text.replace("  - Seved\n", "  - Seved\n  - Sofielund\n"),  # the source's lines move
        lambda text: text.replace("year: 2017", "year: 2018"),  # the source itself
    ]
    found = []
    for edit in edits:
        case.write_text(edit(case.read_text("utf-8")), "utf-8")
        cache = BuildCache(tmp_path / "c", memory)
        problems = [str(p) for p in load_library(folder, cache=cache, store=False).problems]
        cache.forget_unused()
        cache.close()
        monkeypatch.setattr(library_module, "check_sources", real)
        assert problems == [str(p) for p in load_library(folder).problems]  # as checked afresh
        monkeypatch.setattr(library_module, "check_sources", lambda found: calls.append(1) or real(found))
        found.append((len(calls), problems))
    assert [n for n, _ in found] == [1, 1, 2, 3]
    named = [[p for p in problems if p.startswith("cases/case-0002.md")] for _, problems in found]
    assert all(len(p) == 1 for p in named) and "2018 here" in named[3][0]
    assert named[1] == named[0] and named[2] != named[1]  # the line named moved with the source
    assert cache_rows(tmp_path / "c", LIBRARY_KIND) == []  # store=False: the whole library is not kept


def test_a_sweep_asked_to_stop_ends_after_the_chunk_it_is_in_and_the_next_one_goes_on(tmp_path):
    """Under mkdocs serve a save stops the last build's sweep, which may have a hundred
    thousand stale entries to remove after an upgrade: it ends after one chunk, with what it
    removed committed, and a later sweep removes the rest."""
    folder = tmp_path / "c"
    cache = BuildCache(folder)
    stale = [digest("stale", i) for i in range(2 * SWEEP_CHUNK + 10)]
    for key in stale:
        cache.put("page", key, "old")
    cache.close()
    week_ago = time.time() - 8 * 24 * 3600
    with closing(sqlite3.connect(folder / "cache.sqlite")) as db, db:
        db.execute("UPDATE uses SET used = ?", (week_ago,))
    asked = []
    first = BuildCache(folder)
    assert first.sweep(stop=lambda: asked.append(1) or len(asked) > 1) == SWEEP_CHUNK
    assert len(cache_rows(folder, "page")) == len(stale) - SWEEP_CHUNK  # committed, the rest left
    assert BuildCache(folder).sweep() == len(stale) - SWEEP_CHUNK
    assert cache_rows(folder) == []


def _pid(_item) -> int:
    return os.getpid()


def _square(x: int) -> int:
    if x == 13:
        raise ValueError("thirteen")
    return x * x


def test_the_pool_gives_a_plain_loops_results_from_spawned_processes(monkeypatch):
    monkeypatch.setenv("CASEBOOK_WORKERS", "2")
    assert pool.pool_map(_square, list(range(12)), min_items=1) == [x * x for x in range(12)]
    pids = set(pool.pool_map(_pid, list(range(40)), min_items=1))
    assert os.getpid() not in pids and len(pids) >= 1
    with pytest.raises(ValueError, match="thirteen"):
        pool.pool_map(_square, list(range(20)), min_items=1)


def test_one_pool_serves_several_steps_and_work_goes_on_while_it_runs(monkeypatch):
    monkeypatch.setenv("CASEBOOK_WORKERS", "2")
    with pool.Pool(min_items=1) as shared:
        first = set(shared.map(_pid, list(range(40))))
        pending = shared.start(_square, list(range(12)), chunk=5)  # returns before the work is done
        here = [x + 1 for x in range(5)]  # this process goes on meanwhile
        assert pending.take(11) == 121 and pending.result(3) == 9 and here == [1, 2, 3, 4, 5]
        with pytest.raises(KeyError):  # a result taken is forgotten
            pending.take(11)
        assert pending.take(0) == 0 and pending.results()[1:11] == [x * x for x in range(1, 11)]
        second = set(shared.map(_pid, list(range(40))))
        assert os.getpid() not in first | second
        assert len(first | second) <= 2  # the same two processes: the interpreters start once
        with pytest.raises(ValueError, match="thirteen"):  # raised where the results are taken
            shared.start(_square, list(range(20))).results()
    assert shared._executor is None  # closed on leaving the block


def test_workers_end_once_the_last_work_is_done_and_its_results_stay_to_be_taken(monkeypatch):
    # A build's workers were idle through its whole page loop, at its memory peak.
    monkeypatch.setenv("CASEBOOK_WORKERS", "2")
    with pool.Pool(min_items=1) as shared:
        pending = shared.start(_pid, list(range(40)), chunk=5)
        shared.last_work_started()
        pids = set(pending.results())
        assert pids and os.getpid() not in pids
        deadline = time.monotonic() + 60
        while any(map(_alive, pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(_alive, pids))  # before the pool is closed
        assert shared.start(_square, list(range(12))).results() == [x * x for x in range(12)]  # spawned anew
    assert shared._executor is None and not shared._ending


def _mark(folder: str) -> None:
    time.sleep(0.2)
    Path(folder, f"{os.getpid()}-{time.monotonic_ns()}").touch()


def test_a_pool_told_its_last_work_is_started_still_cancels_what_has_not_run_when_closed(tmp_path, monkeypatch):
    """A build that fails after its last conversions were started (a problem, Ctrl-C, a save
    under serve) must not leave its workers converting the rest."""
    monkeypatch.setenv("CASEBOOK_WORKERS", "2")
    shared = pool.Pool(min_items=1)
    shared.start(_mark, [str(tmp_path)] * 40, chunk=1)
    shared.last_work_started()
    shared.close()
    ran = len(list(tmp_path.iterdir()))
    deadline = time.monotonic() + 60
    while _spawned_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _spawned_children()
    assert len(list(tmp_path.iterdir())) == ran  # nothing ran once close() had returned
    assert ran < 20  # the work the workers had taken; the rest was cancelled


def _spawned_children() -> list[int]:
    """This process's children that are spawned pool workers (not multiprocessing's resource tracker)."""
    kids = []
    for task in os.listdir("/proc/self/task"):
        try:  # a thread or a child may end between any two steps here
            for pid in Path(f"/proc/self/task/{task}/children").read_text().split():
                if _alive(int(pid)) and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    kids.append(int(pid))
        except OSError:
            continue
    return kids


def test_a_pool_that_breaks_is_replaced_by_this_process(monkeypatch):
    monkeypatch.setenv("CASEBOOK_WORKERS", "2")

    def broken(*args, **kwargs):
        raise OSError("no semaphores here")

    monkeypatch.setattr(pool, "ProcessPoolExecutor", broken)
    with pool.Pool(min_items=1) as shared:
        assert set(shared.map(_pid, list(range(10)))) == {os.getpid()}
        assert shared.start(_square, [2, 3]).results() == [4, 9]


HOOK_LOADED_ONLY = """
import os, sys
from mkdocs.config import load_config
load_config("mkdocs.yml")  # MkDocs loads the hook: its folder is on sys.path only meanwhile
assert not [p for p in sys.path if os.path.abspath(p or ".") == os.path.dirname(sys.argv[1])]
pool, translit = sys.modules["casebook.pool"], sys.modules["casebook.translit"]
with pool.Pool(min_items=1) as shared:
    print(shared.map(translit.transliterate, ["Ålesund", "Malmö", "Tåsinge", "Ærø"]), shared._broken)
"""


def test_the_workers_import_the_package_when_only_mkdocs_put_it_on_the_path(tmp_path):
    # A plain `mkdocs build` (a Pages workflow, `mkdocs build -f examples/...`) has no
    # PYTHONPATH=hooks: the spawned workers failed on `import casebook` with a traceback each,
    # and the build went on in one process.
    environment = {k: v for k, v in env().items() if k != "PYTHONPATH"} | {"CASEBOOK_WORKERS": "2"}
    (tmp_path / "docs").mkdir()
    hook = ROOT / "hooks" / "casebook_hooks.py"
    (tmp_path / "mkdocs.yml").write_text(f"site_name: T\nhooks:\n  - {hook}\n", "utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", HOOK_LOADED_ONLY, str(hook)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.split() == ["['Alesund',", "'Malmo',", "'Tasinge',", "'AEro']", "False"], proc.stdout


def test_a_worker_that_loaded_other_code_than_this_process_runs_is_not_used(monkeypatch):
    # Under `mkdocs serve` an edit to hooks/ is not re-imported, but a new worker imports it:
    # its results would be stored under the old code's keys. This process does the work instead.
    monkeypatch.setenv("CASEBOOK_WORKERS", "2")
    monkeypatch.setitem(cache_module._CODE, "digest", "the code this process started with")
    with pool.Pool(min_items=1) as shared:
        assert set(shared.map(_pid, list(range(10)))) == {os.getpid()}
        assert shared._broken
    monkeypatch.setitem(cache_module._CODE, "digest", cache_module._code_on_disk())
    assert not cache_module.code_changed()
    monkeypatch.setitem(cache_module._CODE, "digest", "the code this process started with")
    assert cache_module.code_changed()


POOL_AT_WORK = """
import os, sys, time
from casebook import pool


def pid(_item):
    return os.getpid()


if __name__ == "__main__":
    with pool.Pool(min_items=1) as shared:
        workers = set(shared.map(pid, range(20)))
        pending = shared.start(time.sleep, [float(sys.argv[1])] * 4, chunk=1)
        try:  # the test's Ctrl-C may come as soon as the line is out
            print(" ".join(map(str, sorted(workers))), flush=True)
            pending.results()
        except KeyboardInterrupt:
            print("stopped", flush=True)
"""


def _pool_at_work(folder: Path, seconds: float) -> tuple[subprocess.Popen, list[int]]:
    """A process with a pool of two workers, each sleeping ``seconds``; and the workers' ids."""
    script = folder / "pool_at_work.py"
    script.write_text(POOL_AT_WORK, "utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(seconds)],
        env={**env(), "CASEBOOK_WORKERS": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's
    )
    workers = [int(pid) for pid in proc.stdout.readline().split()]
    if not workers or proc.pid in workers:
        proc.kill()
        pytest.fail(f"no workers: {proc.communicate()}")
    return proc, workers


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped by init, does not)."""
    try:  # the process may end between any two steps here
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_ctrl_c_is_the_main_processs_to_handle_and_the_workers_print_no_traceback(tmp_path):
    proc, workers = _pool_at_work(tmp_path, 1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    out, err = proc.communicate(timeout=60)
    assert "stopped" in out, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert not [pid for pid in workers if _alive(pid)]


def test_workers_end_when_the_main_process_is_killed(tmp_path):
    proc, workers = _pool_at_work(tmp_path, 600.0)
    proc.kill()  # SIGKILL: no clean-up of any kind in the main process
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 60
    while [pid for pid in workers if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers were left waiting for work after the main process was killed"


def test_one_worker_or_a_short_list_stays_in_this_process(monkeypatch):
    monkeypatch.setenv("CASEBOOK_WORKERS", "1")
    assert set(pool.pool_map(_pid, list(range(500)), min_items=1)) == {os.getpid()}
    monkeypatch.setenv("CASEBOOK_WORKERS", "2")
    assert set(pool.pool_map(_pid, list(range(5)))) == {os.getpid()}


def run(folder: Path, site: str, *extra: str, command=(sys.executable, "-m", "mkdocs"), verbose=True, **environ):
    """A strict build of ``folder`` into ``folder/site``: (exit code, output)."""
    proc = subprocess.run(
        [*command, "build", "--strict", *(["--verbose"] if verbose else []), "--site-dir", site, *extra],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**env(), **environ},
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def site_files(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _counts(output: str) -> str:
    return next(line for line in output.splitlines() if "pages rendered; cache" in line)


def test_a_warm_build_is_the_cold_build_byte_for_byte_and_renders_nothing(tmp_path):
    folder = make_library(tmp_path / "lib", synthetic(30))
    code, cold = run(folder, "cold")
    assert code == 0, cold
    # Nothing found in an empty cache, and no case page's conversion looked for: all 30 were
    # made ahead of the page loop (casebook_incremental.convert_alone).
    assert " 0 hits" in _counts(cold) and "'conversion'" not in _counts(cold)
    code, warm = run(folder, "warm")
    assert code == 0, warm
    assert "Casebook: 0 pages rendered" in _counts(warm) and " 0 misses" in _counts(warm)
    a, b = site_files(folder / "cold"), site_files(folder / "warm")
    assert a.keys() == b.keys() and len([p for p in a if p.startswith("cases/")]) == 31
    assert [p for p in a if a[p] != b[p]] == []  # Pagefind's bundles too: restored, not re-indexed
    code, output = run(tmp_path / "lib", "off", CASEBOOK_CACHE="0", CASEBOOK_CACHE_DIR=str(tmp_path / "none"))
    assert code == 0 and not (tmp_path / "none").exists(), output
    c = site_files(folder / "off")
    assert [p for p in a if not p.startswith("pagefind") and a[p] != c.get(p)] == []


def _finished(output: str) -> int:
    return int(_counts(output).rsplit(";", 1)[1].split()[0])


def test_an_unchanged_case_page_is_written_from_the_cache_without_mkdocs_reading_it(tmp_path):
    """A case page whose inputs are those of the last build is a FinishedPage: written from the
    cache, not read, converted or rendered; an edited case goes through MkDocs again."""
    folder = make_library(tmp_path / "lib", synthetic(12))
    cases = sorted(p.stem for p in (folder / "cases").glob("*.md"))
    assert run(folder, "one")[0] == 0
    code, output = run(folder, "two")
    assert code == 0 and _finished(output) == len(cases), output[-3000:]
    edited = folder / "cases" / "case-0003.md"
    edited.write_text(edited.read_text("utf-8").replace("Something the sources report.", "Ålesund reported it.", 1))
    code, output = run(folder, "three")
    assert code == 0 and _finished(output) == len(cases) - 1, output[-3000:]
    assert "Ålesund reported it." in (folder / "three" / "cases" / "case-0003" / "index.html").read_text("utf-8")
    two, three = site_files(folder / "two"), site_files(folder / "three")
    version = re.compile(rb"content\.[0-9a-f]{12}")  # the data set's version, on every case page
    assert version.search(two["cases/case-0001/index.html"])
    changed = {p for p in two if p.startswith("cases/case-") and version.sub(b"", two[p]) != version.sub(b"", three[p])}
    assert changed == {"cases/case-0003/index.html"}
    sitemap = (folder / "three" / "sitemap-cases.xml").read_text("utf-8")
    assert all(f"/cases/{cid}/</loc>" in sitemap for cid in cases)  # finished pages are listed too


def test_with_a_mkdocs_plugin_configured_every_case_page_goes_through_mkdocs(tmp_path):
    """A plugin's page events (here Material's search, which reads every page's content) would
    not run for a finished page, so with any plugin there is none."""
    folder = make_library(tmp_path / "lib", synthetic(3))
    config = folder / "mkdocs.yml"
    text = config.read_text("utf-8")
    assert "\nplugins: []\n" in text
    config.write_text(text.replace("\nplugins: []\n", "\nplugins:\n  - search\n"), "utf-8")
    for site in ("one", "two"):
        code, output = run(folder, site)
        assert code == 0 and _finished(output) == 0, output[-3000:]
    index = (folder / "two" / "search" / "search_index.json").read_text("utf-8")
    assert all(f"cases/case-000{n}/" in index for n in range(3))


def _configure(folder, old: str, new: str) -> None:
    config = folder / "mkdocs.yml"
    text = config.read_text("utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), "utf-8")


def test_a_warning_mkdocs_gives_when_it_reads_a_page_comes_back_on_every_build(tmp_path):
    """MkDocs reports a page left out of the navigation when it reads it, which it does not do
    for a finished page: a build that warned finishes nothing, so the next one warns again."""
    folder = make_library(tmp_path / "lib", synthetic(3))
    _configure(folder, "    omitted_files: ignore", "    omitted_files: warn")
    for site in ("one", "two", "three"):
        code, output = run(folder, site)
        assert code != 0 and "cases/case-0001.md" in output, output[-3000:]
        assert _finished(output) == 0


def test_other_hooks_run_on_every_page_once_and_their_edits_show(tmp_path):
    """A hook besides Casebook's: no finished pages (its page events would not run), the page
    cache keeps pages as they were before any other hook changed them (so the hook's change is
    made once, not twice), and an edit of the hook's source changes every page."""
    folder = make_library(tmp_path / "lib", synthetic(3))
    stamp = folder / "hooks" / "stamp.py"
    stamp.write_text(
        'def on_post_page(output, page, config):\n    return output.replace("</body>", "<!-- stamp v1 --></body>")\n'
    )
    _configure(folder, "hooks:\n", "hooks:\n  - hooks/stamp.py\n")  # before Casebook's own
    pages = ("index.html", "cases/case-0001/index.html", "keywords/index.html")
    for site in ("one", "two"):
        code, output = run(folder, site)
        assert code == 0 and _finished(output) == 0, output[-3000:]
        assert [(folder / site / p).read_text("utf-8").count("<!-- stamp v1 -->") for p in pages] == [1, 1, 1]
    stamp.write_text(stamp.read_text().replace("v1", "v2"))
    assert run(folder, "three")[0] == 0
    assert [(folder / "three" / p).read_text("utf-8").count("<!-- stamp v2 -->") for p in pages] == [1, 1, 1]


def test_files_a_page_includes_and_the_themes_icons_are_part_of_what_it_is_made_from(tmp_path):
    """A snippet appended to every page (pymdownx.snippets) and an icon of the theme's own
    (overrides/.icons) are read from files that are not the page's text: an edit of either
    shows on the next build, case pages included."""
    folder = make_library(tmp_path / "lib", synthetic(3))
    (folder / "includes").mkdir()
    snippet = folder / "includes" / "abbreviations.md"
    snippet.write_text("*[sources]: Kilder v1\n", "utf-8")
    icon = folder / "overrides" / ".icons" / "custom" / "moon.svg"
    icon.parent.mkdir(parents=True)
    icon.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M1 1h1"/></svg>')
    _configure(
        folder,
        "  - admonition\n",
        "  - admonition\n  - abbr\n  - pymdownx.snippets:\n      auto_append: [includes/abbreviations.md]\n",
    )
    _configure(folder, "icon: material/weather-night", "icon: custom/moon")
    case = ("cases", "case-0001", "index.html")
    assert run(folder, "one")[0] == 0
    assert 'title="Kilder v1"' in folder.joinpath("one", *case).read_text("utf-8")
    snippet.write_text("*[sources]: Kilder v2\n", "utf-8")
    icon.write_text(icon.read_text().replace("M1 1h1", "M2 2h2"))
    code, output = run(folder, "two")
    assert code == 0 and _finished(output) == 0, output[-3000:]
    page = folder.joinpath("two", *case).read_text("utf-8")
    assert 'title="Kilder v2"' in page and "M2 2h2" in page and "M1 1h1" not in page


def test_a_docs_page_at_a_generated_pages_address_is_an_error(tmp_path):
    """docs/cases/<id>/index.md would be written where the case page is: which one a reader
    gets must not depend on the order MkDocs writes them in (or on the cache)."""
    folder = make_library(tmp_path / "lib", synthetic(2))
    (folder / "docs" / "cases" / "case-0001").mkdir(parents=True)
    (folder / "docs" / "cases" / "case-0001" / "index.md").write_text("# Mine\n", "utf-8")
    code, output = run(folder, "one", verbose=False)
    assert code != 0 and "docs/cases/case-0001/index.md would be published at /cases/case-0001/" in output, output
    assert "Traceback" not in output


def test_a_link_to_a_missing_anchor_of_a_finished_page_still_fails_the_build(tmp_path):
    """A hand-written page that links into a case page is checked against the anchors the finished
    page had when it was rendered: kept with it in the cache, not lost with the conversion."""
    folder = make_library(tmp_path / "lib", synthetic(4))
    notes = folder / "docs" / "notes.md"  # not in the navigation, which is made from its pages
    notes.write_text("# Notes\n\nSee [the results](cases/case-0002.md#results).\n", "utf-8")
    assert run(folder, "one", verbose=False)[0] == 0
    code, output = run(folder, "two")  # case-0002 is finished: its anchors come from the cache
    assert code == 0 and _finished(output) == 4, output[-3000:]
    notes.write_text("# Notes\n\nSee [the results](cases/case-0002.md#no-such-part).\n", "utf-8")
    code, output = run(folder, "three", verbose=False)  # MkDocs checks anchors only when not verbose
    assert code != 0 and "no-such-part" in output, output[-3000:]


def test_a_cached_conversion_keeps_the_anchors_mkdocs_checks(tmp_path):
    """--strict must fail on a link to a missing anchor on the second build as on the first:
    the anchors a page has and links to come back from the cache."""
    cases = synthetic(3)
    cases["case-0001.md"] = cases["case-0001.md"].replace(
        "Something the sources report.", "See [the results](#nowhere-at-all).", 1
    )
    folder = make_library(tmp_path / "lib", cases)
    for site in ("one", "two"):  # not verbose: MkDocs checks anchors only then
        code, output = run(folder, site, verbose=False)
        assert code != 0 and "nowhere-at-all" in output, output
    assert cache_rows(folder / ".cache" / "casebook", "conversion")


class _Page:
    """What PageCache.convert_from_cache touches of a MkDocs page."""

    def __init__(self):
        from mkdocs.structure.toc import TableOfContents

        self.file = type("F", (), {"src_uri": "cases/x.md"})()
        self.markdown = "Text"
        self.content, self.toc, self.present_anchor_ids, self.links_to_anchors = None, TableOfContents([]), None, None
        self.renders = 0

    def render(self, config, files):
        import logging

        self.renders += 1
        self.content, self.present_anchor_ids = "<p>Text</p>", {"a"}
        logging.getLogger("mkdocs.structure.pages").warning("Doc file 'cases/x.md' contains a problem")


def test_what_a_conversion_logged_is_logged_again_from_the_cache(tmp_path, caplog):
    from casebook_incremental import PageCache

    def page_cache():
        made = PageCache.__new__(PageCache)  # without a MkDocs config: its digest is given
        made.cache, made._config, made._files, made._conversions = BuildCache(tmp_path / "c"), "config", "", {}
        made._clean, made.includes, made._ahead = {}, [], {}
        return made

    first, made = _Page(), page_cache()
    made.convert_from_cache(first)
    first.render(None, None)
    made.cache.close()  # commits
    second = _Page()
    page_cache().convert_from_cache(second)
    caplog.clear()
    second.render(None, None)
    assert second.renders == 0 and second.content == "<p>Text</p>" and second.present_anchor_ids == {"a"}
    assert [r.getMessage() for r in caplog.records] == ["Doc file 'cases/x.md' contains a problem"]
    assert caplog.records[0].levelname == "WARNING" and caplog.records[0].name == "mkdocs.structure.pages"


def test_an_edited_template_re_renders_only_the_pages_that_use_it(tmp_path):
    folder = make_library(tmp_path / "lib", synthetic(12))
    assert run(folder, "site")[0] == 0
    keyword = folder / "overrides" / "keyword.html"
    text = keyword.read_text("utf-8")
    assert "{% block content %}" in text
    keyword.write_text(text.replace("{% block content %}", "{% block content %}<!-- edited -->", 1), "utf-8")
    code, output = run(folder, "site")
    assert code == 0, output
    rendered = int(_counts(output).split("Casebook: ")[1].split()[0])
    keyword_pages = len(list((folder / "site" / "keywords").glob("*/index.html")))
    assert rendered == keyword_pages > 0
    assert "<!-- edited -->" in (folder / "site" / "keywords" / "safety" / "index.html").read_text("utf-8")
    assert "<!-- edited -->" not in (folder / "site" / "cases" / "case-0001" / "index.html").read_text("utf-8")


def test_properdocs_builds_from_the_cache_too(tmp_path):
    folder = make_library(tmp_path / "lib", synthetic(6))
    properdocs = (str(Path(sys.executable).parent / "properdocs"),)
    for site in ("one", "two"):
        code, output = run(folder, site, command=properdocs)
        assert code == 0, output
    assert "Casebook: 0 pages rendered" in _counts(output)
    assert site_files(folder / "one") == site_files(folder / "two")


def test_mkdocs_and_properdocs_do_not_take_each_others_pages_from_one_cache(tmp_path):
    # Each page's generator tag names the program that built it ("mkdocs-1.6.1" or
    # "mkdocs-ProperDocs 1.6.7"): one cache, both programs, each site as its program makes it.
    folder = make_library(tmp_path / "lib", synthetic(6))
    properdocs = (str(Path(sys.executable).parent / "properdocs"),)
    for site, command in (("m1", None), ("p1", properdocs), ("m2", None), ("p2", properdocs)):
        code, output = run(folder, site, **({"command": command} if command else {}))
        assert code == 0, output
    code, output = run(folder, "p0", command=properdocs, CASEBOOK_CACHE="0")
    assert code == 0, output

    def pages(site: str) -> dict:
        return {k: v for k, v in site_files(folder / site).items() if k.endswith(".html")}

    for site in ("m1", "m2", "p1", "p2"):
        tags = {re.search(rb'<meta name="generator" content="([^"]*)"', html)[1] for html in pages(site).values()}
        assert len(tags) == 1 and (b"ProperDocs" in tags.pop()) == site.startswith("p"), site
    assert pages("p1") == pages("p0") == pages("p2") and pages("m1") == pages("m2")


def test_the_generator_keeps_no_fork_machinery():
    text = "\n".join(p.read_text("utf-8") for p in (ROOT / "hooks").rglob("*.py"))
    assert "os.fork" not in text and "PR_SET_PDEATHSIG" not in text and "gc.freeze" not in text
    assert '"fork"' not in text and "'fork'" not in text


BODIES = {
    "cases/malmo.md": '## Bakgrund\n\nMalmö stad och *Rosengård*.\n\n!!! note "Økonomi"\n    Ærø og Tromsø.\n',
    "cases/table.md": "## Outcomes\n\n| Year | Homes |\n|---|---|\n| 2019 | 120 |\n\n### Ålesund — not reported\n",
    "cases/plain.md": "Text before any heading.\n\n## Lessons\n\n- one\n- two\n",
}


def test_pages_converted_in_spawned_processes_are_what_mkdocs_converts_here(monkeypatch):
    """The conversions made ahead of the page loop (casebook_incremental.convert_alone, in a
    spawned pool) are Page.render's own, in the build's configuration (transliterated anchors)."""
    from casebook_incremental import PageCache, _conversion_setup
    from mkdocs.config import load_config
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page

    from casebook.translit import heading_id

    config = load_config(str(ROOT / "mkdocs.yml"))
    config.mdx_configs.setdefault("toc", {})["slugify"] = heading_id
    setup = _conversion_setup(config)
    monkeypatch.setenv("CASEBOOK_WORKERS", "2")
    with pool.Pool(min_items=1) as shared:
        made = shared.map(_convert_in_pool, [(setup, item) for item in BODIES.items()])
    assert {src_uri for src_uri, _, _ in made} == set(BODIES)
    for src_uri, markdown, stored in made:
        file = File(src_uri, None, config.site_dir, True)
        page = Page(None, file, config)
        page.markdown, page.meta = markdown, {}
        page.render(config, Files([file]))  # MkDocs' own conversion, in this process
        assert stored == PageCache._snapshot(page, [])
    table = dict((uri, stored) for uri, _, stored in made)["cases/table.md"]
    assert f'id="{heading_id("Ålesund — not reported", "-")}"' in table["content"] and "<table>" in table["content"]


def _convert_in_pool(args):
    from casebook_incremental import convert_alone

    return convert_alone(*args)

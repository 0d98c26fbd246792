"""``mkdocs serve`` as editors use it (``make serve``): a real server, real edits, pages and
search read back from what it serves, and the site it leaves compared with a fresh server's.

An edited case shows on its page without waiting for its search bundle to be indexed again
(MkDocs answers no request while a build runs), a save while that goes on does not wait for
it either, and the search catches up with both. To tell them apart without timing anything,
Pagefind is reached through a gate (``PAGEFIND_BINARY_PATH``: a proxy to the real binary)
that holds back every request to write a bundle while a file is missing: a page that shows
while the gate is shut was served before its bundle was written.
"""

from __future__ import annotations

import gc
import gzip
import json
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from contextlib import contextmanager
from pathlib import Path

from browser import free_port, stop_server
from test_incremental import EDITS, SEED, bundle_answers, case_files, commit, compare_sites, edit_plan, new_library

from casebook.search import _executable, await_bundle, bundle_paths
from conftest import ROOT, env, make_library, synthetic

GATE = """\
#!{python}
# A stand-in for pagefind: passes the service's requests to the real binary, but holds each
# request to write a bundle until {gate} exists (and says so in {held}: then this process
# is past its start, and Ctrl-C ends it as it ends pagefind); the replies go straight back.
import base64, json, os, subprocess, sys, time

real = subprocess.Popen([{real!r}, *sys.argv[1:]], stdin=subprocess.PIPE)
buffer = b""
while chunk := sys.stdin.buffer.read1(1 << 16):
    buffer += chunk
    *messages, buffer = buffer.split(b",")
    for message in messages:
        if json.loads(base64.b64decode(message))["payload"]["type"] == "WriteFiles" and not os.path.exists({gate!r}):
            with open({held!r}, "a") as note:
                note.write(f"{{os.getpid()}}\\n")
            while not os.path.exists({gate!r}):
                time.sleep(0.05)
        real.stdin.write(message + b",")
        real.stdin.flush()
real.stdin.close()
sys.exit(real.wait())
"""

PATIENCE = 240
"""Seconds to wait for anything the server should do (builds of a small library take seconds)."""


def gated_pagefind(folder: Path) -> tuple[Path, Path, Path]:
    """The stand-in binary, its gate file (open: present) and the file it adds a line to as it
    begins to hold a request (absent until then)."""
    gate, held, binary = folder / "gate-open", folder / "gate-held", folder / "pagefind"
    script = GATE.format(python=sys.executable, real=str(_executable()), gate=str(gate), held=str(held))
    binary.write_text(script, "utf-8")
    binary.chmod(0o755)
    gate.touch()
    return binary, gate, held


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_until(what: str, found, proc: subprocess.Popen, log: Path):
    """``found()``'s first true value, polled until :data:`PATIENCE` seconds have passed."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        assert proc.poll() is None, f"the server stopped while waiting for {what}:\n{log.read_text('utf-8')[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"no {what} after {PATIENCE} s:\n{log.read_text('utf-8')[-3000:]}")


def edit(case: Path, word: str) -> None:
    """Add a sentence with ``word`` at the end of the case (its last section)."""
    case.write_text(case.read_text("utf-8").rstrip("\n") + f"\n\nThe programme's {word} note.\n", "utf-8")


def search_finds(site: Path, word: str) -> set[str]:
    """The URLs of the pages the served site's search bundles find ``word`` on (empty while a
    bundle is missing or incomplete)."""
    urls = set()
    for entry in site.glob("pagefind*/pagefind-entry.json"):
        try:
            answers = bundle_answers(entry.parent)
        except (OSError, ValueError, KeyError, EOFError):
            return set()  # being written
        for language in answers.values():
            for fragment, *_ in language["words"].get(word, ((), {}, ()))[0]:
                path = entry.parent / "fragment" / f"{fragment}.pf_fragment"
                data = gzip.decompress(path.read_bytes())
                urls.add(json.loads(data[len(b"pagefind_dcd") :])["url"])
    return urls


@contextmanager
def serving(lib: Path, temporary: Path, log: Path, port: int, errors: list | tuple = (), **environ):
    """``mkdocs serve`` of ``lib`` as ``make serve`` runs it, its temporary site in ``temporary``;
    yields the process. Ended as Ctrl-C ends it; its output must have no traceback, and no
    warning or error but lines with one of ``errors`` in them, and its temporary site must be gone."""
    temporary.mkdir()
    command = [sys.executable, "-m", "mkdocs", "serve", "--strict", "--livereload", "--dev-addr", f"127.0.0.1:{port}"]
    environment = {**env(), "TMPDIR": str(temporary), **environ}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, cwd=lib, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            stop_server(proc)
    output = log.read_text("utf-8", "replace")
    told = [line for line in output.splitlines() if "ERROR" in line or "WARNING" in line]
    unexpected = [line for line in told if not any(e in line for e in errors)]
    assert "Traceback" not in output and not unexpected, output[-3000:]
    assert not list(temporary.iterdir())  # MkDocs removed its site after the search was written


def built(log: Path) -> int:
    """How many builds the server has done and served: the first, then each rebuild ("Reloading
    browsers"; MkDocs leaves out a "Documentation built in" message the same as an earlier one)."""
    text = log.read_text("utf-8", "replace")
    return ("Serving on" in text) + text.count("Reloading browsers")


def failed(log: Path) -> int:
    """How many rebuilds stopped with an error."""
    return log.read_text("utf-8", "replace").count("An error happened during the rebuild")


def idle(log: Path) -> bool:
    """Whether every build the server began has been served or has failed."""
    return log.read_text("utf-8", "replace").count("Building documentation...") == built(log) + failed(log)


def settle(proc: subprocess.Popen, log: Path, done: int) -> None:
    """Wait until the server has built more than ``done`` times and is idle, with no save left
    unseen: MkDocs' watcher looks every 0.5 s, and a file written across two looks makes two builds."""
    wait_until("a rebuild", lambda: built(log) > done, proc, log)
    while True:
        wait_until("the server to finish building", lambda: idle(log), proc, log)
        seen = built(log)
        time.sleep(1.5)  # three of the watcher's looks
        if idle(log) and built(log) == seen:
            return


def whole_site(site: Path, lib: Path) -> bool:
    """Whether every search bundle the library has is whole in ``site`` and stays so (the last
    one is written after the build returns)."""
    shard = int(re.search(r"(?m)^    search_shard_size: (\d+)", (lib / "mkdocs.yml").read_text("utf-8"))[1])
    paths = bundle_paths(len(case_files(lib)), shard)
    return all(await_bundle(site / path, timeout=PATIENCE) for path in paths)


def test_an_edit_is_served_before_its_search_bundle_is_written_and_search_catches_up(tmp_path):
    cases = {p.name: p.read_text("utf-8") for p in sorted((ROOT / "cases").glob("*.md"))}
    lib = make_library(tmp_path / "lib", {**cases, **synthetic(4)})
    binary, gate, _ = gated_pagefind(tmp_path)
    port, log, temporary = free_port(), tmp_path / "serve.log", tmp_path / "tmp"
    first, second = (lib / "cases" / name for name in sorted(cases)[:2])
    page = {case: f"http://127.0.0.1:{port}/cases/{case.stem}/" for case in (first, second)}
    with serving(lib, temporary, log, port, PAGEFIND_BINARY_PATH=str(binary)) as proc:
        wait_until("first build", lambda: fetch(page[first]), proc, log)
        (site,) = temporary.glob("mkdocs_*")
        time.sleep(1)  # the watcher's first look at the files
        gate.unlink()  # from now on no bundle is written until it is back
        edit(first, "wombatfirst")
        wait_until("edited page", lambda: "wombatfirst" in (fetch(page[first]) or ""), proc, log)
        assert not search_finds(site, "wombatfirst")  # its bundle is held at the gate

        edit(second, "wombatsecond")  # while the last build's bundle is held: that build is stopped
        wait_until("second edited page", lambda: "wombatsecond" in (fetch(page[second]) or ""), proc, log)
        gate.touch()
        found = wait_until("search for the edits", lambda: search_finds(site, "wombatsecond"), proc, log)
        assert found == {f"/cases/{second.stem}/"}
        assert search_finds(site, "wombatfirst") == {f"/cases/{first.stem}/"}  # indexed by the second build


def test_ctrl_c_while_a_bundle_is_being_indexed_ends_serve_without_an_error(tmp_path):
    """Ctrl-C reaches Pagefind too (it is in the terminal's process group): an index left
    unfinished then is not reported as a failure, and MkDocs still removes its temporary site
    (``serving`` checks both as the server ends). Ctrl-C comes once the stand-in holds the
    write: a Python process interrupted while it starts exits with 1, not from SIGINT as
    pagefind does (CI once sent it as the stand-in was starting)."""
    lib = make_library(tmp_path / "lib", synthetic(4))
    binary, gate, held = gated_pagefind(tmp_path)
    port, log, temporary = free_port(), tmp_path / "serve.log", tmp_path / "tmp"
    case = case_files(lib)[0]
    page = f"http://127.0.0.1:{port}/cases/{case.stem}/"
    with serving(lib, temporary, log, port, PAGEFIND_BINARY_PATH=str(binary)) as proc:
        wait_until("first build", lambda: fetch(page), proc, log)
        (site,) = temporary.glob("mkdocs_*")
        time.sleep(1)  # the watcher's first look at the files
        gate.unlink()  # from now on no bundle is written until it is back
        edit(case, "wombatstop")
        wait_until("edited page", lambda: "wombatstop" in (fetch(page) or ""), proc, log)
        wait_until("the bundle's write held at the gate", held.exists, proc, log)
        assert not search_finds(site, "wombatstop")  # held at the gate as Ctrl-C comes


RESTART = "changed since mkdocs serve started"


def test_an_edit_to_the_generator_under_serve_asks_for_a_restart_and_builds_nothing_with_it(tmp_path):
    """MkDocs imports the hooks once: an edit to hooks/ under serve is not what runs, and a new
    worker would have loaded it. The server says so (a warning: `--strict` stops that build) and
    builds again once the code is back as it started."""
    lib = make_library(tmp_path / "lib", synthetic(4))
    port, log, temporary = free_port(), tmp_path / "serve.log", tmp_path / "tmp"
    case, views = case_files(lib)[0], lib / "hooks" / "casebook" / "views.py"
    page = f"http://127.0.0.1:{port}/cases/{case.stem}/"
    errors = (RESTART, "An error happened during the rebuild")
    with serving(lib, temporary, log, port, errors, PYTHONPATH=str(lib / "hooks")) as proc:  # the library's own
        wait_until("first build", lambda: fetch(page), proc, log)
        time.sleep(1)  # the watcher's first look at the files
        original = views.read_text("utf-8")
        views.write_text(original + "\n# edited while serving\n", "utf-8")
        edit(case, "wombatstale")
        wait_until("the rebuild to stop", lambda: failed(log), proc, log)
        assert RESTART in log.read_text("utf-8") and "wombatstale" not in (fetch(page) or "")
        views.write_text(original, "utf-8")
        wait_until("the page built again", lambda: "wombatstale" in (fetch(page) or ""), proc, log)
    assert log.read_text("utf-8").count(RESTART) == failed(log) >= 1


def test_after_random_edits_the_served_site_is_what_a_fresh_server_serves(tmp_path):
    """Each rebuild keeps the case pages the last one left in the site where their inputs are
    the same (MkDocs empties the folder between builds): after a random sequence of edits of
    every kind (texts, keywords, periods, added, renamed and deleted cases, labels, templates,
    mkdocs.yml), each step committed, then a case broken and mended, and an edit undone, the
    site is, file for file, what a fresh server without a cache makes (its dates too: the
    first build's commit date was kept for every later one)."""
    lib = new_library(tmp_path / "lib")
    port, rng = free_port(), random.Random(SEED)
    errors = ["An error happened during the rebuild"]  # and the broken case's problems
    with serving(lib, tmp_path / "tmp", tmp_path / "serve.log", port, errors) as proc:
        log = tmp_path / "serve.log"
        wait_until("first build", lambda: built(log), proc, log)
        time.sleep(1)  # the watcher's first look at the files
        for step, kinds in enumerate(edit_plan(rng, 6), start=1):
            done = built(log)
            for kind in kinds:
                EDITS[kind](lib, rng, step)
            settle(proc, log, done)
            commit(lib, step, f"step {step}")  # seen by the next rebuild: its commit's dates, not the first's
        broken, text = case_files(lib)[1], case_files(lib)[1].read_text("utf-8")
        done = failed(log)
        errors.append(f"cases/{broken.name}")
        broken.write_text(text.replace("\ntitle:", "\ntitle: [", 1), "utf-8")  # not YAML: the rebuild stops
        wait_until("the failed rebuild", lambda: failed(log) > done, proc, log)
        done = built(log)
        broken.write_text(text, "utf-8")
        settle(proc, log, done)
        case = case_files(lib)[0]  # an edit undone: the page's inputs are an earlier build's again
        text = case.read_text("utf-8")
        for change in (lambda: edit(case, "wombatundone"), lambda: case.write_text(text, "utf-8")):
            done = built(log)
            change()
            settle(proc, log, done)
        (site,) = (tmp_path / "tmp").glob("mkdocs_*")
        assert whole_site(site, lib)
        shutil.copytree(site, tmp_path / "served")
    with serving(lib, tmp_path / "tmp2", tmp_path / "fresh.log", port, CASEBOOK_CACHE="0") as proc:
        log = tmp_path / "fresh.log"
        wait_until("fresh build", lambda: built(log), proc, log)
        (site,) = (tmp_path / "tmp2").glob("mkdocs_*")
        assert whole_site(site, lib)
        shutil.copytree(site, tmp_path / "fresh")
    assert compare_sites(tmp_path / "served", tmp_path / "fresh") == []


def test_a_served_build_is_let_go_once_its_search_index_is_written(monkeypatch):
    """Under serve, the search index is finished on a thread after the pages are served. The
    build it finishes (its planned site and rendered parts: hundreds of MB at 10,000 cases) was
    held until the next save, beside the next build's."""
    import casebook_hooks as hooks

    class Search:
        def finish(self) -> None:
            pass

    class Build:
        pass

    closed = []
    monkeypatch.setattr(hooks, "_close_cache", lambda build, stop=None: closed.append(build))
    build = Build()
    let_go = weakref.ref(build)
    behind = hooks._Behind(build, Search())
    del build
    behind.thread.start()
    behind.thread.join()
    assert len(closed) == 1  # its cache closed and swept
    closed.clear()
    gc.collect()
    assert let_go() is None

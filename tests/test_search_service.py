"""The Pagefind service client when Pagefind misbehaves: errors, never a hung build.

A fake ``pagefind`` (a shell script, via PAGEFIND_BINARY_PATH, which the client honours
like Pagefind's own) stops reading or dies; the client must raise or end within seconds.
"""

from __future__ import annotations

import sys
import threading
import time

import pytest

from casebook import search
from casebook.search import SearchIndexError, _Service, _Spool

PAGE = {"type": "AddFile", "index_id": 0, "url": "/x/", "file_contents": "<p>" + "word " * 20000 + "</p>"}


def fake_pagefind(tmp_path, monkeypatch, script: str) -> None:
    binary = tmp_path / "pagefind"
    binary.write_text("#!/bin/sh\n" + script + "\n", "utf-8")
    binary.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))
    monkeypatch.setattr(search, "OUTBOX", 4)  # a full queue quickly


def test_a_pagefind_that_dies_makes_sending_fail_not_hang(tmp_path, monkeypatch):
    fake_pagefind(tmp_path, monkeypatch, "head -c 50000 > /dev/null; exit 1")
    service = _Service()
    start = time.monotonic()
    with pytest.raises(SearchIndexError, match="stopped"):
        for _ in range(1000):  # ~100 KB each: far more than the pipe and the queue hold
            service.send(PAGE)
    assert time.monotonic() - start < 20
    service.close(timeout=5)


def test_a_pagefind_that_stops_reading_is_ended_by_close(tmp_path, monkeypatch):
    fake_pagefind(tmp_path, monkeypatch, "exec sleep 600")
    service = _Service()
    for _ in range(3):  # fills the pipe; the writer blocks on it
        service.send(PAGE)
    start = time.monotonic()
    service.close(timeout=2)
    assert time.monotonic() - start < 15
    assert service._proc.poll() is not None  # killed
    service.close(timeout=1)  # twice is fine


def test_each_bundle_s_service_ends_once_written_not_at_the_end(tmp_path):
    """A written bundle's Pagefind process exits (freeing its memory) while the build goes on."""
    keys = sorted((f"case-{i}" for i in range(7)), key=lambda k: (search.bundle_of(k, 3), k))
    indexer = search.SearchIndexer(tmp_path, search.bundle_paths(7, 3))
    for key in keys[:2]:  # the whole first bundle, then the first case of the second
        indexer.add(f"<html><body><main data-pagefind-body><p>word {key}</p></main></body></html>", f"/{key}/", key)
    first = indexer._retiring[0].service
    first._proc.wait(timeout=60)  # without finish(): it ended by itself
    for key in keys[2:]:
        indexer.add(f"<html><body><main data-pagefind-body><p>word {key}</p></main></body></html>", f"/{key}/", key)
    indexer.finish()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pagefind", "pagefind-1", "pagefind-2"]
    assert indexer.services_started == 3
    indexer.close()  # twice is fine


SLOW_WRITER = """#!{python}
import base64, json, os, sys, threading, time
STATIC = {static!r}

def reply(message_id, payload):
    data = base64.b64encode(json.dumps({{"message_id": message_id, "payload": payload}}).encode())
    os.write(1, data + b",")

def write_later(path):
    time.sleep(0.5)  # Pagefind's writes finish after its reply, in the background
    os.makedirs(os.path.join(path, "fragment"), exist_ok=True)
    entry = {{"version": "1", "languages": {{"en": {{"hash": "en_1", "wasm": None, "page_count": 1}}}}}}
    files = {{name: b"x" for name in STATIC}}
    files.update({{"pagefind.en_1.pf_meta": b"x", "fragment/a.pf_fragment": b"x"}})
    files["pagefind-entry.json"] = json.dumps(entry).encode()
    for name, data in files.items():
        with open(os.path.join(path, name), "wb") as out:
            out.write(data)

buffer = b""
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        os._exit(0)  # like Pagefind: the end of its input stops it at once, written or not
    buffer += chunk
    *messages, buffer = buffer.split(b",")
    for message in messages:
        request = json.loads(base64.b64decode(message))
        kind = request["payload"]["type"]
        if kind == "WriteFiles":
            threading.Thread(target=write_later, args=(request["payload"]["output_path"],)).start()
        reply(request["message_id"], {{"type": kind, "index_id": 0}})
"""


def test_close_waits_for_files_written_after_the_reply(tmp_path, monkeypatch):
    """The reply to a write arrives before its files are on disk; closing the service once that
    reply was taken must still wait for them (it once ended Pagefind's input at once: empty files)."""
    binary = tmp_path / "pagefind"
    binary.write_text(SLOW_WRITER.format(python=sys.executable, static=search.STATIC_FILES), "utf-8")
    binary.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))
    service = _Service()
    service.wait(service.send({"type": "NewIndex", "config": None}))
    service.wait(service.send({"type": "AddFile", "index_id": 0, "url": "/a/", "file_contents": "<p>a</p>"}))
    output = tmp_path / "bundle"
    write = service.send({"type": "WriteFiles", "index_id": 0, "output_path": str(output)})
    service.end_after(write, output, 1)
    service.wait(write)  # takes the reply
    service.close(timeout=30)
    assert search.bundle_state(output, 1) is not None
    assert service._proc.returncode == 0


LOGGED_WRITER = """#!{python}
import base64, json, os, sys, time
STATIC, LOG = {static!r}, {log!r}

def note(word):
    with open(LOG, "a") as log:
        log.write(word + "\\n")

note("up")


def write(path, pages):
    note("start")
    time.sleep(0.5)  # Pagefind's memory is at its largest now
    os.makedirs(os.path.join(path, "fragment"), exist_ok=True)
    entry = {{"version": "1", "languages": {{"en": {{"hash": "en_1", "wasm": None, "page_count": pages}}}}}}
    files = {{name: b"x" for name in STATIC}}
    files.update({{f"fragment/{{n}}.pf_fragment": b"x" for n in range(pages)}})
    files.update({{"pagefind.en_1.pf_meta": b"x", "pagefind-entry.json": json.dumps(entry).encode()}})
    for name, data in files.items():
        with open(os.path.join(path, name), "wb") as out:
            out.write(data)

pages, buffer = 0, b""
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        note("end")
        os._exit(0)  # the memory is freed when the process ends
    buffer += chunk
    *messages, buffer = buffer.split(b",")
    for message in messages:
        request = json.loads(base64.b64decode(message))
        kind = request["payload"]["type"]
        pages += kind == "AddFile"
        if kind == "WriteFiles":
            write(request["payload"]["output_path"], pages)
        data = json.dumps({{"message_id": request["message_id"], "payload": {{"type": kind, "index_id": 0}}}})
        os.write(1, base64.b64encode(data.encode()) + b",")
"""


@pytest.mark.parametrize("defer", [False, True], ids=["build", "serve-after-the-pages"])
def test_one_bundle_is_written_at_a_time(tmp_path, monkeypatch, defer):
    """A Pagefind service's memory grows while it writes its bundle (~300 MB for 1,000 cases): at
    10,000 cases a write that outlasted the streaming of the next bundle put two at the build's
    peak. Here every write takes 0.5 s and the documents come at once. Under serve, indexing
    after the pages are served (``defer``), one service runs at a time."""
    log = tmp_path / "writes.log"
    binary = tmp_path / "pagefind"
    script = LOGGED_WRITER.format(python=sys.executable, static=search.STATIC_FILES, log=str(log))
    binary.write_text(script, "utf-8")
    binary.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))
    keys = sorted((f"case-{i}" for i in range(9)), key=lambda k: (search.bundle_of(k, 3), k))
    indexer = search.SearchIndexer(tmp_path / "site", search.bundle_paths(9, 3), defer=defer)
    for key in keys:
        indexer.add(f"<p>{key}</p>", f"/{key}/", key)
    indexer.finish()
    assert indexer.services_started == 3
    steps = log.read_text().split()
    assert [step for step in steps if step != "up"] == ["start", "end"] * 3  # a write starts once the last has ended
    if defer:  # and a service starts once the last has ended
        assert steps == ["up", "start", "end"] * 3


def test_an_indexer_closed_at_once_kills_its_services_and_starts_no_other(tmp_path, monkeypatch):
    """``mkdocs serve`` stops the last build's indexing when a file is saved again: a service
    that never answers is killed, not waited for, and nothing is indexed after it."""
    fake_pagefind(tmp_path, monkeypatch, "exec sleep 600")
    keys = sorted((f"case-{i}" for i in range(4)), key=lambda k: (search.bundle_of(k, 2), k))
    indexer = search.SearchIndexer(tmp_path / "site", search.bundle_paths(4, 2))
    monkeypatch.setattr(_Service, "wait", lambda self, message_id, timeout=600: {"index_id": 0})  # NewIndex
    indexer.add("<p>a</p>", "/a/", keys[0])  # streams: a service that reads nothing
    (service,) = [indexer._service]
    start = time.monotonic()
    indexer.close(at_once=True)
    assert time.monotonic() - start < 15
    assert service._proc.poll() is not None
    with pytest.raises(SearchIndexError, match="stopped"):
        indexer.add("<p>b</p>", "/b/", keys[-1])  # another bundle: no service starts
    assert indexer.services_started == 1


def _bundle(folder, pages=2, empty=None, missing=None):
    """A fake written Pagefind bundle."""
    import json as _json

    from casebook.search import STATIC_FILES

    (folder / "fragment").mkdir(parents=True)
    (folder / "pagefind-entry.json").write_text(
        _json.dumps({"version": "1.5.2", "languages": {"en": {"hash": "en_1", "wasm": "en", "page_count": pages}}})
    )
    for name in (
        *STATIC_FILES,
        "pagefind.en_1.pf_meta",
        "wasm.en.pagefind",
        *(f"fragment/f{i}.pf_fragment" for i in range(pages)),
    ):
        if name != missing:
            (folder / name).write_bytes(b"" if name == empty else b"x")
    return folder


def test_a_bundle_counts_as_written_only_when_whole(tmp_path):
    """Pagefind answers a write before its files are on disk; the service must not be ended (nor
    the build finish) while a file is missing or still empty: that published a broken search."""
    from casebook.search import bundle_state

    assert bundle_state(_bundle(tmp_path / "whole"), pages=2) is not None
    assert bundle_state(_bundle(tmp_path / "empty", empty="pagefind-component-ui.js"), pages=2) is None
    assert bundle_state(_bundle(tmp_path / "missing", missing="wasm.unknown.pagefind"), pages=2) is None
    assert bundle_state(_bundle(tmp_path / "fragments", missing="fragment/f1.pf_fragment"), pages=2) is None
    assert bundle_state(_bundle(tmp_path / "meta", missing="pagefind.en_1.pf_meta"), pages=2) is None
    broken = _bundle(tmp_path / "entry")
    (broken / "pagefind-entry.json").write_text("")
    assert bundle_state(broken) is None


def test_the_spool_closed_by_the_next_build_fails_its_reader_with_a_search_error(tmp_path):
    """Under serve a save closes the last build's spool while its thread indexing behind may
    be reading a document back: that read fails as the indexer's own error (which the thread
    reports as stopped), never as a closed file's ValueError in the build that closes it."""
    spool = _Spool(tmp_path)
    at = [spool.write(f"<p>Dokument {i}: Ørestad</p>".encode()) for i in range(50)]
    assert spool.read(*at[7]).decode() == "<p>Dokument 7: Ørestad</p>"
    errors, reading = [], threading.Event()

    def reader() -> None:
        try:
            while True:
                for offset, length in at:
                    spool.read(offset, length)
                    reading.set()
        except Exception as exc:  # what a closed spool raises
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    assert reading.wait(10)
    spool.close()
    thread.join(10)
    assert not thread.is_alive() and [type(e) for e in errors] == [SearchIndexError]
    spool.close()  # twice: nothing
    with pytest.raises(SearchIndexError):
        spool.read(*at[0])
    with pytest.raises(SearchIndexError):
        spool.write(b"<p>after</p>")

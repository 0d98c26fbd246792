"""The Pagefind service client when Pagefind misbehaves: errors, never a hung build.

A fake ``pagefind`` (a shell script, via PAGEFIND_BINARY_PATH, which the client honours
like Pagefind's own) stops reading or dies; the client must raise or end within seconds.
"""

from __future__ import annotations

import os
import time

import pytest

from casebook import parallel, search
from casebook.search import SearchIndexError, _Service

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


def test_a_forked_child_closes_the_services_pipes(monkeypatch):
    """Otherwise a child still running would keep Pagefind's input open and Pagefind would never
    see its end (the build would wait for the child, or kill Pagefind before it writes)."""
    monkeypatch.setenv("CASEBOOK_PARALLEL", "1")
    service = _Service()
    fds = service._fds

    def still_open() -> list:
        out = []
        for fd in fds:
            try:
                os.fstat(fd)
                out.append(fd)
            except OSError:
                pass
        return out

    child = parallel.background(still_open, fallback=lambda: None)
    assert child.forked
    assert child() == []
    assert still_open() == list(fds)  # here they stay open
    service.close(timeout=10)


def test_each_full_shard_s_service_ends_once_written_not_at_the_end(tmp_path):
    """A written shard's Pagefind process exits (freeing its memory) while the build goes on."""
    indexer = search.SearchIndexer(tmp_path, expected=5, shard_size=2)
    for i in range(3):
        indexer.add(f"<html><body><main data-pagefind-body><p>word{i}</p></main></body></html>", f"/p{i}/")
    (first, _, _), *_ = indexer._retiring
    first._proc.wait(timeout=60)  # without finish(): it ended by itself
    for i in range(3, 5):
        indexer.add(f"<html><body><main data-pagefind-body><p>word{i}</p></main></body></html>", f"/p{i}/")
    indexer.finish()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pagefind", "pagefind-1", "pagefind-2"]


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

"""The Pagefind service client when Pagefind misbehaves: errors, never a hung build.

A fake ``pagefind`` (a shell script, via PAGEFIND_BINARY_PATH, which the client honours
like Pagefind's own) stops reading or dies; the client must raise or end within seconds.
"""

from __future__ import annotations

import time

import pytest

from casebook import search
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

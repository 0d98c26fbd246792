"""Site search with Pagefind: a static index split into small chunks, so a
visitor downloads only what a query needs (Material's lunr index is one file
that grows with the library: ~90 MB at 10,000 cases).

Cases are streamed to a Pagefind service (the ``pagefind --service`` binary
from the ``pagefind[extended]`` package) as MkDocs converts them, so the index
is built on another core while the build goes on; only writing it waits for
the end. The client speaks Pagefind's service protocol directly: base64 JSON
messages separated by commas. (The package's asyncio client polls for each
reply every 100 ms, which makes one request per page far too slow.)
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path

from .parallel import forget_fds, spare_children

OUTBOX = 2000
"""Requests (~20 KB each) queued for a service before ``add`` waits: Pagefind may fall behind
while MkDocs converts pages quickly, and catches up while they render."""


def _executable():
    """The Pagefind binary: $PAGEFIND_BINARY_PATH, else the one from ``pagefind[extended]``
    (without importing ``pagefind.service``, whose asyncio import alone costs more than a page)."""
    if os.environ.get("PAGEFIND_BINARY_PATH"):
        return os.environ["PAGEFIND_BINARY_PATH"]
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        from pagefind.service import get_executable
    return get_executable()


def _service_environment() -> dict:
    """Pagefind's environment: its worker threads leave one core to MkDocs, which goes on
    converting and rendering while Pagefind indexes (``TOKIO_WORKER_THREADS``; on two cores
    a second worker only contends for the first's locks: 9 s of system time at 10,000 cases
    instead of 4). An explicit setting in the environment wins."""
    env = dict(os.environ)
    env.setdefault("TOKIO_WORKER_THREADS", str(max(1, (os.cpu_count() or 1) - 1)))
    return env


class SearchIndexError(Exception):
    """Pagefind failed; the message says how."""


STATIC_FILES = (
    "pagefind.js",
    "pagefind-worker.js",
    "pagefind-highlight.js",
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "wasm.unknown.pagefind",
)
"""Files Pagefind 1.5 writes into every bundle besides its entry, metadata, indexes and fragments."""


def bundle_state(path: Path, pages: int | None = None) -> tuple | None:
    """The files of a written Pagefind bundle as ``((relative path, size), ...)``, or None while
    it is not whole: ``pagefind-entry.json`` parses and names metadata and language files that
    exist, every file of :data:`STATIC_FILES` is there, there is a fragment for every page (when
    ``pages`` is given), and no file is empty. (Pagefind answers a write before all its files
    are on disk, and a service whose input ends stops at once: it left empty files behind.)"""
    try:
        entry = json.loads((path / "pagefind-entry.json").read_text("utf-8"))
        needed = [f"pagefind.{info['hash']}.pf_meta" for info in entry["languages"].values()]
        needed += [f"wasm.{info['wasm']}.pagefind" for info in entry["languages"].values() if info.get("wasm")]
        files = sorted((f.relative_to(path).as_posix(), f.stat().st_size) for f in path.rglob("*") if f.is_file())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    names = {name for name, _ in files}
    fragments = sum(name.startswith("fragment/") for name in names)
    if not set(needed) | set(STATIC_FILES) <= names or any(size == 0 for _, size in files):
        return None
    if not needed or (pages is not None and fragments < pages):  # more: leftovers of a --dirty build
        return None
    return tuple(files)


def await_bundle(path: Path, pages: int | None = None, timeout: float = 60, interval: float = 0.05) -> bool:
    """Wait until the bundle at ``path`` is whole and unchanged over ``interval`` seconds; returns
    whether it got there within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    previous = None
    while time.monotonic() < deadline:
        state = bundle_state(path, pages)
        if state is not None and state == previous:
            return True
        previous = state
        time.sleep(interval)
    return False


class _Service:
    """A running ``pagefind --service`` process and its replies, read on a thread."""

    def __init__(self) -> None:
        binary = _executable()
        if binary is None:
            raise SearchIndexError("the Pagefind binary is missing: pip install 'pagefind[extended]'")
        self._proc = subprocess.Popen(
            [str(binary), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=_service_environment(),
        )
        self._fds = (self._proc.stdin.fileno(), self._proc.stdout.fileno())
        spare_children(fds=self._fds)  # forked children close them: Pagefind sees the end of input
        self._replies: dict = {}
        self._done = threading.Condition()
        self._closed = False
        self._end_after: int | None = None
        self._output: Path | None = None
        """The bundle the last write request writes (see end_after)."""
        self._output_ready = False
        self._pages: int | None = None
        self._next = 0
        self._failed: str | None = None
        self._outbox: queue.Queue = queue.Queue(maxsize=OUTBOX)
        self._reader = threading.Thread(target=self._read, name="pagefind-replies", daemon=True)
        self._reader.start()
        self._writer = threading.Thread(target=self._write, name="pagefind-requests", daemon=True)
        self._writer.start()
        spare_children(threads=(self._reader, self._writer))

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self._proc.stdout.read1(1 << 16)
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b",")
            for message in messages:
                try:
                    reply = json.loads(base64.b64decode(message))
                except ValueError:
                    continue  # not a reply (e.g. a log line)
                with self._done:
                    self._replies[reply.get("message_id")] = reply.get("payload") or {}
                    self._done.notify_all()
                    last = reply.get("message_id") == self._end_after
                if last:
                    self._await_output()
                    self._end_input()
        with self._done:
            self._closed = True
            self._done.notify_all()

    def end_after(self, message_id: int, output: Path, pages: int | None = None) -> None:
        """End the input once the reply to this (last, write) request has arrived and the bundle
        it writes to ``output`` is whole on disk, so the service exits and frees its memory then
        (on the end of its input it stops at once, answered or not, files written or not)."""
        with self._done:
            self._end_after = message_id
            self._output = Path(output)
            self._pages = pages
            if message_id not in self._replies:
                return
        self._await_output()
        self._end_input()

    def _await_output(self) -> None:
        """Wait (bounded) until the bundle of the last write is whole; :meth:`SearchIndexer.finish`
        reports one that never got there."""
        if self._output is not None and not self._output_ready:
            self._output_ready = await_bundle(self._output, self._pages)

    def _end_input(self) -> None:
        try:
            self._outbox.put_nowait(None)  # the writer closes the service's input
        except queue.Full:  # not after the last request's reply: close() ends it
            pass

    def send(self, payload: dict) -> int:
        """Queue a request without waiting (the writer thread sends it); returns its id.

        Waits only while Pagefind is :data:`OUTBOX` requests behind, and raises
        :class:`SearchIndexError` as soon as the writer has failed (Pagefind stopped)."""
        self._next += 1
        self._put((self._next, payload))
        return self._next

    def _put(self, item) -> None:
        while True:
            if self._failed:
                raise SearchIndexError(self._failed)
            try:
                self._outbox.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _write(self) -> None:
        """Encode and send queued requests, so MkDocs goes on while Pagefind reads."""
        stdin = self._proc.stdin
        try:
            while (item := self._outbox.get()) is not None:
                message_id, payload = item
                data = json.dumps({"message_id": message_id, "payload": payload}).encode("utf-8")
                stdin.write(base64.b64encode(data) + b",")
                if self._outbox.empty():
                    stdin.flush()
        except Exception as exc:  # a broken pipe (Pagefind stopped) or anything else: stop sending
            self._failed = f"the Pagefind service stopped ({exc})"
        finally:
            forget_fds(self._fds[:1])  # before closing: the number may be reused at once
            try:
                stdin.close()  # end of requests: the service exits at once, answered or not (see end_after)
            except OSError:
                pass

    def wait(self, message_id: int, timeout: float = 600) -> dict:
        """The reply to a request; raises :class:`SearchIndexError` for an error reply."""
        with self._done:
            if not self._done.wait_for(lambda: message_id in self._replies or self._closed, timeout):
                raise SearchIndexError("the Pagefind service did not answer in time")
            if message_id not in self._replies:
                raise SearchIndexError("the Pagefind service stopped")
            reply = self._replies.pop(message_id)
        if reply.get("type") == "Error":
            raise SearchIndexError(str(reply.get("message")))
        return reply

    def settle(self, message_id: int, timeout: float = 600) -> None:
        """Wait until the reply to a request has arrived (or the service has stopped), leaving it
        to :meth:`wait`."""
        with self._done:
            self._done.wait_for(lambda: message_id in self._replies or self._closed, timeout)

    def answered(self, message_id: int) -> bool:
        """Whether the reply to a request has arrived (or the service has stopped)."""
        with self._done:
            return message_id in self._replies or self._closed

    def close(self, timeout: float = 30) -> None:
        """End the service once its queued requests are sent; kill it if it does not end within
        ``timeout`` seconds (safe to call twice)."""
        deadline = time.monotonic() + timeout
        if self._end_after is not None and self.answered(self._end_after):
            self._await_output()  # never end the input while Pagefind is still writing
        while self._writer.is_alive() and time.monotonic() < deadline:
            try:
                self._outbox.put(None, timeout=0.2)  # the end of the requests
                break
            except queue.Full:
                if self._failed:  # the writer has stopped: nothing will take them
                    break
        self._writer.join(max(0.0, deadline - time.monotonic()))
        if self._proc.poll() is None:
            try:
                self._proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._proc.kill()  # a writer blocked on its pipe then fails and ends
                self._proc.wait()
        self._writer.join(5)
        self._reader.join(5)  # the service has ended: its output is at its end
        if not self._reader.is_alive():
            forget_fds(self._fds[1:])  # before closing: the number may be reused at once
            self._proc.stdout.close()


SHARD_SIZE = 1000
"""Cases per search bundle. Pagefind holds a bundle's pages in memory until it is written
(about 200 KB per 600-word case), so large libraries are indexed in shards, one after the
other, and the browser merges them (``mergeIndex``)."""


def bundle_paths(count: int, shard_size: int = SHARD_SIZE) -> list[str]:
    """The search bundles for ``count`` cases, relative to the site root: ``pagefind/``, ``pagefind-1/``, ..."""
    shards = max(1, -(-count // max(1, shard_size)))
    return ["pagefind/"] + [f"pagefind-{i}/" for i in range(1, shards)]


class SearchIndexer:
    """Feeds rendered case pages to Pagefind while the build goes on, then writes the bundles."""

    def __init__(self, site_dir: Path, expected: int, shard_size: int = SHARD_SIZE) -> None:
        self._site = Path(site_dir).resolve()
        self._expected = expected
        """After this many pages the last bundle is written at once, while MkDocs renders the other pages."""
        self._shard_size = max(1, shard_size)
        self._bundles = bundle_paths(expected, self._shard_size)
        self._service: _Service | None = None
        self._index: int | None = None
        self._sent: list[int] = []
        self._in_shard: list[int] = []
        self._write: int | None = None
        self._retiring: list = []
        """Services writing a full shard: (service, its request ids, the write request)."""

    def add(self, html: str, url: str) -> None:
        """Queue a case's search document; its ``data-pagefind-body`` part is indexed under ``url``."""
        self._reap()
        if self._service is None:
            # One shard indexed at a time: the next service starts once the previous one has
            # indexed its pages (Pagefind answers in order) and only writes them (then ends,
            # freeing its memory). Otherwise a build that converts faster than Pagefind
            # indexes holds several shards in memory.
            for service, requests, _ in self._retiring:
                service.settle(requests[-1])
            self._service = _Service()
            self._index = self._service.wait(self._service.send({"type": "NewIndex", "config": None}))["index_id"]
        message = {"type": "AddFile", "index_id": self._index, "url": url, "file_contents": html, "file_path": None}
        self._sent.append(self._service.send(message))
        self._in_shard.append(self._sent[-1])
        shard = (len(self._sent) - 1) // self._shard_size
        output = str(self._site / self._bundles[min(shard, len(self._bundles) - 1)])
        if len(self._sent) == self._expected:  # the last page: write now, wait in finish()
            self._write = self._service.send({"type": "WriteFiles", "index_id": self._index, "output_path": output})
            self._service.end_after(self._write, Path(output), len(self._in_shard))
        elif len(self._in_shard) == self._shard_size:  # a full shard: write it and free its memory
            self._finish_shard(output)

    def _finish_shard(self, output: str) -> None:
        """Have the full shard written; its service ends once written (the next one starts when
        this one has indexed its pages, see add)."""
        write = self._service.send({"type": "WriteFiles", "index_id": self._index, "output_path": output})
        self._service.end_after(write, Path(output), len(self._in_shard))  # ends once written, freeing memory
        self._retiring.append((self._service, self._in_shard, write))
        self._service = None
        self._in_shard = []

    def _reap(self, wait: bool = False) -> None:
        """End the services whose shard is written (all of them with ``wait``), raising their errors."""
        still = []
        for service, requests, write in self._retiring:
            if wait or service.answered(write):
                try:
                    for message_id in (*requests, write):
                        service.wait(message_id)
                finally:
                    service.close()
            else:
                still.append((service, requests, write))
        self._retiring = still

    @property
    def count(self) -> int:
        """How many pages were queued."""
        return len(self._sent)

    def finish(self) -> None:
        """Wait for every page and every bundle (nothing without pages)."""
        try:
            self._reap(wait=True)
        except SearchIndexError:
            self.close()
            raise
        if self._service is None:
            self._check_bundles()
            return
        try:
            for message_id in self._in_shard:
                self._service.wait(message_id)
            if self._write is None:
                shard = max(len(self._sent) - 1, 0) // self._shard_size
                output = str(self._site / self._bundles[min(shard, len(self._bundles) - 1)])
                self._write = self._service.send({"type": "WriteFiles", "index_id": self._index, "output_path": output})
                self._service.end_after(self._write, Path(output), len(self._in_shard))
            self._service.wait(self._write)
        finally:
            self.close()
        self._check_bundles()

    def _check_bundles(self) -> None:
        """Raise :class:`SearchIndexError` for a bundle Pagefind left incomplete: a build must not
        publish a search that cannot load."""
        used = min(-(-len(self._sent) // self._shard_size), len(self._bundles))
        for bundle in self._bundles[:used]:
            if bundle_state(self._site / bundle) is None:
                raise SearchIndexError(f"Pagefind left the search bundle {bundle} incomplete; build again")

    def close(self) -> None:
        """Stop every service (safe to call twice)."""
        for service, _, _ in self._retiring:
            service.close()
        self._retiring = []
        if self._service is not None:
            self._service.close()
            self._service = None

"""Site search with Pagefind: a static index split into small chunks, so a
visitor downloads only what a query needs (Material's lunr index is one file
that grows with the library: ~90 MB at 10,000 cases).

Cases are spread over bundles (``pagefind/``, ``pagefind-1/``, ...; the browser
merges them) by a hash of their id, so a changed, added or removed case changes
only its own bundle. A bundle whose documents are those of a bundle written
before is restored from the build cache; the others are streamed to a Pagefind
service (the ``pagefind --service`` binary from the ``pagefind[extended]``
package) as MkDocs converts them, so they are indexed on another core while
the build goes on. The client speaks Pagefind's service protocol directly:
base64 JSON messages separated by commas. (The package's asyncio client polls
for each reply every 100 ms, which makes one request per page far too slow.)
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from .cache import BuildCache, code_digest, digest, tool_versions

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
        files = sorted(_file_sizes(str(path)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    names = {name for name, _ in files}
    fragments = sum(name.startswith("fragment/") for name in names)
    if not set(needed) | set(STATIC_FILES) <= names or any(size == 0 for _, size in files):
        return None
    if not needed or (pages is not None and fragments < pages):  # more: leftovers of a --dirty build
        return None
    return tuple(files)


def _file_sizes(folder: str, prefix: str = "") -> list[tuple[str, int]]:
    """``(path below folder, size in bytes)`` of every file in ``folder`` and its subfolders,
    symbolic links to folders not followed (as ``Path.rglob``), in no order; raises ``OSError``.
    With ``os.scandir``: the kind of each entry comes with it, and a bundle of 1,000 cases has
    about 1,100 files, looked at for every bundle of every build under ``mkdocs serve``."""
    out = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                out.extend(_file_sizes(entry.path, f"{prefix}{entry.name}/"))
            elif entry.is_file():
                out.append((prefix + entry.name, entry.stat().st_size))
    return out


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
        self._replies: dict = {}
        """Replies not yet taken by :meth:`wait`."""
        self._answered: set[int] = set()
        """Every request answered so far: a reply taken by :meth:`wait` still counts for
        :meth:`answered` (close() must not end the input while the last write is on its way)."""
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
                    self._answered.add(reply.get("message_id"))
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
            if message_id not in self._answered:
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
            self._done.wait_for(lambda: message_id in self._answered or self._closed, timeout)

    def settle_end(self, timeout: float = 600) -> None:
        """Wait until the service's output has ended: it has exited (after :meth:`end_after`, once
        its bundle is written), and its memory is free."""
        with self._done:
            self._done.wait_for(lambda: self._closed, timeout)

    def answered(self, message_id: int) -> bool:
        """Whether the reply to a request has arrived, taken by :meth:`wait` or not (or the service
        has stopped)."""
        with self._done:
            return message_id in self._answered or self._closed

    def interrupted(self) -> bool:
        """Whether the service ended from an interrupt (SIGINT): Ctrl-C in a terminal reaches
        every process of its foreground group, Pagefind too, as ``mkdocs serve`` stops."""
        code = self._proc.poll()
        if code is None and self._closed:  # its output has ended: it is exiting
            try:
                code = self._proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                return False
        return code == -signal.SIGINT

    def kill(self) -> None:
        """End the service at once, its requests unanswered and its bundle unwritten (safe to
        call twice)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self.close(timeout=5)

    def close(self, timeout: float = 30) -> None:
        """End the service once its queued requests are sent; kill it if it does not end within
        ``timeout`` seconds (safe to call twice)."""
        deadline = time.monotonic() + timeout
        with self._done:
            written = self._end_after is not None and self._end_after in self._answered
        if written and self._proc.poll() is None:
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
            self._proc.stdout.close()


SHARD_SIZE = 1000
"""Cases per search bundle (on average: see :func:`bundle_of`). Pagefind holds a bundle's pages in
memory until it is written (about 200 KB per 600-word case), so large libraries are indexed in
bundles, one after the other, and the browser merges them (``mergeIndex``)."""

BUNDLE_KIND = "search-bundle"
"""Cache entries of written bundles: ``{relative path: bytes}``, keyed by :meth:`SearchIndexer._bundle_key`."""

MANIFEST_KIND = "search-manifest"
"""Cache entries of each bundle's documents in the last build: ``{url: SHA-256 of the document}``."""

CACHE_KINDS = (BUNDLE_KIND, MANIFEST_KIND)
"""The cache kinds this module uses (for :meth:`casebook.cache.BuildCache.sweep`)."""

PAGEFIND_DISTRIBUTIONS = ("pagefind", "pagefind-bin-extended", "pagefind-bin")
"""Distributions whose versions key every stored bundle (the binary that wrote it)."""


def bundle_paths(count: int, shard_size: int = SHARD_SIZE) -> list[str]:
    """The search bundles for ``count`` cases, relative to the site root: ``pagefind/``, ``pagefind-1/``, ..."""
    shards = max(1, -(-count // max(1, shard_size)))
    return ["pagefind/"] + [f"pagefind-{i}/" for i in range(1, shards)]


def bundle_of(key: str, count: int) -> int:
    """The bundle (``0 <= n < count``) of the case ``key`` (its id): the first 32 bits of the key's
    SHA-256 modulo ``count``. It depends on the key alone, so adding, editing or removing a case
    changes only its own bundle while the number of bundles stays; cases spread about evenly.
    Raises ``ValueError`` if ``count`` < 1."""
    if count < 1:
        raise ValueError(f"a search needs at least one bundle, not {count}")
    return int(hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8], 16) % count


def _engine_digest() -> str:
    """What, besides its documents, a written bundle depends on: our code (:func:`code_digest`) and
    the Pagefind binary (its distributions' versions, or an explicit ``PAGEFIND_BINARY_PATH`` with
    its size and modification time)."""
    binary = os.environ.get("PAGEFIND_BINARY_PATH")
    stamp = None
    if binary:
        try:
            info = os.stat(binary)
            stamp = (binary, info.st_size, info.st_mtime_ns)
        except OSError:
            stamp = (binary,)
    return digest(code_digest(), tool_versions(PAGEFIND_DISTRIBUTIONS), stamp)


def _stored_files(value) -> bool:
    """Whether a cache value looks like a stored bundle: ``{relative POSIX path: bytes}``, with
    no path leaving the bundle's folder."""
    if not isinstance(value, dict) or not value:
        return False
    for name, data in value.items():
        if not isinstance(name, str) or not isinstance(data, bytes):
            return False
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or "\\" in name or any(p in ("..", ".", "") for p in parts):
            return False
    return True


def _read_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` as ``{relative POSIX path: bytes}``."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class _Spool:
    """The documents of this build on disk (an unlinked temporary file in the site folder),
    so that a bundle's documents can be sent to Pagefind later without holding them in memory.
    Thread-safe: under ``mkdocs serve`` the next build closes it while the thread indexing
    behind may still be reading it (that read then raises :class:`SearchIndexError`)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._file = None
        self._end = 0
        self._closed = False
        self._lock = threading.Lock()

    def write(self, data: bytes) -> tuple[int, int]:
        """Append ``data``; returns ``(offset, length)``. Raises :class:`SearchIndexError` if it
        cannot, or once the spool is closed."""
        with self._lock:
            if self._closed:
                raise SearchIndexError("the search index was stopped")
            try:
                if self._file is None:
                    self._folder.mkdir(parents=True, exist_ok=True)
                    self._file = tempfile.TemporaryFile(dir=self._folder, prefix=".search-spool-")
                self._file.seek(self._end)
                self._file.write(data)
            except OSError as exc:
                raise SearchIndexError(f"could not keep a search document on disk ({exc})") from None
            offset, self._end = self._end, self._end + len(data)
        return offset, len(data)

    def read(self, offset: int, length: int) -> bytes:
        """The bytes written at ``offset``. Raises :class:`SearchIndexError` if they cannot be
        read, or once the spool is closed."""
        with self._lock:
            if self._file is None:
                raise SearchIndexError("the search index was stopped")
            try:
                self._file.seek(offset)
                return self._file.read(length)
            except OSError as exc:
                raise SearchIndexError(f"could not read a search document back ({exc})") from None

    def close(self) -> None:
        """Remove the file (safe to call twice, and while another thread reads or writes)."""
        with self._lock:
            self._closed = True
            if self._file is not None:
                self._file.close()
                self._file = None


def document_digest(html: str) -> str:
    """The digest :class:`SearchIndexer` knows a document by: the SHA-256 (hex) of its UTF-8 bytes."""
    return hashlib.sha256(html.encode("utf-8", "surrogatepass")).hexdigest()


@dataclasses.dataclass
class _Record:
    """A document of this build: its URL, the SHA-256 of its UTF-8 bytes and where it is in the
    spool, or, for a document a previous build made (:meth:`SearchIndexer.add_stored`), how to
    read it when its bundle must be indexed."""

    url: str
    digest: str
    offset: int = 0
    length: int = 0
    load: Callable[[], str | None] | None = None

    def text(self, spool: _Spool) -> str:
        """The document. Raises :class:`SearchIndexError` if a stored one cannot be read."""
        if self.load is None:
            return spool.read(self.offset, self.length).decode("utf-8", "surrogatepass")
        html = self.load()
        if not isinstance(html, str) or document_digest(html) != self.digest:
            raise SearchIndexError(
                f"the build cache no longer holds the search document of {self.url}; build again "
                "(the cache is checked and mended by that build) or delete .cache/casebook"
            )
        return html


@dataclasses.dataclass
class _Bundle:
    """A search bundle's state in this build."""

    path: str
    """Relative to the site: ``pagefind/``, ``pagefind-1/``, ..."""
    records: list = dataclasses.field(default_factory=list)
    """This build's documents (:class:`_Record`), in the order added."""
    manifest: dict | None = None
    """The last build's ``{url: document digest}`` (None: unknown)."""
    manifest_loaded: bool = False
    stored: dict | None = None
    """The manifest the cache holds now (the last build's, until this build stores one)."""
    streaming: bool = False
    """Its documents go to the running service as they come."""
    complete: bool = False
    """Written or restored (until a late document of it arrives)."""

    def manifest_now(self) -> dict:
        """This build's ``{url: document digest}``."""
        return {r.url: r.digest for r in self.records}


@dataclasses.dataclass
class _Retiring:
    """A service writing a bundle: it ends once the bundle is whole on disk."""

    service: _Service
    bundle: int
    requests: list
    """Its AddFile request ids."""
    write: int
    """The WriteFiles request id."""
    key: str | None
    """The bundle's cache key (None: no cache)."""
    manifest: dict
    """The bundle's ``{url: document digest}``, stored as its manifest once written."""


class SearchIndexer:
    """Feeds case search documents to Pagefind while the build goes on and writes one bundle per
    path of ``bundles``; a bundle whose documents are those of a bundle written before is restored
    from ``cache`` instead (``None`` or a disabled cache: every bundle is indexed).

    A document goes to bundle :func:`bundle_of` (its key, ``len(bundles)``). Documents are best
    added grouped by bundle: a bundle is complete when a document of another bundle arrives (or at
    :meth:`flush` or :meth:`finish`), and only one bundle is in Pagefind's memory at a time. Any
    order is correct, only slower: a late document of a complete bundle reopens it, and from then
    on every bundle is made at :meth:`flush` from all its documents (kept on disk, see :class:`_Spool`).

    A bundle is streamed to Pagefind as soon as one of its documents is not in the bundle's
    manifest of the last build (it has likely changed), so a cold build indexes on another core
    while MkDocs converts the rest; a bundle whose documents all match is restored when complete,
    or indexed then if the cache does not have it. With ``defer`` (``mkdocs serve`` after its
    first build, whose :meth:`finish` runs on a thread once the pages are served), a bundle to
    index again waits for :meth:`finish` instead: at 10,000 cases, streaming the edited case's
    bundle of 1,000 documents held the save's page back by 3 s. ``services_started``,
    ``indexed`` and ``restored`` tell what happened. Errors are :class:`SearchIndexError`.
    """

    def __init__(
        self,
        site_dir: Path,
        bundles: list[str],
        cache: BuildCache | None = None,
        kept: dict | None = None,
        defer: bool = False,
    ) -> None:
        if not bundles:
            raise ValueError("a search needs at least one bundle path")
        self._site = Path(site_dir).resolve()
        self._bundles = [_Bundle(path) for path in bundles]
        self._cache = cache if cache is not None and cache.enabled else None
        self._engine: str | None = None
        self._spool = _Spool(self._site)
        self._current: int | None = None
        """The bundle of the last document added."""
        self._grouped = True
        """No document so far came after its bundle was complete (see :meth:`add`)."""
        self._service: _Service | None = None
        """The service indexing the current bundle (only while it streams)."""
        self._index: int | None = None
        self._requests: list[int] = []
        self._retiring: list[_Retiring] = []
        self._count = 0
        self._closed = False
        self._starting = threading.Lock()
        """Held while a service starts, and while :meth:`close` marks the indexer closed."""
        self.services_started = 0
        """Pagefind processes started."""
        self.indexed: list[str] = []
        """Bundle paths written by Pagefind, in order."""
        self.restored: list[str] = []
        """Bundle paths restored from the cache, in order."""
        self._kept = dict(kept or {})
        """Bundle path → (files key, folder): bundles an earlier build left whole, moved out of
        the site to ``folder`` (``mkdocs serve``): one with the same key is moved back, not
        written again from the cache."""
        self.whole: dict[str, str] = {}
        """Bundle path → files key of each bundle this build has left whole in the site so far."""
        self._started: list[_Service] = []
        """Every service started, for :meth:`interrupted`."""
        self._checked: dict[str, dict] = {}
        """Bundle key → its stored files, read by :meth:`has_stored`, until :meth:`_restore` writes them."""
        self._defer = defer
        self._deferred: dict[int, str | None] = {}
        """With ``defer``: bundle number → bundle key of each complete bundle left for :meth:`finish`."""

    @property
    def count(self) -> int:
        """How many documents were added."""
        return self._count

    def add(self, html: str, url: str, key: str) -> None:
        """Add a case's search document (its ``data-pagefind-body`` part is indexed under ``url``)
        to the bundle of ``key`` (the case id). Raises :class:`SearchIndexError` if Pagefind failed."""
        self._reap()
        number = bundle_of(key, len(self._bundles))
        data = html.encode("utf-8", "surrogatepass")
        self._append(number, _Record(url, hashlib.sha256(data).hexdigest(), *self._spool.write(data)), html)

    def add_stored(self, digest_: str, url: str, key: str, load: Callable[[], str | None]) -> None:
        """Add a document a previous build made, by the SHA-256 of its UTF-8 bytes (``digest_``,
        hex): ``load()`` gives it only if its bundle must be indexed again (a bundle whose
        documents are all the same is restored from the cache without it). As :meth:`add`."""
        self._reap()
        self._append(bundle_of(key, len(self._bundles)), _Record(url, digest_, load=load))

    def _append(self, number: int, record: _Record, html: str | None = None) -> None:
        bundle = self._bundles[number]
        if bundle.complete:  # a late document: the input is not grouped by bundle
            self._grouped = False
        if self._current is not None and number != self._current:
            self._leave(self._current)
        self._current = number
        bundle.complete = False
        bundle.records.append(record)
        self._count += 1
        if bundle.streaming:
            self._send(record.url, record.text(self._spool) if html is None else html)
        elif self._grouped and not self._defer and record.load is None and self._changed(bundle, record):
            self._stream(number)  # a stored document says nothing new: its bundle is decided when complete

    def _leave(self, number: int) -> None:
        """Documents of another bundle follow: with grouped input, this bundle has all its documents;
        otherwise it may get more, so it is made at :meth:`flush` (its service, if any, stops unused)."""
        bundle = self._bundles[number]
        if self._grouped:
            if not bundle.complete:
                self._complete(number)
        elif bundle.streaming:
            self._stop_streaming(bundle)

    def _stop_streaming(self, bundle: _Bundle) -> None:
        """Stop the bundle's service without writing anything."""
        self._service.close()
        self._service, self._index, self._requests = None, None, []
        bundle.streaming = False

    def flush(self) -> None:
        """Complete the bundle documents are being added to (every open bundle, if the input was not
        grouped), so its writing overlaps whatever the build does next; :meth:`finish` does it too.
        Call it after the last document."""
        self._reap()
        if self._grouped:
            if self._current is not None and not self._bundles[self._current].complete:
                self._complete(self._current)
            return
        for number, bundle in enumerate(self._bundles):
            if bundle.records and not bundle.complete:
                self._complete(number)

    def finish(self) -> None:
        """Complete the last bundle, wait until every bundle is written and stored, and check them
        (bundles without documents: nothing). Raises :class:`SearchIndexError`."""
        try:
            self.flush()
            for number, key in sorted(self._deferred.items()):
                self._stream(number)
                self._write(number, key)
            self._deferred = {}
            self._reap(wait=True)
        finally:
            self.close()
        self._check_bundles()

    def interrupted(self) -> bool:
        """Whether one of this indexer's Pagefind processes ended from an interrupt (Ctrl-C),
        which then explains a failure: it is not Pagefind's."""
        return any(service.interrupted() for service in self._started)

    def close(self, at_once: bool = False) -> None:
        """Stop every service and remove the spool (safe to call twice, and from another thread
        than the one adding or finishing: no service starts after it). ``at_once``: kill the
        services, whatever they were writing, rather than wait for them."""
        with self._starting:
            self._closed = True
            self._checked = {}
            services = [retiring.service for retiring in self._retiring]
            if self._service is not None:
                services.append(self._service)
            self._retiring, self._service = [], None
        for service in services:
            if at_once:
                service.kill()
            else:
                service.close()
        self._spool.close()

    # Deciding -----------------------------------------------------------------------------------

    def _changed(self, bundle: _Bundle, record: _Record) -> bool:
        """Whether ``record`` says its bundle has likely changed since the last build: its
        manifest does not list the document (always, without a cache)."""
        if self._cache is None:
            return True
        if not bundle.manifest_loaded:
            manifest = self._cache.get(MANIFEST_KIND, self._manifest_key(bundle))
            bundle.manifest = bundle.stored = manifest if isinstance(manifest, dict) else None
            bundle.manifest_loaded = True
        return bundle.manifest is None or bundle.manifest.get(record.url) != record.digest

    def _manifest_key(self, bundle: _Bundle) -> str:
        return digest(MANIFEST_KIND, bundle.path, len(self._bundles), code_digest())

    def _bundle_key(self, bundle: _Bundle) -> str | None:
        """The digest of a bundle's written files (None without a cache): :meth:`_files_key`."""
        return self._files_key([(r.url, r.digest) for r in bundle.records])

    def _files_key(self, documents: list[tuple[str, str]]) -> str | None:
        """The digest of the files of a bundle of ``documents``: the engine and the sorted (url,
        document digest) pairs (None without a cache)."""
        if self._cache is None:
            return None
        if self._engine is None:
            self._engine = _engine_digest()
        return digest(BUNDLE_KIND, self._engine, sorted(documents))

    def has_stored(self, documents: list[tuple[str, str]]) -> bool:
        """Whether the cache holds, whole, the files of a bundle of exactly ``documents`` ((url,
        SHA-256 hex) pairs): then such a bundle is restored, and documents given to
        :meth:`add_stored` for it are never loaded. (Reads the entry, a few MB, and keeps it for
        the restore, which then does not read it again.)"""
        key = self._files_key(documents)
        if key is None:
            return False
        if any(kept == key and folder.is_dir() for kept, folder in self._kept.values()):
            return True  # kept from the last build: no need to read it
        files = self._cache.get(BUNDLE_KIND, key)
        if not _stored_files(files):
            return False
        self._checked[key] = files
        return True

    def _complete(self, number: int) -> None:
        """The bundle has all its documents: restore it if the cache has it, else have it written
        (streamed, or indexed now)."""
        bundle = self._bundles[number]
        bundle.complete = True
        if not bundle.records:
            return
        key = self._bundle_key(bundle)
        if key is not None and self._restore(number, key):
            if bundle.streaming:  # a change undone: the stored bundle is the same, and has been published
                self._stop_streaming(bundle)
            return
        if self._defer and not bundle.streaming:
            self._deferred[number] = key
            return
        if not bundle.streaming:
            self._stream(number)
        self._write(number, key)

    # Pagefind -----------------------------------------------------------------------------------

    def _stream(self, number: int) -> None:
        """Start a service for the bundle and send it the bundle's documents so far (read back from
        the spool); the bundle's later documents go to it as they come."""
        # One bundle indexed at a time: the service starts once the previous ones have indexed
        # their pages (Pagefind answers in order) and only write them (then end, freeing their
        # memory). Otherwise a build that converts faster than Pagefind indexes holds several.
        # With ``defer`` (serve's thread, after the pages are served) nothing waits for the
        # index: it starts once they have ended, so one Pagefind process runs at a time.
        for retiring in self._retiring:
            if self._defer:
                retiring.service.settle_end()
            else:
                retiring.service.settle(retiring.requests[-1])
        with self._starting:  # a close from another thread either comes first or kills this one
            if self._closed:
                raise SearchIndexError("the search indexer was stopped")
            self._service = _Service()
            self._started.append(self._service)
        self.services_started += 1
        self._index = self._service.wait(self._service.send({"type": "NewIndex", "config": None}))["index_id"]
        self._requests = []
        bundle = self._bundles[number]
        bundle.streaming = True
        for record in bundle.records:
            self._send(record.url, record.text(self._spool))

    def _send(self, url: str, html: str) -> None:
        message = {"type": "AddFile", "index_id": self._index, "url": url, "file_contents": html, "file_path": None}
        self._requests.append(self._service.send(message))

    def _write(self, number: int, key: str | None) -> None:
        """Have the streaming bundle written into an emptied folder; its service ends once the bundle
        is whole on disk (see :meth:`_Service.end_after`), and :meth:`_reap` stores it."""
        bundle = self._bundles[number]
        output = self._clear(number)
        # One bundle written at a time: a service's memory grows while it writes (measured for
        # 1,000 cases: from ~80 MB to ~300 MB), and at 10,000 cases a write that outlasted the
        # streaming of the next bundle put two writing services at the build's memory peak. A
        # service ends once its bundle is whole on disk (end_after).
        for retiring in self._retiring:
            retiring.service.settle_end()
        write = self._service.send({"type": "WriteFiles", "index_id": self._index, "output_path": str(output)})
        self._service.end_after(write, output, len(bundle.records))
        self._retiring.append(_Retiring(self._service, number, self._requests, write, key, bundle.manifest_now()))
        self.indexed.append(bundle.path)
        self._service, self._index, self._requests = None, None, []
        bundle.streaming = False

    def _reap(self, wait: bool = False, bundle: int | None = None) -> None:
        """End the services whose bundle is written (all of them with ``wait``, and those writing
        ``bundle``), raising their errors, and store their bundles. Raises
        :class:`SearchIndexError` once the indexer is closed (every step begins here)."""
        if self._closed:
            raise SearchIndexError("the search indexer was stopped")
        still = []
        for retiring in self._retiring:
            if wait or retiring.bundle == bundle or retiring.service.answered(retiring.write):
                try:
                    for message_id in (*retiring.requests, retiring.write):
                        retiring.service.wait(message_id)
                finally:
                    retiring.service.close()
                self._store(retiring)
            else:
                still.append(retiring)
        self._retiring = still

    # Files and the cache ------------------------------------------------------------------------

    def _clear(self, number: int) -> Path:
        """The bundle's folder, emptied (after any service still writing it has ended): it holds
        exactly this build's bundle, never leftovers of an earlier one."""
        self._reap(bundle=number)
        self.whole.pop(self._bundles[number].path, None)  # whole again only once written or restored
        folder = self._site / self._bundles[number].path
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise SearchIndexError(f"could not empty the search bundle {folder} ({exc})") from None
        return folder

    def _restore(self, number: int, key: str) -> bool:
        """Write the bundle's stored files into its folder; False (nothing restored) if the cache
        does not have them or they are not a whole bundle."""
        if self._move_back(number, key):
            return True
        files = self._checked.pop(key, None) or self._cache.get(BUNDLE_KIND, key)
        if not _stored_files(files):
            return False
        bundle = self._bundles[number]
        folder = self._clear(number)
        try:
            for name, data in files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
        except OSError as exc:
            raise SearchIndexError(f"could not write the search bundle {folder} ({exc})") from None
        if bundle_state(folder, len(bundle.records)) is None:
            return False  # indexed again, into an emptied folder
        self._restored(bundle, key)
        return True

    def _move_back(self, number: int, key: str) -> bool:
        """Move the bundle an earlier build left whole back into the site, if it was made from
        the same documents (``key``); False (nothing moved, or a bundle found incomplete) if not."""
        bundle = self._bundles[number]
        kept, aside = self._kept.pop(bundle.path, (None, None))
        if kept != key or not aside.is_dir():
            return False
        folder = self._clear(number)
        try:
            os.replace(aside, folder)
        except OSError:
            return False
        if bundle_state(folder, len(bundle.records)) is None:
            return False
        self._cache.keep(BUNDLE_KIND, key)  # in use: the sweep keeps its stored files
        self._restored(bundle, key)
        return True

    def _restored(self, bundle: _Bundle, key: str) -> None:
        self.restored.append(bundle.path)
        self.whole[bundle.path] = key
        self._remember(bundle, bundle.manifest_now())

    def _store(self, retiring: _Retiring) -> None:
        """Keep a written bundle's files and manifest in the cache (if it is whole)."""
        if self._cache is None or retiring.key is None:
            return
        bundle = self._bundles[retiring.bundle]
        folder = self._site / bundle.path
        if bundle_state(folder, len(retiring.requests)) is None:
            return  # _check_bundles reports it
        try:
            files = _read_files(folder)
        except OSError:
            return
        self._cache.put(BUNDLE_KIND, retiring.key, files)
        self.whole[bundle.path] = retiring.key
        self._remember(bundle, retiring.manifest)

    def _remember(self, bundle: _Bundle, manifest: dict) -> None:
        """Store the bundle's manifest for the next build (if the cache does not hold it already)."""
        if self._cache is not None and manifest != bundle.stored:
            self._cache.put(MANIFEST_KIND, self._manifest_key(bundle), manifest)
            bundle.stored = manifest

    def _check_bundles(self) -> None:
        """Raise :class:`SearchIndexError` for a bundle with documents that is not whole on disk:
        a build must not publish a search that cannot load."""
        for bundle in self._bundles:
            if bundle.records and bundle_state(self._site / bundle.path, len(bundle.records)) is None:
                raise SearchIndexError(f"Pagefind left the search bundle {bundle.path} incomplete; build again")

"""A persistent, content-addressed build cache (``.cache/casebook/`` in the library).

Every stored product is kept under the digest of everything it was made from (its *key*):
a build that meets the same inputs again reads the product instead of making it. Nothing
is ever looked up by name or date, so an entry can only be stale by being unused, and
:meth:`BuildCache.sweep` removes those. The folder is safe to delete at any time;
``CASEBOOK_CACHE=0`` builds without it.

Layout: one SQLite database, ``<folder>/cache.sqlite``: table ``entries``, a row per entry
(its kind, its key, its value), and table ``uses``, when a build last used each (apart: noting
a use then rewrites a few bytes, not the entry); a value is ``FORMAT``, the SHA-256 of the
payload, the payload (a pickle); one larger than :data:`LARGE_BYTES` is written and read a chunk
at a time (:meth:`BuildCache._insert`). An entry that is truncated, hand-edited, from an older
format or names a class outside the allowed modules is treated as missing (and removed),
never trusted and never a crash; so is a database SQLite cannot read. Jinja's compiled
templates are kept beside it, in ``<folder>/jinja/``.

The same rules as a build system's action cache (Bazel, ccache): the key includes the
versions of the code and the tools that make the product (:func:`code_digest`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import pickle
import sqlite3
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

FORMAT = b"casebook-cache-1\n"
"""The first bytes of every entry; a new format gets a new line, and old entries are misses."""

DEFAULT_FOLDER = Path(".cache") / "casebook"
"""Where the cache lives, relative to the library root."""

KEEP_SECONDS = 7 * 24 * 3600
"""An entry no build used for this long is removed by :meth:`BuildCache.sweep`."""

TOOLS = (
    "mkdocs",
    "properdocs",
    "mkdocs-material",
    "markdown",
    "pymdown-extensions",
    "jinja2",
    "markupsafe",
    "pyyaml",
    "pyicu-wheels",
)
"""Distributions whose version is part of every key (their output is our input)."""

_SAFE_BUILTINS = frozenset(
    {"set", "frozenset", "tuple", "list", "dict", "str", "bytes", "int", "float", "bool", "complex", "slice", "range"}
)
_SAFE_MODULES = ("casebook.", "collections", "datetime", "markupsafe", "mkdocs.structure.toc", "copyreg")


class _Unpickler(pickle.Unpickler):
    """Only our own data types and plain containers come back from the cache: a pickle that
    names anything else (``os.system``) is refused, whoever wrote it."""

    def find_class(self, module: str, name: str):
        if (module == "builtins" and name in _SAFE_BUILTINS) or module.startswith(_SAFE_MODULES):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the build cache")


class Digest:
    """A SHA-256 over a stream of values, each fed with its type, so that ``("ab", "c")`` and
    ``("a", "bc")`` or ``1`` and ``"1"`` never share a digest.

    Accepts str, bytes, int, float, bool, None, Path, lists, tuples, dicts (in insertion
    order, which our builds keep deterministic), sets (sorted), dataclasses (by field), and
    objects with a ``cache_key()`` method; anything else raises ``TypeError``, so a key never
    depends on ``repr``'s memory addresses by accident."""

    def __init__(self, *values: Any) -> None:
        self._hash = hashlib.sha256()
        for value in values:
            self.add(value)

    def add(self, value: Any) -> Digest:
        update = self._hash.update
        if value is None or isinstance(value, bool):
            update(b"N" if value is None else (b"T" if value else b"F"))
        elif isinstance(value, str):
            data = value.encode("utf-8", "surrogatepass")
            update(b"s%d:" % len(data) + data)
        elif isinstance(value, bytes | bytearray | memoryview):
            update(b"b%d:" % len(value) + bytes(value))
        elif isinstance(value, int | float):
            update(b"n" + repr(value).encode() + b";")
        elif isinstance(value, Path):
            self.add(value.as_posix())
        elif isinstance(value, dict):
            update(b"{%d:" % len(value))
            for k, v in value.items():
                self.add(k).add(v)
        elif isinstance(value, list | tuple):
            update(b"[%d:" % len(value))
            for item in value:
                self.add(item)
        elif isinstance(value, set | frozenset):
            self.add(sorted(value, key=lambda v: (type(v).__name__, str(v))))
        elif hasattr(value, "cache_key"):
            self.add(value.cache_key())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            update(b"D" + type(value).__qualname__.encode())
            self.add([getattr(value, f.name) for f in dataclasses.fields(value)])
        else:
            raise TypeError(f"no stable digest for {type(value).__qualname__}")
        return self

    def hexdigest(self) -> str:
        """The digest as 64 hex digits."""
        return self._hash.hexdigest()


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as data :class:`Digest` takes, for configuration that may hold Python objects
    (``!!python/name:`` in mkdocs.yml, MkDocs' option types): containers are walked, a
    function or class becomes ``module:qualname``, a mapping-like object its items, and any
    other object its type and public attributes (never its ``repr``, which may hold a memory
    address)."""
    if value is None or isinstance(value, str | bytes | int | float | bool | Path):
        return value
    if depth > 12:
        return type(value).__qualname__
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(str(plain(v, depth + 1)) for v in value)
    if isinstance(value, types.ModuleType):
        return f"module:{value.__name__}"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}:{value.__qualname__}"
    if hasattr(value, "items") and callable(value.items):
        try:
            return {str(k): plain(v, depth + 1) for k, v in value.items()}
        except Exception:  # an object whose items() needs arguments
            pass
    attributes = {k: v for k, v in getattr(value, "__dict__", {}).items() if not k.startswith("_")}
    return [type(value).__qualname__, plain(attributes, depth + 1)]


def digest(*values: Any) -> str:
    """The :class:`Digest` of ``values`` as 64 hex digits."""
    return Digest(*values).hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if hasattr(value, "cache_key"):
        return value.cache_key()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__qualname__, *(getattr(value, f.name) for f in dataclasses.fields(value))]
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"no stable digest for {type(value).__qualname__}")


def data_digest(value: Any, known: dict | None = None) -> str:
    """A digest of plain data (what :class:`Digest` takes), made with the C JSON encoder: many
    times faster than :class:`Digest` for large template contexts. JSON does not tell a tuple
    from a list or ``1`` from ``"1"`` as a dict key, which template data never mixes.

    ``known``: ``id()`` of an object inside ``value`` → that object's own ``data_digest``, made
    before: the object is digested by it instead of encoded again (a case's view is in the case
    list, its keyword and country pages). Such objects must not change while they are known."""
    if known:
        value = _with_known(value, known)
    text = json.dumps(value, default=_json_default, ensure_ascii=False, check_circular=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _with_known(value: Any, known: dict) -> Any:
    """``value`` with each object ``known`` has a digest for replaced by ``{KNOWN: digest}``
    (through dicts, lists and tuples; nothing else is walked)."""
    found = known.get(id(value))
    if found is not None:
        return {KNOWN: found}
    if type(value) is dict:
        return {k: _with_known(v, known) for k, v in value.items()}
    if type(value) in (list, tuple):
        return [_with_known(v, known) for v in value]
    return value


KNOWN = "\u0000data_digest"
"""The key standing for a known object's digest in :func:`data_digest` (no template data has it)."""


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (64 hex digits); raises ``OSError`` if it cannot be read."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def folder_digest(folder: Path, pattern: str = "*") -> str:
    """One digest over every file under ``folder`` matching ``pattern``: relative paths and
    bytes, in sorted order (a missing folder has the digest of nothing)."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts)
    return digest([(p.relative_to(folder).as_posix(), file_digest(p)) for p in files])


def tool_versions(names: Iterable[str] = TOOLS) -> dict:
    """``{distribution: version}`` for each installed distribution of ``names`` (a missing one: None)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


_CODE: dict = {}


def code_digest() -> str:
    """The digest of the code that makes every product, as this process loaded it: this
    package's source, its data and schemas, the hook modules beside it (``casebook*.py``),
    the Python version and :data:`TOOLS`' versions. Computed once per process, at first use
    (soon after import): ``mkdocs serve`` re-imports nothing after an edit to ``hooks/``, so
    the code it runs is the code it started with, and so must its keys be (see
    :func:`code_changed`)."""
    if "digest" not in _CODE:
        _CODE["digest"] = _code_on_disk()
    return _CODE["digest"]


def code_changed() -> bool:
    """Whether the code on disk is no longer the code this process runs (:func:`code_digest`):
    an edit to ``hooks/`` under ``mkdocs serve``. Reads the package again (about 10 ms)."""
    return code_digest() != _code_on_disk()


def _code_on_disk() -> str:
    package = Path(__file__).resolve().parent
    return digest(
        FORMAT,
        folder_digest(package, "*.py"),
        folder_digest(package / "data"),
        folder_digest(package / "schema"),
        [(p.name, file_digest(p)) for p in sorted(package.parent.glob("casebook*.py"))],
        sys.version,
        tool_versions(),
    )


class BuildCache:
    """The cache in ``folder`` (``None``: disabled, every lookup misses and nothing is stored).

    Entries live in one SQLite database, ``<folder>/cache.sqlite`` (tables ``entries``: kind,
    key, value; ``uses``: kind, key, last use): a library of 10,000 cases has about 60,000 of them, and on
    the file systems builds run on, opening a file per entry cost more than making many of
    them. A database that SQLite cannot read is removed and started afresh. Safe to share
    between threads (one lock) and between processes (SQLite's locking; two builds writing
    one key write the same bytes). :meth:`close` (or :meth:`sweep`) commits."""

    def __init__(self, folder: Path | None, memory: Memory | None = None) -> None:
        self.folder = None if folder is None else Path(folder)
        self.memory = memory if self.folder is not None else None
        """Values kept in this process between builds (:class:`Memory`), or None."""
        self.hits = 0
        self.misses = 0
        self.missed: dict = {}
        """Kind → lookups that found nothing."""
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._used: dict[str, set] = {}
        """Kind → digests read or written by this build (kept by :meth:`sweep`)."""
        self._remembered: set[tuple[str, str]] = set()
        """(kind, key) of the parts :meth:`remembered` gave this build (not in the database)."""

    @classmethod
    def for_library(cls, root: Path, environ: dict | None = None, memory: Memory | None = None) -> BuildCache:
        """The library's cache: ``CASEBOOK_CACHE=0`` (or ``off``, ``no``, ``false``) disables
        it, ``CASEBOOK_CACHE_DIR`` moves it (default ``<root>/.cache/casebook``). ``memory``:
        see :class:`Memory` (unused when the cache is disabled)."""
        environ = os.environ if environ is None else environ
        if str(environ.get("CASEBOOK_CACHE", "1")).strip().lower() in {"0", "off", "no", "false"}:
            return cls(None)
        folder = environ.get("CASEBOOK_CACHE_DIR")
        return cls(Path(folder) if folder else Path(root) / DEFAULT_FOLDER, memory)

    @property
    def enabled(self) -> bool:
        """Whether entries are read and written."""
        return self.folder is not None

    @property
    def database(self) -> Path | None:
        """The SQLite file the entries are in."""
        return None if self.folder is None else self.folder / DATABASE

    def _connect(self) -> sqlite3.Connection | None:
        """The open database (opened, and made or remade, on first use); None if impossible."""
        if self._db is None and self.folder is not None:
            for attempt in range(2):
                try:
                    self.folder.mkdir(parents=True, exist_ok=True)
                    self._db = _open(self.database)
                    break
                except (OSError, sqlite3.Error):
                    self._db = None
                    if attempt == 0:  # unreadable (damaged, not a database): start afresh
                        _unlink_database(self.database)
            if self._db is None:
                self.folder = None  # a cache that cannot be used is skipped
            else:
                for name in OLD_DATABASES:
                    _unlink_database(self.folder / name)
        return self._db

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored under ``key`` (64 hex digits), or ``None`` if there is none or it
        cannot be trusted (the entry is then removed)."""
        with self._lock:
            if self.memory is not None and (kind, key) in self.memory.values:
                self._used.setdefault(kind, set()).add(key)
                self.hits += 1
                return self.memory.values[kind, key]
            row = self._run(_SELECT, (LARGE_BYTES, kind, key), fetch=True)
            value = _BAD if not row else _decode(row[0]) if row[0] is not None else self._read_large(row[1])
            if value is _BAD:
                if row:
                    self._run("DELETE FROM entries WHERE kind = ? AND key = ?", (kind, key))
                    self._run("DELETE FROM uses WHERE kind = ? AND key = ?", (kind, key))
                self.misses += 1
                self.missed[kind] = self.missed.get(kind, 0) + 1
                return None
            self._used.setdefault(kind, set()).add(key)
            self.hits += 1
            if self.memory is not None:
                self.memory.keep(kind, key, value)
            return value

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored under ``key`` (not read: :meth:`get` may still find it
        damaged, and then misses)."""
        with self._lock:
            return bool(self._run("SELECT 1 FROM entries WHERE kind = ? AND key = ?", (kind, key), fetch=True))

    def keep(self, kind: str, key: str) -> None:
        """Count ``key`` as used by this build without reading it (:meth:`sweep` keeps it)."""
        if self.folder is not None and key:
            with self._lock:
                self._used.setdefault(kind, set()).add(key)

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store ``value`` (anything :mod:`pickle` takes, made of allowed types) under ``key``.
        A cache that cannot be written (read-only disk, full disk) is quietly skipped: the
        build's products do not depend on it."""
        with self._lock:
            if self._connect() is None:  # made the folder the spool may spill to
                return
        with _Spool(self.folder) as spool:
            try:
                pickle.Pickler(spool, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
            except OSError:  # only the spool's temporary file raises it
                return
            with self._lock:
                use = "INSERT OR REPLACE INTO uses (kind, key, used) VALUES (?, ?, ?)"
                if self._insert(kind, key, spool) and self._run(use, (kind, key, time.time())) is not None:
                    self._stored(kind, key, value)

    def _stored(self, kind: str, key: str, value: Any) -> None:
        """Count an entry just written (the lock held)."""
        self._used.setdefault(kind, set()).add(key)
        if self.memory is not None:
            self.memory.keep(kind, key, value)
        self._pending += 1
        if self._pending >= COMMIT_EVERY:  # a killed build keeps what it made
            self._commit()

    def _insert(self, kind: str, key: str, spool: _Spool) -> bool:
        """Write a pickled value as the entry under ``key`` (the lock held): a small one in one
        statement; a large one through SQLite's incremental blob I/O, a chunk at a time, so
        that neither the entry nor SQLite's copy of it is ever whole in memory (the planned
        site at 10,000 cases pickles to ~155 MB). False (and the cache off) if it fails."""
        head = FORMAT + spool.hash.digest()
        small = spool.small()
        if small is not None:
            sql = "INSERT OR REPLACE INTO entries (kind, key, value) VALUES (?, ?, ?)"
            return self._run(sql, (kind, key, head + small)) is not None
        sql = "INSERT OR REPLACE INTO entries (kind, key, value) VALUES (?, ?, zeroblob(?))"
        cursor = self._run(sql, (kind, key, len(head) + spool.size))
        if cursor is None:
            return False
        try:
            with self._db.blobopen("entries", "value", cursor.lastrowid) as blob:
                blob.write(head)
                for chunk in spool.chunks():
                    blob.write(chunk)
        except sqlite3.Error:
            self._drop()
            return False
        return True

    def _read_large(self, rowid: int) -> Any:
        """The value of a large entry (see :meth:`_insert`), read a chunk at a time from its row
        and checked as :func:`_decode` does (the lock held); ``_BAD`` if it cannot be trusted."""
        try:
            with self._db.blobopen("entries", "value", rowid, readonly=True) as blob:
                if blob.read(len(FORMAT)) != FORMAT:
                    return _BAD
                stored = blob.read(32)
                reader = _BlobReader(blob)
                value = _Unpickler(reader).load()
                reader.drain()
        except Exception:  # anything a damaged or foreign pickle raises, or SQLite (a changed row)
            return _BAD
        return value if reader.hash.digest() == stored else _BAD

    def _run(self, sql: str, args: tuple = (), fetch: bool = False):
        """One statement (the lock held); None (and the cache off) if the database fails."""
        db = self._connect()
        if db is None:
            return None
        try:
            cursor = db.execute(sql, args)
            return cursor.fetchone() if fetch else cursor
        except sqlite3.Error:
            self._drop()
            return None

    def _commit(self) -> None:
        if self._db is not None:
            try:
                self._db.commit()
            except sqlite3.Error:
                self._drop()
        self._pending = 0

    def _drop(self) -> None:
        """Stop using a database that failed mid-build (full disk, damaged): later lookups miss."""
        try:
            if self._db is not None:
                self._db.close()
        except sqlite3.Error:
            pass
        self._db, self.folder = None, None

    def close(self) -> None:
        """Commit and close (safe to call twice; the cache opens again on next use)."""
        with self._lock:
            self._commit()
            if self._db is not None:
                self._db.close()
                self._db = None

    def remembers(self, kind: str) -> bool:
        """Whether :meth:`remembered` keeps values of ``kind`` (under ``mkdocs serve``): else a
        key made only for it need not be made."""
        return self.memory is not None and kind in self.memory.kinds

    def remembered(self, kind: str, key: str | Callable[[], str], make: Callable[[], Any]) -> Any:
        """``make()``, kept in :attr:`memory` only, never in the database: for parts cheap
        enough that storing them would cost more, but made for every case on every save under
        ``mkdocs serve`` (the data files' rows). Without a memory, or for a kind it does not
        keep, just ``make()``. ``key``: the key, or a function making it (called only when the
        value is kept: a key that costs a digest of every case is not made for nothing)."""
        return self._remember(kind, key, make, whole=False)

    def remembered_whole(self, kind: str, key: str | Callable[[], str], make: Callable[[], Any]) -> Any:
        """:meth:`remembered`, for a value made from other entries and remembered parts: a build
        that takes it from the memory counts those as its own too, so that :meth:`forget_unused`
        and :meth:`sweep` keep them for the build that makes it again."""
        return self._remember(kind, key, make, whole=True)

    def _remember(self, kind: str, key: str | Callable[[], str], make: Callable[[], Any], whole: bool) -> Any:
        """:meth:`remembered` (``whole``: kept as ``(value, parts used, parts remembered)``)."""
        if not self.remembers(kind):
            return make()
        if callable(key):
            key = key()
        with self._lock:
            self._remembered.add((kind, key))
            found = self.memory.values.get((kind, key), _BAD)
            if found is _BAD and whole:
                used, remembered = {k: set(v) for k, v in self._used.items()}, set(self._remembered)
        if found is _BAD:
            value = make()
            with self._lock:
                if whole:
                    parts = {k: v - used.get(k, set()) for k, v in self._used.items()}
                    value = (value, parts, self._remembered - remembered)
                found = self.memory.values[kind, key] = value
        if not whole:
            return found
        with self._lock:
            for k, keys in found[1].items():
                self._used.setdefault(k, set()).update(keys)
            self._remembered.update(found[2])
        return found[0]

    def forget_unused(self) -> None:
        """Drop from :attr:`memory` every value this build did not use (call it after a whole
        build): the memory holds one build's worth, as the build itself did."""
        if self.memory is not None:
            with self._lock:
                self.memory.values = {
                    (kind, key): value
                    for (kind, key), value in self.memory.values.items()
                    if key in self._used.get(kind, ()) or (kind, key) in self._remembered
                }

    def memo(self, kind: str, key: str, make: Callable[[], Any]) -> Any:
        """The value under ``key``, made with ``make()`` and stored if missing."""
        value = self.get(kind, key)
        if value is None:
            value = make()
            self.put(kind, key, value)
        return value

    def sweep(
        self, now: float | None = None, keep_seconds: float = KEEP_SECONDS, stop: Callable[[], bool] | None = None
    ) -> int:
        """Note this build's use of its entries, then remove, in every kind, the entries last
        used more than ``keep_seconds`` ago, and the least recently used others while the kind
        holds more than twice what this build used (plus a tenth, at least 2): the cache stays
        within about two builds' worth, so switching between two branches keeps both. A kind
        this build used nothing of (a whole plan taken from the cache needs no part of it) only
        ages. Call it only after a whole build (one that used every entry it needs).

        Entries are removed :data:`SWEEP_CHUNK` at a time, each chunk committed, and ``stop()``
        is asked between chunks: after an upgrade a cache can hold a hundred thousand stale
        entries, and under ``mkdocs serve`` the next save must not wait for all of them
        (what is left is removed by a later sweep). Returns how many entries were removed."""
        now = time.time() if now is None else now
        with self._lock:
            if self._connect() is None:
                return 0
            used = [(now, kind, key) for kind, keys in self._used.items() for key in keys]
            try:
                self._db.executemany("UPDATE uses SET used = ? WHERE kind = ? AND key = ?", used)
                self._commit()
                old = self._db.execute("SELECT kind, key FROM uses WHERE used < ?", (now - keep_seconds,)).fetchall()
                removed = self._remove(old, stop)
                kinds = self._db.execute("SELECT kind, COUNT(*) FROM uses GROUP BY kind").fetchall()
                for kind, count in kinds:
                    kept = len(self._used.get(kind, ()))
                    excess = count - (2 * kept + max(2, kept // 10))
                    if kept and excess > 0 and not (stop and stop()):  # a kind this build did not need only ages
                        rows = self._db.execute(
                            "SELECT kind, key FROM uses WHERE kind = ? AND used < ? ORDER BY used LIMIT ?",
                            (kind, now, excess),
                        ).fetchall()
                        removed += self._remove(rows, stop)
            except sqlite3.Error:
                self._drop()
                return 0
            folder = self.folder
        if folder is not None:
            _age_out(folder / "jinja", now - keep_seconds)
        return removed

    def _remove(self, rows: list[tuple[str, str]], stop: Callable[[], bool] | None) -> int:
        """Delete the entries of ``rows`` ((kind, key) pairs), :data:`SWEEP_CHUNK` at a time, each
        chunk committed, until ``stop()`` (the lock held). Returns how many were deleted."""
        removed = 0
        for start in range(0, len(rows), SWEEP_CHUNK):
            if stop and stop():
                break
            chunk = [tuple(row) for row in rows[start : start + SWEEP_CHUNK]]
            removed += self._db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", chunk).rowcount
            self._db.executemany("DELETE FROM uses WHERE kind = ? AND key = ?", chunk)
            self._commit()
        return removed


SWEEP_CHUNK = 500
"""Entries :meth:`BuildCache.sweep` deletes per commit."""


DATABASE = "cache.sqlite"
"""The cache's database file in its folder."""

OLD_DATABASES = ("entries.sqlite",)
"""Database files of earlier layouts, removed when the cache is opened (``entries.sqlite`` kept
each entry's last use in its row: noting the uses of a build rewrote every entry it used, 0.9 s
of a warm build's 2.3 s at 1,000 cases)."""


class Memory:
    """Cache entries kept decoded in the process, in front of the database, between the builds
    of one ``mkdocs serve``: a rebuild after an edit takes each unchanged case and its plan from
    here, without reading and unpickling them again (at 10,000 cases a save took 25.6 s to show
    instead of 31.8 s, with not storing the whole plan again). Only ``kinds`` are kept: values
    that no build changes after making them (a case, its view; a finished page's entry is
    copied before the build adds its document to it), and that a build holds anyway.
    :meth:`BuildCache.forget_unused` bounds it to the last build's."""

    def __init__(self, kinds: Iterable[str]) -> None:
        self.kinds = frozenset(kinds)
        self.values: dict[tuple[str, str], Any] = {}
        """(kind, key) → value."""

    def keep(self, kind: str, key: str, value: Any) -> None:
        """Keep ``value`` if its kind is one of :attr:`kinds`."""
        if kind in self.kinds:
            self.values[kind, key] = value


COMMIT_EVERY = 500
"""Entries written between commits (a commit costs a write of the database's journal)."""


def _unlink_database(path: Path) -> None:
    """Remove an SQLite database and its journals, if they are there and can be removed."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        except OSError:  # the folder is not one (a file in its place)
            break


def _open(path: Path) -> sqlite3.Connection:
    """The database at ``path``, made if missing; raises ``sqlite3.Error`` if it is not one."""
    db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level="DEFERRED")
    # The cache is disposable and every entry checks itself: no fsync per commit.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute(
        "CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, "
        "PRIMARY KEY (kind, key))"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS uses (kind TEXT NOT NULL, key TEXT NOT NULL, used REAL NOT NULL, "
        "PRIMARY KEY (kind, key)) WITHOUT ROWID"
    )
    db.execute("SELECT COUNT(*) FROM entries WHERE kind = ''").fetchone()  # fails on a damaged file
    return db


def _age_out(folder: Path, before: float) -> None:
    """Remove files in ``folder`` last written before ``before`` (Unix time)."""
    for entry in _scandir(folder):
        try:
            if entry.is_file() and entry.stat().st_mtime < before:
                os.unlink(entry.path)
        except OSError:
            continue


_BAD = object()

LARGE_BYTES = 8 * 2**20
"""An entry larger than this (bytes) is written and read a chunk of :data:`CHUNK_BYTES` at a
time (:meth:`BuildCache._insert`), not as one value: at 10,000 cases, storing the planned
site as one value held it three times over (the pickle, the entry, SQLite's copy of it),
0.6 GB at the build's peak."""

CHUNK_BYTES = 2**20

_SELECT = "SELECT CASE WHEN length(value) > ? THEN NULL ELSE value END, rowid FROM entries WHERE kind = ? AND key = ?"
"""An entry's value, or NULL and its row for a large one (SQLite knows a blob's length without reading it)."""


class _Spool:
    """The file :meth:`BuildCache.put` pickles a value to: keeps the SHA-256 and the size of
    what it gets, in memory up to :data:`LARGE_BYTES`, then in an unnamed temporary file in
    the cache's folder (not /tmp, which is often memory). :meth:`write` raises ``OSError``
    if that file cannot be made or written (a full disk, a removed folder)."""

    def __init__(self, folder: Path | None) -> None:
        self.hash = hashlib.sha256()
        self.size = 0
        self._folder = folder
        self._file: Any = io.BytesIO()

    def write(self, data) -> int:
        self.hash.update(data)
        self.size += len(data)
        if self._file.__class__ is io.BytesIO and self.size > LARGE_BYTES:
            spilled = tempfile.TemporaryFile(dir=self._folder)
            spilled.write(self._file.getbuffer())
            self._file = spilled
        return self._file.write(data)

    def small(self) -> bytes | None:
        """Everything written, if it is still in memory."""
        return self._file.getvalue() if self._file.__class__ is io.BytesIO else None

    def chunks(self) -> Iterable[bytes]:
        """Everything written, :data:`CHUNK_BYTES` at a time."""
        self._file.seek(0)
        while chunk := self._file.read(CHUNK_BYTES):
            yield chunk

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()


class _BlobReader:
    """A read-only file over an SQLite blob for :class:`pickle.Unpickler`, hashing what it reads."""

    def __init__(self, blob: sqlite3.Blob) -> None:
        self._blob = blob
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._blob.read(size)
        self.hash.update(data)
        return data

    def readline(self) -> bytes:
        """Only text opcodes (protocol 0) read lines; ours are binary, but a damaged entry may not be."""
        line = bytearray()
        while not line.endswith(b"\n") and (byte := self.read(1)):
            line += byte
        return bytes(line)

    def drain(self) -> None:
        """Hash whatever the pickle did not read (bytes after its end are damage, too)."""
        while self.read(CHUNK_BYTES):
            pass


def _decode(raw: bytes) -> Any:
    """An entry's value, or ``_BAD`` for anything but a whole, unmodified entry of this format."""
    head = len(FORMAT) + 32
    if not isinstance(raw, bytes) or len(raw) < head or not raw.startswith(FORMAT):  # text: edited by hand
        return _BAD
    if hashlib.sha256(memoryview(raw)[head:]).digest() != raw[len(FORMAT) : head]:
        return _BAD
    data = io.BytesIO(raw)  # shares the bytes: no copy
    data.seek(head)
    try:
        return _Unpickler(data).load()
    except Exception:  # anything a damaged or foreign pickle raises
        return _BAD


def _scandir(folder: Path) -> list:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []

"""Incremental search bundles: cases keep their bundle, and a build indexes only the bundles whose
documents changed; the others are restored from the build cache, byte for byte.

Plain Python with the real Pagefind binary (``pagefind[extended]``): each test builds a few tiny
documents into bundles of a temporary site, with a cache in a temporary folder.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from casebook.cache import BuildCache
from casebook.search import BUNDLE_KIND, MANIFEST_KIND, SearchIndexer, bundle_of, bundle_paths, bundle_state
from conftest import cache_rows, raw_entry, write_entry

KEYS = [f"case-{i}" for i in range(7)]
PATHS = bundle_paths(len(KEYS), 3)  # three bundles


def document(key: str, extra: str = "") -> str:
    return (
        f"<html><body><main data-pagefind-body><h1>Case {key}</h1>"
        f"<p>{key} neighbourhood programme {extra}</p></main></body></html>"
    )


def grouped(keys, count: int = len(PATHS)) -> list[str]:
    """The order the hooks add cases in: by bundle, then id."""
    return sorted(keys, key=lambda k: (bundle_of(k, count), k))


def members(number: int) -> list[str]:
    return [k for k in KEYS if bundle_of(k, len(PATHS)) == number]


def build(site: Path, docs: dict, cache: BuildCache | None, order=None, kept=None) -> SearchIndexer:
    """Index ``docs`` ({key: html}) into ``site``; the finished indexer tells what it did."""
    indexer = SearchIndexer(site, PATHS, cache, kept)
    for key in grouped(docs) if order is None else order:
        indexer.add(docs[key], f"/cases/{key}/", key)
    indexer.finish()
    if cache is not None:
        cache.close()  # commits, as the build does when it ends
    return indexer


def files(site: Path, pattern: str = "*") -> dict:
    """{relative path: bytes} of the bundles' files matching ``pattern``."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.glob(f"pagefind*/**/{pattern}"))
        if p.is_file()
    }


def fragments(site: Path) -> dict:
    return files(site, "*.pf_fragment")


@pytest.fixture
def docs() -> dict:
    return {key: document(key) for key in KEYS}


def test_cases_keep_their_bundle_and_spread_evenly():
    keys = [f"case-{i:04d}" for i in range(3000)]
    for count in (1, 2, 3, 7):
        before = {k: bundle_of(k, count) for k in keys[:-1]}
        assert {k: bundle_of(k, count) for k in keys[:-1]} == before  # adding a key moves no other
        assert all(0 <= n < count for n in before.values())
    sizes = [sum(bundle_of(k, 3) == n for k in keys) for n in range(3)]
    assert all(900 < size < 1100 for size in sizes), sizes
    # The assignment is part of every published site and cache: it must never change by accident.
    assert [bundle_of(k, 3) for k in KEYS] == [0, 1, 1, 1, 2, 1, 2]
    assert bundle_paths(7, 3) == ["pagefind/", "pagefind-1/", "pagefind-2/"]
    with pytest.raises(ValueError):
        bundle_of("x", 0)


def test_each_bundle_holds_its_cases_in_any_order(tmp_path, docs):
    first = build(tmp_path / "grouped", docs, None)
    shuffled = KEYS[:]
    random.Random(4).shuffle(shuffled)
    assert shuffled != grouped(KEYS)
    second = build(tmp_path / "shuffled", docs, None, order=shuffled)
    assert first.services_started == 3 and second.count == first.count == 7
    expected = fragments(tmp_path / "grouped")
    assert expected == fragments(tmp_path / "shuffled")
    for number, path in enumerate(PATHS):
        assert len([n for n in expected if n.startswith(path)]) == len(members(number))
        assert bundle_state(tmp_path / "shuffled" / path, len(members(number))) is not None


def test_an_unchanged_build_restores_every_bundle_without_pagefind(tmp_path, docs):
    cache = BuildCache(tmp_path / "cache")
    first = build(tmp_path / "one", docs, cache)
    assert (first.services_started, first.restored) == (3, [])
    second = build(tmp_path / "two", docs, BuildCache(tmp_path / "cache"))
    assert second.services_started == 0
    assert second.restored == PATHS and second.indexed == []
    assert files(tmp_path / "two") == files(tmp_path / "one")  # byte-identical, every file
    assert len(files(tmp_path / "two")) > 30


def test_a_bundle_checked_before_it_is_restored_is_read_from_the_cache_once(tmp_path, docs, monkeypatch):
    """The hooks ask :meth:`SearchIndexer.has_stored` before they give the stored documents;
    each bundle entry (a few MB at 1,000 cases) is then read once, not again to restore it."""
    build(tmp_path / "one", docs, BuildCache(tmp_path / "cache"))
    digests = {key: hashlib.sha256(html.encode()).hexdigest() for key, html in docs.items()}
    cache = BuildCache(tmp_path / "cache")
    reads, get = [], cache.get
    monkeypatch.setattr(cache, "get", lambda kind, key: reads.append(kind) or get(kind, key))
    indexer = SearchIndexer(tmp_path / "two", PATHS, cache)
    for number in range(len(PATHS)):
        assert indexer.has_stored([(f"/cases/{k}/", digests[k]) for k in members(number)])
    for key in grouped(KEYS):
        indexer.add_stored(digests[key], f"/cases/{key}/", key, lambda: pytest.fail("a document was loaded"))
    indexer.finish()
    assert indexer.restored == PATHS and reads.count(BUNDLE_KIND) == len(PATHS)
    assert files(tmp_path / "two") == files(tmp_path / "one")


def test_bundles_the_last_build_left_whole_are_moved_back_unread_when_their_documents_are_the_same(
    tmp_path, docs, monkeypatch
):
    """Under mkdocs serve the hooks move the bundles the last build left whole out of the site
    before MkDocs empties it (``kept``): each one whose documents are the same is moved back,
    neither read from the cache nor written again; a changed one is indexed as before."""
    site, aside = tmp_path / "site", tmp_path / "site" / ".aside"
    first = build(site, docs, BuildCache(tmp_path / "cache"))
    assert sorted(first.whole) == sorted(PATHS)
    aside.mkdir()
    kept = {path: (first.whole[path], aside / path.strip("/")) for path in PATHS}
    for path, (_, folder) in kept.items():
        (site / path).rename(folder)
    changed = members(1)[0]
    docs[changed] = document(changed, "nattvandring")
    cache = BuildCache(tmp_path / "cache")
    reads, get = [], cache.get
    monkeypatch.setattr(cache, "get", lambda kind, key: reads.append(kind) or get(kind, key))
    second = build(site, docs, cache, kept=kept)
    assert second.indexed == ["pagefind-1/"] and second.restored == ["pagefind/", "pagefind-2/"]
    assert reads.count(BUNDLE_KIND) == 1  # only the changed bundle is looked for (a change undone is there)
    assert sorted(p.name for p in aside.iterdir()) == ["pagefind-1"]  # the changed one's old files
    fresh = build(tmp_path / "fresh", docs, BuildCache(tmp_path / "cache"))
    assert fresh.restored == PATHS and files(site) == files(tmp_path / "fresh")


def test_a_changed_case_reindexes_only_its_bundle_and_at_once(tmp_path, docs):
    build(tmp_path / "one", docs, BuildCache(tmp_path / "cache"))
    changed = members(1)[0]
    docs[changed] = document(changed, "nattvandring")
    cache = BuildCache(tmp_path / "cache")
    indexer = SearchIndexer(tmp_path / "two", PATHS, cache)
    for key in grouped(KEYS):
        indexer.add(docs[key], f"/cases/{key}/", key)
        if key == changed:  # streamed to Pagefind now, while the build goes on
            assert indexer.services_started == 1
    indexer.finish()
    cache.close()
    assert indexer.indexed == ["pagefind-1/"] and indexer.restored == ["pagefind/", "pagefind-2/"]
    one, two = fragments(tmp_path / "one"), fragments(tmp_path / "two")
    assert {k: v for k, v in one.items() if not k.startswith("pagefind-1/")} == {
        k: v for k, v in two.items() if not k.startswith("pagefind-1/")
    }
    assert any(b"nattvandring" in gzip.decompress(v) for k, v in two.items() if k.startswith("pagefind-1/"))
    again = build(tmp_path / "three", docs, BuildCache(tmp_path / "cache"))
    assert again.services_started == 0 and files(tmp_path / "three") == files(tmp_path / "two")


def test_deferred_a_changed_bundle_waits_for_finish_and_is_the_same(tmp_path, docs):
    """Under serve (after its first build) the changed bundle is not streamed while the pages are
    made: Pagefind starts in finish(), on the thread after the build, and writes what the
    build without deferring writes; unchanged bundles are restored as they come."""
    changed = members(1)[0]
    edited = {**docs, changed: document(changed, "grannsamverkan på Rosengård, ändrad")}
    built = {}
    for name, defer in (("three", False), ("four", True)):
        build(tmp_path / f"seed-{name}", docs, BuildCache(tmp_path / f"cache-{name}"))  # the last build
        indexer = SearchIndexer(tmp_path / name, PATHS, BuildCache(tmp_path / f"cache-{name}"), defer=defer)
        for key in grouped(KEYS):
            indexer.add(edited[key], f"/cases/{key}/", key)
        indexer.flush()  # what the build does after its last case
        built[name] = (indexer.services_started, list(indexer.restored))
        indexer.finish()
        assert indexer.indexed == ["pagefind-1/"] and indexer.restored == ["pagefind/", "pagefind-2/"]
    assert built == {"three": (1, ["pagefind/", "pagefind-2/"]), "four": (0, ["pagefind/", "pagefind-2/"])}
    assert fragments(tmp_path / "three") == fragments(tmp_path / "four")
    text = b"".join(gzip.decompress(v) for k, v in fragments(tmp_path / "four").items() if k.startswith("pagefind-1/"))
    assert "ändrad".encode() in text


def test_a_removed_or_added_case_reindexes_only_its_bundle(tmp_path, docs):
    build(tmp_path / "one", docs, BuildCache(tmp_path / "cache"))
    removed = members(1)[-1]
    fewer = {k: v for k, v in docs.items() if k != removed}
    indexer = build(tmp_path / "two", fewer, BuildCache(tmp_path / "cache"))
    assert indexer.indexed == ["pagefind-1/"] and indexer.restored == ["pagefind/", "pagefind-2/"]
    assert len(list((tmp_path / "two" / "pagefind-1" / "fragment").iterdir())) == len(members(1)) - 1
    added = next(k for k in (f"new-{i}" for i in range(100)) if bundle_of(k, 3) == 2)
    more = {**fewer, added: document(added)}
    indexer = build(tmp_path / "three", more, BuildCache(tmp_path / "cache"))
    assert indexer.indexed == ["pagefind-2/"] and indexer.restored == ["pagefind/", "pagefind-1/"]
    assert len(list((tmp_path / "three" / "pagefind-2" / "fragment").iterdir())) == len(members(2)) + 1


def test_an_undone_change_restores_the_earlier_bundle(tmp_path, docs):
    """The changed bundle is streamed at once, but once complete it is the one built before: that
    one is published (byte-identical; Pagefind's own output varies in the order of its filters)."""
    build(tmp_path / "one", docs, BuildCache(tmp_path / "cache"))
    changed = members(1)[0]
    build(tmp_path / "two", {**docs, changed: document(changed, "edited")}, BuildCache(tmp_path / "cache"))
    indexer = build(tmp_path / "three", docs, BuildCache(tmp_path / "cache"))
    assert indexer.services_started == 1  # the manifest said changed
    assert indexer.indexed == [] and indexer.restored == PATHS
    assert files(tmp_path / "three") == files(tmp_path / "one")


def test_a_bundle_missing_from_the_cache_is_indexed_once_complete(tmp_path, docs):
    """Its documents all match the last build's, so nothing starts until the next bundle's first one."""
    cache = BuildCache(tmp_path / "cache")
    build(tmp_path / "one", docs, cache)
    stored = cache_rows(tmp_path / "cache", BUNDLE_KIND)
    assert len(stored) == 3
    with closing(sqlite3.connect(tmp_path / "cache" / "cache.sqlite")) as db:
        db.execute("DELETE FROM entries WHERE kind = ?", (BUNDLE_KIND,))
        db.commit()
    cache = BuildCache(tmp_path / "cache")
    indexer = SearchIndexer(tmp_path / "two", PATHS, cache)
    order = grouped(KEYS)
    for key in order[:5]:  # bundles 0 and 1
        indexer.add(docs[key], f"/cases/{key}/", key)
    assert indexer.services_started == 1  # bundle 0, complete; bundle 1 waits for its end
    for key in order[5:]:
        indexer.add(docs[key], f"/cases/{key}/", key)
    assert indexer.services_started == 2
    indexer.finish()
    cache.close()
    assert indexer.services_started == 3 and indexer.restored == []
    assert fragments(tmp_path / "two") == fragments(tmp_path / "one")


def test_a_damaged_cache_entry_is_ignored_and_rebuilt(tmp_path, docs):
    build(tmp_path / "one", docs, BuildCache(tmp_path / "cache"))
    folder = tmp_path / "cache"
    damaged = cache_rows(folder, BUNDLE_KIND)[0]
    data = bytearray(raw_entry(folder, *damaged))
    data[-10] ^= 0xFF  # a flipped bit in the payload
    write_entry(folder, *damaged, bytes(data))
    second = build(tmp_path / "two", docs, BuildCache(tmp_path / "cache"))
    assert second.services_started == 1 and len(second.indexed) == 1 and len(second.restored) == 2
    assert fragments(tmp_path / "two") == fragments(tmp_path / "one")
    assert raw_entry(folder, *damaged) != bytes(data)  # stored again
    third = build(tmp_path / "three", docs, BuildCache(tmp_path / "cache"))
    assert third.services_started == 0 and files(tmp_path / "three") == files(tmp_path / "two")


def test_a_stored_bundle_that_is_not_whole_is_indexed_again(tmp_path, docs):
    build(tmp_path / "one", docs, BuildCache(tmp_path / "cache"))
    cache = BuildCache(tmp_path / "cache")
    for _, key in cache_rows(tmp_path / "cache", BUNDLE_KIND):
        cache.put(BUNDLE_KIND, key, {"pagefind-entry.json": b"{}", "fragment/x.pf_fragment": b"x"})
    cache.put(BUNDLE_KIND, "0" * 64, {"../escape": b"x"})  # never written outside the bundle
    cache.close()
    second = build(tmp_path / "two", docs, BuildCache(tmp_path / "cache"))
    assert second.services_started == 3 and second.restored == []
    assert fragments(tmp_path / "two") == fragments(tmp_path / "one")
    assert not (tmp_path / "escape").exists()


def test_without_a_cache_every_bundle_is_indexed(tmp_path, docs):
    for cache in (None, BuildCache(None)):
        site = tmp_path / ("none" if cache is None else "disabled")
        indexer = build(site, docs, cache)
        assert indexer.indexed == PATHS and indexer.restored == []
        indexer = build(site, docs, cache)  # again, into the same folder: nothing left over
        assert indexer.indexed == PATHS
        assert sorted(p.name for p in site.iterdir()) == ["pagefind", "pagefind-1", "pagefind-2"]
    assert fragments(tmp_path / "none") == fragments(tmp_path / "disabled")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disabled", "none"]


def test_a_bundle_without_documents_is_not_written(tmp_path, docs):
    some = {k: v for k, v in docs.items() if bundle_of(k, 3) != 2}
    indexer = build(tmp_path / "site", some, BuildCache(tmp_path / "cache"))
    assert indexer.indexed == ["pagefind/", "pagefind-1/"]
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["pagefind", "pagefind-1"]
    assert sorted({kind for kind, _ in cache_rows(tmp_path / "cache")}) == [BUNDLE_KIND, MANIFEST_KIND]

"""Issue 15: an incremental build writes exactly what a clean build of the same tree writes.

A seeded random sequence of edits (a case's text, title, keywords or period; cases added,
renamed and deleted; a keyword label; a template; mkdocs.yml) is applied to a small git
library. After each step the library is built with its cache kept from the previous builds
(``.cache/casebook``), and a copy of the same tree is built with ``CASEBOOK_CACHE=0``; every
file of the two sites must be the same, byte for byte. Pagefind numbers the pages of its
metadata, word and filter indexes in an order of its own, so those are compared by what they
answer (each word's and filter value's pages, named by their fragment); its fragments are
compared byte for byte.

``CASEBOOK_EDIT_SEED=<n>`` replays the sequence that a failure names.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import json
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import cbor2
import jinja2
import pytest
import yaml

from casebook.cache import FORMAT, BuildCache, digest
from conftest import (
    ROOT,
    Built,
    cache_rows,
    case_text,
    env,
    git,
    make_case,
    make_library,
    raw_entry,
    synthetic,
    write_entry,
)

SEEDS = [int(os.environ["CASEBOOK_EDIT_SEED"])] if os.environ.get("CASEBOOK_EDIT_SEED") else [11, 252152]
"""The edit sequences' seeds: fixed, so that every run tests the same sequences (a failure is a
bug, never luck); ``CASEBOOK_EDIT_SEED`` runs another one. 252152 edited a partial the hooks
render by name, which once went unnoticed."""
SEED = SEEDS[0]
"""The seed of the tests that need one sequence (the damaged cache, the failed build)."""

STEPS = 8
SHARD_SIZE = 3
"""Cases per search bundle in the test library: several bundles, so a case indexed into
another bundle by an incremental build shows."""

BUNDLE = re.compile(r"^pagefind(-\d+)?$")
PAGEFIND_INDEX = re.compile(r"^(pagefind\.[^/]+\.pf_meta|index/[^/]+\.pf_index|filter/[^/]+\.pf_filter)$")
PLACES = {"SE": "Malmö", "DK": "Odense", "NO": "Oslo", "FI": "Espoo"}


# Building -----------------------------------------------------------------------------------


def start_build(folder: Path, site: Path, cached: bool) -> subprocess.Popen:
    """Start a strict ``mkdocs build`` of ``folder`` into ``site``: with the library's default
    cache (``folder/.cache/casebook``) if ``cached``, else with ``CASEBOOK_CACHE=0``."""
    environment = {k: v for k, v in env().items() if k not in ("CASEBOOK_CACHE", "CASEBOOK_CACHE_DIR")}
    if not cached:
        environment["CASEBOOK_CACHE"] = "0"
    return subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )


def finish_build(proc: subprocess.Popen, site: Path) -> Built:
    """Wait for a build from :func:`start_build` (its output is the log)."""
    output, _ = proc.communicate()
    return Built(proc.returncode, output, site)


def run_build(folder: Path, site: Path, cached: bool) -> Built:
    """A strict build (see :func:`start_build`), waited for."""
    return finish_build(start_build(folder, site, cached), site)


def copy_tree(library: Path, folder: Path) -> Path:
    """Copy ``library``'s tree and git history, without its cache, site and bytecode, to
    ``folder`` (replaced)."""
    shutil.rmtree(folder, ignore_errors=True)
    top = {".cache", "site"}

    def ignore(directory: str, names: list[str]) -> set[str]:
        return (top & set(names) if Path(directory) == library else set()) | ({"__pycache__"} & set(names))

    shutil.copytree(library, folder, ignore=ignore)
    return folder


def new_library(folder: Path, extra_cases: int = 4) -> Path:
    """A git library: the repository's four cases and ``extra_cases`` synthetic ones, with
    small search bundles; site and cache folders are left out of its commits."""
    cases = {p.name: p.read_text("utf-8") for p in sorted((ROOT / "cases").glob("*.md"))}
    cases.update(synthetic(extra_cases))
    lib = make_library(folder, cases)
    config = (lib / "mkdocs.yml").read_text("utf-8")
    config = re.sub(r"(?m)^(    search_shard_size:) \d+", rf"\1 {SHARD_SIZE}", config)
    (lib / "mkdocs.yml").write_text(config, "utf-8")
    git(lib, "init", "-q", "-b", "main")
    (lib / ".git" / "info").mkdir(exist_ok=True)
    (lib / ".git" / "info" / "exclude").write_text("/site/\n/.cache/\n", "utf-8")
    commit(lib, 0, "first")
    return lib


def commit(lib: Path, step: int, message: str) -> None:
    """Commit everything in ``lib``, dated one day per step (both builds see this history)."""
    git(lib, "add", "-A")
    git(lib, "commit", "-q", "--allow-empty", "-m", message, date=f"2021-01-{step + 1:02d}T12:00:00Z")


def cache_entries(lib: Path, kind: str | None = None) -> list[tuple[str, str]]:
    """The (kind, key) of the entries in ``lib``'s default cache (of one ``kind``, or all)."""
    return cache_rows(lib / ".cache" / "casebook", kind)


# Comparing sites -----------------------------------------------------------------------------


def site_files(site: Path) -> dict[str, Path]:
    """``{relative path: file}`` of every file in ``site``."""
    return {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*")) if p.is_file()}


def byte_difference(name: str, a: Path, b: Path) -> str | None:
    """None if the two files hold the same bytes, else a short diff of where they differ."""
    left, right = a.read_bytes(), b.read_bytes()
    if left == right:
        return None
    lines = difflib.unified_diff(
        left.decode("utf-8", "replace").splitlines(),
        right.decode("utf-8", "replace").splitlines(),
        "incremental/" + name,
        "clean/" + name,
        n=1,
        lineterm="",
    )
    text = "\n".join(line[:300] for line in lines)
    return f"{name} differs ({len(left)} vs {len(right)} bytes):\n{text[:1500]}"


def compare_sites(incremental: Path, clean: Path) -> list[str]:
    """Every difference between two built sites (empty: the same). Pagefind bundles are
    compared by :func:`compare_bundles`; everything else byte for byte."""
    ours, theirs = site_files(incremental), site_files(clean)
    outside = {n for n in ours.keys() | theirs.keys() if not BUNDLE.match(n.split("/", 1)[0])}
    found = [f"only in the incremental build: {n}" for n in sorted(outside - theirs.keys())]
    found += [f"only in the clean build: {n}" for n in sorted(outside - ours.keys())]
    for name in sorted(outside & ours.keys() & theirs.keys()):
        if (diff := byte_difference(name, ours[name], theirs[name])) is not None:
            found.append(diff)
    bundles = {p.name for p in incremental.iterdir() if BUNDLE.match(p.name)}
    other = {p.name for p in clean.iterdir() if BUNDLE.match(p.name)}
    if bundles != other:
        found.append(f"search bundles differ: {sorted(bundles)} vs {sorted(other)}")
    for bundle in sorted(bundles & other):
        found += compare_bundles(incremental / bundle, clean / bundle)
    return found


def compare_bundles(ours: Path, theirs: Path) -> list[str]:
    """The differences between two Pagefind bundles: fragments, scripts and the WebAssembly
    byte for byte (and the same names); the entry without its metadata file's hash (a hash of
    page numbers); metadata, word and filter indexes by :func:`bundle_answers`."""
    found = []
    left = {n: p for n, p in site_files(ours).items() if not PAGEFIND_INDEX.match(n)}
    right = {n: p for n, p in site_files(theirs).items() if not PAGEFIND_INDEX.match(n)}
    if left.keys() != right.keys():
        found.append(f"{ours.name}: files differ: {sorted(left.keys() ^ right.keys())}")
    for name in sorted(left.keys() & right.keys() - {"pagefind-entry.json"}):
        if (diff := byte_difference(f"{ours.name}/{name}", left[name], right[name])) is not None:
            found.append(diff)
    if entry_without_hashes(ours) != entry_without_hashes(theirs):
        found.append(
            f"{ours.name}/pagefind-entry.json differs: {entry_without_hashes(ours)} vs {entry_without_hashes(theirs)}"
        )
    a, b = bundle_answers(ours), bundle_answers(theirs)
    for language in sorted(a.keys() | b.keys()):
        mine, other = a.get(language, {}), b.get(language, {})
        for part in sorted(mine.keys() | other.keys()):
            if mine.get(part) != other.get(part):
                found.append(
                    f"{ours.name} ({language}): Pagefind's {part} differ: {first_differences(mine.get(part), other.get(part))}"
                )
    return found


def entry_without_hashes(bundle: Path) -> dict:
    """``pagefind-entry.json`` without the metadata files' hashes."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    for info in entry.get("languages", {}).values():
        info.pop("hash", None)
    return entry


def first_differences(a, b, limit: int = 5, path: str = "") -> str:
    """Where two answers differ: a few ``key/key: value vs value``, down through nested dicts."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return f"{path}: {a!r} vs {b!r}"[:600]
    keys = sorted((k for k in a.keys() | b.keys() if a.get(k) != b.get(k)), key=repr)
    return "; ".join(first_differences(a.get(k), b.get(k), limit, f"{path}/{k}") for k in keys[:limit])


# Pagefind's indexes, decoded --------------------------------------------------------------------


def pagefind_load(path: Path):
    """A Pagefind index file's value: gzip, the ``pagefind_dcd`` signature, then CBOR."""
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(b"pagefind_dcd"), f"{path}: no Pagefind signature"
    return cbor2.loads(data[len(b"pagefind_dcd") :])


def frozen(value):
    """Lists as tuples, all the way down (comparable and sortable)."""
    return tuple(frozen(v) for v in value) if isinstance(value, list) else value


def postings(entries: list, pages: list[str]) -> list:
    """A word's pages as sorted ``(fragment hash, locations...)``: Pagefind stores each page
    number as the difference from the previous one's."""
    out, number = [], 0
    for delta, *locations in entries:
        number += delta
        out.append((pages[number], *frozen(locations)))
    return sorted(out)


def bundle_answers(bundle: Path) -> dict:
    """What a bundle answers, per language, with pages named by their fragment instead of a
    number: ``{language: {"version", "pages": [(fragment, word count)], "words": {word:
    (postings, {variant: postings})}, "filters": {filter: {value: [fragment]}}, "sorts":
    {sort: [fragment]}, "more": the metadata's further fields}}``."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    answers = {}
    for language, info in entry["languages"].items():
        version, pages, chunks, filters, sorts, *more = pagefind_load(bundle / f"pagefind.{info['hash']}.pf_meta")
        names = [page[0] for page in pages]
        words = {}
        for _first, _last, chunk in chunks:
            for word, entries, *rest in pagefind_load(bundle / "index" / f"{chunk}.pf_index")[0]:
                variants = {v[0]: postings(v[1], names) for v in (rest[0] if rest else [])}
                words[word] = (postings(entries, names), variants, frozen(rest[1:]))
        values = {}
        for _name, chunk in filters:
            name, found = pagefind_load(bundle / "filter" / f"{chunk}.pf_filter")
            values[name] = {value: sorted(names[n] for n in numbers) for value, numbers in found}
        answers[language] = {
            "version": version,
            "pages": sorted(frozen(pages)),
            "words": words,
            "filters": values,
            "sorts": {sort: [names[n] for n in numbers] for sort, numbers in sorts},
            "more": frozen(more),
        }
    return answers


# Edits -----------------------------------------------------------------------------------------


def case_files(lib: Path) -> list[Path]:
    return sorted((lib / "cases").glob("*.md"))


def keyword_ids(lib: Path) -> list[str]:
    data = yaml.safe_load((lib / "taxonomy" / "keywords.yml").read_text("utf-8"))
    return [k["id"] for k in data["keywords"]]


def case_keywords(text: str) -> list[str]:
    """The keyword references in a case's front matter, as written (without quotes)."""
    block = re.search(r"(?m)^keywords:\n((?:  - .*\n)+)", text)
    return [line.strip()[2:].strip().strip("\"'") for line in block.group(1).splitlines()] if block else []


def edit_text(lib: Path, rng: random.Random, step: int) -> str:
    """A paragraph added under one of a case's sections, or a new title."""
    path = rng.choice(case_files(lib))
    text = path.read_text("utf-8")
    if rng.random() < 0.3:
        text = re.sub(
            r"(?m)^title: .*$",
            f"title: {path.stem.replace('-', ' ').capitalize()} revised in step {step}",
            text,
            count=1,
        )
        what = "title"
    else:
        headings = re.findall(r"(?m)^## .+$", text)
        heading = rng.choice(headings)
        text = text.replace(heading + "\n", f"{heading}\n\nIn step {step} the editors added this sentence.\n", 1)
        what = heading[3:]
    path.write_text(text, "utf-8")
    return f"text of {path.stem} ({what})"


def edit_keywords(lib: Path, rng: random.Random, step: int) -> str:
    """A case's keywords replaced by 3 to 6 keyword ids."""
    path = rng.choice(case_files(lib))
    chosen = rng.sample(keyword_ids(lib), rng.randint(3, 6))
    text = re.sub(
        r"(?m)^keywords:\n(?:  - .*\n)+", "keywords:\n" + "".join(f"  - {k}\n" for k in chosen), path.read_text("utf-8")
    )
    path.write_text(text, "utf-8")
    return f"keywords of {path.stem}: {chosen}"


def edit_period(lib: Path, rng: random.Random, step: int) -> str:
    """A case's period: a new start year, and an end year or ``ongoing``."""
    path = rng.choice(case_files(lib))
    start = rng.randint(1995, 2020)
    end = rng.choice(["ongoing", str(start + rng.randint(0, 8))])
    text = re.sub(r"(?m)^period:\n(?:  .*\n)+", f"period:\n  start: {start}\n  end: {end}\n", path.read_text("utf-8"))
    path.write_text(text, "utf-8")
    return f"period of {path.stem}: {start}-{end}"


def edit_add(lib: Path, rng: random.Random, step: int) -> str:
    """A new valid case."""
    country = rng.choice(sorted(PLACES))
    start = rng.randint(2000, 2020)
    end = rng.choice(["ongoing", start + rng.randint(0, 6)])
    name = f"added-in-step-{step}"
    while (lib / "cases" / f"{name}.md").exists():
        name += "-b"
    text = make_case(f"Added programme {step}", country, PLACES[country], rng.sample(keyword_ids(lib), 4), start, end)
    (lib / "cases" / f"{name}.md").write_text(text, "utf-8")
    return f"added {name}"


def edit_rename(lib: Path, rng: random.Random, step: int) -> str:
    """A case file renamed (its id, so its address, changes)."""
    path = rng.choice(case_files(lib))
    stem = re.sub(r"-r\d+$", "", path.stem)
    target = path.with_name(f"{stem}-r{step}.md")
    path.rename(target)
    return f"renamed {path.stem} to {target.stem}"


def edit_delete(lib: Path, rng: random.Random, step: int) -> str:
    """A case deleted (or, with 5 cases or fewer left, one added)."""
    files = case_files(lib)
    if len(files) <= 5:
        return edit_add(lib, rng, step)
    path = rng.choice(files)
    path.unlink()
    return f"deleted {path.stem}"


def edit_label(lib: Path, rng: random.Random, step: int) -> str:
    """A keyword's English or Swedish label, for a keyword a case uses by id (no case names
    it by its label, which would then no longer resolve)."""
    path = lib / "taxonomy" / "keywords.yml"
    text = path.read_text("utf-8")
    refs = {ref.lower() for case in case_files(lib) for ref in case_keywords(case.read_text("utf-8"))}
    data = yaml.safe_load(text)
    usable = [k for k in data["keywords"] if str(k["label"]).lower() not in refs]
    chosen = rng.choice([k for k in usable if k["id"] in refs] or usable)
    field = rng.choice(["label", "sv"])
    keywords = re.compile(rf"(?ms)^  - id: {re.escape(chosen['id'])}\n.*?(?=^  - id: |\Z)")
    block = keywords.search(text, text.index("\nkeywords:\n"))
    line = re.search(r"(?m)^    label: (.*)$" if field == "label" else r"(?m)^      sv: (.*)$", block.group(0))
    start, end = block.start() + line.start(1), block.start() + line.end(1)
    old = re.sub(r" revised \d+$", "", text[start:end].strip("\"'"))
    path.write_text(f'{text[:start]}"{old} revised {step}"{text[end:]}', "utf-8")
    return f"{field} label of keyword {chosen['id']}"


TEMPLATE_EDITS = [
    (
        "partials/cb-case-item.html",
        r'<div class="cb-item__meta"[^>]*>',
        '<div class="cb-item__meta" data-edit="{step}">',
    ),
    (
        "case.html",
        r'<div class="cb-case__text">(\n    <p class="cb-edit">.*</p>)?',
        '<div class="cb-case__text">\n    <p class="cb-edit">Template edition {step}</p>',
    ),
    ("partials/cb-case-head.html", r"<dt>Period[^<]*</dt>", "<dt>Period (edition {step})</dt>"),
    (
        "partials/cb-search-doc.html",
        r"<h2>Keywords in every language[^<]*</h2>",
        "<h2>Keywords in every language (edition {step})</h2>",
    ),
]
"""Template edits: ``(template in overrides/, pattern, replacement)``. Listings (a template
the hooks render), the case page, its head (on the page and in its search document), and the
search document alone."""


def edit_template(lib: Path, rng: random.Random, step: int) -> str:
    """One of :data:`TEMPLATE_EDITS`."""
    name, old, new = rng.choice(TEMPLATE_EDITS)
    path = lib / "overrides" / name
    text, count = re.subn(old, new.format(step=step), path.read_text("utf-8"), count=1)
    assert count == 1, f"{name} no longer has {old}: update TEMPLATE_EDITS"
    path.write_text(text, "utf-8")
    return f"template {name}"


def edit_config(lib: Path, rng: random.Random, step: int) -> str:
    """mkdocs.yml: the site's name, the citations' publisher or the cases per search bundle."""
    path = lib / "mkdocs.yml"
    field, old, new = rng.choice(
        [
            ("site_name", r"(?m)^site_name: .*$", f"site_name: Casebook {step}"),
            ("publisher", r"(?m)^    publisher: .*$", f"    publisher: Publisher of step {step}"),
            ("search_shard_size", r"(?m)^    search_shard_size: \d+", f"    search_shard_size: {rng.randint(2, 5)}"),
        ]
    )
    text, count = re.subn(old, new, path.read_text("utf-8"), count=1)
    assert count == 1, f"mkdocs.yml has no {field}: update edit_config"
    path.write_text(text, "utf-8")
    return f"mkdocs.yml {new.strip()}"


EDITS: dict[str, Callable[[Path, random.Random, int], str]] = {
    "text": edit_text,
    "keywords": edit_keywords,
    "period": edit_period,
    "add": edit_add,
    "rename": edit_rename,
    "delete": edit_delete,
    "label": edit_label,
    "template": edit_template,
    "config": edit_config,
}


def edit_plan(rng: random.Random, steps: int) -> list[list[str]]:
    """1 or 2 edit kinds per step, every kind at least once (shuffled rounds of all kinds)."""
    queue: list[str] = []
    plan = []
    for step in range(steps):
        if not queue:
            queue = rng.sample(sorted(EDITS), len(EDITS))
        count = 2 if len(queue) > steps - step else rng.randint(1, 2)
        plan.append([queue.pop() for _ in range(min(count, len(queue)))])
    return plan


# Tests -----------------------------------------------------------------------------------------


def assert_same_as_clean(lib: Path, site: Path, clean_folder: Path, context: str) -> None:
    """Build ``lib`` with its cache into ``site`` and, at the same time (two cores), a copy of
    its tree without a cache into ``clean_folder/site``; the sites must be equal."""
    copy_tree(lib, clean_folder)
    ours, clean = start_build(lib, site, cached=True), start_build(clean_folder, clean_folder / "site", cached=False)
    ours, clean = finish_build(ours, site), finish_build(clean, clean_folder / "site")
    assert ours.returncode == 0, f"{context}\nincremental build failed:\n{ours.output[-4000:]}"
    assert clean.returncode == 0, f"{context}\nclean build failed:\n{clean.output[-4000:]}"
    found = compare_sites(ours.site, clean.site)
    assert not found, f"{context}\n{len(found)} differences:\n" + "\n".join(found[:12])


def test_finished_pages_whose_search_documents_and_bundles_are_damaged_are_made_again(tmp_path):
    """A case page written from the cache as it was (a finished page) needs neither its stored
    search document nor, while the cache holds its bundle's files, anything else for search.
    With the documents, the bundles and their manifests damaged, each bundle is indexed again and its pages made
    again: that build and the next are those of a clean build (once, a lost document failed
    every later build)."""
    lib = new_library(tmp_path / "lib", extra_cases=3)
    for site in ("one", "two"):
        built = run_build(lib, tmp_path / site, cached=True)
        assert built.returncode == 0, built.output[-4000:]
    folder = lib / ".cache" / "casebook"
    assert cache_rows(folder, "finished-page")
    kinds = ("search-document", "search-bundle", "search-manifest")
    damaged = [row for kind in kinds for row in cache_rows(folder, kind)]
    assert {kind for kind, _ in damaged} == set(kinds)
    for kind, key in damaged:
        write_entry(folder, kind, key, b"garbage")
    for step in ("three", "four"):
        assert_same_as_clean(
            lib, tmp_path / step, tmp_path / f"clean-{step}", f"build {step}, documents and bundles damaged"
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_random_edits_build_incrementally_as_clean(tmp_path, seed):
    rng = random.Random(seed)
    lib = new_library(tmp_path / "lib")
    done: list[str] = []
    replay = f"seed {seed} (replay with CASEBOOK_EDIT_SEED={seed})"
    print(replay)
    assert_same_as_clean(lib, lib / "site", tmp_path / "clean", f"{replay}, first build")
    for step, kinds in enumerate(edit_plan(rng, STEPS), start=1):
        done.append(f"step {step}: " + "; ".join(EDITS[kind](lib, rng, step) for kind in kinds))
        commit(lib, step, done[-1])
        site = lib / "site" if rng.random() < 0.5 else tmp_path / f"site-{step}"
        assert_same_as_clean(lib, site, tmp_path / "clean", f"{replay}, edits:\n" + "\n".join(done))
        if step == 1:  # the second build of the library: the first one's entries were there
            assert cache_entries(lib), (
                f"{replay}: the incremental builds wrote no cache entry in {lib / '.cache/casebook'}"
            )
            assert cache_entries(lib, "page"), f"{replay}: no cache entry of kind 'page'"


def test_failed_build_then_fixed_builds_as_clean(tmp_path):
    """A case made invalid fails the incremental build; once fixed (differently), the build
    equals a clean one: nothing of the failed build is reused as if it had succeeded."""
    lib = new_library(tmp_path / "lib", extra_cases=2)
    assert_same_as_clean(lib, lib / "site", tmp_path / "clean", "first build")
    path = lib / "cases" / "case-0000.md"
    good = path.read_text("utf-8")
    path.write_text(re.sub(r"(?m)^country: \S+", "country: XX", good).replace("## Results\n", "## Outcomes\n"), "utf-8")
    (lib / "cases" / "broken-new.md").write_text(case_text("Broken new").replace("## Goals\n", ""), "utf-8")
    commit(lib, 1, "broken")
    failed = run_build(lib, lib / "site", cached=True)
    assert failed.returncode != 0, failed.output
    assert "Traceback" not in failed.output, failed.output[-4000:]
    path.write_text(re.sub(r"(?m)^country: \S+", "country: NO", good).replace("  - Malmö", "  - Oslo"), "utf-8")
    (lib / "cases" / "broken-new.md").write_text(case_text("Fixed new"), "utf-8")
    commit(lib, 2, "fixed")
    assert_same_as_clean(lib, lib / "site", tmp_path / "clean", "fixed after a failed build")


class _Shell:
    """Unpickles as a call of ``os.system``: a cache must never run it."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def entry_bytes(payload: bytes, header: bytes = FORMAT) -> bytes:
    """A cache entry in the layout of :mod:`casebook.cache`: format line, SHA-256, pickle."""
    return header + hashlib.sha256(payload).digest() + payload


def damage(folder: Path, entries: list, rng: random.Random, marker: Path) -> dict[tuple, tuple[str, bytes]]:
    """Damage every entry ((kind, key) in the cache in ``folder``): the first one of each kind
    becomes a whole entry whose pickle would run a shell command creating ``marker``; the
    others in turn are truncated, overwritten with garbage, given an older format's first line,
    or hand-edited (one payload byte changed). Returns ``{entry: (how, bytes written)}``."""
    hows = ["truncated", "garbage", "older", "edited"]
    damaged: dict[tuple, tuple[str, bytes]] = {}
    kinds_done: set[str] = set()
    for i, (kind, key) in enumerate(rng.sample(entries, len(entries))):
        raw = raw_entry(folder, kind, key)
        how = "os.system" if kind not in kinds_done else hows[i % len(hows)]
        kinds_done.add(kind)
        if how == "os.system":
            data = entry_bytes(pickle.dumps(_Shell(f"touch {marker}")))
        elif how == "truncated":
            data = raw[: rng.randrange(len(raw))]
        elif how == "garbage":
            data = rng.randbytes(rng.randint(1, 200))
        elif how == "older":
            data = b"casebook-cache-0\n" + raw[len(FORMAT) :]
        else:
            at = rng.randrange(min(len(FORMAT) + 32, len(raw) - 1), len(raw))
            data = raw[:at] + bytes([raw[at] ^ 0x20]) + raw[at + 1 :]
        write_entry(folder, kind, key, data)
        damaged[(kind, key)] = (how, data)
    return damaged


def is_whole_entry(raw: bytes | None) -> bool:
    """Whether ``raw`` is an entry of this format whose payload matches its checksum."""
    raw = raw or b""
    head = len(FORMAT) + 32
    return raw.startswith(FORMAT) and len(raw) > head and hashlib.sha256(raw[head:]).digest() == raw[len(FORMAT) : head]


def test_each_damage_is_a_miss_and_the_pickle_never_runs(tmp_path):
    """The damage done by :func:`damage` is of the kinds the cache refuses (so the build test
    below rebuilds every entry): each is a miss, no pickle runs, and a new value is stored whole."""
    folder = tmp_path / "cache"
    cache = BuildCache(folder)
    keys = {(kind, digest(kind, i)) for kind in ("page", "nav") for i in range(6)}
    for kind, key in keys:
        cache.put(kind, key, {"value": key})
    cache.close()
    marker = tmp_path / "pickle-ran"
    damaged = damage(folder, cache_rows(folder), random.Random(SEED), marker)
    assert {how for how, _ in damaged.values()} == {"os.system", "truncated", "garbage", "older", "edited"}
    fresh = BuildCache(folder)
    assert [fresh.get(kind, key) for kind, key in sorted(keys)] == [None] * len(keys)
    assert not marker.exists()
    for kind, key in keys:
        fresh.put(kind, key, {"value": key})
    fresh.close()
    assert all(is_whole_entry(raw_entry(folder, *entry)) for entry in damaged)
    fresh = BuildCache(folder)
    assert [fresh.get(kind, key) for kind, key in sorted(keys)] == [{"value": k} for _, k in sorted(keys)]


def test_damaged_cache_entries_are_rebuilt_never_trusted(tmp_path):
    rng = random.Random(SEED)
    lib = new_library(tmp_path / "lib", extra_cases=3)
    first = run_build(lib, lib / "site", cached=True)
    assert first.returncode == 0, first.output[-4000:]
    entries = cache_entries(lib)
    assert entries, f"the build wrote no cache entry in {lib / '.cache/casebook'}"
    marker = tmp_path / "pickle-ran"
    damaged = damage(lib / ".cache" / "casebook", entries, rng, marker)
    kinds = sorted({how for how, _ in damaged.values()})
    assert_same_as_clean(
        lib, tmp_path / "site", tmp_path / "clean", f"seed {SEED}: after damaging {len(entries)} entries: {kinds}"
    )
    assert not marker.exists(), "a cache entry's pickle ran os.system"
    # Every entry was damaged, so the build looked each one up, refused it and stored it anew.
    folder = lib / ".cache" / "casebook"
    left = [
        f"{kind} {key[:12]} ({how})"
        for (kind, key), (how, data) in damaged.items()
        if not is_whole_entry(raw := raw_entry(folder, kind, key)) or raw == data
    ]
    assert not left, f"seed {SEED}: damaged entries not rebuilt: {left}"


def test_damaged_compiled_templates_are_compiled_again(tmp_path):
    """Jinja's compiled templates kept in ``.cache/casebook/jinja/``, damaged as a crash or a
    hand-edit leaves them (cut short inside the checksum pickle, its protocol byte changed, random
    bytes, empty): the build compiles them again, writes them over and equals a clean build.
    Before, Jinja's unguarded checksum pickle stopped every build ('Aborted!' or a traceback)
    until the folder was deleted."""
    import jinja2.bccache

    rng = random.Random(SEED)
    lib = new_library(tmp_path / "lib", extra_cases=1)
    first = run_build(lib, lib / "site", cached=True)
    assert first.returncode == 0, first.output[-4000:]
    compiled = sorted((lib / ".cache" / "casebook" / "jinja").glob("*.cache"))
    assert len(compiled) > 10, f"the build kept {len(compiled)} compiled templates"
    magic = len(jinja2.bccache.bc_magic)
    damaged = {}
    for i, path in enumerate(compiled):
        raw = path.read_bytes()
        how = ("cut in the checksum", "protocol byte", "garbage", "empty")[i % 4]
        if how == "cut in the checksum":
            data = raw[: magic + 1]
        elif how == "protocol byte":
            data = raw[:magic] + b"\x80\xff" + raw[magic + 2 :]
        elif how == "garbage":
            data = raw[:magic] + rng.randbytes(40)
        else:
            data = b""
        path.write_bytes(data)
        damaged[path] = data
    # Every page rendered again (its frame changed), so every template is loaded, not only those
    # of the pages the cache does not have.
    with (lib / "overrides" / "main.html").open("a", encoding="utf-8") as file:
        file.write("{# every page again #}\n")
    assert_same_as_clean(lib, tmp_path / "site", tmp_path / "clean", "after damaging the compiled templates")
    left = [path.name for path, data in damaged.items() if path.read_bytes() == data]
    assert not left, f"damaged compiled templates not written over: {left}"


def test_compiled_templates_that_cannot_be_kept_are_skipped(tmp_path):
    """A bytecode folder that cannot be written (read-only, full, gone: here gone, which a test
    run as root can make, unlike a read-only one) costs only the keeping: the template renders."""
    from casebook_incremental import BytecodeCache

    folder = tmp_path / "jinja"
    folder.mkdir()
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"t.html": "{{ x }}!"}), bytecode_cache=BytecodeCache(str(folder))
    )
    folder.rmdir()
    assert env.get_template("t.html").render(x="Malmö") == "Malmö!"
    assert not folder.exists()


def test_a_recalled_key_is_given_back_only_for_equal_inputs():
    """:class:`casebook_incremental.Recall` (``mkdocs serve``'s keys from one build to the next)
    gives a key back for inputs equal to those it was made from, and makes it again for any
    change, however small, in any of them (the page's text, its configuration)."""
    from casebook_incremental import Recall

    recall, made = Recall(), []

    def make(*inputs):
        made.append(inputs)
        return digest(*inputs)

    text = "## Background\n\nMalmö's programme.\n"
    first = recall.get("finished", "cases/a.md", ("config-1", text), lambda: make("config-1", text))
    again = recall.get("finished", "cases/a.md", ("config-1", "".join([text])), lambda: make("config-1", text))
    assert first == (digest("config-1", text), False) and again == (first[0], True) and len(made) == 1
    for inputs in (("config-1", text + " "), ("config-2", text + " "), ("config-2", text)):
        value, recalled = recall.get("finished", "cases/a.md", inputs, lambda inputs=inputs: make(*inputs))
        assert (value, recalled) == (digest(*inputs), False)
    assert recall.get("finished", "cases/b.md", ("config-2", text), lambda: make("config-2", text))[1] is False
    assert recall.get("ahead", "cases/a.md", ("config-2", text), lambda: None) == (None, False)
    assert len(made) == 5

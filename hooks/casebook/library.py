"""The whole library: the taxonomy and every case, loaded and checked together."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from . import gazetteer
from .cache import BuildCache, code_digest, digest, file_digest
from .cases import Case, CaseReading, load_case, location_notes, read_case, slugify
from .collation import DEFAULT_LOCALE, Collation
from .contract import Contract, default_contract, load_contract, named_in
from .markdown_reading import MarkdownReading
from .pool import Pool, pool_map
from .problems import Problem, Problems
from .sources_check import check_sources
from .taxonomy import TAXONOMY_PATH, Taxonomy, load_taxonomy

CASES_DIR = "cases"


@dataclass
class Library:
    """Everything loaded from a library folder, and every problem found."""

    root: Path
    taxonomy: Taxonomy
    cases: dict = field(default_factory=dict)
    """Case id → :class:`Case`, sorted by id."""
    problems: list = field(default_factory=list)
    """Every :class:`Problem`, sorted by file and line."""
    notes: list = field(default_factory=list)
    """Things worth knowing that are not errors (a :class:`Problem` each, sorted): places the map
    cannot show (:func:`casebook.cases.location_notes`). ``make check`` prints them, the build logs them."""
    collation: Collation = field(default_factory=Collation)
    """How titles, places and labels sort (the library's locale)."""
    contract: Contract = field(default_factory=default_contract)
    """The library's sections and own fields (:mod:`casebook.contract`)."""
    digest: str = ""
    """A digest of everything the library was loaded from (every case file's bytes, the taxonomy,
    the locale, the Markdown reading, the code, the gazetteer's version): two libraries with one
    digest are the same."""

    def by_title(self) -> list:
        """The cases in title order by the library's collation (then id): the order of every
        listing, the explorer and the exports."""
        return sorted(self.cases.values(), key=self.collation.title_key)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def case_files(root: Path, problems: list[Problem]) -> list[Path]:
    """The ``cases/*.md`` files; anything else in ``cases/`` is reported."""
    folder = root / CASES_DIR
    if not folder.is_dir():
        problems.append(Problem(CASES_DIR, 1, "folder", "the cases/ folder is missing", "create it and add cases"))
        return []
    files = []
    by_id: dict = {}
    with os.scandir(folder) as listing:  # the kind of each entry comes with it: no stat per file
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        rel = f"{CASES_DIR}/{entry.name}"
        name = PurePath(entry.name)
        stem, suffix = name.stem, name.suffix
        if entry.name.startswith("."):
            if suffix == ".md":  # a hidden case would silently not be published
                problems.append(
                    Problem(
                        rel,
                        1,
                        "file name",
                        "hidden files (names starting with '.') are not published",
                        f"rename it to cases/{slugify(stem)}.md, or move it out of cases/",
                    )
                )
            continue
        if entry.is_symlink():
            problems.append(
                Problem(
                    rel, 1, "file", "symbolic links are not allowed in cases/", "put the case file itself in cases/"
                )
            )
            continue
        if entry.is_dir(follow_symlinks=False):
            problems.append(
                Problem(
                    rel, 1, "folder", "folders are not allowed in cases/", "move the case files directly into cases/"
                )
            )
            continue
        if suffix != ".md":
            problems.append(
                Problem(
                    rel,
                    1,
                    "file name",
                    "only Markdown files ending in .md belong in cases/",
                    f"rename it to cases/{slugify(stem)}.md, or move it out of cases/",
                )
            )
            continue
        key = stem.casefold()
        if key in by_id:
            problems.append(
                Problem(
                    rel,
                    1,
                    "file name",
                    f"its id collides with {by_id[key]} (ids are compared ignoring capitals)",
                    "give one of the two cases another file name",
                )
            )
            continue
        by_id[key] = rel
        files.append(folder / entry.name)
    return files


def load_library(
    root: Path,
    locale: str = DEFAULT_LOCALE,
    reading: MarkdownReading | None = None,
    cache: BuildCache | None = None,
    contract: Contract | None = None,
    pool: Pool | None = None,
    store: bool = True,
) -> Library:
    """Load and check the taxonomy and all cases under ``root``; ``locale`` sorts them
    (:class:`casebook.collation.Collation`); ``reading`` is the site's Markdown (by default,
    as ``root/mkdocs.yml`` configures it), which decides what is a heading. ``cache``: each
    file's :func:`casebook.cases.read_case` and case are kept by the digest of its bytes, the
    reading and the code (the ones not found are read in a process pool when that pays,
    :func:`casebook.pool.pool_map`), and the whole library's cases by :attr:`Library.digest`.
    ``contract``: the library's sections and fields (by default read from ``root``'s
    :data:`casebook.contract.CONTRACT_PATH`; a contract with problems stops here, with them,
    before any case is read). ``pool``: the :class:`casebook.pool.Pool` to read in (default:
    one of this call's own). ``store``: keep the whole library in the cache's database (a
    save under ``mkdocs serve`` does not: pickling 10,000 cases took half a second, for an
    entry no later build reads)."""
    root = Path(root)
    problems: list = []
    if contract is None:
        contract, problems = load_contract(root, named_in(root / "mkdocs.yml"))
    reading = reading or MarkdownReading.from_file(root / "mkdocs.yml")
    problems = [*problems, *reading.problems]  # mkdocs.yml's Markdown settings, as MkDocs reads them
    taxonomy, found = load_taxonomy(root)
    library = Library(root=root, taxonomy=taxonomy, collation=Collation(locale), contract=contract)
    if problems:
        library.problems = sorted(problems)
        return library
    problems = list(found)
    paths = case_files(root, problems)
    cache = cache or BuildCache(None)
    contract = contract or default_contract()
    keys = case_keys(root, paths, reading, contract)
    try:
        vocabulary = file_digest(root / TAXONOMY_PATH)
    except OSError:
        vocabulary = None
    library.digest = digest(keys, vocabulary, locale)
    whole = digest(LIBRARY_KIND, library.digest, str(root))
    loaded = cache.get(LIBRARY_KIND, whole)
    if not (isinstance(loaded, tuple) and len(loaded) == 3 and all(isinstance(x, list) for x in loaded)):
        checked = taxonomy if taxonomy.readable else None  # keywords: checked once it can be read
        loaded = _load_cases(root, paths, keys, vocabulary, (checked, reading, contract), cache, pool)
        if store:
            cache.put(LIBRARY_KIND, whole, loaded)
    cases, notes, found = loaded
    library.notes = notes
    library.cases = {case.id: case for case in cases}
    library.problems = sorted([*problems, *found])
    return library


LIBRARY_KIND = "library"
"""The cache's kind for a whole library's cases, notes and problems, by :attr:`Library.digest`
and the folder: a build with no case changed reads one entry, not one per case."""


def _load_cases(
    root: Path,
    paths: list,
    keys: list,
    vocabulary: str | None,
    rules: tuple,
    cache: BuildCache,
    pool: Pool | None,
) -> tuple[list, list, list]:
    """The cases of ``paths`` (sorted by id), the notes on them (sorted) and their problems. Each
    file's case, problems and notes are taken from the cache where its key (:func:`case_keys`)
    and the taxonomy (``vocabulary``: its file's digest) are the same, else read
    (:func:`read_cases`, in ``pool``) and checked. ``rules``: (taxonomy, reading, contract); with
    the taxonomy ``None`` (its file cannot be read) the cases' keywords are not checked."""
    taxonomy, reading, contract = rules
    ids = [digest(CASE_KIND, key, vocabulary, str(root)) if key else None for key in keys]
    loaded = [cache.get(CASE_KIND, i) if i else None for i in ids]
    missing = [n for n, entry in enumerate(loaded) if not (isinstance(entry, tuple) and len(entry) == 3)]
    reads = read_cases(root, [paths[n] for n in missing], [keys[n] for n in missing], reading, cache, contract, pool)
    gazetteer.shared().prepare(_countries(reads))  # one pass over its data for every country used
    for n, read in zip(missing, reads, strict=True):
        case, found = load_case(root, paths[n], taxonomy, reading, read, contract)
        loaded[n] = (case, found, location_notes(case) if case is not None else [])
        if case is not None and ids[n]:  # the case follows from its id's inputs: no digest of it to make
            case.__dict__["digest"] = ids[n]  # Case.digest is a cached_property
        if ids[n]:
            cache.put(CASE_KIND, ids[n], loaded[n])
    cases, notes, problems = {}, [], []
    for case, found, case_notes in loaded:
        problems.extend(found)
        notes.extend(case_notes)
        if case is not None:
            cases[case.id] = case
    cases = {cid: cases[cid] for cid in sorted(cases)}
    # One source, one description, across cases: under serve, checked again only when a
    # case's sources or the lines they are on changed (0.7 s a save at 10,000 cases).
    problems.extend(
        cache.remembered(
            SOURCES_KIND,
            lambda: digest("sources", [case.sources_digest for case in cases.values()]),
            lambda: check_sources(cases),
        )
    )
    return list(cases.values()), sorted(notes), problems


SOURCES_KIND = "sources-check"
"""The serve memory's kind for :func:`casebook.sources_check.check_sources`' problems, by the
cases' :attr:`casebook.cases.Case.sources_digest`; never stored."""

CASE_KIND = "case"
"""The cache's kind for one case file's case, problems and notes, by its key and the taxonomy."""

READ_KIND = "case-read"
"""The cache's kind for :class:`casebook.cases.CaseReading` entries."""


def case_keys(root: Path, paths: list[Path], reading: MarkdownReading, contract: Contract) -> list:
    """Each case file's cache key: the digest of its bytes, its path, the reading, the contract,
    the code and the gazetteer's version (:func:`casebook.gazetteer.version`: the case's places
    come from it); ``None`` for a file that cannot be read (:func:`casebook.cases.read_case`
    reports it)."""
    base = digest(code_digest(), reading, contract.cache_key(), gazetteer.version())
    keys = []
    for path in paths:
        try:
            keys.append(digest(base, path.relative_to(root).as_posix(), path.read_bytes()))
        except OSError:
            keys.append(None)
    return keys


def read_cases(
    root: Path,
    paths: list[Path],
    keys: list,
    reading: MarkdownReading,
    cache: BuildCache,
    contract: Contract,
    pool: Pool | None = None,
) -> list[CaseReading]:
    """:func:`casebook.cases.read_case` of each path, in order: from the cache under its key
    (:func:`case_keys`), else read (in ``pool``, or a pool of its own, when many) and stored."""
    found = [cache.get(READ_KIND, key) if key else None for key in keys]
    missing = [i for i, read in enumerate(found) if not isinstance(read, CaseReading)]
    work = [(root, paths[i], reading, contract) for i in missing]
    made = pool.map(_read_one, work) if pool is not None else pool_map(_read_one, work)
    for i, read in zip(missing, made, strict=True):
        found[i] = read
        if keys[i]:
            cache.put(READ_KIND, keys[i], read)
    return found


def _countries(reads: list) -> set:
    """The country codes the case readings give (the ones well-formed enough to look up)."""
    found = set()
    for read in reads:
        data = read.doc.data if read is not None and read.doc is not None else None
        country = data.get("country") if isinstance(data, dict) else None
        if isinstance(country, str) and len(country) == 2 and country.isascii() and country.isupper():
            found.add(country)
    return found


def _read_one(args: tuple) -> CaseReading:
    return read_case(*args)


__all__ = ["Case", "Library", "Problems", "load_library"]

"""MkDocs wiring for Casebook: thin event handlers around the ``casebook`` package.

Each event does one job:

- ``on_config``: reset the state (``mkdocs serve`` reuses this module), load
  and check the whole library, stop the build listing every problem, and
  plan every generated page (``casebook.pages``) once.
- ``on_pre_build``: under ``mkdocs serve``, move the case pages the last build wrote aside
  while MkDocs empties the site folder (:class:`Written`).
- ``on_files``: add the planned pages and data files as virtual files (``File.generated``);
  nothing is written into the source tree. A case page the cache has finished from the same
  inputs is written into the site at once and handed to MkDocs as a ``FinishedPage``.
- ``on_nav``: note the navigation's pages (their page frame is rendered for each).
- ``on_pre_page``: a case page takes its conversion from the build cache if it is there
  (``casebook_incremental``).
- ``on_page_markdown``: give each planned page its template, title and description.
- ``on_page_content``: stream each case, as soon as its Markdown is converted,
  to the Pagefind indexer, which works on another core while MkDocs goes on (finished
  pages' stored documents go in their turn, so the indexer gets every case in order).
- ``on_env``: a faster attribute lookup for the templates' data (plain dicts);
  ``cb_case_items``: cases' entries in listings, each rendered once, shown on many
  pages; ``cb_once``: the page frame of pages outside the navigation, rendered once
  per folder (overrides/main.html); note the navigation for the cache's page keys.
- ``on_page_context``: hand the page's precomputed data to its template, or its HTML from
  the build cache.
- ``on_post_page``: keep a rendered page in the cache (a case page as finished, too); free
  what was kept for a case page.
- ``on_post_build``: wait for the search index; remove cache entries no build uses any more.
  Under ``mkdocs serve`` both are done on a thread after the build returns, so an edited page
  is served before its search bundle is indexed again; the next build (``on_config``) and the
  end of serve (``on_shutdown``) wait for that thread.
- ``on_build_error``: stop the search indexer.
- ``on_shutdown``: the end of ``mkdocs serve``: wait for the last build's search index.

The cache (``.cache/casebook/``, ``casebook.cache``) makes a build that meets what a previous
one met only do what changed; ``CASEBOOK_CACHE=0`` builds without it.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casebook_incremental import FINISHED, FinishedPage, PageCache, Recall, WarningCount
from casebook_options import CasebookOptions, read_options
from markupsafe import Markup, escape
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file

from casebook import format_report, load_library, vendor
from casebook.cache import BuildCache, Memory, code_changed, digest
from casebook.changelog import read_repository
from casebook.collation import DEFAULT_LOCALE, known_locale
from casebook.contract import Contract, load_contract
from casebook.docs import CONTRIBUTING
from casebook.indexes import git_history
from casebook.library import CASE_KIND, LIBRARY_KIND, SOURCES_KIND
from casebook.markdown_reading import MarkdownReading
from casebook.pages import LISTINGS_KIND, PLAN_KIND, ROW_KIND, Settings, Site, build_site
from casebook.pool import Pool
from casebook.search import SearchIndexer, SearchIndexError, bundle_of, bundle_paths
from casebook.translit import browser_table_js, heading_id

log = logging.getLogger("mkdocs.hooks.casebook")

TRANSLIT_JS = "assets/transliteration.js"
"""The transliteration table for the browser's search key (generated, loaded before casebook.js)."""

HOOK_TEMPLATES = ("case-head", "case-sources", "search-doc", "case-item")
"""The partials (``overrides/partials/cb-<name>.html``) the hooks render themselves."""


@dataclass
class Build:
    """One build's state: made by ``on_config`` for every build (``mkdocs serve`` makes a new one
    for each rebuild), filled in by the events that follow, in MkDocs' order."""

    site: Site
    """The planned pages and files (:func:`casebook.pages.build_site`)."""
    bundles: int
    """How many search bundles the cases are divided into."""
    case_count: int
    search: SearchIndexer | None
    """The indexer; ``None`` once it has finished or been stopped."""
    cache: PageCache
    warnings: WarningCount
    """The warnings and errors logged since ``on_config`` began (finished pages are kept only
    after a build without any: :meth:`casebook_incremental.PageCache.commit_finished`)."""
    pool: Pool
    """The processes that read the cases and convert case pages ahead of the page loop
    (closed by ``on_post_build`` or ``on_build_error``)."""
    templates_env: Any = None
    """The Jinja environment the hooks render their own partials with (``on_files``)."""
    templates: dict = field(default_factory=dict)
    """``HOOK_TEMPLATES`` name → template."""
    env: Any = None
    """MkDocs' Jinja environment for pages (``on_env``)."""
    nav: Any = None
    in_nav: frozenset = frozenset()
    """The source paths of the pages in the navigation."""
    nav_urls: tuple = ()
    lastmod: dict = field(default_factory=dict)
    """Case file path → the date (UTC, ISO 8601) of its last commit, for sitemap-cases.xml;
    a case without one (no git, a shallow clone, not committed yet) has no ``<lastmod>``."""
    items: dict = field(default_factory=dict)
    """Rendered case items, by (case id, way back to the root)."""
    frame: dict = field(default_factory=dict)
    """Rendered parts of the page frame, by (part, folder): see :func:`_render_once`."""
    cases: list = field(default_factory=list)
    """The case pages' source paths, in the order they are built (:func:`_case_order`)."""
    fed: int = 0
    """How many of ``cases`` the search indexer has been given."""
    finished: dict = field(default_factory=dict)
    """Source path → (the cache's entry, the URL) of a case page written from the cache (``on_files``)."""
    finish_keys: dict = field(default_factory=dict)
    """Source path → the key a case page's finished entry is stored under (``on_post_page``)."""
    previous: Written | None = None
    """Under ``mkdocs serve``: the case pages the last build left in the site (:class:`Written`)."""


_build: list = []
"""``[the current Build]``; emptied by ``on_config`` before each build (and on an error)."""


def _now() -> Build:
    return _build[0]


_serving: list = []
"""``[True]`` in a ``mkdocs serve`` process (``on_startup``, once per process)."""


def on_startup(command, dirty):
    _serving[:] = [command == "serve"]


@dataclass
class Written:
    """Under ``mkdocs serve``, which builds again into the same folder after every save: the case
    pages a whole build left there, each as made from its finished key. MkDocs empties the folder
    before each build but leaves names that begin with a dot (``mkdocs.utils.clean_directory``:
    "we never copy files that are hidden"), so the next build moves ``cases/`` aside first
    (``on_pre_build``), back after (``on_files``), and keeps each page whose key and version are
    the same instead of writing it again; everything else in ``cases/`` is removed. The search
    bundles it left whole are moved aside too (to :data:`SEARCH_ASIDE`), and the search indexer
    moves back each one made from the same documents instead of writing it from the cache."""

    site_dir: str
    version: str | None
    """The data set's version the pages show (:meth:`casebook.pages.Site.publish`)."""
    keys: dict
    """Source path → finished key (:meth:`casebook_incremental.PageCache.finished_key`)."""
    bundles: dict = field(default_factory=dict)
    """Bundle path → files key of each search bundle the build left whole (its indexer's
    :attr:`~casebook.search.SearchIndexer.whole`, which grows while the search is finished behind)."""

    def kept_bundles(self, site_dir: Path) -> dict:
        """What :class:`casebook.search.SearchIndexer` takes as ``kept``: bundle path → (files
        key, where ``on_pre_build`` moves it)."""
        return {path: (key, site_dir / SEARCH_ASIDE / path.strip("/")) for path, key in self.bundles.items()}


_written: list[Written] = []
"""The last whole ``mkdocs serve`` build's :class:`Written`; taken by the next build."""

_memory: list[Memory] = []
"""Under ``mkdocs serve``: the cases, their plans, their finished pages' entries (keys and
anchors, not HTML) and their rows in the data files kept decoded from one build to the next
(:class:`casebook.cache.Memory`), so that a rebuild after an edit reads and makes only what changed."""


def _serve_memory() -> Memory | None:
    """The serve session's :class:`~casebook.cache.Memory` (made by its first build); None
    outside ``mkdocs serve``."""
    if not (_serving and _serving[0]):
        return None
    if not _memory:
        _memory.append(Memory([CASE_KIND, LIBRARY_KIND, SOURCES_KIND, PLAN_KIND, FINISHED, ROW_KIND, LISTINGS_KIND]))
    return _memory[0]


_recall: list[Recall] = []
"""Under ``mkdocs serve``: the pages' keys kept from one build to the next (:class:`casebook_incremental.Recall`)."""


def _serve_recall() -> Recall | None:
    """The serve session's :class:`~casebook_incremental.Recall` (made by its first build); None
    outside ``mkdocs serve``."""
    if not (_serving and _serving[0]):
        return None
    if not _recall:
        _recall.append(Recall())
    return _recall[0]


ASIDE = ".casebook-previous-cases"
"""Where ``cases/`` waits, in the site folder, while MkDocs empties the folder (``mkdocs serve``)."""

SEARCH_ASIDE = ".casebook-previous-search"
"""Where the search bundles wait, in the site folder, while MkDocs empties it (``mkdocs serve``)."""


def on_config(config):
    if not config.use_directory_urls:
        raise Abort(
            "Casebook: cases are published at /cases/<id>/, which needs directory URLs: set "
            "use_directory_urls: true in mkdocs.yml, and build without --no-directory-urls."
        )
    _catch_up()  # the previous build of `mkdocs serve` may still be indexing: this one will
    previous = _written.pop() if _written else None  # only a whole build leaves one
    on_build_error(None)  # what a previous build of `mkdocs serve` that failed half-way left running
    _build.clear()
    warnings = WarningCount().install()
    if _serving and _serving[0] and code_changed():
        log.warning(
            "Casebook: the generator's code in hooks/ changed since mkdocs serve started, and this "
            "server goes on with the code it started with. Stop it (Ctrl-C) and start it again "
            "(make serve) to build with the changed code."
        )
    root = Path(config.config_file_path).resolve().parent
    options, contract = _options(config, root)
    _check_source_date()
    reading = MarkdownReading.from_mkdocs(config.markdown_extensions, config.mdx_configs)
    # Heading anchors transliterated ('Økonomi' → 'okonomi'), never emptied, in case pages and
    # in docs/ alike; the browser's search key reads the same table (assets/transliteration.js).
    config.mdx_configs.setdefault("toc", {})["slugify"] = heading_id
    if TRANSLIT_JS not in [str(s) for s in config.extra_javascript]:
        config.extra_javascript.insert(0, TRANSLIT_JS)
    cache = BuildCache.for_library(root, memory=_serve_memory())
    pool = Pool()  # spawned once: it reads the case files, then converts the case pages ahead of the page loop
    try:
        locale, first = _collation_locale(config, options), previous is None  # serve stores only its first build's
        library = load_library(root, locale, reading, cache, contract, pool, store=first)
        _stop_on_problems(library, cache)
        bundles = bundle_paths(len(library.cases), options.search_shard_size)
        config.extra["casebook_search_bundles"] = bundles  # read by cb-search.html
        # The configuration is final here: it is part of every page cache key.
        pages = PageCache(cache, config, _serve_recall())
        order = sorted(library.cases, key=lambda cid: (bundle_of(cid, len(bundles)), cid))  # the page loop's
        pages.convert_cases(pool, config, [(f"cases/{cid}.md", library.cases[cid].body) for cid in order])
        pool.last_work_started()
        site, history = _plan(root, config, options, library, cache, store=first)
    except BaseException:
        pool.close()
        raise
    if previous is not None and previous.site_dir != config.site_dir:
        previous = None
    kept = previous.kept_bundles(Path(config.site_dir)) if previous is not None else None
    serving = bool(_serving and _serving[0])
    search = SearchIndexer(Path(config.site_dir), bundles, cache, kept, defer=serving and previous is not None)
    build = Build(site, len(bundles), len(library.cases), search, pages, warnings, pool)
    build.lastmod = {path: _day(stamp) for path, stamp in history.changed.items()}
    build.previous = previous
    _build.append(build)
    return config


def _stop_on_problems(library, cache: BuildCache) -> None:
    """Log the library's problems and stop the build if there are any; log its notes."""
    if library.problems:
        cache.close()  # the files read are kept for the next try
        for problem in library.problems:
            log.error(str(problem))
        raise Abort(
            "Casebook: "
            + format_report(library.problems).splitlines()[-1]
            + " Fix them and build again ('make check' lists them without building)."
        )
    for note in library.notes:  # places the map cannot show: worth knowing, not errors (a strict build goes on)
        log.info(f"Casebook: note: {note}")


def _plan(root: Path, config, options: CasebookOptions, library, cache: BuildCache, store: bool = True) -> tuple:
    """The planned site (:func:`casebook.pages.build_site`, from the cache when its inputs are
    the same; kept there if ``store``) and the library's git history. ``mkdocs serve`` keeps only
    its first build's plan: after a save, storing the whole plan again (pickling every page's
    context) took a third of a second at 1,000 cases, for a plan that no other build reads."""
    settings = Settings(
        site_name=config.site_name,
        site_url=config.site_url or "",
        repo_url=config.repo_url or "",
        preview=bool(_serving and _serving[0]),
        branch=options.branch,
        publisher=options.publisher,
        license=options.license,
        license_url=options.license_url,
        map_tiles=options.map_tiles or "",
        map_attribution=options.map_attribution or "",
        map_max_zoom=options.map_max_zoom,
    )
    history = git_history(root, epoch=USER_SOURCE_DATE_EPOCH)
    if history.shallow:  # a warning: `mkdocs build --strict` stops here, a plain build goes on without dates
        log.warning(
            "Casebook: this is a shallow clone (git clone --depth), so when each case was added and last "
            "changed is unknown: the home page lists programmes by start year and citations have no year. "
            "Fetch the full history: 'git fetch --unshallow' (GitHub Actions: actions/checkout with "
            "fetch-depth: 0; Netlify, Cloudflare Pages, Render: run it before the build)."
        )
    _set_source_date(history.head)
    repository = read_repository(root, history.shallow)
    guide = root / CONTRIBUTING
    planned = digest(library.digest, settings, history, repository, guide.read_bytes() if guide.is_file() else None)
    site = cache.get("site", planned)
    if site is None:
        site = build_site(library, settings, history, repository, cache)
        if store:
            cache.put("site", planned, site)
    return site, history


USER_SOURCE_DATE_EPOCH = os.environ.get("SOURCE_DATE_EPOCH", "").strip() or None
"""``SOURCE_DATE_EPOCH`` as the process was started with (read when MkDocs loads this hook, once
per process, before any build has set it): the user's, if any (blank: none). A build sets the variable from
the commit (:func:`_set_source_date`), so reading it again later would read a build's own value."""


def _set_source_date(head: int | None) -> None:
    """Have the dates MkDocs writes (sitemap ``lastmod``, gzip headers: ``mkdocs.utils.get_build_date``
    reads only the environment) come from the build's commit (``head``, Unix seconds), not the
    clock, unless the user gave ``SOURCE_DATE_EPOCH``. Set again on every build: under ``mkdocs
    serve`` a commit or a checkout between two saves changes the commit (a value the first build
    set, kept, gave the later builds the old commit's dates)."""
    if USER_SOURCE_DATE_EPOCH is not None:
        return
    if head:
        os.environ["SOURCE_DATE_EPOCH"] = str(head)
    else:  # no git (any more): MkDocs' own dates, as without this hook
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def _check_source_date() -> None:
    """Stop the build, before any case is read, if the user's ``SOURCE_DATE_EPOCH`` is not a number
    of seconds (MkDocs' own reading of it would end the build in a ``ValueError`` traceback)."""
    if USER_SOURCE_DATE_EPOCH is not None and not USER_SOURCE_DATE_EPOCH.isdigit():
        raise Abort(
            f"Casebook: SOURCE_DATE_EPOCH is '{USER_SOURCE_DATE_EPOCH}', not a time: set it to the seconds "
            "since 1970-01-01 UTC (git log -1 --format=%ct gives the last commit's), or unset it."
        )


def _day(stamp: float) -> str:
    """A commit time (seconds since the epoch) as its date in UTC, ``YYYY-MM-DD``."""
    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).date().isoformat()


def _options(config, root: Path) -> tuple[CasebookOptions, Contract]:
    """``extra.casebook`` checked (:mod:`casebook_options`), and the library's contract it names
    (:func:`casebook.contract.load_contract`); every problem in either stops the build here, all
    of them listed, before any case is read."""
    extra = (config.extra or {}).get("casebook")
    options, problems = read_options(extra, Path(config.config_file_path))
    named = extra.get("contract") if isinstance(extra, dict) else None  # read even when another option is wrong
    contract, found = load_contract(root, named.strip() if isinstance(named, str) and named.strip() else None)
    problems = sorted([*problems, *found])
    if problems:
        for problem in problems:
            log.error(str(problem))
        raise Abort(f"Casebook: {format_report(problems).splitlines()[-1]} Fix them and build again.")
    return options, contract


def _collation_locale(config, options: CasebookOptions) -> str:
    """The locale titles, places and labels sort in: ``extra.casebook.collation``, else the
    site's language (``theme.language``), else English; a site language ICU does not know
    stops the build, saying so."""
    locale = options.collation or str(config.theme.get("language") or DEFAULT_LOCALE)
    if not known_locale(locale):
        raise Abort(
            f"Casebook: mkdocs.yml: theme.language: ICU has no collation for '{locale}'; set "
            "extra.casebook.collation to a language code such as sv, da, nb or en."
        )
    return locale


def on_pre_build(config):
    build = _now()
    site = Path(config.site_dir)
    shutil.rmtree(site / ASIDE, ignore_errors=True)  # left by a build that failed half-way
    shutil.rmtree(site / SEARCH_ASIDE, ignore_errors=True)
    if build.previous is None:
        return
    if (site / "cases").is_dir():
        os.rename(site / "cases", site / ASIDE)  # MkDocs empties the folder next, but for this
    for path, (_, aside) in build.previous.kept_bundles(site).items():
        if (site / path).is_dir():
            aside.parent.mkdir(exist_ok=True)
            os.rename(site / path, aside)


def on_files(files, config):
    build = _now()
    site = build.site
    # Case pages first, by search bundle: each bundle is indexed (or taken from the cache)
    # while the next one's pages are converted, and written while the other pages render.
    pages = sorted((s for s in site.pages.values() if s.generated), key=_case_order)
    generated = [(s.src_uri, s.content) for s in pages] + list(site.files.items())
    generated.append((TRANSLIT_JS, browser_table_js()))
    taken = {file.dest_uri: file.src_uri for file in files}  # what docs/ publishes, by address
    for src_uri, content in generated:
        if src_uri in files.src_uris:  # generated paths are POSIX already: no PurePath per file
            raise Abort(f"Casebook: docs/{src_uri} would hide a generated file; remove it from docs/.")
        made = File.generated(config, src_uri, content=content)
        if made.dest_uri in taken:  # which of the two MkDocs writes last is not to be left to chance
            raise Abort(
                f"Casebook: docs/{taken[made.dest_uri]} would be published at /{made.url}, the address of the "
                f"generated page {src_uri}; rename it or remove it from docs/."
            )
        files.append(made)
    try:  # Leaflet, from its pinned package (casebook/vendor.py)
        served = vendor.files()
    except (ImportError, OSError) as error:
        fix = "run: make build (or pip install -r requirements.txt)"
        raise Abort(f"Casebook: the map's library is not installed ({error}); {fix}") from None
    for src_uri, source in served:
        files.append(File.generated(config, src_uri, abs_src_path=str(source)))
    files.append(File.generated(config, vendor.FOLDER + vendor.NOTICE, content=vendor.notice()))
    build.cache.start(files)
    env = build.templates_env = build.cache.compiled(config.theme.get_env())
    _fast_getattr(env)
    build.templates = {name: env.get_template(f"partials/cb-{name}.html") for name in HOOK_TEMPLATES}
    build.cache.also_uses(env, [f"partials/cb-{name}.html" for name in HOOK_TEMPLATES])
    build.cases = [s.src_uri for s in pages if s.template == "case.html"]
    site_dir = Path(config.site_dir)
    moved = (site_dir / ASIDE).is_dir()
    if moved:
        os.rename(site_dir / ASIDE, site_dir / "cases")
    _finish_unchanged(build, files, config, env)
    if moved:
        _prune_cases(site_dir / "cases", build)
    return files


def _prune_cases(folder: Path, build: Build) -> None:
    """Remove from ``folder`` (the site's ``cases/`` as the last build left it) everything but
    the case pages finished now (kept, or written again: ``cases/<id>/index.html``). MkDocs
    writes the rest as into an empty folder."""
    keep = {_case_id_of(src) for src in build.finished}
    for entry in os.scandir(folder):
        if entry.name in keep and entry.is_dir(follow_symlinks=False):
            inside = [e for e in os.scandir(entry.path) if e.name != "index.html"]
        else:
            inside = [entry]
        for item in inside:
            if item.is_dir(follow_symlinks=False):
                shutil.rmtree(item.path)
            else:
                os.unlink(item.path)


def _finish_unchanged(build: Build, files, config, env) -> None:
    """Write every case page a previous build made from the same inputs
    (:meth:`casebook_incremental.PageCache.finished_key`) from the cache now, and hand it to
    MkDocs as a :class:`casebook_incremental.FinishedPage`, which MkDocs copies instead of
    reading, converting and rendering. Its search document is given to the indexer by digest
    (:func:`_feed_finished`). Pages in the navigation (their neighbours show on them), and all
    pages when :func:`_may_finish` says no or the navigation is not listed in mkdocs.yml, go
    through MkDocs as usual."""
    nav = _nav_sources(config, files, build.site) if _may_finish(config, build) else None
    if nav is None:
        return
    sources, listed = nav
    found = {}
    for src_uri in build.cases:
        if src_uri not in listed:
            spec = build.site.pages[src_uri]
            key = build.cache.finished_key(spec, env, sources, build.lastmod.get(src_uri))
            build.finish_keys[src_uri] = key
            entry = build.cache.finished(key)
            if entry is not None:
                found[src_uri] = entry
    # A bundle with a page to convert, or whose files the cache no longer has, is indexed again:
    # its other documents are read now, and a page whose document the cache no longer has whole
    # is converted too.
    changing = {_bundle(build, src) for src in build.cases if src not in found}
    changing |= _unstored_bundles(build, files, found, changing)
    for src_uri, entry in found.items():
        if _bundle(build, src_uri) in changing:
            entry["text"] = build.cache.stored_document(entry)
    kept = _kept(build)
    for src_uri, entry in found.items():
        if entry.get("text", "") is None:
            continue  # its search document is gone: converted again
        if kept.get(src_uri) == build.finish_keys[src_uri]:
            build.cache.keep_finished(entry)
            _finish(build, files, config, src_uri, entry, None)
        elif (html := build.cache.finished_html(entry)) is not None:
            _finish(build, files, config, src_uri, entry, html)


def _kept(build: Build) -> dict:
    """Source path → finished key of the case pages the last ``mkdocs serve`` build left in the
    site as this build would write them (the same version shown); empty otherwise."""
    previous = build.previous
    return previous.keys if previous is not None and previous.version == build.site.version else {}


def _may_finish(config, build: Build) -> bool:
    """Whether case pages may be finished at all: with the cache on, no plugin or hook besides
    this one (their page events would not run for a finished page), no Markdown extension that
    inserts other files (``PageCache.includes``), and pages left out of the navigation not
    reported (``validation.nav.omitted_files: ignore``: MkDocs reports a page when it reads it)."""
    others = [name for name in config.plugins if Path(name).name != Path(__file__).name]
    omitted = config.validation.nav.omitted_files
    return build.cache.cache.enabled and not others and not build.cache.includes and omitted <= logging.DEBUG


def _unstored_bundles(build: Build, files, found: dict, changing: set) -> set:
    """The search bundles, besides ``changing``, whose pages are all finished (``found``: source
    path → entry) but whose files the cache no longer holds whole: they are indexed from the
    finished pages' stored documents, which must then be read."""
    documents: dict = {}
    for src_uri, entry in found.items():
        number = _bundle(build, src_uri)
        if number not in changing:
            documents.setdefault(number, []).append(("/" + files.src_uris[src_uri].url, entry["digest"]))
    return {number for number, pairs in documents.items() if not build.search.has_stored(pairs)}


def _bundle(build: Build, src_uri: str) -> int:
    """The search bundle of a case page (:func:`casebook.search.bundle_of`)."""
    return bundle_of(_case_id_of(src_uri), build.bundles)


def _finish(build: Build, files, config, src_uri: str, entry: dict, html: str | None) -> None:
    """Write a finished case page (``html``; None: it is in the site already, see :class:`Written`)
    and put a :class:`casebook_incremental.FinishedPage` for it in ``files``, with a
    :class:`mkdocs.structure.pages.Page` for links to it (its anchors) and sitemap-cases.xml."""
    file = files.src_uris[src_uri]
    if html is not None:
        write_file(build.site.publish(html).encode("utf-8", errors="xmlcharrefreplace"), file.abs_dest_path)
    files.remove(file)
    done = FinishedPage(file)
    files.append(done)
    page = Page(None, done, config)
    page.meta = _page_meta(build.site.pages[src_uri], build)
    page.present_anchor_ids = set(entry["anchors"])
    build.finished[src_uri] = (entry, "/" + done.url)


def _nav_sources(config, files, site: Site) -> tuple[str, frozenset] | None:
    """The digest of what the navigation is made from besides the configuration and the list of
    files (the titles of the pages it lists: a hand-written page's source, a planned page's
    title), and those pages' paths; None when mkdocs.yml lists no navigation (MkDocs then
    lists every page in it)."""
    if not config.nav:
        return None
    listed, todo = set(), [config.nav]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
        elif isinstance(item, str):
            listed.add(item)
    parts = []
    for path in sorted(listed):
        file = files.get_file_from_path(path)
        spec = site.pages.get(path)
        source = file.content_bytes if file is not None and file.is_documentation_page() else None
        parts.append((path, source, None if spec is None else spec.title))
    return digest(parts), frozenset(listed)


def _feed_finished(build: Build, until: str | None) -> None:
    """Give the indexer the finished case pages' documents that come before case ``until`` in
    :attr:`Build.cases` (all the rest: None), so that it gets every document in order."""
    cases, cache = build.cases, build.cache
    while build.fed < len(cases) and cases[build.fed] != until:
        found = build.finished.get(cases[build.fed])
        if found is not None:
            entry, url = found
            cid = cases[build.fed].removeprefix("cases/").removesuffix(".md")
            text = entry.get("text")
            load = (lambda text=text: text) if text else (lambda entry=entry: cache.stored_document(entry))
            build.search.add_stored(entry["digest"], url, cid, load)
        build.fed += 1


def _case_order(spec) -> tuple:
    """Case pages first, by search bundle (:func:`casebook.search.bundle_of`) then id; then the rest."""
    if spec.template != "case.html":
        return (1, 0, "")
    cid = spec.src_uri.removeprefix("cases/").removesuffix(".md")
    return (0, bundle_of(cid, _now().bundles), cid)


def on_page_markdown(markdown, page, config, files):
    spec = _now().site.pages.get(page.file.src_uri)
    if spec is not None:
        page.meta.update(_page_meta(spec, _now()))
    return markdown


def _page_meta(spec, build: Build) -> dict:
    """What a planned page's ``page.meta`` gets: Material's own templates print the title and
    description without escaping, so they get escaped text (Markup is not escaped twice); a
    case page its own last change, never the build's date (sitemap-cases.xml)."""
    meta = {"template": spec.template, "title": escape(spec.title), "hide": list(spec.hide)}
    if spec.description:
        meta["description"] = escape(spec.description)
    if spec.template == "case.html":
        meta["casebook_lastmod"] = build.lastmod.get(spec.src_uri)
    return meta


def on_page_context(context, page, config, nav):
    spec = _now().site.pages.get(page.file.src_uri)
    if spec is not None:
        # Links in our templates are root-relative paths prefixed with the way back to the
        # root: the same as MkDocs' `url` filter for directory URLs, without its per-link cost.
        context["root"] = "../" * page.url.count("/")
        context.update(spec.context)
        context["crumbs"] = spec.crumbs
    _now().cache.render_from_cache(page, context, _now().env, spec)
    return context


def on_pre_page(page, config, files):
    spec = _now().site.pages.get(page.file.src_uri)
    if spec is not None and spec.template == "case.html":
        _now().cache.convert_from_cache(page)
    return page


def _case_parts(page) -> tuple[str, str] | None:
    """A case page's head and sources, rendered once for its search document and the page."""
    spec = _now().site.pages.get(page.file.src_uri)
    if spec is None or spec.template != "case.html":
        return None
    templates = _now().templates
    context = {**spec.context, "root": "../" * page.url.count("/")}
    return templates["case-head"].render(context), templates["case-sources"].render(context)


SEARCH_DOCUMENT = ("partials/cb-search-doc.html", "partials/cb-case-head.html", "partials/cb-case-sources.html")


def on_page_content(html, page, config, files):
    spec = _now().site.pages.get(page.file.src_uri)
    if spec is not None and spec.template == "case.html":
        # Indexed now, while MkDocs converts the other cases, rather than after rendering:
        # Pagefind then writes the index while the pages render, not after them.
        def make() -> str:
            head, sources = (Markup(part) for part in _case_parts(page))
            spec.context.update(case_head=head, case_sources=sources)  # and for the page (case.html)
            terms = spec.context.get("search_terms")
            return build.templates["search-doc"].render(head=head, sources=sources, content=html, terms=terms)

        build = _now()
        document = build.site.publish(build.cache.document(page, spec, build.templates_env, SEARCH_DOCUMENT, make))
        _feed_finished(build, page.file.src_uri)
        build.search.add(document, "/" + page.url, _case_id(page))
        build.fed += 1
        if build.search.count == build.case_count:  # the last case: its bundle is written while pages render
            build.search.flush()
    return html


def _case_id_of(src_uri: str) -> str:
    """The case id of a case page's source path (``cases/<id>.md``)."""
    return src_uri.removeprefix("cases/").removesuffix(".md")


def _case_id(page) -> str:
    """A case page's case id (``cases/<id>.md``)."""
    return _case_id_of(page.file.src_uri)


@event_priority(100)  # first: the cache keeps a page as rendered, before any other plugin changes it
def on_post_page(output, page, config):
    build = _now()
    build.cache.store(page, output)  # as rendered: with the version's stand-in (Site.publish)
    build.cache.remember(page, build.finish_keys.get(page.file.src_uri))
    output = build.site.publish(output)
    spec = _now().site.pages.get(page.file.src_uri)
    if spec is not None and spec.template == "case.html":
        spec.context.pop("case_head", None)  # written: free the memory
        spec.context.pop("case_sources", None)
    return output


_DICT_ATTRIBUTES = frozenset(dir(dict))


def _fast_getattr(env):
    """Make ``{{ item.title }}`` on a plain dict look up the key first.

    Jinja tries the attribute first and the key after the AttributeError; for
    a dict that is the same answer (a dict's only attributes are its methods,
    which keep their precedence here), without raising an exception for every
    value our templates print (hundreds per page).
    """
    if getattr(env, "_casebook_getattr", False):
        return
    slow = env.getattr

    def getattr_(obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return slow(obj, attribute)

    env.getattr = getattr_
    env._casebook_getattr = True


def on_env(env, config, files):
    build = _now()
    _feed_finished(build, None)  # the finished pages after the last converted one
    if build.search.count == build.case_count:
        build.search.flush()
    build.cache.compiled(env)
    _fast_getattr(env)
    build.env = env
    build.cache.navigation(build.nav)
    env.globals["cb_case_pages"] = [files.src_uris[src].page for src in build.cases]  # sitemap-cases.xml
    item = env.get_template("partials/cb-case-item.html").module.case_item  # in HOOK_TEMPLATES
    rendered = build.items

    def case_items(views, root):
        """Cases in a listing; each rendered once per build for every page at the same depth."""
        out = []
        for view in views:
            key = (view["id"], root)
            html = rendered.get(key)
            if html is None:
                html = rendered[key] = item(view, root)  # autoescaped by the macro itself
            out.append(html)
        return Markup("".join(out))

    env.globals["cb_case_items"] = case_items
    env.globals["cb_once"] = _render_once
    return env


def on_nav(nav, config, files):
    build = _now()
    build.in_nav = frozenset(page.file.src_uri for page in nav.pages)
    build.nav_urls = tuple(page.url for page in nav.pages)
    build.nav = nav
    return nav


def _render_once(part, page, render):
    """A part of Material's page frame (overrides/main.html), rendered once per build for all
    pages outside the navigation in the same folder (``cases/``, ``keywords/``): for them it is
    the same (no tab or entry is active; MkDocs makes links relative to the page, and pages in
    one folder share every way out of it), and rendering it is much of a page's cost. Pages in
    the navigation render it every time. Checked by comparing built sites with and without it."""
    file = getattr(page, "file", None)  # None on the 404 page
    build = _now()
    if file is None or file.src_uri in build.in_nav:
        return render()
    if any(url.startswith(page.url) for url in build.nav_urls):
        return render()  # a navigation page below this one: its link differs from the neighbours'
    key = (part, page.url.rstrip("/").rpartition("/")[0])  # the folder: links are relative to it
    rendered = build.frame
    html = rendered.get(key)
    if html is None:
        html = rendered[key] = render()
    return html


def on_build_error(error):
    if not _build:
        return
    build = _build.pop()
    build.warnings.remove()
    build.pool.close()
    if build.search is not None:  # stop the indexer's processes and collect them
        build.search.close()
        build.search = None
    build.cache.cache.close()  # keep what was made (committed), without sweeping: the build was not whole


def on_post_build(config):
    build = _now()
    search, build.search = build.search, None
    build.pool.close()  # every page is converted by now
    if not (_serving and _serving[0]):
        try:
            search.finish()
        except SearchIndexError as exc:
            raise Abort(f"Casebook: the search index could not be built: {exc}") from None
        _close_build(build)
        _close_cache(build)
        return
    # `mkdocs serve` answers no request while a build runs: the pages are served as soon as
    # this returns, and the search index (after an edit, a bundle of up to 1,000 cases indexed
    # again: seconds) follows on a thread. A save before it is done stops it (the next build
    # indexes whatever it had not written); the end of serve stops it.
    _close_build(build)
    shutil.rmtree(Path(config.site_dir) / SEARCH_ASIDE, ignore_errors=True)  # bundles not taken back
    _written[:] = [Written(config.site_dir, build.site.version, dict(build.finish_keys), search.whole)]
    build.cache.cache.forget_unused()
    behind = _Behind(build, search)
    behind.thread.start()
    _behind.append(behind)
    _build.clear()  # the server holds only what the next build takes (the memory); the thread, this build till it ends


class _Behind:
    """Under ``mkdocs serve``: a thread finishing a build's search index after the build has
    returned, and closing its cache (see :func:`on_post_build`)."""

    def __init__(self, build: Build, search: SearchIndexer) -> None:
        self.build, self.search = build, search
        self.stopped = False
        self.thread = threading.Thread(target=self._finish, name="casebook-search-behind")

    def _finish(self) -> None:
        try:
            self.search.finish()
        except Exception as exc:  # on a thread after the build: told, never a traceback
            self.build.cache.cache.close()  # keep what was made, without sweeping
            if self.stopped or self.search.interrupted():  # the next build indexes it; Ctrl-C: serve ends
                log.debug(f"Casebook: the search index was left unfinished ({exc})")
            else:
                log.error(f"Casebook: the search index could not be built: {exc}; save a file to build again")
        else:
            _close_cache(self.build, stop=lambda: self.stopped)  # a save meanwhile must not wait for the sweep
        finally:
            self.build = None  # its planned site and rendered parts: at 10,000 cases, hundreds of MB till the next save

    def stop(self) -> None:
        """Stop indexing (the services are killed; what they wrote is left) and wait for the thread."""
        self.stopped = True
        self.search.close(at_once=True)
        self.thread.join()


_behind: list[_Behind] = []
"""The last ``mkdocs serve`` build's :class:`_Behind`, until a build begins or serve ends."""


def _catch_up() -> None:
    """Before a build begins, or when serve ends (before MkDocs removes its temporary site):
    stop what the previous build left behind, and wait for its thread to end."""
    while _behind:
        _behind.pop().stop()


def on_shutdown():
    # Serve ends on Ctrl-C, and MkDocs then removes its temporary site: the indexing left
    # behind is stopped, not waited for (after a save it may not have started Pagefind yet,
    # which the Ctrl-C would have stopped too).
    _catch_up()
    # A build that Ctrl-C stopped half-way (MkDocs tells on_build_error of exceptions only): end
    # its worker processes and search services now, not when the interpreter exits.
    on_build_error(None)


def _close_build(build: Build) -> None:
    """Stop counting warnings; keep the finished pages unless the build warned."""
    build.warnings.remove()
    build.cache.commit_finished(warned=build.warnings.count > 0)


def _close_cache(build: Build, stop=None) -> None:
    """After a whole build: sweep (until ``stop()``, under ``mkdocs serve``) and close the cache."""
    cache = build.cache
    cache.sweep(stop=stop)
    n = cache.cache
    log.debug(
        f"Casebook: {cache.rendered} pages rendered; cache {n.hits} hits, {n.misses} misses {n.missed}; "
        f"{len(build.finished)} case pages written as they were"
    )

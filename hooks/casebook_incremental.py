"""The build cache in MkDocs' build (wiring used by casebook_hooks): nothing a previous build
made from the same inputs is made again.

Three products per page are kept in :class:`casebook.cache.BuildCache`:

- **conversion** (case pages): what ``Page.render`` sets (the HTML, the table of contents,
  the anchors the page has and the anchors it links to) and what it logged, keyed by the
  Markdown, the page's path, the Markdown extensions' configuration, the code and tool
  versions, and, when the text can hold a link, the site's list of files (a link's target
  may come or go). A hit sets the same attributes and logs the same messages again, so
  ``--strict`` and MkDocs' anchor check see what a conversion would have given them. The
  conversions the cache lacks are made ahead of the page loop, in the pool that read the
  cases (:func:`convert_alone`, :meth:`PageCache.convert_cases`).
- **search-document** (case pages): what search indexes of a case, keyed by its conversion,
  its data and the templates that make it.
- **page** (every Markdown page): the written HTML, keyed by the full template context: the
  configuration, the navigation, the page's own fields and content, the data our templates
  get (``PageSpec.context``), and the sources of the templates it is rendered with (their
  closure through ``extends``/``include``/``import``, so an edited partial re-renders only the
  pages that use it). A hit is rendered by ``overrides/main.html`` as the stored HTML alone.

- **finished-page** (case pages): the keys of the three products above for a case page, under
  the digest of everything they follow from that is known before MkDocs reads a page (the
  case's Markdown, its planned data, the configuration, the navigation's sources, the
  templates, the site's list of files when the text can link): the next build with the same
  inputs writes the stored page at once and hands it to MkDocs as a :class:`FinishedPage`,
  which MkDocs copies like an image instead of reading, converting and rendering it (about
  3 ms a page, which made a build with nothing changed cost a third of a cold one).

Everything else (the static templates, the sitemaps, data files) is made every build: they are
cheap, or are data files made once per build in ``casebook.pages``.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import pickle
import re
import time
from collections.abc import Callable
from pathlib import Path

import jinja2
import jinja2.meta
from jinja2 import nodes
from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.utils.meta import get_data

from casebook.cache import BuildCache, Digest, code_digest, data_digest, digest, folder_digest, plain
from casebook.pages import VERSION_TOKEN
from casebook.search import document_digest

log = logging.getLogger("mkdocs.hooks.casebook")

CACHED = "cb_cached"
"""The context variable that carries a page's stored HTML (read by overrides/main.html)."""

CONVERSION, PAGE, TEMPLATE, DOCUMENT = "conversion", "page", "template", "search-document"
FINISHED = "finished-page"

_BRACKETS = re.compile(r"\]\s*[(\[:]")


@functools.lru_cache(maxsize=1 << 15)
def _may_link(markdown: str) -> bool:
    """Whether Markdown may hold a link or an image whose target is a file of the site: inline
    and reference links, raw HTML (any ``<``, ``href``, ``src``). Text without any of these
    converts the same whatever files exist. (Plain substring tests: a regular expression over
    the whole text cost 0.2 ms a case. Remembered: a build asks three times per case, and
    ``mkdocs serve`` again after every save, with the same text, whose hash Python keeps.)"""
    if "<" in markdown or ("]" in markdown and _BRACKETS.search(markdown)):
        return True
    lowered = markdown.lower()
    return "href" in lowered or "src" in lowered


class _Capture(logging.Handler):
    """Everything logged while it is installed (on the root logger), kept to be logged again."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


class Recall:
    """Under ``mkdocs serve``: keys a build worked out for each page from its text and other
    inputs, kept for the server's next build, which takes a key back when its inputs are equal
    (``==``) to those it was made from. The inputs are plain text, so an equal set gives the
    same key (:func:`casebook.cache.digest` of them); comparing a page's unchanged text costs
    a ``memcmp``, digesting it UTF-8 encoding and SHA-256: at 10,000 cases a save spent 1.3 s
    digesting texts no one had changed. One entry per (name, page)."""

    def __init__(self) -> None:
        self._held: dict = {}

    def get(self, name: str, src_uri: str, inputs: tuple, make: Callable[[], str | None]) -> tuple[str | None, bool]:
        """``(value, recalled)``: the value made from ``inputs`` for page ``src_uri`` by the last
        build that asked (``recalled``), else ``make()``, kept for the next."""
        held = self._held.get((name, src_uri))
        if held is not None and held[0] == inputs:
            return held[1], True
        value = make()
        self._held[(name, src_uri)] = (inputs, value)
        return value, False


class WarningCount(logging.Handler):
    """Counts the warnings and errors MkDocs logs (``mkdocs`` and its children, as ``--strict``
    counts them) while it is installed: :meth:`install` in ``on_config``, :meth:`remove` when
    the build ends."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def install(self) -> WarningCount:
        """Count from now on, instead of any count a build that stopped half-way left installed."""
        logger = logging.getLogger("mkdocs")
        for handler in [h for h in logger.handlers if isinstance(h, WarningCount)]:
            logger.removeHandler(handler)
        logger.addHandler(self)
        return self

    def remove(self) -> None:
        logging.getLogger("mkdocs").removeHandler(self)


def _checked_alone(src_uri: str, stored: dict) -> bool:
    """Whether MkDocs' check of a page's links to anchors (made after every conversion) finds
    nothing whatever the other pages hold: it links to no anchor but its own, and has each."""
    links = stored["links"] or {}
    return set(links) <= {src_uri} and set(links.get(src_uri, ())) <= stored["anchors"]


def _toc_data(items) -> list:
    return [(i.title, i.id, i.level, _toc_data(i.children)) for i in items]


def _toc(data) -> list:
    links = []
    for title, anchor, level, children in data:
        link = AnchorLink(title, anchor, level)
        link.children = _toc(children)
        links.append(link)
    return links


class FinishedPage(File):
    """A case page a previous build made from the same inputs, already written into the site
    by the hooks (``on_files``). To MkDocs it is a file like an image: it is neither read,
    converted nor rendered (``is_documentation_page`` is False), and copying it does nothing.
    Links to it resolve as to any file, and its :class:`mkdocs.structure.pages.Page` (made by
    the hooks) has the page's anchors, so MkDocs checks links to them as in a full build."""

    def __init__(self, file: File) -> None:
        super().__init__(
            file.src_uri, None, file.dest_dir, file.use_directory_urls, dest_uri=file.dest_uri, inclusion=file.inclusion
        )
        self.generated_by = file.generated_by

    def is_documentation_page(self) -> bool:
        return False

    def is_modified(self) -> bool:
        return True

    def copy_file(self, dirty: bool = False) -> None:
        """Nothing: the page was written when it was found in the cache."""


def _conversion_setup(config) -> tuple | None:
    """What :func:`convert_alone` converts with, from the build's final configuration, or None
    when it cannot be sent to another process (a plugin's option made at run time, a lambda)."""
    setup = (list(config.markdown_extensions), dict(config.mdx_configs), config.docs_dir, config.site_dir)
    try:
        pickle.dumps(setup)
    except Exception:  # any object pickle refuses: those pages are converted in the build
        return None
    return setup


AHEAD_CHUNK = 25
"""Case pages converted ahead per task: the page loop waits for the chunk of its first page
only, and results come back in the loop's order."""

_ALONE: dict = {}
"""Pickled setup → the configuration :func:`convert_alone` converts with (one per process)."""


def convert_alone(setup: tuple, page_source: tuple) -> tuple[str, str, dict] | None:
    """MkDocs' conversion of a case page, made ahead of the build's page loop (in a pool's
    process): ``(src_uri, Markdown, stored conversion)`` as :meth:`PageCache.convert_cases`
    keeps it, or None when the page is better converted in the loop (converting it logs
    anything or fails: the loop logs or reports it).

    ``setup``: :func:`_conversion_setup`; ``page_source``: (src_uri, the page's content with
    no link to a file of the site, :func:`_may_link`). The conversion is ``Page.render``
    itself, with only the page among the files: such text converts the same whatever files exist."""
    src_uri, content = page_source
    markdown, meta = get_data(content)
    capture = _Capture()
    level = logging.root.level
    logging.root.setLevel(min(level, logging.INFO))  # what the build's log shows is caught here too
    logging.root.addHandler(capture)
    try:
        config = _alone_config(setup)
        file = File(src_uri, None, config.site_dir, config.use_directory_urls)
        page = Page(None, file, config)
        page.markdown, page.meta = markdown, meta
        page.render(config, Files([file]))
    except Exception:  # the build converts it again and reports what is wrong
        return None
    finally:
        logging.root.removeHandler(capture)
        logging.root.setLevel(level)
    return None if capture.records else (src_uri, markdown, PageCache._snapshot(page, []))


def _alone_config(setup: tuple):
    key = pickle.dumps(setup)
    if key not in _ALONE:
        extensions, options, docs_dir, site_dir = setup
        config = MkDocsConfig()
        # MkDocs' own theme (named, or a fork may warn): the conversion uses no theme.
        fields = {"site_name": "-", "theme": {"name": "mkdocs"}, "plugins": [], "docs_dir": docs_dir}
        config.load_dict({**fields, "site_dir": site_dir})
        config.validate()
        config["markdown_extensions"], config["mdx_configs"] = list(extensions), dict(options)
        _ALONE[key] = config
    return _ALONE[key]


class PageCache:
    """The build cache for one build's pages. Make it in ``on_config`` (after the configuration
    is final), call :meth:`start` in ``on_files``, :meth:`convert_from_cache` in ``on_pre_page``,
    :meth:`navigation` in ``on_env``, :meth:`render_from_cache` in ``on_page_context``,
    :meth:`store` in ``on_post_page`` and :meth:`sweep` in ``on_post_build``."""

    def __init__(self, cache: BuildCache, config, recall: Recall | None = None) -> None:
        self.cache = cache
        self._recall = recall
        """Under ``mkdocs serve``, the server's :class:`Recall`."""
        self._config = config_digest(config)
        self._files = ""
        self._nav = ""
        self._called = ""
        self._templates: dict = {}
        self._known: dict = {}
        self._conversions: dict = {}
        """src_uri → the conversion key of the page (the page key uses it for the content)."""
        self._pending: dict = {}
        """src_uri → the page key of a page rendered in full (stored once written)."""
        self._page_keys: dict = {}
        """src_uri → the page key (rendered or taken from the cache)."""
        self._clean: dict = {}
        """src_uri → whether converting the page logged nothing and it links to no other page's anchor."""
        self._documents: dict = {}
        """src_uri → (the search document's key, its digest; None if it shows the version)."""
        self.rendered = 0
        self.includes = sorted(set(config.markdown_extensions) & set(INCLUDING))
        """The configured Markdown extensions that read other files (:data:`INCLUDING`): a
        conversion then follows from more than the page's text, so none is kept."""
        self._ahead: dict = {}
        """src_uri → the index of its conversion in ``_made_ahead`` (:meth:`convert_cases`)."""
        self._made_ahead = None
        self._finished: list = []
        """(key, entry) of the case pages written this build, stored by :meth:`commit_finished`."""

    def start(self, files) -> None:
        """Note the site's files: a link's target exists or not (``on_files``)."""
        self._files = digest([(f.src_uri, f.url) for f in files])

    # Conversion ------------------------------------------------------------------

    def conversion_key(self, src_uri: str, markdown: str) -> str:
        """The key of a page's conversion: its configuration, path and Markdown, and the site's
        files when the text may link (:func:`_may_link`)."""
        return digest(self._config, src_uri, markdown, self._files if _may_link(markdown) else "")

    def convert_cases(self, pool, config, sources: list[tuple[str, str]]) -> None:
        """Start converting the case pages whose conversion the cache lacks, in ``pool`` (a
        :class:`casebook.pool.Pool`), while the build goes on: the page loop takes each one
        when it reaches its page (:meth:`convert_from_cache`), and stores it. ``sources``:
        (src_uri, the page's Markdown content), in the order the loop will reach them. Pages
        whose text may link to a file of the site (:func:`_may_link`) are left to the loop
        (the files are not known yet). Call it once the configuration is final."""
        setup = _conversion_setup(config) if self.cache.enabled and not self.includes else None
        if setup is None:
            return
        todo = []
        for src_uri, content in sources:
            key, recalled = self._recalled("ahead", src_uri, (self._config, content), self._ahead_key)
            # A page the server's last build asked about with the same text was converted then
            # or found in the cache: a conversion gone since (swept) is made in the page loop.
            if key is not None and not recalled and not self.cache.has(CONVERSION, key):
                todo.append((src_uri, content))
        self._ahead = {src_uri: i for i, (src_uri, _) in enumerate(todo)}
        self._made_ahead = pool.start(functools.partial(convert_alone, setup), todo, chunk=AHEAD_CHUNK)

    def _ahead_key(self, src_uri: str, content: str) -> str | None:
        """:meth:`conversion_key` of a case page's ``content`` before the site's files are known:
        None when its text may link (:func:`_may_link`), which the page loop converts."""
        markdown = get_data(content)[0]
        return None if _may_link(markdown) else digest(self._config, src_uri, markdown, "")

    def _recalled(self, name: str, src_uri: str, inputs: tuple, make: Callable) -> tuple:
        """``make(src_uri, *inputs[1:])`` or, under ``mkdocs serve``, the :class:`Recall` of it
        (``inputs[0]`` is the configuration's digest): ``(value, recalled)``."""

        def made():
            return make(src_uri, *inputs[1:])

        return self._recall.get(name, src_uri, inputs, made) if self._recall is not None else (made(), False)

    def _take_ahead(self, page) -> dict | None:
        """The conversion made ahead for ``page`` (:meth:`convert_cases`; waited for if need
        be), or None if there is none or it was made from other Markdown (a plugin changed it)."""
        index = self._ahead.pop(page.file.src_uri, None)
        if index is None:
            return None
        made = self._made_ahead.take(index)
        return made[2] if made is not None and made[1] == page.markdown else None

    def convert_from_cache(self, page) -> None:
        """Make ``page.render`` take a stored conversion when there is one (else convert and store)."""
        if not self.cache.enabled or self.includes:
            return
        convert = page.render

        def render(config, files):
            key = self.conversion_key(page.file.src_uri, page.markdown)
            self._conversions[page.file.src_uri] = key
            stored = self._take_ahead(page)
            if stored is not None:
                self.cache.put(CONVERSION, key, stored)
            else:
                stored = self.cache.get(CONVERSION, key)
            if stored is None or not self._restore(page, stored, files):
                capture = _Capture()
                logging.root.addHandler(capture)
                try:
                    convert(config, files)
                finally:
                    logging.root.removeHandler(capture)
                stored = self._snapshot(page, capture.records)
                self.cache.put(CONVERSION, key, stored)
            self._clean[page.file.src_uri] = not stored["records"] and _checked_alone(page.file.src_uri, stored)

        page.render = render

    @staticmethod
    def _snapshot(page, records: list) -> dict:
        links = page.links_to_anchors
        return {
            "content": page.content,
            "toc": _toc_data(page.toc),
            "anchors": set(page.present_anchor_ids or ()),
            "links": None if links is None else {f.src_uri: dict(a) for f, a in links.items()},
            "records": records,
        }

    @staticmethod
    def _restore(page, stored: dict, files) -> bool:
        """Set what ``Page.render`` sets; False if the stored links name a file no longer there."""
        links = stored["links"]
        if links is not None:
            targets = {uri: files.get_file_from_path(uri) for uri in links}
            if any(target is None for target in targets.values()):
                return False
            links = {targets[uri]: dict(anchors) for uri, anchors in links.items()}
        page.content = stored["content"]
        page.toc = TableOfContents(_toc(stored["toc"]))
        page.present_anchor_ids = set(stored["anchors"])
        if links is not None or page.links_to_anchors is not None:
            page.links_to_anchors = links
        for name, level, message in stored["records"]:
            logging.getLogger(name).log(level, "%s", message)
        return True

    # Rendering -------------------------------------------------------------------

    def compiled(self, env: jinja2.Environment) -> jinja2.Environment:
        """Keep the templates' compiled code in the cache (Jinja's own bytecode cache, checked
        against each template's source): Material's templates are compiled once, not every build."""
        if self.cache.enabled and env.bytecode_cache is None:
            folder = self.cache.folder / "jinja"
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError:  # a cache that cannot be written is skipped
                return env
            env.bytecode_cache = BytecodeCache(str(folder))
        return env

    def navigation(self, nav) -> None:
        """Note the navigation every page shows (``on_env``: every title is known by then)."""

        def walk(items):
            return [(type(i).__name__, str(i.title), getattr(i, "url", None), walk(i.children or [])) for i in items]

        self._nav = digest(walk(nav.items))

    def also_uses(self, env: jinja2.Environment, names) -> None:
        """Templates the hooks render by name (a macro handed to every template, the parts of a
        case page made for its search document): every page's key includes them, since any
        template may call what the hooks hand it."""
        self._called = digest([self._template(env, name) for name in names])

    def page_key(self, page, context: dict, env: jinja2.Environment, spec) -> str:
        """The digest of everything the page's HTML is made from."""
        template = self._template(env, page.meta.get("template", "main.html"))
        key = Digest(self._config, self._nav, template, self._called)
        content = self._conversions.get(page.file.src_uri)
        key.add(content if content is not None else page.content)
        key.add(
            [page.file.src_uri, page.url, str(page.title), data_digest(plain(page.meta)), _toc_data(page.toc or [])]
        )
        for other in (page.previous_page, page.next_page, page.parent):
            key.add(None if other is None else (str(other.title), getattr(other, "url", None)))
        key.add(context.get("base_url"))
        if spec is not None:
            key.add(spec.key)  # the page's data, digested once when the site was planned
        return key.hexdigest()

    def document(self, page, spec, env: jinja2.Environment, templates: tuple, make) -> str:
        """A case's search document: from the cache if its content, its data and the templates
        that make it (``templates``, names) are the same, else ``make()`` (and stored)."""
        if not self.cache.enabled:
            return make()
        content = self._conversions.get(page.file.src_uri) or digest(page.content)
        sources = [self._template(env, name) for name in templates]
        key = digest(self._config, content, spec.key, sources, page.url)
        document = self.cache.memo(DOCUMENT, key, make)
        shown = None if VERSION_TOKEN in document else document_digest(document)
        self._documents[page.file.src_uri] = (key, shown)
        return document

    def render_from_cache(self, page, context: dict, env: jinja2.Environment, spec) -> None:
        """Give the template the stored HTML (``on_page_context``), or note the page's key so
        that :meth:`store` keeps what is rendered."""
        if not self.cache.enabled:
            return
        try:
            key = self.page_key(page, context, env, spec)
        except TypeError as exc:  # a value with no stable digest: render it, and say why once
            log.debug(f"Casebook: {page.file.src_uri} is rendered without the cache ({exc})")
            return
        self._page_keys[page.file.src_uri] = key
        html = self.cache.get(PAGE, key)
        if isinstance(html, str):
            context[CACHED] = Markup(html)
        else:
            self._pending[page.file.src_uri] = key

    def store(self, page, output: str) -> None:
        """Keep a page rendered in full (``on_post_page``)."""
        key = self._pending.pop(page.file.src_uri, None)
        if key is not None:
            self.rendered += 1
            self.cache.put(PAGE, key, output)

    # Finished pages -----------------------------------------------------------------

    def finished_key(self, spec, env: jinja2.Environment, nav: str, lastmod: str | None) -> str:
        """The digest of everything a case page's HTML follows from that is known in ``on_files``
        (after :meth:`start` and :meth:`also_uses`): the page's Markdown (``spec.content``) and
        planned data, its date, the configuration, ``nav`` (the digest of the navigation's
        sources: the page itself is not in the navigation), its template's sources, and the
        site's list of files when the text can link."""
        template = self._template(env, spec.template)
        fields = (spec.content, spec.key, spec.title, spec.description, list(spec.hide), lastmod)
        inputs = (self._config, nav, template, self._called, self._files, fields)
        return self._recalled("finished", spec.src_uri, inputs, self._finished_key)[0]

    def _finished_key(self, src_uri: str, nav: str, template: str, called: str, files: str, fields: tuple) -> str:
        links = files if _may_link(fields[0]) else ""
        return digest(FINISHED, self._config, nav, template, called, (src_uri, *fields), links)

    def finished(self, key: str) -> dict | None:
        """The stored entry of a case page made from ``key``'s inputs (the keys of its HTML,
        conversion and search document, the document's digest, the page's anchors), or None.
        A copy, so the caller may add to it (:class:`casebook.cache.Memory` shares the stored one)."""
        entry = self.cache.get(FINISHED, key) if self.cache.enabled else None
        if not isinstance(entry, dict) or not isinstance(entry.get("anchors"), list):
            return None
        if not all(isinstance(entry.get(k), str) for k in ("page", "conversion", "document", "digest")):
            return None
        return dict(entry)  # a copy: the build adds the document's text to it, and the cache's may be shared

    def finished_html(self, entry: dict) -> str | None:
        """A finished page's HTML (with the version's stand-in), or None if the cache no longer
        has it; its conversion and search document are kept for later builds."""
        html = self.cache.get(PAGE, entry["page"])
        if not isinstance(html, str):
            return None
        self.cache.keep(CONVERSION, entry["conversion"])
        self.cache.keep(DOCUMENT, entry["document"])
        return html

    def keep_finished(self, entry: dict) -> None:
        """Count a finished page's HTML, conversion and search document as used, without reading
        them (the page is in the site already: ``Written`` in the hooks)."""
        for kind, name in ((PAGE, "page"), (CONVERSION, "conversion"), (DOCUMENT, "document")):
            self.cache.keep(kind, entry[name])

    def stored_document(self, entry: dict) -> str | None:
        """A finished page's search document, or None if the cache no longer has it whole."""
        document = self.cache.get(DOCUMENT, entry["document"])
        return document if isinstance(document, str) and document_digest(document) == entry["digest"] else None

    def remember(self, page, key: str | None) -> None:
        """Note that the page, as just written, is what ``key``'s inputs make (``on_post_page``);
        only a page whose conversion logged nothing and links to no other page's anchor (MkDocs
        checks those links again in every build) and whose search document does not show the version."""
        src = page.file.src_uri
        document = self._documents.get(src)
        if key is None or not self._clean.get(src) or document is None or document[1] is None:
            return
        entry = {
            "page": self._page_keys.get(src),
            "conversion": self._conversions.get(src),
            "document": document[0],
            "digest": document[1],
            "anchors": sorted(page.present_anchor_ids or ()),
        }
        if entry["page"] and entry["conversion"]:
            self._finished.append((key, entry))

    def commit_finished(self, warned: bool) -> int:
        """Store the finished entries noted by :meth:`remember` (``on_post_build``), unless the
        build ``warned`` (logged a warning or an error): MkDocs' own warnings about a page, such
        as one missing from the navigation, are logged when it reads the page, which it would
        not do for a finished page, so a build with any warning finishes nothing for the next.
        Returns how many were stored."""
        done, self._finished = ([] if warned else self._finished), []
        for key, entry in done:
            self.cache.put(FINISHED, key, entry)
        return len(done)

    def _template(self, env: jinja2.Environment, name: str) -> str:
        """The digest of the sources of ``name`` and every template it may use."""
        if name not in self._templates:
            self._templates[name] = digest(sorted(_closure(env, name, self._known, self.cache).items()))
        return self._templates[name]

    def sweep(self, now: float | None = None, stop: Callable[[], bool] | None = None) -> bool:
        """Remove what no build has used for long, at most once every :data:`SWEEP_EVERY` seconds,
        and close (``on_post_build``, after a whole build). Noting every entry a build used
        costs seconds at 10,000 cases, too much for each save under ``mkdocs serve``; entries
        used by builds in between are only aged by their last noted use, which may make a
        later build miss them, never use a wrong one. ``stop()``: see
        :meth:`casebook.cache.BuildCache.sweep`; a sweep stopped half-way is done again by the
        next build. Returns whether it swept."""
        marker = None if self.cache.folder is None else self.cache.folder / SWEPT
        now = time.time() if now is None else now
        try:
            due = marker is None or now - marker.stat().st_mtime >= SWEEP_EVERY
        except OSError:
            due = True
        if due:
            self.cache.sweep(now, stop=stop)
            if marker is not None and not (stop and stop()):
                try:
                    marker.touch()
                except OSError:  # a cache that cannot be written is skipped
                    pass
        self.cache.close()
        return due


SWEEP_EVERY = 3600
"""Seconds between two sweeps of the build cache (:meth:`PageCache.sweep`)."""

SWEPT = "swept"
"""The file in the cache's folder whose time is that of its last sweep."""


INCLUDING = ("pymdownx.snippets", "markdown_include.include", "mdx_include", "markdown_include")
"""Markdown extensions that insert other files into a page (their contents are not in a
conversion's key, so pages are converted every build when one is configured)."""

PLACES = ("site_dir", "docs_dir", "config_file_path", "plugins")
"""Options left out of :func:`config_digest`: where the site is built (``mkdocs serve`` builds
into a new temporary folder every time) and where the library is, which do not change a page;
plugins are keyed by name (their code is the tools' and ours)."""


def config_digest(config) -> str:
    """The digest of the code (the package and the MkDocs wiring next to this module, as this
    process runs them: :func:`casebook.cache.code_digest`), the program running it (MkDocs or
    ProperDocs, whose name each page's ``generator`` tag carries), the tools and MkDocs' whole
    configuration (``config``), with the library's own folder written as ``<root>`` so that a
    moved library keeps its cache; and of what else every page may follow from: the source of
    every hook module ``mkdocs.yml`` lists, the version of each plugin's distribution, and the
    theme's own icons (``<custom_dir>/.icons``, which Material inlines)."""
    root = str(Path(config.config_file_path or ".").resolve().parent)
    options = {k: v for k, v in config.items() if k not in PLACES}
    options["plugins"] = list(config.plugins)
    listed = [(name, _source(module)) for name, module in sorted((config.hooks or {}).items())]
    custom = config.theme.custom_dir
    icons = folder_digest(Path(custom) / ".icons") if custom else ""
    return digest(
        code_digest(),
        type(config).__module__.partition(".")[0],  # mkdocs, properdocs
        listed,
        _plugin_versions(config),
        icons,
        _relative(plain(options), root),
    )


@functools.cache
def _source(module) -> bytes | None:
    """A hook module's source as first read (None if it has no file): MkDocs loads a hook once
    per process, so under ``mkdocs serve`` an edited hook is not what runs."""
    try:
        return Path(module.__file__).read_bytes()
    except (AttributeError, TypeError, OSError):
        return None


def _plugin_versions(config) -> list:
    """``[(plugin name, its distribution's version)]`` for the plugins ``mkdocs.yml`` configures
    (hooks aside): an upgraded plugin may change every page."""
    hooks = set(config.hooks or {})
    names = [name for name in config.plugins if name not in hooks]
    if not names:
        return []
    distributions = importlib.metadata.packages_distributions()
    versions = []
    for name in names:
        top = type(config.plugins[name]).__module__.split(".")[0]
        found = []
        for dist in distributions.get(top, []):
            try:
                found.append((dist, importlib.metadata.version(dist)))
            except importlib.metadata.PackageNotFoundError:
                found.append((dist, None))
        versions.append((name, top, sorted(found)))
    return versions


def _relative(value, root: str):
    if isinstance(value, str):
        return value.replace(root, "<root>")
    if isinstance(value, dict):
        return {k: _relative(v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative(v, root) for v in value]
    return value


def _closure(env: jinja2.Environment, name: str, known: dict, cache: BuildCache) -> dict:
    """``{template name: source}`` for ``name`` and the templates it extends, includes or
    imports, recursively. A name made at render time counts as every template it can be: all
    templates starting with its constant beginning (``"partials/language/" + lang``), or all.
    ``known``: name → (source, names it uses), filled as templates are read (once per build),
    and ("listing", prefix) → the templates with that start."""
    seen: dict = {}
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        if current not in known:
            known[current] = _read_template(env, current, cache, known)
        seen[current], uses = known[current]
        todo.extend(uses)
    return seen


def _read_template(env: jinja2.Environment, name: str, cache: BuildCache, known: dict) -> tuple:
    """A template's source and the names it extends, includes or imports (None, () if missing);
    the names are kept in the cache by the source's digest (parsing Material's templates costs
    more than a hundred cached pages)."""
    try:
        source = env.loader.get_source(env, name)[0]
    except jinja2.TemplateNotFound:
        return None, ()
    if not _may_use_others(env, source):
        return source, ()
    key = digest(code_digest(), source)
    expressions = cache.get(TEMPLATE, key)
    if expressions is None:
        found = env.parse(source).find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))
        expressions = [_shape(node.template) for node in found]
        cache.put(TEMPLATE, key, expressions)
    return source, tuple(n for shape in expressions for n in _names(env, shape, known))


_USES_OTHERS = re.compile(r"\{%[-+]?\s*(?:extends|include|import|from)\b")
"""The start of a Jinja ``extends``, ``include``, ``import`` or ``from`` tag with Jinja's
default delimiters: a template without one uses no other template (most of Material's
``partials/languages/*.html``), so it is not parsed."""


def _may_use_others(env: jinja2.Environment, source: str) -> bool:
    """Whether ``source`` may extend, include or import a template: it has such a tag, or the
    environment's delimiters are not Jinja's defaults (the tag could be written otherwise)."""
    if env.block_start_string != "{%" or env.line_statement_prefix is not None:
        return True
    return _USES_OTHERS.search(source) is not None


def _shape(expr) -> tuple:
    """A template-name expression as plain data: ``(names, prefixes)``, the constant names it can
    give (an ``if``/``else`` or a list gives several) and the constant starts of names made at
    render time (``"partials/" ~ x`` → ``partials/``)."""
    if isinstance(expr, nodes.Const):
        return ((expr.value,) if isinstance(expr.value, str) else tuple(expr.value)), ()
    if isinstance(expr, nodes.CondExpr):
        parts = [_shape(expr.expr1)] + ([_shape(expr.expr2)] if expr.expr2 else [])
    elif isinstance(expr, nodes.List | nodes.Tuple):
        parts = [_shape(item) for item in expr.items]
    else:
        return (), (_prefix(expr),)
    return tuple(n for names, _ in parts for n in names), tuple(p for _, prefixes in parts for p in prefixes)


def _names(env: jinja2.Environment, shape: tuple, known: dict) -> list:
    """The template names a :func:`_shape` can give (``known`` keeps each prefix's listing)."""
    names, prefixes = shape
    return [*names, *(n for prefix in prefixes for n in _templates(env, prefix, known))]


def _templates(env: jinja2.Environment, prefix: str, known: dict) -> list:
    """The templates whose names start with ``prefix`` (found in the folders of MkDocs' theme
    loader, else by listing all). Icons (``.icons/``, thousands of ``.svg`` in Material) are left
    out: they come with the theme's version."""
    if prefix.startswith(".icons"):
        return []
    key = ("listing", prefix)
    if key not in known:
        known[key] = _list_templates(env, prefix)
    return known[key]


def _list_templates(env: jinja2.Environment, prefix: str) -> list:
    folders = getattr(env.loader, "searchpath", None)
    if folders is None or "/" not in prefix:
        names = env.list_templates()
    else:
        sub = prefix.rpartition("/")[0]
        names = [p.relative_to(folder).as_posix() for folder in folders for p in (Path(folder) / sub).rglob("*")]
    return sorted({n for n in names if n.startswith(prefix) and n.endswith((".html", ".xml", ".txt"))})


def _prefix(expr) -> str:
    """The constant start of a computed name (``"partials/" ~ x`` → ``partials/``), else ''."""
    while isinstance(expr, nodes.Add | nodes.Concat):
        expr = expr.left if isinstance(expr, nodes.Add) else expr.nodes[0]
    return expr.value if isinstance(expr, nodes.Const) and isinstance(expr.value, str) else ""


__all__ = ["CACHED", "FinishedPage", "PageCache", "WarningCount", "config_digest"]


class BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file bytecode cache held to the build cache's rules (:mod:`casebook.cache`): a file
    that cannot be read whole (truncated, hand-edited, from another Jinja) is a miss, compiled
    again and written over; one that cannot be written (a read-only folder, a full disk) is
    skipped. Jinja's ``Bucket.load_bytecode`` guards only its ``marshal`` step: a damaged
    checksum pickle raised ``EOFError`` or ``ValueError`` through the build, and
    ``dump_bytecode`` raised the ``OSError`` of its temporary file, in every build until the
    folder was deleted."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # whatever unpickling random bytes raises: not a reason to stop a build
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass
